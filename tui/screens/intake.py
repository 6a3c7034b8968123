"""Intake: pick the procedure, fill in the applicant (typed in Telex/VNI, or from a CCCD QR scan),
tick the documents received, see the due date, save. Then the receipt.

Nothing typed is ever cleared by an error: a bad field gets its message under it, a store error
(disk full, busy) goes in the notice line, and the form stays as it was.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Select, SelectionList, Static

from edge import catalogue, citizens, dossiers, tickets
from edge.errors import ValidationError

from ..timefmt import vn_date
from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen
from .catalogue import procedure_name

#: applicant fields of the form: (input id = Applicant field, i18n label key, typing method)
FIELDS = (
    ("full_name", "intake.name", None),
    ("id_number", "intake.id_number", "off"),
    ("dob", "intake.dob", "off"),
    ("address", "intake.address", None),
    ("phone", "intake.phone", "off"),
)


def parse_vn_date(text: str) -> date:
    """dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy) → date; ValueError when it is not one."""
    cleaned = text.strip().replace("-", "/").replace(".", "/")
    return datetime.strptime(cleaned, "%d/%m/%Y").date()


class IntakeScreen(KioskScreen):
    """The intake form."""

    TITLE_KEY = "intake.title"

    def __init__(self, scan: Any = None):
        super().__init__()
        self.initial_scan = scan

    BINDINGS = [Binding("ctrl+s", "save", "Lưu", id="intake.save_short")]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="intake-form"):
            with Horizontal(classes="row"):
                yield tr(Label(), "intake.procedure")
                yield Select([], id="procedure", compact=True, prompt="…")
            yield Static(id="procedure-error", classes="field-error")
            with Horizontal(classes="row"):
                yield tr(Label(), "intake.scan")
                yield VietInput(id="scan", method="off", compact=True)
            for field, key, method in FIELDS:
                with Horizontal(classes="row"):
                    yield tr(Label(), key)
                    yield VietInput(id=field, method=method, compact=True,
                                    max_length=200 if field == "address" else 80)
                yield Static(id=f"{field}-error", classes="field-error")
            yield tr(Label(classes="section"), "intake.documents")
            yield SelectionList[str](id="documents")
            yield tr(Static(id="due"), "intake.due_unknown")
            yield Static(id="ticket")
            yield tr(Button(id="save", variant="primary", compact=True), "intake.save")

    def on_mount(self) -> None:
        super().on_mount()
        self._procs: dict[str, Any] = {}
        self._scanned: Any = None
        self._ticket: Any = None
        self._saving = False
        for w in self.query(".field-error"):
            w.display = False
        self.run_store("load", self._load)
        self.query_one("#procedure", Select).focus()
        if self.initial_scan is not None:
            self.on_scan(self.initial_scan)

    def _load(self) -> tuple[list[Any], Any]:
        store = self.app.store
        procs = catalogue.procedures(store)
        current = tickets.current(store, self.app.config.kiosk.counter)
        return procs, current

    def on_load_done(self, result: tuple[list[Any], Any]) -> None:
        procs, current = result
        self._procs = {p.code: p for p in procs}
        self._fill_procedures()
        self._ticket = current
        if current is not None:
            tr(self.query_one("#ticket", Static), "intake.ticket", label=current.label)

    def _fill_procedures(self) -> None:
        select = self.query_one("#procedure", Select)
        value = select.value
        select.set_options([(procedure_name(p, self.lang), p.code) for p in self._procs.values()])
        if value in self._procs:
            select.value = value

    @property
    def procedure(self) -> Any:
        value = self.query_one("#procedure", Select).value
        return self._procs.get(value) if isinstance(value, str) else None

    def select_procedure(self, code: str) -> None:
        """Choose the procedure by code (as a scanner or a test would)."""
        self.query_one("#procedure", Select).value = code

    def on_select_changed(self, event: Select.Changed) -> None:
        proc = self.procedure
        docs = self.query_one("#documents", SelectionList)
        docs.clear_options()
        if proc is None:
            tr(self.query_one("#due", Static), "intake.due_unknown")
            return
        docs.add_options([(d, d) for d in proc.documents])
        if proc.documents:
            docs.highlighted = 0
        self._set_error("procedure", None)
        self.run_store("due", dossiers.preview_due_date, self.app.store, proc.code)

    def on_due_done(self, due: date) -> None:
        tr(self.query_one("#due", Static), "intake.due", date=vn_date(due))

    # -- CCCD scan -------------------------------------------------------------------------------
    def on_input_submitted(self, event: VietInput.Submitted) -> None:
        if event.input.id == "scan":
            self.apply_scan(event.value)
        elif event.input.id == FIELDS[-1][0]:
            self.query_one("#documents", SelectionList).focus()
        else:
            self.focus_next()

    def on_scan(self, scan: Any) -> bool:
        """A CCCD from the hardware service's scanner fills the applicant (a bad one says why)."""
        if scan.kind == "cccd" and scan.citizen is not None:
            self.apply_applicant(scan.citizen)
            return True
        if scan.kind == "cccd_invalid":
            from edge.errors import CCCDError
            self.show_error(CCCDError(scan.error or "", scan.field))
            return True
        return False

    def apply_scan(self, line: str) -> None:
        """Fill the applicant fields from a scanned CCCD QR line; the raw line is not kept."""
        scan = self.query_one("#scan", VietInput)
        try:
            applicant = citizens.parse_cccd(line)
        except ValidationError as exc:
            scan.value = ""
            self.show_error(exc)
            return
        scan.value = ""
        self.apply_applicant(applicant)

    def apply_applicant(self, applicant: Any) -> None:
        """Put a scanned applicant into the form (the officer checks it and adds the phone)."""
        self._scanned = applicant
        self.query_one("#full_name", VietInput).value = applicant.full_name or ""
        self.query_one("#id_number", VietInput).value = applicant.id_number or ""
        self.query_one("#dob", VietInput).value = vn_date(applicant.dob)
        self.query_one("#address", VietInput).value = applicant.address or ""
        self.show_ok(self.t("intake.scan_ok"))
        self.query_one("#phone", VietInput).focus()

    # -- saving ----------------------------------------------------------------------------------
    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", VietInput).text

    def _set_error(self, field: str, message: str | None) -> None:
        try:
            box = self.query_one(f"#{field}-error", Static)
        except Exception:
            return
        box.display = bool(message)
        box.update(message or "")

    def build_applicant(self) -> Any:
        """The applicant from the form. Raises ValidationError naming bad fields (dates here)."""
        errors: dict[str, str] = {}
        dob = None
        if self._value("dob"):
            try:
                dob = parse_vn_date(self._value("dob"))
            except ValueError:
                errors["dob"] = self.t("error.date")
        if not self._value("full_name"):
            errors["full_name"] = self.t("error.required")
        if errors:
            raise ValidationError("", errors)
        scanned = self._scanned
        same_person = scanned is not None and scanned.id_number == (self._value("id_number") or None)
        return citizens.Applicant(
            full_name=self._value("full_name"), id_number=self._value("id_number") or None,
            old_id=scanned.old_id if same_person else None, dob=dob,
            sex=scanned.sex if same_person else None, address=self._value("address") or None,
            issue_date=scanned.issue_date if same_person else None,
            phone=self._value("phone") or None)

    def action_save(self) -> None:
        if self._saving:
            return
        for field, _, _ in FIELDS:
            self._set_error(field, None)
        self._set_error("procedure", None)
        proc = self.procedure
        try:
            applicant = self.build_applicant()
        except ValidationError as exc:
            self._show_field_errors(exc)
            return
        if proc is None:
            self._set_error("procedure", self.t("intake.no_procedure"))
            self.notice.show(self.t("intake.no_procedure"), "error")
            return
        documents = list(self.query_one("#documents", SelectionList).selected)
        staff = self.app.staff
        if staff is None:
            return
        self._saving = True
        self.notice.show(self.t("intake.saving"), "info")
        ticket_id = self._ticket.id if self._ticket is not None else None
        self.run_store("save", dossiers.receive, self.app.store, procedure_code=proc.code, applicant=applicant,
                       documents=documents, actor=staff.username, ticket_id=ticket_id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def _show_field_errors(self, exc: ValidationError) -> None:
        known = {f for f, _, _ in FIELDS} | {"procedure"}
        for field, message in exc.errors.items():
            name = "procedure" if field == "procedure_code" else field
            if name in known:
                self._set_error(name, message)
        self.show_error(exc)

    def on_save_done(self, dossier: Any) -> None:
        self._saving = False
        from .receipt import ReceiptScreen
        self.app.switch_screen(ReceiptScreen(dossier, ticket=self._ticket))

    def on_save_failed(self, error: BaseException) -> None:
        self._saving = False
        if isinstance(error, ValidationError):
            self._show_field_errors(error)
        else:
            self.show_error(error)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if self._procs:
            self._fill_procedures()

