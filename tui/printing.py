"""The one place the kiosk hands a slip to a printer.

`open_printer(config)` gives an object with `print_slip(slip) -> PrintOutcome`. Until the hardware
layer offers a printer for the kiosk, it is `NoPrinter`, which prints nothing and says so; slips are
always saved as text for reprinting whatever the printer does (`edge.slips.save_slip`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PrintOutcome:
    """`status` is "printed", "queued", "no_printer" or "failed" (with `detail`)."""

    status: str
    detail: str = ""


class SlipPrinter(Protocol):
    def print_slip(self, slip: Any) -> PrintOutcome: ...


class NoPrinter:
    """The kiosk without a printer: nothing is printed, nothing fails."""

    def print_slip(self, slip: Any) -> PrintOutcome:
        return PrintOutcome("no_printer")

    def close(self) -> None:
        pass


def open_printer(config: Any) -> SlipPrinter:
    """The printer for this appliance's config (NoPrinter when there is none)."""
    return NoPrinter()
