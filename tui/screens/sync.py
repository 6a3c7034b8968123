"""Sync with the province: outbox backlog by table, the oldest unsent record's age, the last ack,
and the link history the sync agent records in the store's meta table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from edge import outbox, status as edge_status
from edge.clock import parse_iso

from ..widgets.tr import tr
from .base import KioskScreen
from .home import last_sync, link_is_up, short_time


def age_text(since: str | None, now: datetime) -> str | None:
    """"3 ngày 4 giờ"-style age of an ISO time (None when absent); minutes under an hour."""
    if not since:
        return None
    try:
        seconds = max(0, int((now - parse_iso(since)).total_seconds()))
    except ValueError:
        return since
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _load(store: Any) -> tuple[Any, dict[str, Any], bool]:
    return outbox.stats(store), edge_status.sync_state(store), store.hlc.clock_trusted()


class SyncScreen(KioskScreen):
    TITLE_KEY = "sync.title"
    BINDINGS = [Binding("r", "refresh", "Tải lại", id="home.refresh")]

    def compose_body(self) -> ComposeResult:
        yield Static(id="sync-summary", classes="panel")
        yield DataTable(id="by-table", cursor_type="row")
        yield tr(Label(), "sync.history")
        yield Static(id="link-history")

    def on_mount(self) -> None:
        super().on_mount()
        self._data: tuple[Any, dict[str, Any], bool] | None = None
        self.action_refresh()
        self.set_interval(10, self.action_refresh)

    def action_refresh(self) -> None:
        self.run_store("load", _load, self.app.store)

    def on_load_done(self, data: tuple[Any, dict[str, Any], bool]) -> None:
        self._data = data
        stats, state, trusted = data
        now = self.app.clock()
        up = link_is_up(state)
        lines = [self.t("home.sync_never" if up is None else "home.sync_up" if up else "home.sync_down"),
                 self.t("sync.pending", n=stats.pending),
                 self.t("sync.oldest", age=self._age(stats.oldest_pending_at, now, "sync.none")),
                 self.t("sync.last_ack", when=short_time(stats.last_acked_at) or self.t("sync.never"))]
        when = last_sync(state)
        if when:
            lines.append(self.t("home.last_sync", when=short_time(when)))
        lines.append(self.t("sync.clock_ok") if trusted else self.t("home.clock_untrusted"))
        table = self.query_one("#by-table", DataTable)
        table.clear(columns=True)
        table.add_columns(self.t("sync.col_table"), self.t("sync.col_pending"))
        for name, n in sorted(stats.by_table.items()):
            table.add_row(name, str(n))
        if state.get("last_error"):
            lines.append(self.t("sync.last_error", error=str(state["last_error"])[:200]))
        if state.get("updated_at"):
            lines.append(self.t("sync.updated", when=short_time(str(state["updated_at"]))))
        self.query_one("#sync-summary", Static).update("\n".join(lines))
        history = state.get("history")
        rows = [f"{short_time(str(h.get('at') or ''))}  "
                f"{self.t('home.sync_up' if h.get('state') == 'up' else 'home.sync_down')}  "
                f"{h.get('detail') or ''}".rstrip()
                for h in (history[-8:] if isinstance(history, list) else []) if isinstance(h, dict)]
        self.query_one("#link-history", Static).update("\n".join(rows) or self.t("sync.none"))

    def _age(self, since: str | None, now: datetime, empty_key: str) -> str:
        age = age_text(since, now)
        return self.t("sync.age", age=age) if age else self.t(empty_key)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if self._data:
            self.on_load_done(self._data)
