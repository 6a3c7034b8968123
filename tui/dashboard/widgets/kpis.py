"""The KPI view of one month: province summary, two plots, a table per commune, processing times."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from sync import kpi

from .. import format as fmt
from ..i18n import t
from .plots import ElectronicSharePlot, ReceivedPlot, month_label

COLUMNS = ("col.commune", "col.received", "col.on_time", "col.late", "col.in_progress", "col.overdue",
           "col.online_share", "col.electronic_share", "col.wait", "col.service", "col.forms")
PROC_COLUMNS = ("col.procedure", "col.finished", "col.avg_days")


def kpi_cells(commune: str, d: kpi.DossierKpi, q: kpi.QueueKpi, f: kpi.FormKpi, lang: str) -> list[str]:
    """One row of the commune table."""
    name = t("kpi.province", lang) if commune == "*" else commune
    return [name, fmt.count(d.received), fmt.count(d.done_on_time), fmt.count(d.late), fmt.count(d.in_progress),
            fmt.count(d.overdue_now), fmt.pct(d.online_share), fmt.pct(d.electronic_share),
            fmt.minutes(q.avg_wait_min), fmt.minutes(q.avg_service_min), f"{f.submitted}/{f.due}"]


class KpiView(VerticalScroll):
    """Shows a Snapshot's KPIs. Posts `CommuneChosen` when a commune row is opened (Enter)."""

    @dataclass
    class CommuneChosen(Message):
        commune: str

    def compose(self) -> ComposeResult:
        yield Static(id="kpi-heading")
        yield Static(id="kpi-summary")
        with Horizontal(id="kpi-plots"):
            yield ElectronicSharePlot(id="plot-electronic")
            yield ReceivedPlot(id="plot-received")
        yield DataTable(id="kpi-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="kpi-procedures-title")
        yield DataTable(id="kpi-procedures", cursor_type="row")

    def show(self, snap, lang: str) -> None:
        total = snap.dossiers.get("*") or kpi.DossierKpi("*", snap.month)
        self.query_one("#kpi-heading", Static).update(t("kpi.heading", lang, month=month_label(snap.month)))
        self.query_one("#kpi-summary", Static).update(t(
            "kpi.summary", lang, received=fmt.count(total.received), on_time=fmt.count(total.done_on_time),
            late=fmt.count(total.late), in_progress=fmt.count(total.in_progress),
            overdue=fmt.count(total.overdue_now), online=fmt.pct(total.online_share),
            electronic=fmt.pct(total.electronic_share), target=fmt.pct(kpi.ELECTRONIC_TARGET)))
        self.query_one(ElectronicSharePlot).show(snap.trend, lang)
        self.query_one(ReceivedPlot).show(snap.trend, lang)
        table = self.query_one("#kpi-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*(t(c, lang) for c in COLUMNS))
        for c in snap.communes() + ["*"]:
            d = snap.dossiers.get(c) or kpi.DossierKpi(c, snap.month)
            q = snap.queue.get(c) or kpi.QueueKpi(c, snap.month)
            f = snap.forms.get(c) or kpi.FormKpi(c, snap.month)
            table.add_row(*kpi_cells(c, d, q, f, lang), key=c)
        self.query_one("#kpi-procedures-title", Static).update(t("kpi.procedures", lang))
        procs = self.query_one("#kpi-procedures", DataTable)
        procs.clear(columns=True)
        procs.add_columns(*(t(c, lang) for c in PROC_COLUMNS))
        for p in snap.procedures:
            procs.add_row(p.procedure_code, fmt.count(p.finished), f"{p.avg_days:.1f}", key=p.procedure_code)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "kpi-table" and event.row_key.value != "*":
            self.post_message(self.CommuneChosen(str(event.row_key.value)))
