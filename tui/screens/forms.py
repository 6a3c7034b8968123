"""The province's periodic report forms: the list of what is due, and a fill-in screen with a
validation message under each field, drafts and submission."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Label, Select, Static

from edge import forms
from edge.errors import ValidationError

from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen

YES_NO = (("có", "có"), ("không", "không"))
STATE_KEYS = {"missing": "forms.state_missing", "draft": "forms.state_draft",
              "submitted": "forms.state_submitted"}


def shown_value(field: Any, value: Any) -> str:
    """A stored value as a person would type it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if field.type in ("integer", "decimal"):
        try:
            return forms.format_number(value)
        except Exception:
            return str(value)
    if field.type == "date":
        try:
            return forms.format_date(value)
        except Exception:
            return str(value)
    return str(value)


class FormsScreen(KioskScreen):
    """Forms due now (missing, draft) and recently submitted; Enter opens one."""

    TITLE_KEY = "forms.title"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="forms", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._items: list[tuple[Any, str, str]] = []
        self._columns()
        self.load()
        self.query_one("#forms", DataTable).focus()

    def load(self) -> None:
        self.run_store("load", forms.due_forms, self.app.store, self.app.clock().date())

    def _columns(self) -> None:
        table = self.query_one("#forms", DataTable)
        table.clear(columns=True)
        table.add_columns(self.t("forms.col_name"), self.t("forms.col_period"), self.t("forms.col_state"))

    def on_load_done(self, items: list[tuple[Any, str, str]]) -> None:
        self._items = items
        table = self.query_one("#forms", DataTable)
        table.clear()
        for i, (defn, period, state) in enumerate(items):
            table.add_row(defn.title, period, self.t(STATE_KEYS.get(state, state)), key=str(i))
        if not items:
            self.notice.show(self.t("forms.none"), "info")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        defn, period, _ = self._items[int(event.row_key.value)]
        self.app.push_screen(FormFillScreen(defn, period))

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.load()

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._columns()
        self.on_load_done(self._items)


class FormFillScreen(KioskScreen):
    """One form for one period. Ctrl+D saves a draft, Ctrl+S submits; bad fields say why."""

    BINDINGS = [Binding("ctrl+d", "save(False)", "Lưu nháp", id="forms.save_draft"),
                Binding("ctrl+s", "save(True)", "Gửi", id="forms.submit")]

    def __init__(self, defn: Any, period: str):
        super().__init__()
        self.defn = defn
        self.period = period

    def screen_title(self) -> str:
        return self.t("forms.fill", name=self.defn.title, period=self.period)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="form-fields"):
            if self.defn.help:
                yield Static(self.defn.help, classes="help")
            for f in self.defn.fields:
                label = f.label + (f" ({f.unit})" if f.unit else "") + (" *" if f.required else "")
                with Horizontal(classes="row"):
                    yield Label(label)
                    if f.type == "choice":
                        yield Select([(lab, v) for v, lab in f.choices], id=f"f-{f.name}", compact=True)
                    elif f.type in ("yesno", "bool", "boolean"):
                        yield Select(YES_NO, id=f"f-{f.name}", compact=True)
                    else:
                        method = None if f.type == "text" else "off"
                        yield VietInput(id=f"f-{f.name}", method=method, compact=True)
                yield Static(id=f"e-{f.name}", classes="field-error")
            with Horizontal(classes="buttons"):
                yield tr(Button(id="draft", compact=True), "forms.save_draft")
                yield tr(Button(id="submit", variant="primary", compact=True), "forms.submit")

    def on_mount(self) -> None:
        super().on_mount()
        for w in self.query(".field-error"):
            w.display = False
        self._saving = False
        self.run_store("load", forms.get_submission, self.app.store, self.defn.code, self.period)

    def on_load_done(self, submission: dict[str, Any] | None) -> None:
        if not submission:
            return
        for f in self.defn.fields:
            value = submission["values"].get(f.name)
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                if isinstance(value, bool):
                    value = "có" if value else "không"
                if value is not None:
                    widget.value = value
            else:
                widget.value = shown_value(f, value)
        if submission.get("status") == "submitted":
            self.notice.show(self.t("forms.submitted"), "ok")

    def values(self) -> dict[str, Any]:
        """What is in the form now, as typed (the edge converts and validates)."""
        out: dict[str, Any] = {}
        for f in self.defn.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = widget.value if isinstance(widget.value, str) else None
            else:
                out[f.name] = widget.text
        return out

    def action_save(self, final: bool) -> None:
        staff = self.app.staff
        if staff is None or self._saving:
            return
        self._saving = True
        self._final = final
        for f in self.defn.fields:
            self._field_error(f.name, None)
        fn = forms.submit if final else forms.save_draft
        self.run_store("save", fn, self.app.store, self.defn.code, self.period, self.values(),
                       staff.username)

    def _field_error(self, name: str, message: str | None) -> None:
        try:
            box = self.query_one(f"#e-{name}", Static)
        except Exception:
            return
        box.display = bool(message)
        box.update(message or "")

    def on_save_done(self, submission: dict[str, Any]) -> None:
        self._saving = False
        self.show_ok(self.t("forms.submitted" if self._final else "forms.saved"))

    def on_save_failed(self, error: BaseException) -> None:
        self._saving = False
        if isinstance(error, ValidationError) and error.errors:
            names = {f.name for f in self.defn.fields}
            for name, message in error.errors.items():
                if name in names:
                    self._field_error(name, message)
            self.notice.show(self.t("forms.invalid", n=len(error.errors)), "error")
        else:
            self.show_error(error)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("draft", "submit"):
            self.action_save(event.button.id == "submit")
