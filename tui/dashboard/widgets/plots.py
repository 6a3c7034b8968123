"""Plots of the KPI view (textual-plotext): the electronic share per month against the plan's target
line, and dossiers received per month split online / counter."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from sync import kpi

from ..i18n import t


def month_label(month: str) -> str:
    """"2026-11" → "11/26"."""
    return f"{month[5:]}/{month[2:4]}"


class ElectronicSharePlot(PlotextPlot):
    """Bars: share of dossiers processed electronically per month (%); a line at the target."""

    def show(self, trend: list[kpi.DossierKpi], lang: str, target: float = kpi.ELECTRONIC_TARGET) -> None:
        plt = self.plt
        plt.clear_figure()
        labels = [month_label(k.month) for k in trend]
        values = [round(100 * (k.electronic_share or 0.0), 1) for k in trend]
        plt.title(t("kpi.plot_electronic", lang, target=round(target * 100)))
        xs = list(range(1, len(labels) + 1))
        plt.bar(xs, values, color="cyan", width=0.6)
        plt.xticks(xs[::-2][::-1], labels[::-2][::-1])     # numeric positions, explicit ticks: the same drawing every run
        plt.hline(target * 100, "red")
        plt.ylim(0, 100)
        self.refresh()


class ReceivedPlot(PlotextPlot):
    """Stacked bars: dossiers received per month, online and at the counter."""

    def show(self, trend: list[kpi.DossierKpi], lang: str) -> None:
        plt = self.plt
        plt.clear_figure()
        labels = [month_label(k.month) for k in trend]
        plt.title(t("kpi.plot_received", lang))
        xs = list(range(1, len(labels) + 1))
        plt.stacked_bar(xs, [[k.online for k in trend], [k.counter for k in trend]],
                        labels=[t("kpi.online", lang), t("kpi.counter", lang)], color=["green", "blue"],
                        width=0.6)
        plt.xticks(xs[::-2][::-1], labels[::-2][::-1])
        self.refresh()
