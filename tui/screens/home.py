"""Staff Home: today's queue, dossiers due today and overdue, intake count, sync state and the
clock-trust warning, and the menu of staff screens (number keys)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Button, Static

from edge import dossiers, outbox, status as edge_status, tickets

from ..timefmt import local_time
from ..widgets.tr import tr
from .base import KioskScreen

MENU = ("intake", "dossiers", "queue", "catalogue", "forms", "sync", "admin")


def link_is_up(state: dict[str, Any]) -> bool | None:
    """True/False as the sync agent last said (`edge.status.sync_state`), None when it never ran."""
    return bool(state.get("connected")) if state else None


def last_sync(state: dict[str, Any]) -> str | None:
    """When the province was last heard from."""
    return state.get("last_contact_at") or None


def short_time(text: str | None) -> str:
    """An ISO time as local "HH:MM dd/mm" (the text itself if it is not one)."""
    return local_time(text, "%H:%M %d/%m")


def home_summary(store: Any, now: datetime) -> dict[str, Any]:
    """Everything the Home screen shows, read in one go (in a worker thread)."""
    today = now.date()
    todays = tickets.today(store)
    stats = outbox.stats(store)
    return {
        "waiting": sum(1 for t in todays if t.status == "waiting"),
        "serving": sum(1 for t in todays if t.status == "called"),
        "due_today": dossiers.count_dossiers(store, due="today", today=today),
        "overdue": dossiers.count_dossiers(store, due="overdue", today=today),
        "received_today": dossiers.count_received_since(store, today),
        "pending": stats.pending,
        "sync": edge_status.sync_state(store),
        "clock_trusted": store.hlc.clock_trusted(),
    }


class HomeScreen(KioskScreen):
    """The base screen of staff mode."""

    TITLE_KEY = "home.title"
    BINDINGS = [
        Binding(str(i + 1), f"open('{name}')", name, id=f"menu.{name}", show=False)
        for i, name in enumerate(MENU)
    ] + [Binding("ctrl+l", "logout", "Đăng xuất", id="app.logout"),
         Binding("r", "refresh", "Tải lại", id="home.refresh", show=False)]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="home-panel", classes="panel"):
            yield Static(id="who")
            yield tr(Static(id="summary"), "home.loading")
            yield Static(id="sync-line")
            yield Static(id="clock-warning")
        yield tr(Static(classes="menu-title"), "home.menu")
        with Grid(id="menu"):
            for name in MENU:
                yield tr(Button(id=f"menu-{name}", compact=True), f"menu.{name}")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#clock-warning").display = False
        staff = self.app.staff
        if staff is None or staff.role != "admin":
            self.query_one("#menu-admin").display = False
        self._summary: dict[str, Any] | None = None
        self._who()
        self.action_refresh()
        self.set_interval(30, self._tick)
        self.query_one("#menu-intake", Button).focus()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.action_refresh()

    def _who(self) -> None:
        member = self.app.session.member if self.app.session else None
        if member is not None:
            self.query_one("#who", Static).update(
                self.t("home.hello", name=member.full_name, role=self.t(f"role.{member.role}")))

    def _tick(self) -> None:
        """The periodic refresh, only while Home is shown (returning to it refreshes anyway)."""
        if self.app.screen is self:  # not `is_current`, which also counts a screen just below the top
            self.action_refresh()

    def action_refresh(self) -> None:
        self.run_store("summary", home_summary, self.app.store, self.app.clock())

    def on_summary_done(self, s: dict[str, Any]) -> None:
        self._summary = s
        lines = [self.t("home.queue", waiting=s["waiting"], serving=s["serving"]),
                 self.t("home.due_today", n=s["due_today"]) + "   " + self.t("home.overdue", n=s["overdue"]),
                 self.t("home.intake_today", n=s["received_today"])]
        self.query_one("#summary", Static).update("\n".join(lines))
        up = link_is_up(s["sync"])
        link = self.t("home.sync_never" if up is None else "home.sync_up" if up else "home.sync_down")
        parts = [link, self.t("home.backlog", n=s["pending"])]
        when = last_sync(s["sync"])
        if when:
            parts.append(self.t("home.last_sync", when=short_time(when)))
        self.query_one("#sync-line", Static).update(" · ".join(parts))
        warn = self.query_one("#clock-warning", Static)
        warn.display = not s["clock_trusted"]
        if not s["clock_trusted"]:
            warn.update(self.t("home.clock_untrusted"))

    def action_open(self, name: str) -> None:
        self.app.goto(name)

    def action_back(self) -> None:
        """Home is the base of staff mode."""

    def action_logout(self) -> None:
        self.app.logout()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("menu-"):
            self.action_open(event.button.id[5:])

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._who()
        if self._summary is not None:
            self.on_summary_done(self._summary)
