"""Staff login: user name and PIN, checked by `edge.staff.login` in a thread.

A wrong PIN keeps the user name and clears the PIN; a lock-out says until when. A locked session
is offered back to the same person first.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from edge import errors as E

from ..timefmt import local_time
from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen


def _login(store: Any, username: str, pin: str) -> Any:
    from edge import staff
    return staff.login(store, username, pin)


class LoginScreen(KioskScreen):
    """User name + PIN. On success the app opens (or resumes) staff mode."""

    TITLE_KEY = "login.title"

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="form", id="login-form"):
            yield Static(id="locked-session")
            yield tr(Label(), "login.username")
            yield VietInput(id="username", method="off", compact=True, max_length=40)
            yield tr(Label(), "login.pin")
            yield VietInput(id="pin", method="off", password=True, compact=True, max_length=12,
                            restrict=r"[0-9]*")
            with Horizontal(classes="buttons"):
                yield tr(Button(id="login", variant="primary", compact=True), "login.submit")
                yield tr(Button(id="cancel", compact=True), "login.cancel")

    def on_mount(self) -> None:
        super().on_mount()
        session = getattr(self.app, "session", None)
        locked = self.query_one("#locked-session", Static)
        if session is not None and session.locked:
            tr(locked, "login.locked_session", name=session.member.full_name)
            self.query_one("#username", VietInput).value = session.username
            self.query_one("#pin", VietInput).focus()
        else:
            locked.display = False
            self.query_one("#username", VietInput).focus()

    def on_input_submitted(self, event: VietInput.Submitted) -> None:
        if event.input.id == "username":
            self.query_one("#pin", VietInput).focus()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "login":
            self.submit()
        elif event.button.id == "cancel":
            self.dismiss()

    def submit(self) -> None:
        if getattr(self, "_checking", False):
            return
        username = self.query_one("#username", VietInput).text
        pin = self.query_one("#pin", VietInput).value
        if not username or not pin:
            self.notice.show(self.t("login.wrong"), "error")
            return
        self._checking = True
        self.notice.show(self.t("login.busy"), "info")
        self.run_store("login", _login, self.app.store, username, pin)

    def on_login_done(self, member: Any) -> None:
        self._checking = False
        self.notice.clear()
        self.query_one("#pin", VietInput).value = ""
        self.app.logged_in(member)

    def on_login_failed(self, error: BaseException) -> None:
        self._checking = False
        pin = self.query_one("#pin", VietInput)
        pin.value = ""
        pin.focus()
        if isinstance(error, E.LockedOutError):
            until = local_time(error.until, "%H:%M %d/%m/%Y", empty="?")
            self.notice.show(self.t("login.locked_out", until=until), "error")
        elif isinstance(error, E.AuthError):
            self.notice.show(self.t("login.wrong"), "error")
        else:
            self.show_error(error)
