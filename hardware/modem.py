"""The mobile modem's AT port: signal (AT+CSQ), registration (AT+CREG? / AT+CEREG?), operator
(AT+COPS?).

Every command has a timeout, so a hung modem never hangs the service; lines that are not the
answer expected (echo, URCs such as `RING`, noise) are skipped. `ModemPoller` asks gently (every
`poll_s`, default 60 s) from its own thread and keeps the latest `ModemStatus`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Callable

import serial

from .base import Device, DeviceState, MissingDevice
from .config import ModemConfig
from .errors import DeviceIOError, HardwareError
from .serialport import PORT_ERRORS, PortHolder, open_port

log = logging.getLogger(__name__)

#: How long close() waits for a poll in progress (a poll is at most 4 command timeouts).
JOIN_S = 10.0
#: The longest line kept from the modem (longer ones are noise).
MAX_LINE = 256

REGISTRATION = {0: "not registered", 1: "home", 2: "searching", 3: "denied", 4: "unknown",
                5: "roaming", 6: "home (SMS only)", 7: "roaming (SMS only)", 8: "emergency only",
                9: "home (CSFB not preferred)", 10: "roaming (CSFB not preferred)"}
ACCESS_TECH = {0: "2G", 1: "2G", 2: "3G", 3: "2G", 4: "3G", 5: "3G", 6: "3G", 7: "4G", 8: "2G",
               9: "4G", 10: "4G", 11: "5G", 12: "5G", 13: "4G+5G"}
_CSQ = re.compile(r"\+CSQ:\s*(\d+)\s*,\s*(\d+)")
_REG = re.compile(r"\+C(E)?REG:\s*(\d+)\s*,\s*(\d+)(?:\s*,\s*\"?([0-9A-Fa-f]*)\"?\s*,\s*\"?([0-9A-Fa-f]*)\"?"
                  r"(?:\s*,\s*(\d+))?)?")
_COPS = re.compile(r"\+COPS:\s*(\d+)(?:\s*,\s*(\d+)\s*,\s*\"([^\"]*)\"(?:\s*,\s*(\d+))?)?")


class ModemError(DeviceIOError):
    """The modem answered ERROR, or not what was asked."""


class ModemSilentError(ModemError):
    """The modem did not answer in time, or its port is gone."""


def csq_to_dbm(rssi: int) -> int | None:
    """3GPP TS 27.007 +CSQ <rssi>: 0 → −113 dBm … 31 → −51 dBm or more; 99 → unknown (None)."""
    if not 0 <= rssi <= 31:
        return None
    return -113 + 2 * rssi


def dbm_to_bars(dbm: int | None) -> int:
    """0–4 bars the way phones show them (None → 0)."""
    if dbm is None:
        return 0
    for bars, floor in ((4, -73), (3, -83), (2, -93), (1, -109)):
        if dbm >= floor:
            return bars
    return 0


@dataclass(frozen=True)
class ModemStatus:
    """The latest answers; `error` says why something is unknown."""

    signal_dbm: int | None = None
    bars: int = 0
    registration: str | None = None
    registered: bool = False
    technology: str | None = None
    operator: str | None = None
    checked_at: str | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.error and self.registration is None and self.signal_dbm is None:
            return f"unknown ({self.error})"
        sig = f"{self.signal_dbm} dBm ({self.bars}/4)" if self.signal_dbm is not None else "signal unknown"
        op = f"{self.operator} {self.technology or ''}".strip() if self.operator else "no operator"
        return f"{sig}, {self.registration or 'registration unknown'}, {op}"


def parse_csq(line: str) -> tuple[int | None, int]:
    """`+CSQ: 20,99` → (-73, 4). Raises ValueError when the line is not a +CSQ answer."""
    m = _CSQ.search(line)
    if not m:
        raise ValueError(f"not a +CSQ answer: {line!r}")
    dbm = csq_to_dbm(int(m.group(1)))
    return dbm, dbm_to_bars(dbm)


def parse_reg(line: str) -> tuple[str, bool, str | None]:
    """`+CREG: 0,1` / `+CEREG: 2,5,"1A2B","01C3D4E5",7` → (registration, registered, technology)."""
    m = _REG.search(line)
    if not m:
        raise ValueError(f"not a +CREG/+CEREG answer: {line!r}")
    stat = int(m.group(3))
    act = m.group(6)
    tech = ACCESS_TECH.get(int(act)) if act is not None else ("4G" if m.group(1) else None)
    return REGISTRATION.get(stat, f"state {stat}"), stat in (1, 5, 6, 7, 9, 10), tech


def parse_cops(line: str) -> tuple[str | None, str | None]:
    """`+COPS: 0,0,"Viettel",7` → ("Viettel", "4G"); `+COPS: 0` → (None, None)."""
    m = _COPS.search(line)
    if not m:
        raise ValueError(f"not a +COPS answer: {line!r}")
    name = m.group(3) or None
    act = m.group(4)
    return name, (ACCESS_TECH.get(int(act)) if act is not None else None)


class SerialModem(PortHolder, Device):
    """A modem's AT command port. Opens lazily, reopens after an unplug; every call is bounded."""

    name = "modem"

    def __init__(self, config: ModemConfig):
        self.config = config
        self._port: serial.Serial | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> serial.Serial:
        if self._port is None:
            self._port = open_port(self.config.port, self.config.baud, min(self.config.timeout_s, 0.2),
                                   "modem")
        return self._port

    def command(self, cmd: str, expect: str | None = None) -> list[str]:
        """Send `cmd`, return the answer lines before the final OK (only those starting with
        `expect` when given). Raises ModemError on ERROR, silence past the timeout or a dead port."""
        with self._lock:
            try:
                port = self._ensure()
            except HardwareError as e:
                raise ModemSilentError(str(e)) from None
            try:
                port.reset_input_buffer()
                port.write(cmd.encode("ascii") + b"\r")
                port.flush()
                return self._answer(port, cmd, expect)
            except ModemError:           # an OSError too: must come before PORT_ERRORS
                raise
            except PORT_ERRORS as e:
                self._drop()
                raise ModemSilentError(f"modem on {self.config.port}: port failed ({e})") from None

    def _answer(self, port: serial.Serial, cmd: str, expect: str | None) -> list[str]:
        deadline = time.monotonic() + self.config.timeout_s
        buf = b""
        lines: list[str] = []
        while time.monotonic() < deadline:
            chunk = port.read(port.in_waiting or 1)
            if not chunk:
                continue
            buf += chunk
            while b"\n" in buf or b"\r" in buf:
                cut = min(i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0)
                raw, buf = buf[:cut], buf[cut + 1:]
                line = raw.decode("ascii", "replace").strip()
                if not line or line == cmd:
                    continue
                if line == "OK":
                    return lines
                if line == "ERROR" or line.startswith(("+CME ERROR", "+CMS ERROR")):
                    raise ModemError(f"modem answered {line} to {cmd}")
                if expect is None or line.startswith(expect):
                    lines.append(line[:MAX_LINE])
            if len(buf) > MAX_LINE:
                buf = b""
        raise ModemSilentError(f"modem on {self.config.port}: no answer to {cmd} within {self.config.timeout_s:g} s")

    def query(self) -> ModemStatus:
        """Ask signal, registration and operator. Never raises: what failed is in `error`."""
        found: dict = {}
        errors: list[str] = []
        for cmd, expect, parse in (("AT+CSQ", "+CSQ:", parse_csq), ("AT+CEREG?", "+CEREG:", parse_reg),
                                   ("AT+CREG?", "+CREG:", parse_reg), ("AT+COPS?", "+COPS:", parse_cops)):
            if cmd == "AT+CREG?" and found.get("registered"):
                continue
            try:
                lines = self.command(cmd, expect)
                if not lines:
                    raise ModemError(f"modem gave no {expect} line to {cmd}")
                value = parse(lines[-1])
            except ModemSilentError as e:
                errors.append(str(e))
                break          # each further command would wait out its timeout too
            except (ModemError, ValueError) as e:
                errors.append(str(e))
                continue
            if cmd == "AT+CSQ":
                found["signal_dbm"], found["bars"] = value
            elif cmd == "AT+COPS?":
                found["operator"], tech = value
                found["technology"] = tech or found.get("technology")
            elif not found.get("registered"):
                found["registration"], found["registered"], tech = value
                found["technology"] = tech or found.get("technology")
        return ModemStatus(**found, checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           error="; ".join(errors) or None)

    def state(self) -> DeviceState:
        st = self.query()
        ok = st.registered
        present = st.signal_dbm is not None or st.registration is not None
        return DeviceState(self.name, True, present, ok, f"{self.config.port}: {st.summary()}")

    def close(self) -> None:
        with self._lock:
            self._drop()


class MissingModem(MissingDevice):
    def __init__(self, reason: str = "no [hardware.modem] in the config"):
        super().__init__("modem", reason)

    def query(self) -> ModemStatus:
        return ModemStatus(error=self.reason)


class ModemPoller:
    """Polls a modem every `interval` seconds in a daemon thread; `latest` is the last status."""

    def __init__(self, modem: SerialModem | MissingModem, interval: float,
                 on_status: Callable[[ModemStatus], None] | None = None):
        self.modem = modem
        self.interval = interval
        self.on_status = on_status
        self.latest = ModemStatus(error="not asked yet")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ModemPoller":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="modem-poll", daemon=True)
            self._thread.start()
        return self

    def poll(self) -> ModemStatus:
        self.latest = self.modem.query()
        if self.on_status:
            try:
                self.on_status(self.latest)
            except Exception:
                log.exception("modem status callback")
        return self.latest

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=JOIN_S)
            self._thread = None
