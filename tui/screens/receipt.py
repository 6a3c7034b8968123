"""The receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả): on screen with a QR of the dossier code,
always saved as text under the data directory, and sent to the printer when there is one.

The same screen shows any other slip (supplement request, refusal, apology) for a dossier.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from edge import slips, tickets

from ..printing import HandOut, hand_out
from ..widgets.qr import QRCode
from .base import KioskScreen


def _make_receipt(app: Any, dossier: Any, ticket: Any) -> tuple[Any, HandOut]:
    store = app.store
    staff = app.staff
    slip = slips.receipt(store, dossier, officer_name=staff.full_name if staff else None)
    done = hand_out(app.printer, app.config.data_dir, slip)
    if ticket is not None and staff is not None:
        try:  # the served ticket is done and linked to the dossier it led to
            tickets.finish(store, ticket.id, actor=staff.username, dossier_id=dossier.id)
        except Exception:
            pass
    return slip, done


class SlipScreen(KioskScreen):
    """A slip on screen, saved and printed; `p` prints again."""

    TITLE_KEY = "receipt.title"
    BINDINGS = [Binding("p", "reprint", "In lại", id="receipt.reprint")]

    def __init__(self, slip: Any = None, qr_data: str | None = None, title_key: str | None = None):
        super().__init__()
        self.slip = slip
        self.qr_data = qr_data
        if title_key:
            self.TITLE_KEY = title_key

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="slip-row"):
            with VerticalScroll(id="slip-scroll"):
                yield Static(id="slip-text")
            yield QRCode(id="qr")

    def on_mount(self) -> None:
        super().on_mount()
        if self.slip is not None:
            self._show_slip(self.slip)
            self.action_reprint()

    def _show_slip(self, slip: Any) -> None:
        self.slip = slip
        self.query_one("#slip-text", Static).update(slip.as_text(48).rstrip("\n"))
        self.query_one("#qr", QRCode).data = self.qr_data or slip.ref
        self.query_one("#slip-scroll").focus()

    def action_reprint(self) -> None:
        if self.slip is not None:
            self.run_store("print", hand_out, self.app.printer, self.app.config.data_dir, self.slip)

    def on_print_done(self, done: HandOut) -> None:
        self.report(done)

    def report(self, done: HandOut) -> None:
        lines = []
        kind = "ok"
        if done.path is not None:
            lines.append(self.t("receipt.saved", path=str(done.path)))
        if done.save_error is not None:
            from ..errors import describe
            lines.append(describe(done.save_error, self.lang))
            kind = "error"
        status = done.outcome.status
        if status in ("printed", "queued"):
            lines.append(self.t("receipt.printed"))
        elif status == "no_printer":
            lines.append(self.t("receipt.no_printer"))
        else:
            lines.append(self.t("receipt.print_failed", error=done.outcome.detail))
            kind = "error"
        self.notice.show("\n".join(lines), kind)
        self.handed_out = done


class ReceiptScreen(SlipScreen):
    """The receipt of a dossier just received. `n` starts the next intake."""

    BINDINGS = [Binding("n", "new", "Hồ sơ mới", id="receipt.new")]

    def __init__(self, dossier: Any, ticket: Any = None):
        super().__init__(None, qr_data=dossier.code)
        self.dossier = dossier
        self.ticket = ticket
        self.handed_out: HandOut | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.run_store("receipt", _make_receipt, self.app, self.dossier, self.ticket)

    def on_receipt_done(self, result: tuple[Any, HandOut]) -> None:
        slip, done = result
        self._show_slip(slip)
        self.report(done)

    def action_new(self) -> None:
        from .intake import IntakeScreen
        self.app.switch_screen(IntakeScreen())
