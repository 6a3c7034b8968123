"""The commune kiosk: citizen mode for the waiting area, staff mode behind a PIN.

The app holds what every screen shares — the config, the open store, the staff session, the language
and the Vietnamese typing method — and orchestrates modes and screens; the screens do the work.
Two Textual modes keep two screen stacks: "citizen" (the default, and where an idle kiosk returns)
and "staff" (created at login). Locking a session switches to citizen mode without dropping the
staff stack, so typed work survives a lock and comes back after the same person's PIN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime
from typing import Any, Callable, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from edge.clock import local_now

from . import i18n
from .i18n import t
from .printing import NoPrinter, SlipPrinter
from .telex import METHODS
from .widgets.tr import relabel

#: How often the idle timer looks at the last activity (seconds).
IDLE_CHECK_SECONDS = 1.0

#: Staff screens by name, imported when first opened (keeps start-up fast).
STAFF_SCREENS = {
    "home": ("tui.screens.home", "HomeScreen"),
    "intake": ("tui.screens.intake", "IntakeScreen"),
    "dossiers": ("tui.screens.dossiers", "DossiersScreen"),
    "catalogue": ("tui.screens.catalogue", "CatalogueScreen"),
    "queue": ("tui.screens.queue", "QueueScreen"),
    "forms": ("tui.screens.forms", "FormsScreen"),
    "sync": ("tui.screens.sync", "SyncScreen"),
    "admin": ("tui.screens.admin", "AdminScreen"),
}
ADMIN_ONLY = ("admin",)


def _load(module: str, name: str) -> type[Screen]:
    import importlib
    return getattr(importlib.import_module(module), name)


@dataclass
class Session:
    """The logged-in staff member; `locked` while the kiosk is back in citizen mode."""

    member: Any
    locked: bool = False

    @property
    def username(self) -> str:
        return self.member.username


class KioskApp(App):
    """The kiosk. `KioskApp(config, store)`; `clock` returns the local time shown on screen."""

    CSS_PATH = Path(__file__).with_name("kiosk.tcss")
    TITLE = "Một cửa"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS = [
        Binding("f1", "toggle_language", "English", id="app.toggle_language"),
        Binding("f2", "toggle_typing", "V/E", id="app.toggle_typing"),
        Binding("alt+z", "toggle_typing", "V/E", id="app.toggle_typing_unikey", show=False),
        Binding("f10", "staff_login", "Cán bộ", id="app.staff_login"),
        Binding("f12", "lock", "Khóa", id="app.lock"),
        Binding("ctrl+q", "quit", "Thoát", id="app.quit", show=False, priority=True),
    ]

    class Scanned(Message):
        """A line from the hardware service's QR scanner (`kind`: cccd, cccd_invalid, dossier,
        ticket, unknown; `citizen` is the parsed applicant of a CCCD)."""

        def __init__(self, kind: str, text: str, citizen: Any = None, error: str | None = None,
                     field: str | None = None):
            super().__init__()
            self.kind = kind
            self.text = text
            self.citizen = citizen
            self.error = error
            self.field = field

    language: reactive[str] = reactive("vi", init=False)
    vietnamese: reactive[bool] = reactive(True, init=False)
    input_method: reactive[str] = reactive("telex", init=False)

    def __init__(self, config: Any, store: Any, *, printer: SlipPrinter | None = None,
                 clock: Callable[[], datetime] | None = None, demo: bool = False,
                 cursor_blink: bool = True):
        super().__init__()
        self.cursor_blink = cursor_blink
        self.config = config
        self.store = store
        self.printer: SlipPrinter = printer or NoPrinter()
        self.clock = clock or local_now
        self.demo = demo
        self.session: Session | None = None
        self._last_activity = time.monotonic()
        kiosk = config.kiosk
        self.set_reactive(KioskApp.language, kiosk.language)
        self.set_reactive(KioskApp.input_method,
                          kiosk.input_method if kiosk.input_method in METHODS else "telex")
        self.set_reactive(KioskApp.vietnamese, kiosk.input_method != "off")

    # -- start-up ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from .screens.citizen import CitizenHomeScreen
        i18n.localize_bindings(self, self.language)
        self.add_mode("citizen", CitizenHomeScreen)
        self.switch_mode("citizen")
        self.set_interval(IDLE_CHECK_SECONDS, self.check_inactivity)

    def t(self, key: str, **values: Any) -> str:
        return t(key, self.language, **values)

    def title_line(self, title: str) -> str:
        """The text of every screen's title bar."""
        parts = [self.config.commune.name, title]
        if self.demo:
            parts.append(self.t("app.demo"))
        if self.session and not self.session.locked and self.current_mode == "staff":
            parts.append(self.session.member.full_name)
        parts.append(self.clock().strftime("%H:%M"))
        return " · ".join(p for p in parts if p)

    # -- activity and idle ---------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_activity = time.monotonic()
        await super().on_event(event)

    def idle_for(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self._last_activity

    def check_inactivity(self, now: float | None = None) -> None:
        """Lock an idle staff session; bring an idle citizen screen back to its start."""
        idle = self.idle_for(now)
        kiosk = self.config.kiosk
        if self.current_mode == "staff" and idle >= kiosk.staff_lock_seconds:
            self.lock_session()
        elif self.current_mode == "citizen" and idle >= kiosk.idle_seconds:
            while len(self.screen_stack) > 1:
                self.pop_screen()

    # -- staff session -------------------------------------------------------------------------
    def action_staff_login(self) -> None:
        if self.current_mode == "staff":
            return
        from .screens.login import LoginScreen
        if not isinstance(self.screen, LoginScreen):
            self.push_screen(LoginScreen())

    def logged_in(self, member: Any) -> None:
        """Open staff mode for `member`; the same person's locked session resumes where it was."""
        if self.session and self.session.locked and self.session.username == member.username:
            self.session.locked = False
            self.session.member = member
        else:
            self._drop_staff_mode()
            self.session = Session(member)
            self.add_mode("staff", _load(*STAFF_SCREENS["home"]))
        # The login screen is on the citizen stack; leave citizen mode at its start.
        while len(self._screen_stacks.get("citizen", [])) > 1 and self.current_mode == "citizen":
            self.pop_screen()
        self.switch_mode("staff")
        self.refresh_bindings()

    def _drop_staff_mode(self) -> None:
        if "staff" in self._modes:
            if self.current_mode == "staff":
                self.switch_mode("citizen")
            self.remove_mode("staff")

    def lock_session(self) -> None:
        """Back to citizen mode; the staff screens wait, unreachable without the PIN."""
        if self.session is None:
            return
        self.session.locked = True
        if self.current_mode == "staff":
            self.switch_mode("citizen")
        self.refresh_bindings()

    def action_lock(self) -> None:
        self.lock_session()

    def logout(self) -> None:
        """End the session; its screens and anything typed in them are dropped."""
        self.session = None
        self._drop_staff_mode()
        self.refresh_bindings()

    @property
    def staff(self) -> Any:
        """The staff member working now, or None (no session, or locked)."""
        if self.session and not self.session.locked and self.current_mode == "staff":
            return self.session.member
        return None

    def goto(self, name: str, **options: Any) -> None:
        """Open a staff screen by name on top of Home (staff mode only); `options` go to the screen."""
        if self.staff is None or name not in STAFF_SCREENS:
            return
        if name in ADMIN_ONLY and self.staff.role != "admin":
            self.screen_notice(self.t("admin.forbidden"), "error")
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if name != "home":
            self.push_screen(_load(*STAFF_SCREENS[name])(**options))

    # -- scans from the hardware service -------------------------------------------------------
    def on_kiosk_app_scanned(self, message: "KioskApp.Scanned") -> None:
        """The screen in front takes the scan if it can; else a dossier code opens the lookup
        (citizen) or the dossier search (staff), and a CCCD opens the intake (staff)."""
        self._last_activity = time.monotonic()
        take = getattr(self.screen, "on_scan", None)
        if take is not None and take(message):
            return
        if message.kind == "dossier":
            if self.current_mode == "citizen":
                from .screens import citizen
                citizen.open_citizen(self, "lookup", code=message.text)
            elif self.staff is not None:
                self.goto("dossiers", search=message.text)
        elif message.kind in ("cccd", "cccd_invalid") and self.staff is not None:
            self.goto("intake", scan=message)
        else:
            self.screen_notice(self.t("scan.not_here"), "info")

    def screen_notice(self, text: str, kind: str = "info") -> None:
        notice = getattr(self.screen, "notice", None)
        if notice is not None:
            notice.show(text, kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit":
            return self.staff is not None or self.demo
        if action == "lock":
            return self.staff is not None
        if action == "staff_login":
            return self.current_mode != "staff"
        return True

    # -- language and typing -------------------------------------------------------------------
    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "vi" else "vi"

    def watch_language(self, lang: str) -> None:
        i18n.localize_bindings(self, lang)
        for stack in self._screen_stacks.values():
            for screen in stack:
                self.apply_language(screen)
        self.refresh_bindings()

    def apply_language(self, screen: Screen) -> None:
        i18n.localize_bindings(screen, self.language)
        relabel(screen, self.language)
        hook = getattr(screen, "on_language", None)
        if hook is not None:
            hook(self.language)

    def action_toggle_typing(self) -> None:
        self.vietnamese = not self.vietnamese

    def action_switch_method(self) -> None:
        self.input_method = "vni" if self.input_method == "telex" else "telex"
        self.vietnamese = True

    # -- command palette -----------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        def cmd(key: str, callback: Callable[[], Any]) -> SystemCommand:
            return SystemCommand(self.t(key), self.t(key + ".help"), callback)

        if self.staff is not None:
            for name in ("home", "intake", "dossiers", "catalogue", "queue", "forms", "sync"):
                yield cmd(f"cmd.{name}", lambda n=name: self.goto(n))
            if self.staff.role == "admin":
                yield cmd("cmd.admin", lambda: self.goto("admin"))
            yield cmd("cmd.lock", self.lock_session)
        else:
            from .screens import citizen
            yield cmd("cmd.lookup", lambda: citizen.open_citizen(self, "lookup"))
            yield cmd("cmd.catalogue", lambda: citizen.open_citizen(self, "browse"))
            yield cmd("cmd.ticket", lambda: citizen.open_citizen(self, "ticket"))
            yield cmd("cmd.login", self.action_staff_login)
        yield cmd("cmd.language", self.action_toggle_language)
        yield cmd("cmd.typing", self.action_toggle_typing)
        yield cmd("cmd.method", self.action_switch_method)

    def on_unmount(self) -> None:
        close = getattr(self.printer, "close", None)
        if close is not None:
            close()
