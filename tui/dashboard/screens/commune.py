"""A commune's drill-down: its dossiers (search, status, history), conflicts and quarantined
messages with their reasons, and the action that asks the commune to send its data again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static, TabbedContent, TabPane

from edge.dossiers import STATUSES
from sync import kpi

from ...i18n import status_label
from .. import format as fmt
from ..i18n import localize_bindings, t


class CommuneScreen(Screen):
    """Drill-down into one commune. Reads in worker threads; `r` re-requests the commune's data."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Quay lại", id="app.back"),
        Binding("r", "resend", "Yêu cầu gửi lại dữ liệu", id="commune.resend"),
        Binding("f2", "show_tab('tab-dossiers')", "Hồ sơ", id="commune.dossiers"),
        Binding("f3", "show_tab('tab-conflicts')", "Xung đột", id="commune.conflicts"),
        Binding("f4", "show_tab('tab-quarantine')", "Tin bị cách ly", id="commune.quarantine"),
    ]

    @dataclass
    class DossiersLoaded(Message):
        dossiers: list[dict[str, Any]]

    @dataclass
    class IssuesLoaded(Message):
        conflicts: list[dict[str, Any]]
        quarantine: list[dict[str, Any]]

    @dataclass
    class HistoryLoaded(Message):
        code: str
        rows: list[dict[str, Any]]

    def __init__(self, commune: str) -> None:
        super().__init__()
        self.commune = commune

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        yield Header(show_clock=False)
        yield Static(t("commune.title", lang, commune=self.commune), id="commune-title")
        with TabbedContent(id="commune-tabs"):
            with TabPane(t("commune.dossiers", lang), id="tab-dossiers"):
                with Horizontal(id="dossier-filters"):
                    yield Input(placeholder=t("commune.search", lang), id="dossier-search")
                    yield Select([(status_label(s, lang), s) for s in STATUSES], prompt=t("commune.all_statuses", lang),
                                 id="dossier-status")
                with Vertical(id="dossier-panes"):
                    yield DataTable(id="dossier-table", cursor_type="row", zebra_stripes=True)
                    yield Static(t("commune.no_history", lang), id="history-title")
                    yield DataTable(id="history-table", cursor_type="row")
            with TabPane(t("commune.conflicts", lang), id="tab-conflicts"):
                yield DataTable(id="conflict-table", cursor_type="row")
            with TabPane(t("commune.quarantine", lang), id="tab-quarantine"):
                yield DataTable(id="quarantine-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.app.lang)
        self.refresh_bindings()
        self.reload_all()

    # ---- loading

    def _filters(self) -> tuple[str, str | None]:
        status = self.query_one("#dossier-status", Select).value
        return self.query_one("#dossier-search", Input).value, (status if isinstance(status, str) else None)

    def reload_all(self) -> None:
        """Read everything the screen shows (on mount and on an explicit refresh)."""
        self._load_issues()
        self.reload()

    def reload(self) -> None:
        """Read the dossier list again (the filters changed); conflicts and quarantine do not depend on them."""
        search, status = self._filters()
        self._load(search, status)

    @work(thread=True, exclusive=True, group="commune-load", exit_on_error=False)
    def _load(self, search: str, status: str | None) -> None:
        self.post_message(self.DossiersLoaded(kpi.commune_dossiers(self.app.store, self.commune, status=status,
                                                                   search=search)))

    @work(thread=True, exclusive=True, group="commune-issues", exit_on_error=False)
    def _load_issues(self) -> None:
        store = self.app.store
        self.post_message(self.IssuesLoaded(kpi.commune_conflicts(store, self.commune),
                                            kpi.commune_quarantine(store, self.commune)))

    @work(thread=True, exclusive=True, group="commune-history", exit_on_error=False)
    def _load_history(self, dossier_id: str, code: str) -> None:
        self.post_message(self.HistoryLoaded(code, kpi.dossier_history(self.app.store, dossier_id)))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload()

    # ---- showing

    def on_commune_screen_dossiers_loaded(self, message: DossiersLoaded) -> None:
        lang = self.app.lang
        table = self.query_one("#dossier-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*(t(c, lang) for c in ("col.code", "col.procedure", "col.status", "col.channel",
                                                 "col.received_at", "col.due", "col.finished_at")))
        for r in message.dossiers:
            table.add_row(r["code"], r["procedure_code"], status_label(r["status"], lang),
                          t(f"channel.{r['channel']}", lang), fmt.local_date(r["received_at"]),
                          fmt.local_date(r["due_date"]), fmt.local_date(r["finished_at"]),
                          key=f"{r['id']}|{r['code']}")

    def on_commune_screen_issues_loaded(self, message: IssuesLoaded) -> None:
        lang, now = self.app.lang, self.app.clock()
        conf = self.query_one("#conflict-table", DataTable)
        conf.clear(columns=True)
        conf.add_columns(*(t(c, lang) for c in ("col.detected", "col.table", "col.record", "col.version",
                                                "col.device")))
        for r in message.conflicts:
            conf.add_row(fmt.local_time(r["detected_at"], now), r["tbl"], r["record_id"], str(r["version"]),
                         f"{r['device']} / {r['held_device'] or fmt.DASH}", key=str(r["cid"]))
        quar = self.query_one("#quarantine-table", DataTable)
        quar.clear(columns=True)
        quar.add_columns(*(t(c, lang) for c in ("col.at", "col.topic", "col.size", "col.reason")))
        for r in message.quarantine:
            quar.add_row(fmt.local_time(r["received_at"], now), r["topic"], fmt.count(r["size"]), r["reason"],
                         key=str(r["qid"]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "dossier-table" and event.row_key is not None and event.row_key.value:
            dossier_id, code = str(event.row_key.value).split("|", 1)
            self._load_history(dossier_id, code)

    def on_commune_screen_history_loaded(self, message: HistoryLoaded) -> None:
        lang, now = self.app.lang, self.app.clock()
        self.query_one("#history-title", Static).update(t("commune.history", lang, code=message.code))
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*(t(c, lang) for c in ("col.at", "col.from", "col.to", "col.actor", "col.note")))
        for i, r in enumerate(message.rows):
            table.add_row(fmt.local_time(r["at"], now), status_label(r["from_status"], lang) or fmt.DASH,
                          status_label(r["to_status"], lang), r["actor"] or "", r["note"] or "", key=str(i))

    # ---- actions

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#commune-tabs", TabbedContent).active = tab
        target = {"tab-dossiers": "#dossier-table", "tab-conflicts": "#conflict-table",
                  "tab-quarantine": "#quarantine-table"}[tab]
        self.query_one(target, DataTable).focus()

    def action_resend(self) -> None:
        self.app.request_resend(self.commune)
