"""The fleet table: one row per commune, problems first and coloured, a technician filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from sync import kpi

from .. import format as fmt
from ..i18n import t

SEVERITY_STYLE = {2: "bold red", 1: "yellow", 0: ""}
COLUMNS = ("col.commune", "col.state", "col.last_seen", "col.backlog", "col.oldest", "col.disk", "col.drift",
           "col.software", "col.catalogue", "col.printer", "col.modem", "col.problems")


def link_state(r: kpi.FleetRow) -> str:
    if not r.devices:
        return "state.never"
    if not r.online:
        return "state.offline"
    return "state.silent" if "silent" in r.problems else "state.online"


def fleet_cells(r: kpi.FleetRow, lang: str, now: datetime) -> list[str]:
    """The text of one commune's row (`now`: the app's clock)."""
    return [f"{r.commune} {r.name}" if r.name else r.commune, t(link_state(r), lang), fmt.local_time(r.last_seen, now), fmt.count(r.backlog),
            fmt.age(r.oldest_pending_age_s, lang), fmt.mb(r.free_disk_mb), fmt.drift(r.clock_drift_s),
            r.software or fmt.DASH, fmt.DASH if r.catalogue_version is None else str(r.catalogue_version),
            r.printer or fmt.DASH, r.modem or fmt.DASH,
            ", ".join(t(f"problem.{p}", lang) for p in r.problems)]


class FleetView(Vertical):
    """Shows `Snapshot.fleet`. Posts `CommuneChosen` when a row is opened (Enter)."""

    @dataclass
    class CommuneChosen(Message):
        commune: str

    #: what the table shows now (header and rows), so an unchanged refresh leaves it alone
    _drawn: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(id="fleet-summary")
        yield Static(id="fleet-filter")
        yield DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)

    @property
    def table(self) -> DataTable:
        return self.query_one("#fleet-table", DataTable)

    def show(self, rows: list[kpi.FleetRow], lang: str, technician_only: bool, now: datetime) -> None:
        online = sum(1 for r in rows if r.online)
        offline = sum(1 for r in rows if r.devices and not r.online)
        problems = sum(1 for r in rows if r.severity)
        self.query_one("#fleet-summary", Static).update(
            t("fleet.summary", lang, total=len(rows), online=online, offline=offline, problems=problems)
            if rows else t("fleet.empty", lang))
        note = self.query_one("#fleet-filter", Static)
        note.update(t("fleet.filter_on", lang) if technician_only else "")
        note.display = technician_only
        shown = [r for r in rows if r.needs_technician] if technician_only else rows
        drawn = (tuple(t(c, lang) for c in COLUMNS),
                 tuple((r.commune, r.severity, tuple(fleet_cells(r, lang, now))) for r in shown))
        if drawn == self._drawn:
            return      # the same table again (e.g. the trend arriving after a cold start's first screen)
        self._drawn = drawn
        table = self.table
        keep = None
        if table.row_count and table.cursor_row is not None:
            try:
                keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            except Exception:  # noqa: BLE001 - an empty or changed table has no cursor key
                keep = None
        table.clear(columns=True)
        table.add_columns(*drawn[0])
        for commune, severity, cells in drawn[1]:
            style = SEVERITY_STYLE[severity]
            table.add_row(*(Text(c, style=style) for c in cells), key=commune)
        if keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(keep))
            except Exception:  # noqa: BLE001 - the commune is filtered out now
                pass

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.CommuneChosen(str(event.row_key.value)))
