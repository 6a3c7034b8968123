"""Admin (admin role only): staff accounts (add, disable/enable, unlock) and the audit chain check."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Label, Select

from edge import audit, staff as staff_mod

from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen


def _act(store: Any, what: str, username: str | None, actor: str, new: dict[str, str] | None) -> Any:
    if what == "verify":
        return audit.verify(store)
    if what == "add" and new is not None:
        return staff_mod.add(store, new["username"], new["full_name"], new["role"], new["pin"], actor=actor)
    if username is None:
        return None
    return getattr(staff_mod, what)(store, username, actor=actor)


class AdminScreen(KioskScreen):
    TITLE_KEY = "admin.title"
    BINDINGS = [Binding("v", "act('verify')", "Kiểm tra nhật ký", id="admin.verify")]

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="staff", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="buttons"):
            for what in ("disable", "enable", "unlock", "verify"):
                yield tr(Button(id=what, compact=True), f"admin.{what}")
        with Horizontal(classes="row"):
            yield tr(Label(), "admin.new_user")
            yield VietInput(id="new-username", method="off", compact=True, max_length=32)
        with Horizontal(classes="row"):
            yield tr(Label(), "admin.new_name")
            yield VietInput(id="new-name", compact=True, max_length=80)
        with Horizontal(classes="row"):
            yield tr(Label(), "admin.new_pin")
            yield VietInput(id="new-pin", method="off", password=True, compact=True, max_length=8,
                            restrict=r"[0-9]*")
        with Horizontal(classes="row"):
            yield tr(Label(), "admin.new_role")
            yield Select([(r, r) for r in staff_mod.ROLES], id="new-role", compact=True, value="officer",
                         allow_blank=False)
        yield tr(Button(id="add", compact=True), "admin.add")

    def on_mount(self) -> None:
        super().on_mount()
        self._rows: list[dict[str, Any]] = []
        self.load()
        self.query_one("#staff", DataTable).focus()

    def load(self) -> None:
        self.run_store("load", staff_mod.list_staff, self.app.store)

    def on_load_done(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        table = self.query_one("#staff", DataTable)
        table.clear(columns=True)
        table.add_columns(self.t("admin.col_user"), self.t("admin.col_name"), self.t("admin.col_role"),
                          self.t("admin.col_state"))
        for r in rows:
            state = ("admin.disabled" if r.get("disabled") else
                     "admin.locked_out" if r.get("locked_until") else "admin.active")
            table.add_row(r["username"], r["full_name"], self.t(f"role.{r['role']}"), self.t(state),
                          key=r["username"])

    def _selected(self) -> str | None:
        table = self.query_one("#staff", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]["username"]

    def action_act(self, what: str) -> None:
        me = self.app.staff
        if me is None or me.role != "admin":
            self.notice.show(self.t("admin.forbidden"), "error")
            return
        new = None
        if what == "add":
            new = {"username": self.query_one("#new-username", VietInput).text,
                   "full_name": self.query_one("#new-name", VietInput).text,
                   "pin": self.query_one("#new-pin", VietInput).value,
                   "role": str(self.query_one("#new-role", Select).value)}
        self._what = what
        self.run_store("act", _act, self.app.store, what, self._selected(), me.username, new)

    def on_act_done(self, result: Any) -> None:
        if getattr(self, "_what", "") == "verify":
            if result.ok:
                self.show_ok(self.t("admin.verify_ok", n=result.rows))
            else:
                self.notice.show(self.t("admin.verify_bad", detail=str(result)), "error")
            return
        if self._what == "add":
            for field in ("#new-username", "#new-name", "#new-pin"):
                self.query_one(field, VietInput).value = ""
        self.show_ok(self.t("admin.done"))
        self.load()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.action_act(event.button.id)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self.on_load_done(self._rows)
