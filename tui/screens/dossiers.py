"""Dossiers: accent-insensitive search, filters by status and due date, and the detail screen with
history, the status changes the state machine allows (with a note) and the desk's slips."""

from __future__ import annotations


from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Label, Select, Static

from edge import dossiers, slips
from edge.search import search_dossiers

from ..i18n import status_label
from ..timefmt import DATE_TIME, local_time, vn_date
from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen
from .intake import parse_vn_date

LIST_LIMIT = 200


def find_dossiers(store: Any, text: str, status: str | None, due: str | None) -> list[Any]:
    """Rows for the list: search text (accents optional) or the newest, filtered."""
    if text.strip():
        return [dossiers.Dossier.from_row(r)
                for r in search_dossiers(store, text, limit=LIST_LIMIT, status=status, due=due)]
    return dossiers.list_dossiers(store, status=status, due=due, limit=LIST_LIMIT)


class DossiersScreen(KioskScreen):
    """Search box, two filters, the list; Enter opens the detail."""

    TITLE_KEY = "dossiers.title"

    def __init__(self, search: str = ""):
        super().__init__()
        self.initial_search = search

    def compose_body(self) -> ComposeResult:
        yield tr(VietInput(self.initial_search, id="search", compact=True), "dossiers.search")
        with Horizontal(classes="row filters"):
            yield Select(self._status_options(), id="status", compact=True, allow_blank=False, value="")
            yield Select(self._due_options(), id="due", compact=True, allow_blank=False, value="")
        yield DataTable(id="list", cursor_type="row", zebra_stripes=True)
        yield Static(id="count")

    def on_mount(self) -> None:
        super().on_mount()
        self._rows: list[Any] = []
        self._fill_filters()
        self.query_one("#search", VietInput).focus()
        self.refresh_list()

    def _status_options(self) -> list[tuple[str, str]]:
        return [(self.t("dossiers.all_statuses"), "")] + [(status_label(s, self.lang), s)
                                                          for s in dossiers.STATUSES]

    def _due_options(self) -> list[tuple[str, str]]:
        return [(self.t("dossiers.due_any"), ""), (self.t("dossiers.due_today"), "today"),
                (self.t("dossiers.due_overdue"), "overdue")]

    def _fill_filters(self, relabel: bool = False) -> None:
        if relabel:
            for sel, options in (("#status", self._status_options()), ("#due", self._due_options())):
                select = self.query_one(sel, Select)
                current = select.value
                select.set_options(options)
                select.value = current
        table = self.query_one("#list", DataTable)
        table.clear(columns=True)
        table.add_columns(self.t("dossiers.col_code"), self.t("dossiers.col_name"),
                          self.t("dossiers.col_status"), self.t("dossiers.col_due"))

    def refresh_list(self) -> None:
        text = self.query_one("#search", VietInput).text
        status = self.query_one("#status", Select).value or None
        due = self.query_one("#due", Select).value or None
        self.run_store("find", find_dossiers, self.app.store, text,
                       status if isinstance(status, str) else None, due if isinstance(due, str) else None)

    def on_input_changed(self, event: VietInput.Changed) -> None:
        if event.input.id == "search":
            self.refresh_list()

    def on_scan(self, scan: Any) -> bool:
        """A scanned receipt QR searches for that dossier."""
        if scan.kind != "dossier":
            return False
        self.query_one("#search", VietInput).value = scan.text
        return True

    def on_input_submitted(self, event: VietInput.Submitted) -> None:
        self.query_one("#list", DataTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_list()

    def on_find_done(self, rows: list[Any]) -> None:
        self._rows = rows
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#list", DataTable)
        table.clear()
        for d in self._rows:
            table.add_row(d.code, d.applicant_name, status_label(d.status, self.lang), vn_date(d.due_date),
                          key=d.id)
        self.query_one("#count", Static).update(self.t("dossiers.count", n=len(self._rows)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(DossierDetailScreen(event.row_key.value))

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.refresh_list()

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._fill_filters(relabel=True)
        self._fill_table()


def _detail(store: Any, dossier_id: str) -> tuple[Any, list[dict[str, Any]], str]:
    d = dossiers.get(store, dossier_id)
    return d, dossiers.history(store, dossier_id), dossiers.procedure_name(store, d)


class DossierDetailScreen(KioskScreen):
    """One dossier: fields, history, status change with note, slips."""

    TITLE_KEY = "detail.title"
    BINDINGS = [Binding("ctrl+t", "change", "Chuyển", id="detail.change")]

    def __init__(self, dossier_id: str):
        super().__init__()
        self.dossier_id = dossier_id
        self.dossier: Any = None

    def screen_title(self) -> str:
        code = self.dossier.code if self.dossier is not None else "…"
        return self.t("detail.title", code=code)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="fields")
            yield tr(Label(), "detail.history")
            yield Static(id="history")
            with Horizontal(classes="row"):
                yield Select([], id="to-status", compact=True)
                yield tr(Button(id="change", variant="primary", compact=True), "detail.change")
            with Horizontal(classes="row"):
                yield tr(Label(), "detail.note")
                yield VietInput(id="note", compact=True, max_length=500)
            with Horizontal(classes="row"):
                yield tr(Label(), "detail.new_date")
                yield VietInput(id="new-date", method="off", compact=True, max_length=10)
            with Horizontal(classes="buttons"):
                yield tr(Button(id="supplement", compact=True), "detail.supplement")
                yield tr(Button(id="apology", compact=True), "detail.apology")
                yield tr(Button(id="refusal", compact=True), "detail.refusal")
                yield tr(Button(id="reprint", compact=True), "detail.reprint")

    def on_mount(self) -> None:
        super().on_mount()
        self._history: list[dict[str, Any]] = []
        self._procedure = ""
        self.load()

    def load(self) -> None:
        self.run_store("load", _detail, self.app.store, self.dossier_id)

    def on_load_done(self, result: tuple[Any, list[dict[str, Any]], str]) -> None:
        self.dossier, self._history, self._procedure = result
        self.on_language(self.lang)  # the title (it shows the code) and the dossier, drawn once

    def _show_dossier(self) -> None:
        d = self.dossier
        if d is None:
            return
        t = self.t
        rows = [(t("detail.procedure"), self._procedure),
                (t("detail.applicant"), d.applicant_name),
                (t("detail.id_number"), d.applicant_id_number or ""),
                (t("detail.status"), status_label(d.status, self.lang)),
                (t("detail.received"), local_time(d.received_at, DATE_TIME)),
                (t("detail.due"), vn_date(d.due_date)),
                (t("detail.officer"), d.officer),
                (t("detail.documents"), "; ".join(d.documents))]
        self.query_one("#fields", Static).update("\n".join(f"{k}: {v}" for k, v in rows))
        lines = []
        for h in self._history:
            step = status_label(h["to_status"], self.lang)
            if h.get("from_status"):
                step = f"{status_label(h['from_status'], self.lang)} → {step}"
            note = f" — {h['note']}" if h.get("note") else ""
            lines.append(f"{local_time(h['at'], DATE_TIME)}  {step}  ({h['actor']}){note}")
        self.query_one("#history", Static).update("\n".join(lines))
        allowed = dossiers.allowed_transitions(d.status)
        select = self.query_one("#to-status", Select)
        select.set_options([(status_label(s, self.lang), s) for s in allowed])
        select.disabled = not allowed
        self.query_one("#change", Button).disabled = not allowed
        select.prompt = self.t("detail.change_to") if allowed else self.t("detail.no_transition")

    def choose(self, status: str) -> None:
        """Pick the status to change to (as the select would)."""
        self.query_one("#to-status", Select).value = status

    def action_change(self) -> None:
        d = self.dossier
        staff = self.app.staff
        to = self.query_one("#to-status", Select).value
        if d is None or staff is None or not isinstance(to, str):
            return
        note = self.query_one("#note", VietInput).text or None
        self.run_store("change", dossiers.transition, self.app.store, d.id, to, actor=staff.username, note=note,
                       expected_version=d.version)

    def on_change_done(self, dossier: Any) -> None:
        self.query_one("#note", VietInput).value = ""
        self.show_ok(self.t("detail.changed", status=status_label(dossier.status, self.lang)))
        self.load()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "change":
            self.action_change()
        elif button in ("supplement", "apology", "refusal", "reprint"):
            self.make_slip(button)

    def make_slip(self, kind: str) -> None:
        d = self.dossier
        staff = self.app.staff
        if d is None or staff is None:
            return
        note = self.query_one("#note", VietInput).text
        store = self.app.store
        try:
            if kind == "reprint":
                slip = slips.receipt(store, d, officer_name=staff.full_name)
            elif kind == "supplement":
                if not note:
                    self.notice.show(self.t("detail.need_note"), "error")
                    return
                slip = slips.supplement_request(store, d, [p.strip() for p in note.split(";") if p.strip()],
                                                note, officer_name=staff.full_name)
            elif kind == "refusal":
                if not note:
                    self.notice.show(self.t("detail.need_note"), "error")
                    return
                slip = slips.refusal(store, d, note, officer_name=staff.full_name)
            else:
                try:
                    new_date = parse_vn_date(self.query_one("#new-date", VietInput).text)
                except ValueError:
                    self.notice.show(self.t("detail.bad_date"), "error")
                    return
                if not note:
                    self.notice.show(self.t("detail.need_note"), "error")
                    return
                slip = slips.apology(store, d, new_date, note, officer_name=staff.full_name)
        except Exception as exc:
            self.show_error(exc)
            return
        from .receipt import SlipScreen
        self.app.push_screen(SlipScreen(slip, qr_data=d.code, title_key=f"detail.{kind}"))

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._show_dossier()
