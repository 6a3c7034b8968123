"""What the kiosk process uses from the hardware layer: a slip printer that never blocks, and the
scans of the serial scanner.

`open_slip_printer(config)` returns an object with `print_slip(slip) -> PrintOutcome` and
`close()`. The slip is spooled at once and printed by a worker thread; `print_slip` waits at most
KIOSK_WAIT_S for the result. When `commune-edge hardware run` holds the printer port, the kiosk's
job stays in the shared spool and the service prints it.

`listen_for_scans(config, callback)` receives the scans the hardware service forwards (it owns the
scanner's port and sounds the buzzer); close the listener when the kiosk stops.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from edge.slips import PrintOutcome

from .config import from_config
from .devices import open_printer, open_spool
from .printer import MissingPrinter, PrintQueue
from .scanner import SOCKET_NAME, Scan, ScanListener

log = logging.getLogger(__name__)

#: How long print_slip waits for the printer before answering "queued".
KIOSK_WAIT_S = 3.0


class SlipPrinter:
    def __init__(self, queue: PrintQueue, has_printer: bool):
        self.queue = queue
        self.has_printer = has_printer

    def print_slip(self, slip: Any) -> PrintOutcome:
        """Spool `slip` (an `edge.slips.Slip`) and wait briefly for it to print."""
        job = self.queue.submit(slip)
        if not self.has_printer:
            return PrintOutcome("no_printer", "no printer configured; the slip is kept in the spool")
        result = self.queue.wait(job, KIOSK_WAIT_S)
        if result.printed:
            return PrintOutcome("printed")
        return PrintOutcome("queued", result.error or "waiting for the printer")

    def close(self) -> None:
        self.queue.close()
        self.queue.printer.close()


def open_slip_printer(config: Any) -> SlipPrinter:
    """The slip printer of an appliance config. Raises ConfigError/ProfileError for a bad config."""
    hw = from_config(config)
    printer, profile, warning = open_printer(hw)
    if warning:
        log.warning("%s", warning)
    spool = open_spool(hw, config)
    return SlipPrinter(PrintQueue(printer, spool, profile).start(), not isinstance(printer, MissingPrinter))


def listen_for_scans(config: Any, callback: Callable[[Scan], None]) -> ScanListener:
    """Receive the scans the hardware service forwards; `callback(Scan)` runs in a daemon thread.
    Raises HardwareError when the socket cannot be made."""
    return ScanListener(config.data_dir / SOCKET_NAME, callback)
