"""The hardware service: LEDs follow the store, buttons issue tickets and shut down, the printer
prints through the spool, the scanner hands scans on, the modem is polled.

`commune-edge hardware run` runs it until SIGTERM/SIGINT; the kiosk can run the same service inside
its own process (`start()` … `close()`, `on_scan` to receive scans). Every device is optional.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from edge import outbox, slips, status as edge_status, tickets
from edge.config import Config
from edge.errors import EdgeError
from edge.store import Store

from . import status as status_file
from .base import DeviceState
from .config import HardwareConfig, from_config
from .devices import Devices, open_devices, open_spool
from .errors import PrinterError
from .modem import ModemPoller, ModemStatus
from .printer import PrintQueue
from .scanner import SOCKET_NAME, Scan, forward
from .spool import Job

log = logging.getLogger(__name__)

#: Longest the shutdown command may run before the service gives up waiting for it.
SHUTDOWN_TIMEOUT_S = 60.0
#: Presses of a ticket button closer together than this give one ticket (a child, a shaky hand).
TICKET_GAP_S = 1.5
#: The status file is rewritten at least this often even when nothing changed (its age tells
#: `hardware check` that the service runs; see hardware.cli.STATUS_FRESH_S).
STATUS_REFRESH_S = 30.0


@dataclass(frozen=True)
class TicketPrint:
    """A ticket issued from a button or a command, and its print job (None when printing failed
    even to spool)."""

    ticket: tickets.Ticket
    job: Job | None
    error: str | None = None


def ticket_slip(store: Store, t: tickets.Ticket) -> slips.Slip:
    """The slip of a ticket, with the number of people waiting ahead of it."""
    return slips.ticket(store, t.label, t.service_name, t.issued_at, tickets.position(store, t.id), t.priority)


def _age_s(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - then).total_seconds()


class HardwareService:
    """Owns the devices of one appliance. A context manager: `with HardwareService(cfg) as s: …`.

    `store` may be given (the kiosk's); otherwise the service opens its own from the config.
    """

    def __init__(self, config: Config, *, hw: HardwareConfig | None = None, store: Store | None = None,
                 pin_factory: Any = None, on_scan: Callable[[Scan], None] | None = None):
        self.config = config
        self.hw = hw or from_config(config)
        self.devices: Devices = open_devices(self.hw, pin_factory=pin_factory)
        self._own_store = store is None
        try:
            self.spool = open_spool(self.hw, config)
            self.store = store or Store.open(config)
        except BaseException:
            self.devices.close()
            raise
        self.on_scan = on_scan
        self.queue = PrintQueue(self.devices.printer, self.spool, self.devices.profile,
                                on_error=self._print_failed)
        self.poller = ModemPoller(self.devices.modem, self.hw.modem.poll_s if self.hw.modem else 60.0,
                                  on_status=self._modem_status)
        self.backlog_mode = "off"
        self.fault: str | None = None
        self.shutdown_runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = False
        self._last_status: dict | None = None
        self._last_status_at = 0.0
        self._last_button_ticket = float("-inf")

    # -- actions ----------------------------------------------------------------------------
    def issue_ticket(self, priority: bool = False, service: str = "general", actor: str = "button") -> TicketPrint:
        """Issue a ticket in the store, then spool its slip. The ticket is stored even when the
        printer is missing; raises EdgeError only when the store refuses (disk full, …)."""
        t = tickets.issue(self.store, service=service, priority=priority, actor=actor)
        try:
            job = self.queue.submit(ticket_slip(self.store, t))
        except (EdgeError, OSError) as e:
            log.error("ticket %s issued but not spooled: %s", t.label, e)
            self.devices.beeper.beep("error")
            return TicketPrint(t, None, str(e))
        self.devices.beeper.beep("ok")
        return TicketPrint(t, job)

    def _button_ticket(self, priority: bool) -> None:
        now = time.monotonic()
        if now - self._last_button_ticket < TICKET_GAP_S:
            return                       # a second press right after the first: one ticket
        self._last_button_ticket = now
        try:
            self.issue_ticket(priority=priority)
        except EdgeError as e:
            log.error("ticket button: %s", e)
            self.devices.beeper.beep("error")

    def shutdown(self) -> int | None:
        """Run the configured shutdown command (held shutdown button). Returns its exit status."""
        self.shutdown_runs += 1
        log.warning("shutdown button held: running %s", " ".join(self.hw.shutdown_command))
        self.devices.lights.set("power", "fast")
        self.devices.beeper.beep("ok")
        try:
            done = subprocess.run(list(self.hw.shutdown_command), timeout=SHUTDOWN_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, capture_output=True)
        except (OSError, subprocess.TimeoutExpired) as e:
            log.error("shutdown command failed: %s", e)
            self.devices.lights.set("power", "heartbeat")
            self.devices.beeper.beep("error")
            return None
        if done.returncode != 0:
            log.error("shutdown command exited %d: %s", done.returncode,
                      done.stderr.decode(errors="replace").strip())
            self.devices.lights.set("power", "heartbeat")
        return done.returncode

    def _scan(self, scan: Scan) -> None:
        """A scan: beep, then hand it to the kiosk (in this process, or over the scan socket)."""
        self.devices.beeper.beep("ok" if scan.kind in ("cccd", "dossier", "ticket") else "error")
        if self.on_scan:
            self.on_scan(scan)
            return
        handed = forward(self.config.data_dir / SOCKET_NAME, scan.text)
        log.info("scan: %s%s%s", scan.kind, f" ({scan.error})" if scan.error else "",
                 "" if handed else "; no kiosk listening")

    def _print_failed(self, e: PrinterError) -> None:
        self.devices.beeper.beep("error")

    def _modem_status(self, st: ModemStatus) -> None:
        self.write_status()

    # -- following the store ------------------------------------------------------------------
    def refresh(self) -> None:
        """Set the LEDs from the store: backlog from the outbox, fault from store and disk, link
        from the sync agent."""
        try:
            self.store.check_disk()
            st = outbox.stats(self.store)
            link = edge_status.link_up(self.store)
            self.fault = None
        except EdgeError as e:
            if self.fault != str(e):
                log.error("fault: %s", e)
            self.fault = str(e)
            self.devices.lights.set_fault(True)
            return
        self.devices.lights.set_fault(False)
        self.devices.lights.set_link(link)
        self.backlog_mode = self.devices.lights.set_backlog(
            st.pending, _age_s(st.oldest_pending_at), self.hw.backlog_fast_after_min * 60)

    def write_status(self) -> None:
        """Write the status file for the kiosk and the heartbeat when it changed, and at least every
        STATUS_REFRESH_S so readers can tell the service is alive (never raises)."""
        try:
            states = [d.state() for d in (self.devices.lights, self.devices.buttons, self.devices.beeper)]
            states += [self._printer_state(), self.devices.scanner.state()]
            doc = {
                "devices": [asdict(s) for s in states],
                "modem": self.poller.latest.as_dict(),
                "print_spool": {"pending": len(self.spool.jobs("pending")),
                                "last_error": str(self.queue.last_error) if self.queue.last_error else None},
                "warnings": self.devices.warnings,
                "fault": self.fault,
            }
            now = time.monotonic()
            if doc == self._last_status and now - self._last_status_at < STATUS_REFRESH_S:
                return                   # spare the SD card
            status_file.write(self.config.data_dir, doc)
            self._last_status, self._last_status_at = doc, now
        except Exception:
            log.exception("writing the hardware status file")

    def _printer_state(self) -> DeviceState:
        """The printer as the print queue last found it (the queue owns the port)."""
        name, hw = "printer", self.hw.printer
        if hw is None:
            return DeviceState(name, False, False, False, "no [hardware.printer] in the config")
        if self.queue.last_error:
            e = self.queue.last_error
            return DeviceState(name, True, e.reason != "unplugged", False, str(e))
        last = self.queue.last_printed
        detail = f"{hw.port}: " + (f"printed {last.kind} {last.ref} at {last.printed_at}" if last
                                   else "nothing printed yet since the service started")
        return DeviceState(name, True, True, True, detail)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self.write_status()
            self.devices.lights.beat()
            self._stop.wait(self.hw.poll_s)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> "HardwareService":
        if self._started:
            return self
        self._started = True
        self.devices.attach_buttons(on_ticket=lambda: self._button_ticket(False),
                                    on_priority=lambda: self._button_ticket(True),
                                    on_shutdown=self.shutdown)
        self.queue.start(recover=True)
        self.devices.scanner.start(self._scan)
        if self.hw.modem:
            self.poller.start()
        self._thread = threading.Thread(target=self._loop, name="hardware-leds", daemon=True)
        self._thread.start()
        return self

    def run(self) -> int:
        """Start, then wait for SIGTERM or SIGINT; close cleanly. Returns 0."""
        self.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self._stop.set())
        log.info("hardware service running; %d warning(s)", len(self.devices.warnings))
        while not self._stop.wait(1.0):
            pass
        self.close()
        return 0

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.queue.close()
        self.poller.close()
        self.devices.close()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> "HardwareService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
