"""The dashboard's main screen: Fleet and KPI tabs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from ..i18n import localize_bindings, t
from ..widgets.fleet import FleetView
from ..widgets.kpis import KpiView


class MainScreen(Screen):
    """Fleet (default tab) and KPIs; Enter on a commune opens its drill-down."""

    BINDINGS = [
        Binding("t", "toggle_technician", "Cần kỹ thuật viên", id="fleet.technician"),
        Binding("left_square_bracket", "month(-1)", "Tháng trước", id="kpi.prev"),
        Binding("right_square_bracket", "month(1)", "Tháng sau", id="kpi.next"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs"):
            with TabPane("Fleet", id="tab-fleet"):
                yield FleetView(id="fleet")
            with TabPane("KPIs", id="tab-kpis"):
                yield KpiView(id="kpis")
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.apply_language()
        if self.app.snapshot is not None:
            self.show_snapshot()

    def apply_language(self) -> None:
        lang = self.app.lang
        localize_bindings(self, lang)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-fleet").label = t("tab.fleet", lang)
        tabs.get_tab("tab-kpis").label = t("tab.kpis", lang)
        self.refresh_bindings()

    def show_snapshot(self) -> None:
        snap, lang = self.app.snapshot, self.app.lang
        if snap is None:
            return
        self.query_one(FleetView).show(snap.fleet, lang, self.app.technician_only, snap.taken_at)
        self.query_one(KpiView).show(snap, lang)
        from .. import format as fmt
        self.query_one("#status-line", Static).update(
            t("updated", lang, at=fmt.local_time(snap.taken_at.isoformat(), snap.taken_at)))

    def show_error(self, message: str) -> None:
        self.query_one("#status-line", Static).update(message)

    def action_toggle_technician(self) -> None:
        self.app.technician_only = not self.app.technician_only
        self.show_snapshot()

    def action_month(self, step: int) -> None:
        self.app.shift_month(int(step))

    def on_fleet_view_commune_chosen(self, message: FleetView.CommuneChosen) -> None:
        self.app.open_commune(message.commune)

    def on_kpi_view_commune_chosen(self, message: KpiView.CommuneChosen) -> None:
        self.app.open_commune(message.commune)
