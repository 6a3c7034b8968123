"""The one place the kiosk hands a slip to a printer.

`open_printer(config)` gives an object with `print_slip(slip) -> PrintOutcome` (the hardware
layer's `hardware.kiosk.open_slip_printer`, which spools and never blocks for long; `NoPrinter`
without it). Slips are always saved as text for reprinting first, whatever the printer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from edge.slips import PrintOutcome


class SlipPrinter(Protocol):
    def print_slip(self, slip: Any) -> PrintOutcome: ...


class NoPrinter:
    """The kiosk without a printer: nothing is printed, nothing fails."""

    def print_slip(self, slip: Any) -> PrintOutcome:
        return PrintOutcome("no_printer")

    def close(self) -> None:
        pass


def open_printer(config: Any) -> SlipPrinter:
    """The printer for this appliance's config: the hardware layer's spooled slip printer, or
    NoPrinter when the hardware package is not installed. A bad [hardware] config raises its
    ConfigError (the CLI shows it as one line)."""
    try:
        from hardware.kiosk import open_slip_printer
    except ImportError:
        return NoPrinter()
    return open_slip_printer(config)


@dataclass(frozen=True)
class HandOut:
    """What became of a slip: where its reprint copy is (None if saving failed) and the print."""

    path: Any
    outcome: PrintOutcome
    save_error: BaseException | None = None


def hand_out(printer: SlipPrinter, data_dir: Any, slip: Any) -> HandOut:
    """Save the slip's text copy under `data_dir`, then print it. Never raises.

    Saving comes first so a slip can always be reprinted; a printer failure is reported, not raised.
    """
    from edge.slips import save_slip
    path, save_error = None, None
    try:
        path = save_slip(data_dir, slip)
    except Exception as exc:  # disk full or unwritable: still try the printer
        save_error = exc
    try:
        outcome = printer.print_slip(slip)
    except Exception as exc:
        outcome = PrintOutcome("failed", str(exc))
    return HandOut(path, outcome, save_error)
