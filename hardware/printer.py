"""The receipt/ticket printer: an ESC/POS backend over pyserial and a spooled print queue.

`PrintQueue.submit(slip)` renders the slip, stores it in the spool and returns at once; a worker
thread sends spooled jobs in order and keeps a job that failed (printer off, unplugged, out of
paper) pending, retrying every RETRY_S seconds. So a dead printer never blocks the counter or the
queue, and nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import serial

from edge.slips import Slip

from . import escpos, render
from .base import Device, DeviceState, MissingDevice
from .config import PrinterConfig
from .errors import DeviceIOError, DeviceMissingError, HardwareError, PrinterError
from .profiles import Profile
from .serialport import PORT_ERRORS, PortHolder, RawPort, open_port, open_raw
from .spool import Job, Spool

log = logging.getLogger(__name__)

#: How long a spooled job waits before the next attempt after a failure.
RETRY_S = 10.0
#: Bytes written per write() call (keeps a write bounded by the port's write timeout).
CHUNK = 4096

REASONS = {
    "offline": "the printer does not answer (switched off or cable loose)",
    "paper_out": "the printer is out of paper",
    "cover_open": "the printer cover is open",
    "error": "the printer reports an error (paper jam or cutter)",
    "unplugged": "the printer is unplugged",
    "io": "the printer connection failed",
    "timeout": "the printer stopped taking data",
}


class SerialPrinter(PortHolder, Device):
    """An ESC/POS printer on a serial port (USB-serial or CDC-ACM) or a printer-class USB device
    node (`connection = "usblp"`, /dev/usb/lp0). Opens lazily, reopens after an unplug. `send` and
    `status` raise PrinterError with a `reason`."""

    name = "printer"

    def __init__(self, config: PrinterConfig, profile: Profile):
        self.config = config
        self.profile = profile
        self._port: serial.Serial | RawPort | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        with self._lock:
            try:
                self._ensure()
            except PrinterError as e:
                log.warning("%s", e)

    def _ensure(self) -> serial.Serial | RawPort:
        if self._port is None:
            try:
                if self.config.connection == "usblp":
                    self._port = open_raw(self.config.port, self.config.timeout_s, "printer")
                else:
                    self._port = open_port(self.config.port, self.config.baud, self.config.timeout_s,
                                           "printer")
            except DeviceMissingError as e:
                raise PrinterError(str(e), "unplugged") from None
            except DeviceIOError as e:
                raise PrinterError(str(e), "io") from None
        return self._port

    def _ask(self, port: serial.Serial | RawPort, n: int) -> int:
        port.reset_input_buffer()
        port.write(escpos.status_request(n))
        port.flush()
        reply = port.read(1)
        if not reply:
            raise PrinterError(f"printer on {self.config.port}: {REASONS['offline']}", "offline")
        return reply[0]

    def _status(self) -> escpos.Status:
        port = self._ensure()
        if not self.profile.status:
            return escpos.Status()
        try:
            replies = [self._ask(port, n) for n in (escpos.STATUS_PRINTER, escpos.STATUS_OFFLINE,
                                                    escpos.STATUS_PAPER)]
            return escpos.parse_status(*replies)
        except PrinterError:           # an OSError too: must come before PORT_ERRORS
            raise
        except ValueError as e:
            raise PrinterError(f"printer on {self.config.port}: garbled status ({e})", "io") from None
        except PORT_ERRORS as e:
            self._drop()
            raise PrinterError(f"printer on {self.config.port}: {REASONS['unplugged']} ({e})",
                               "unplugged") from None

    def status(self) -> escpos.Status:
        """Ask the printer how it is (DLE EOT 1, 2, 4). Raises PrinterError when it cannot tell."""
        with self._lock:
            return self._status()

    def send(self, data: bytes) -> None:
        """Check the status, write one job, check the status again.

        Raises PrinterError (with a reason) on any problem; the job may then be partly printed.
        """
        with self._lock:
            problem = self._status().problem
            if problem:
                raise PrinterError(f"printer on {self.config.port}: {REASONS[problem]}", problem)
            port = self._ensure()
            try:
                for start in range(0, len(data), CHUNK):
                    port.write(data[start:start + CHUNK])
                port.flush()
            except serial.SerialTimeoutException:
                self._drop()
                raise PrinterError(f"printer on {self.config.port}: {REASONS['timeout']}",
                                   "timeout") from None
            except PORT_ERRORS as e:
                self._drop()
                raise PrinterError(f"printer on {self.config.port}: {REASONS['unplugged']} ({e})",
                                   "unplugged") from None
            # Asked after the data: proves the printer took the job and is still there. A job
            # whose printer vanished or ran out of paper meanwhile is printed again, never lost.
            problem = self._status().problem
            if problem:
                raise PrinterError(f"printer on {self.config.port}: {REASONS[problem]}", problem)

    def state(self) -> DeviceState:
        link = "usblp" if self.config.connection == "usblp" else f"{self.config.baud} baud"
        detail = f"{self.config.port} {link}, profile {self.profile.key} ({self.profile.width} mm)"
        try:
            st = self.status()
        except PrinterError as e:
            return DeviceState(self.name, True, e.reason not in ("unplugged",), False, f"{detail}: {e}")
        if st.problem:
            return DeviceState(self.name, True, True, False, f"{detail}: {REASONS[st.problem]}")
        note = ", paper near end" if st.paper_near_end else ""
        return DeviceState(self.name, True, True, True, detail + (note if self.profile.status else
                                                                  ", no status support"))

    def close(self) -> None:
        with self._lock:
            self._drop()


class MissingPrinter(MissingDevice):
    """No printer configured: every job stays in the spool."""

    def __init__(self, reason: str = "no [hardware.printer] in the config"):
        super().__init__("printer", reason)

    def send(self, data: bytes) -> None:
        raise PrinterError(f"no printer: {self.reason}", "unplugged")


@dataclass(frozen=True)
class PrintResult:
    job: Job
    printed: bool
    error: str | None = None


class PrintQueue:
    """Prints spooled jobs in order from a worker thread. `submit` never waits for the printer."""

    def __init__(self, printer: SerialPrinter | MissingPrinter, spool: Spool, profile: Profile,
                 on_error: Callable[[PrinterError], None] | None = None):
        self.printer = printer
        self.spool = spool
        self.profile = profile
        self.on_error = on_error
        self.last_error: PrinterError | None = None
        self.last_printed: Job | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self, recover: bool = False) -> "PrintQueue":
        """Start the worker. `recover` (the hardware service only, once at boot) first puts jobs
        a crashed worker left half-printed back in the queue."""
        if self._thread is None:
            if recover:
                self.spool.recover()
            self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
            self._thread.start()
        return self

    def submit(self, slip: Slip) -> Job:
        """Render and spool `slip`; the worker prints it as soon as the printer can."""
        job = self.spool.add(slip.kind, slip.ref, render.encode(slip, self.profile))
        self._wake.set()
        return job

    def retry(self) -> None:
        """Try the pending jobs now (e.g. after the printer was switched back on)."""
        self._wake.set()

    def reprint(self, ref: str | None = None) -> Job:
        """Queue the newest printed job (for `ref`) again. Raises HardwareError when there is none."""
        last = self.spool.last_done(ref)
        if last is None:
            raise HardwareError("nothing to reprint" + (f" for {ref}" if ref else ""))
        job = self.spool.requeue(last.id)
        self._wake.set()
        return job

    def wait(self, job: Job, timeout: float) -> PrintResult:
        """Wait up to `timeout` s for `job` to print (or fail once). Never raises for the printer."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                current = self.spool.get(job.id) or job
                if current.state == "done":
                    return PrintResult(current, True)
                if current.state == "pending" and current.attempts > job.attempts:
                    return PrintResult(current, False, current.last_error)
                left = deadline - time.monotonic()
                if left <= 0:
                    return PrintResult(current, False, current.last_error or "still waiting for the printer")
                self._changed.wait(min(left, 0.2))

    def pump(self) -> int:
        """Send pending jobs until one fails. Returns how many printed."""
        printed = 0
        for job in self.spool.jobs("pending"):
            if self._stop.is_set():
                break
            claimed = self.spool.claim(job)
            if claimed is None:
                continue
            try:
                self.printer.send(self.spool.data(claimed))
            except Exception as exc:   # whatever happened, the job goes back to the queue
                e = exc if isinstance(exc, PrinterError) else PrinterError(f"printing failed: {exc}", "io")
                self.spool.fail(claimed, str(e))
                new_problem = self.last_error is None or str(self.last_error) != str(e)
                self.last_error = e
                if new_problem:       # once per problem, not at every retry
                    log.warning("print job %s (%s %s) kept in the spool: %s", job.id, job.kind, job.ref, e)
                    if self.on_error:
                        self.on_error(e)
                break
            else:
                self.last_printed = self.spool.finish(claimed)
                self.last_error = None
                printed += 1
            finally:
                with self._changed:
                    self._changed.notify_all()
        return printed

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.pump()
            except Exception:  # the worker must survive anything (disk error, bad job file)
                log.exception("print queue")
            self._wake.wait(RETRY_S)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
