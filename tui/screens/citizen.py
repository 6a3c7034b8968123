"""Citizen mode: no login. Look up a dossier (code + ID number, or the receipt's QR), browse
procedures, take a queue ticket. Nothing here reaches staff data beyond status and due date."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Label, Static

from ..timefmt import vn_date
from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen


def split_scanned_code(text: str) -> tuple[str, str | None]:
    """A scanned receipt QR may hold just the code, or `code|id number`; returns (code, id or None)."""
    text = (text or "").strip()
    if "|" in text:
        code, _, rest = text.partition("|")
        return code.strip(), (rest.strip() or None)
    return text, None


class CitizenHomeScreen(KioskScreen):
    """The screen an idle kiosk shows: three big choices."""

    TITLE_KEY = "app.title"
    BINDINGS = [
        Binding("1", "open('lookup')", "Tra cứu", id="citizen.choose_lookup"),
        Binding("2", "open('browse')", "Thủ tục", id="citizen.choose_browse"),
        Binding("3", "open('ticket')", "Lấy số", id="citizen.choose_ticket"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="citizen-menu"):
            yield tr(Static(classes="welcome"), "citizen.welcome")
            with Center():
                yield tr(Button(id="go-lookup", classes="big"), "citizen.lookup")
            with Center():
                yield tr(Button(id="go-browse", classes="big"), "citizen.browse")
            with Center():
                yield tr(Button(id="go-ticket", classes="big"), "citizen.ticket")
            yield tr(Static(classes="hint"), "citizen.hint")

    def action_back(self) -> None:
        """The base of citizen mode has nowhere to go back to."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"

    def action_open(self, what: str) -> None:
        open_citizen(self.app, what)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("go-"):
            self.action_open(event.button.id[3:])


def open_citizen(app: Any, what: str, code: str | None = None) -> None:
    """Open a citizen screen ("lookup", "browse", "ticket") on top of the citizen home."""
    if app.current_mode != "citizen":
        return
    while len(app.screen_stack) > 1:
        app.pop_screen()
    if what == "lookup":
        app.push_screen(LookupScreen(code=code))
    elif what == "ticket":
        app.push_screen(TicketScreen())
    elif what == "browse":
        from .catalogue import CatalogueScreen
        app.push_screen(CatalogueScreen())


class LookupScreen(KioskScreen):
    """Code + ID number → status and due date only."""

    TITLE_KEY = "lookup.title"

    def __init__(self, code: str | None = None):
        super().__init__()
        self.initial_code = code

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield tr(Label(), "lookup.code")
            yield VietInput(id="code", method="off", compact=True, max_length=80)
            yield tr(Label(), "lookup.id")
            yield VietInput(id="id-number", method="off", compact=True, max_length=12,
                            restrict=r"[0-9]*")
            yield tr(Button(id="lookup", variant="primary", compact=True), "lookup.submit")
            yield Static(id="result", classes="result")

    def on_mount(self) -> None:
        super().on_mount()
        if self.initial_code:
            self.on_scan_code(self.initial_code)
        else:
            self.query_one("#code", VietInput).focus()

    def on_scan_code(self, code: str) -> None:
        """A scanned receipt QR: the code is in, the citizen types the ID number."""
        self.query_one("#code", VietInput).value = code
        self.query_one("#id-number", VietInput).focus()

    def on_scan(self, scan: Any) -> bool:
        if scan.kind != "dossier":
            return False
        self.on_scan_code(scan.text)
        return True

    def on_input_submitted(self, event: VietInput.Submitted) -> None:
        if event.input.id == "code":
            code, id_number = split_scanned_code(event.value)
            if id_number is not None:
                event.input.value = code
                self.query_one("#id-number", VietInput).value = id_number[:12]
                self.lookup()
            else:
                self.query_one("#id-number", VietInput).focus()
        else:
            self.lookup()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "lookup":
            self.lookup()

    def lookup(self) -> None:
        code = self.query_one("#code", VietInput).text
        id_number = self.query_one("#id-number", VietInput).text
        if not code or not id_number:
            self.notice.show(self.t("lookup.need_both"), "error")
            return
        self.notice.clear()
        from edge import dossiers
        self.run_store("lookup", dossiers.public_lookup, self.app.store, code, id_number)

    def on_lookup_done(self, result: Any) -> None:
        box = self.query_one("#result", Static)
        if result is None:
            box.update("")
            self.notice.show(self.t("lookup.not_found"), "error")
            return
        status = result.status_en if self.lang == "en" else result.status_vi
        try:
            due = vn_date(result.due_date)
        except ValueError:  # shown as stored
            due = result.due_date
        box.update(self.t("lookup.result", code=result.code, status=status, due=due)
                   + "\n" + self.t("lookup.procedure", name=result.procedure_name))
        self._last = result

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if getattr(self, "_last", None) is not None:
            self.on_lookup_done(self._last)


class TicketScreen(KioskScreen):
    """Take a queue ticket: normal or priority; shows the number and how many are ahead."""

    TITLE_KEY = "ticket.title"
    BINDINGS = [
        Binding("n", "take(False)", "Số thường", id="ticket.normal", show=False),
        Binding("p", "take(True)", "Ưu tiên", id="ticket.priority", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="ticket-box"):
            with Center():
                yield tr(Button(id="normal", classes="big", variant="primary"), "ticket.normal")
            with Center():
                yield tr(Button(id="priority", classes="big"), "ticket.priority")
            yield Static(id="ticket-number", classes="ticket-number")
            yield Static(id="ticket-ahead", classes="ticket-ahead")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#normal", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("normal", "priority"):
            self.action_take(event.button.id == "priority")

    def action_take(self, priority: bool) -> None:
        if getattr(self, "_taking", False):
            return
        self._taking = True
        self.run_store("take", self._take, priority)

    def _take(self, priority: bool) -> tuple[Any, int, Any]:
        from edge import tickets
        store = self.app.store
        ticket = tickets.issue(store, service="general", priority=priority, actor="kiosk")
        ahead = max(0, tickets.position(store, ticket.id) - 1)
        outcome = None
        try:
            from edge import slips
            slip = slips.ticket(store, ticket.label, tickets.service_name(ticket.service),
                                ticket.issued_at, ahead)
            outcome = self.app.printer.print_slip(slip)
        except Exception:  # a printer problem never blocks the queue
            outcome = None
        return ticket, ahead, outcome

    def on_take_done(self, result: tuple[Any, int, Any]) -> None:
        self._taking = False
        ticket, ahead, outcome = result
        self._shown = (ticket, ahead)
        self.query_one("#ticket-number", Static).update(f"{self.t('ticket.yours')}: {ticket.label}")
        self.query_one("#ticket-ahead", Static).update(self.t("ticket.ahead", n=ahead))
        if outcome is not None and outcome.status in ("printed", "queued"):
            self.show_ok(self.t("ticket.printed"))

    def on_take_failed(self, error: BaseException) -> None:
        self._taking = False
        self.show_error(error)

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if getattr(self, "_shown", None):
            ticket, ahead = self._shown
            self.query_one("#ticket-number", Static).update(f"{self.t('ticket.yours')}: {ticket.label}")
            self.query_one("#ticket-ahead", Static).update(self.t("ticket.ahead", n=ahead))
