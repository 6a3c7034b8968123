"""A QR/barcode scanner on a serial port: one scan per line (CR, LF or CR LF).

`SerialScanner.start(callback)` reads lines in a daemon thread and hands each one, classified, to
the callback: a citizen ID card (CCCD, parsed by `edge.citizens.parse_cccd`), a dossier code (the
QR on a receipt), a queue ticket label, or unknown. A broken CCCD string is reported with the field
that is wrong. The raw text of a CCCD is never logged.

When the hardware service owns the scanner and the kiosk runs in another process, the service
forwards each line over a local datagram socket (`<data dir>/scanner.sock`) to the kiosk's
`ScanListener`.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable

import serial

from edge import citizens
from edge.errors import CCCDError

from .base import Device, DeviceState, MissingDevice
from .config import SerialConfig
from .errors import HardwareError
from .serialport import PORT_ERRORS, PortHolder, open_port

log = logging.getLogger(__name__)

#: Longest scan kept (a CCCD QR is about 150 characters); longer input is dropped as noise.
MAX_LINE = 1024
#: Wait between attempts to reopen an unplugged scanner.
REOPEN_S = 2.0
#: Read timeout of the port (how quickly close() is noticed).
READ_TIMEOUT_S = 0.2

DOSSIER_CODE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*-\d{6}-\d{4}$")
TICKET_LABEL = re.compile(r"^[A-Z]\d{3}$")


@dataclass(frozen=True)
class Scan:
    """One scanned line. `kind`: cccd, cccd_invalid, dossier, ticket, unknown."""

    kind: str
    text: str
    citizen: Any = None
    error: str | None = None
    field: str | None = None

    def __repr__(self) -> str:  # keep ID data out of logs and tracebacks
        return f"Scan(kind={self.kind!r}, error={self.error!r}, field={self.field!r})"


def classify(text: str) -> Scan:
    """Tell what a scanned line is. Never raises: a broken CCCD is `cccd_invalid` with the error."""
    text = text.strip().lstrip("\ufeff")
    if "|" in text:
        try:
            return Scan("cccd", text, citizen=citizens.parse_cccd(text))
        except CCCDError as e:
            return Scan("cccd_invalid", text, error=str(e), field=e.field)
    if DOSSIER_CODE.match(text):
        return Scan("dossier", text)
    if TICKET_LABEL.match(text):
        return Scan("ticket", text)
    return Scan("unknown", text, error="not a CCCD, a dossier code or a ticket")


class LineSplitter:
    """Cuts a byte stream into lines at CR, LF or CR LF; drops lines longer than MAX_LINE."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.overflow = False

    def feed(self, data: bytes) -> list[str]:
        lines = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self.buf and not self.overflow:
                    lines.append(self.buf.decode("utf-8", "replace"))
                elif self.overflow:
                    log.warning("scanner: dropped a line longer than %d bytes", MAX_LINE)
                self.buf.clear()
                self.overflow = False
            elif len(self.buf) >= MAX_LINE:
                self.overflow = True
            else:
                self.buf.append(byte)
        return lines


class SerialScanner(PortHolder, Device):
    """A serial scanner. Reopens the port when it comes back after an unplug."""

    name = "scanner"

    def __init__(self, config: SerialConfig):
        self.config = config
        self._port: serial.Serial | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        #: The device the port resolved to when last opened (None while closed). pyserial empties
        #: the input buffer on open, so anything scanned before that moment is lost.
        self.connected_to: str | None = None
        self.scans = 0

    def start(self, callback: Callable[[Scan], None]) -> "SerialScanner":
        """Read lines in a daemon thread and call `callback(Scan)` for each (exceptions are logged)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, args=(callback,), name="scanner",
                                            daemon=True)
            self._thread.start()
        return self

    def _open(self) -> serial.Serial | None:
        try:
            port = open_port(self.config.port, self.config.baud, READ_TIMEOUT_S, "scanner")
        except HardwareError as e:
            if self.last_error != str(e):
                log.warning("%s", e)
            self.last_error = str(e)
            return None
        self.last_error = None
        self.connected_to = os.path.realpath(self.config.port)
        return port

    def _run(self, callback: Callable[[Scan], None]) -> None:
        splitter = LineSplitter()
        while not self._stop.is_set():
            if self._port is None:
                self._port = self._open()
                if self._port is None:
                    self._stop.wait(REOPEN_S)
                    continue
                splitter = LineSplitter()
            try:
                data = self._port.read(self._port.in_waiting or 1)
            except PORT_ERRORS as e:
                self.last_error = f"scanner on {self.config.port}: port failed ({e})"
                log.warning("%s", self.last_error)
                self._drop()
                continue
            for line in splitter.feed(data):
                scan = classify(line)
                self.scans += 1
                try:
                    callback(scan)
                except Exception:
                    log.exception("scanner callback failed for a %s scan", scan.kind)

    def _drop(self) -> None:
        self.connected_to = None
        super()._drop()

    def state(self) -> DeviceState:
        detail = f"{self.config.port} {self.config.baud} baud"
        if self._thread is None:
            try:
                open_port(self.config.port, self.config.baud, READ_TIMEOUT_S, "scanner").close()
            except HardwareError as e:
                return DeviceState(self.name, True, False, False, str(e))
            return DeviceState(self.name, True, True, True, detail)
        if self.last_error:
            return DeviceState(self.name, True, False, False, self.last_error)
        return DeviceState(self.name, True, True, True, f"{detail}, {self.scans} scans")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=READ_TIMEOUT_S * 10 + 1)
            self._thread = None
        self._drop()


class MissingScanner(MissingDevice):
    def __init__(self, reason: str = "no [hardware.scanner] in the config (keyboard scanners need none)"):
        super().__init__("scanner", reason)

    def start(self, callback: Callable[[Scan], None]) -> "MissingScanner":
        return self


# -- handing scans to the kiosk process ------------------------------------------------------------
#: Largest scan sent between processes (a datagram).
MAX_DATAGRAM = 4096
SOCKET_NAME = "scanner.sock"


def forward(socket_path: str | os.PathLike, text: str) -> bool:
    """Send one scanned line to the kiosk's ScanListener. False when no kiosk listens (the scan is
    dropped: nobody is at the screen to use it)."""
    data = text.encode("utf-8")[:MAX_DATAGRAM]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        try:
            s.sendto(data, os.fspath(socket_path))
        except (FileNotFoundError, ConnectionRefusedError):
            return False
        except OSError as e:
            log.warning("scanner: cannot hand the scan to the kiosk: %s", e)
            return False
    return True


class ScanListener:
    """The kiosk's end: receives scans the hardware service forwards and calls `callback(Scan)` from
    a daemon thread. The socket file is made owner/group-only and removed on close."""

    def __init__(self, socket_path: str | os.PathLike, callback: Callable[[Scan], None]):
        self.path = os.fspath(socket_path)
        self.callback = callback
        try:
            os.unlink(self.path)            # left over from a kiosk that crashed
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(self.path)
            os.chmod(self.path, 0o660)
        except OSError as e:
            self.sock.close()
            raise HardwareError(f"scanner: cannot listen on {self.path}: {e}") from None
        self.sock.settimeout(READ_TIMEOUT_S)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scan-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(MAX_DATAGRAM)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.callback(classify(data.decode("utf-8", "replace")))
            except Exception:
                log.exception("scan listener callback")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=READ_TIMEOUT_S * 10 + 1)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "ScanListener":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
