"""The queue at this counter: issue (normal/priority), call next, recall, skip, finish; today's list.

Finishing the served ticket after an intake links it to the dossier (the receipt screen does that);
here "finish" closes a ticket that led to no dossier.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from edge import tickets

from .. import i18n
from ..widgets.tr import tr
from .base import KioskScreen


def _state(store: Any, counter: str) -> dict[str, Any]:
    todays = tickets.today(store)
    return {"current": tickets.current(store, counter), "today": todays,
            "waiting": sum(1 for t in todays if t.status == "waiting")}


def _do(store: Any, what: str, counter: str, actor: str, current: Any) -> Any:
    if what == "issue":
        return tickets.issue(store, service="general", priority=False, actor=actor)
    if what == "issue_priority":
        return tickets.issue(store, service="general", priority=True, actor=actor)
    if what == "call_next":
        return tickets.call_next(store, counter, actor)
    if current is None:
        return None
    if what == "recall":
        return tickets.recall(store, current.id, actor)
    if what == "skip":
        return tickets.skip(store, current.id, actor)
    if what == "finish":
        return tickets.finish(store, current.id, actor)
    raise ValueError(what)


class QueueScreen(KioskScreen):
    """Buttons (and keys) for the queue actions; the list of today's tickets."""

    TITLE_KEY = "queue.title"
    BINDINGS = [
        Binding("c", "act('call_next')", "Gọi số tiếp", id="queue.call_next"),
        Binding("r", "act('recall')", "Gọi lại", id="queue.recall"),
        Binding("s", "act('skip')", "Bỏ qua", id="queue.skip"),
        Binding("f", "act('finish')", "Xong", id="queue.finish"),
        Binding("i", "act('issue')", "Cấp số", id="queue.issue", show=False),
        Binding("u", "act('issue_priority')", "Cấp số ưu tiên", id="queue.issue_priority", show=False),
    ]

    @property
    def counter(self) -> str:
        return self.app.config.kiosk.counter

    def screen_title(self) -> str:
        return self.t("queue.title", counter=self.counter)

    def compose_body(self) -> ComposeResult:
        yield Static(id="serving", classes="panel")
        with Horizontal(classes="buttons"):
            for action in ("call_next", "recall", "skip", "finish", "issue", "issue_priority"):
                yield tr(Button(id=action, compact=True), f"queue.{action}")
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._state: dict[str, Any] | None = None
        self._columns()
        self.refresh_state()
        self.query_one("#call_next", Button).focus()

    def _columns(self) -> None:
        table = self.query_one("#tickets", DataTable)
        table.clear(columns=True)
        table.add_columns(self.t("queue.col_label"), self.t("queue.col_status"), self.t("queue.col_time"))

    def refresh_state(self) -> None:
        self.run_store("state", _state, self.app.store, self.counter)

    def on_state_done(self, state: dict[str, Any]) -> None:
        self._state = state
        current = state["current"]
        lines = [self.t("queue.serving", label=current.label) if current else self.t("queue.nobody"),
                 self.t("queue.waiting", n=state["waiting"])]
        self.query_one("#serving", Static).update("\n".join(lines))
        table = self.query_one("#tickets", DataTable)
        table.clear()
        for t in state["today"]:
            key = f"queue.status_{t.status}"
            label = self.t(key) if key in i18n.STRINGS else t.status
            table.add_row(t.label, label, t.issued_at[11:16] if t.issued_at else "", key=t.id)

    def action_act(self, what: str) -> None:
        staff = self.app.staff
        if staff is None:
            return
        current = self._state["current"] if self._state else None
        self.run_store("act", _do, self.app.store, what, self.counter, staff.username, current)
        self._last_action = what

    def on_act_done(self, ticket: Any) -> None:
        what = getattr(self, "_last_action", "")
        if ticket is None:
            self.notice.show(self.t("queue.empty" if what == "call_next" else "queue.nobody"), "info")
        elif what.startswith("issue"):
            self.show_ok(self.t("queue.issued", label=ticket.label))
        else:
            self.notice.clear()
        self.refresh_state()

    def on_act_failed(self, error: BaseException) -> None:
        self.show_error(error)
        self.refresh_state()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.action_act(event.button.id)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._columns()
        if self._state:
            self.on_state_done(self._state)
