"""Devices on the far side of a real pseudo-terminal: a printer that records and decodes what it is
sent, a modem that answers AT commands (or stays silent, or sends garbage), a scanner that types.

The ESC/POS decoder here is written from the command reference, independently of hardware.escpos,
so a test that decodes the bytes checks the encoder rather than repeating it.
"""

from __future__ import annotations

import os
import pty
import select
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path


class Pty:
    """A pty pair in raw mode; `link` is a stable path (a symlink, like /dev/serial/by-id/…) that
    can be pointed at a new pty to model unplugging and plugging the device back."""

    def __init__(self, link: Path):
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.link = Path(link)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.path)
        os.replace(tmp, self.link)
        self.closed = False

    def close_master(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)

    def close(self) -> None:
        self.close_master()
        try:
            os.close(self.slave)
        except OSError:
            pass


@dataclass
class Command:
    name: str
    args: tuple = ()
    data: bytes = b""


def decode(stream: bytes) -> tuple[list[Command], bytes]:
    """Decode complete ESC/POS commands; returns them and the bytes of an incomplete tail."""
    out: list[Command] = []
    i, n = 0, len(stream)
    text = bytearray()

    def flush_text() -> None:
        if text:
            out.append(Command("text", data=bytes(text)))
            text.clear()

    while i < n:
        b = stream[i]
        if b == 0x1B:                                   # ESC
            if i + 1 >= n:
                break
            c = stream[i + 1]
            if c == ord("@"):
                flush_text(); out.append(Command("init")); i += 2; continue
            if c in b"aEtd!-":
                if i + 2 >= n:
                    break
                flush_text()
                name = {ord("a"): "align", ord("E"): "bold", ord("t"): "codepage", ord("d"): "feed",
                        ord("!"): "mode", ord("-"): "underline"}[c]
                out.append(Command(name, (stream[i + 2],))); i += 3; continue
            raise ValueError(f"unknown ESC command 0x{c:02x} at byte {i}")
        if b == 0x1D:                                   # GS
            if i + 1 >= n:
                break
            c = stream[i + 1]
            if c == ord("!"):
                if i + 2 >= n:
                    break
                flush_text(); out.append(Command("size", (stream[i + 2],))); i += 3; continue
            if c == ord("V"):
                if i + 2 >= n:
                    break
                m = stream[i + 2]
                if m in (65, 66):
                    if i + 3 >= n:
                        break
                    flush_text(); out.append(Command("cut", (m, stream[i + 3]))); i += 4; continue
                flush_text(); out.append(Command("cut", (m,))); i += 3; continue
            if c == ord("v"):                           # GS v 0 m xL xH yL yH d…
                if i + 8 > n:
                    break
                if stream[i + 2] != 0x30:
                    raise ValueError(f"GS v must be followed by '0' at byte {i}")
                xb = stream[i + 4] | stream[i + 5] << 8
                rows = stream[i + 6] | stream[i + 7] << 8
                end = i + 8 + xb * rows
                if end > n:
                    break
                flush_text(); out.append(Command("raster", (xb, rows), stream[i + 8:end])); i = end; continue
            if c == ord("("):                           # GS ( k pL pH cn fn …
                if i + 5 > n:
                    break
                if stream[i + 2] != ord("k"):
                    raise ValueError(f"unknown GS ( {chr(stream[i + 2])} at byte {i}")
                length = stream[i + 3] | stream[i + 4] << 8
                end = i + 5 + length
                if end > n:
                    break
                body = stream[i + 5:end]
                flush_text(); out.append(Command("qr", (body[0], body[1]), body[2:])); i = end; continue
            raise ValueError(f"unknown GS command 0x{c:02x} at byte {i}")
        if b == 0x10:                                   # DLE EOT n
            if i + 2 >= n:
                break
            if stream[i + 1] != 0x04:
                raise ValueError(f"unknown DLE command at byte {i}")
            flush_text(); out.append(Command("status", (stream[i + 2],))); i += 3; continue
        if b == 0x0A:
            flush_text(); out.append(Command("lf")); i += 1; continue
        text.append(b)
        i += 1
    flush_text()
    if i < n:
        # an incomplete command: give back the tail (text before it was already emitted)
        return out, stream[i:]
    return out, b""


def raster_rows(commands: list[Command]) -> tuple[int, int]:
    """(width in dots, total rows) of the raster blocks."""
    widths = {c.args[0] * 8 for c in commands if c.name == "raster"}
    assert len(widths) <= 1, f"raster blocks of different widths: {widths}"
    return (widths.pop() if widths else 0), sum(c.args[1] for c in commands if c.name == "raster")


def qr_data(commands: list[Command]) -> list[str]:
    """The data stored by each native QR (GS ( k fn 80 m d…)."""
    return [c.data[1:].decode("utf-8") for c in commands if c.name == "qr" and c.args == (49, 80)]


class FakePrinter:
    """Reads the master side of a pty, decodes everything into `commands`, answers DLE EOT.

    `silent` models a printer that is switched off (no status answers); `paper_out` an empty roll;
    `unplug_after` closes the pty after that many bytes of job data (pulling the cable mid-print).
    """

    def __init__(self, p: Pty, *, unplug_after: int | None = None):
        self.pty = p
        self.received = bytearray()
        self.commands: list[Command] = []
        self.silent = False
        self.paper_out = False
        self.unplug_after = unplug_after
        self._tail = b""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _answer(self, n: int) -> bytes:
        byte = 0x12
        if n == 2 and self.paper_out:
            byte |= 0x20
        if n == 4 and self.paper_out:
            byte |= 0x60
        return bytes([byte])

    def _run(self) -> None:
        while not self._stop.is_set() and not self.pty.closed:
            try:
                ready, _, _ = select.select([self.pty.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.pty.master, 65536)
            except OSError:
                time.sleep(0.02)
                continue
            with self._lock:
                self.received += data
                cmds, self._tail = decode(self._tail + data)
                self.commands.extend(cmds)
            for c in cmds:
                if c.name == "status" and not self.silent:
                    os.write(self.pty.master, self._answer(c.args[0]))
            jobs = sum(1 for c in self.commands if c.name != "status")
            if self.unplug_after is not None and jobs and len(self.received) >= self.unplug_after:
                self.pty.close_master()

    def jobs(self) -> list[list[Command]]:
        """The commands of each job (init … cut), status requests left out."""
        with self._lock:
            cmds = [c for c in self.commands if c.name != "status"]
        out: list[list[Command]] = []
        for c in cmds:
            if c.name == "init":
                out.append([])
            if out:
                out[-1].append(c)
        return out

    def wait_jobs(self, n: int, timeout: float = 10.0) -> list[list[Command]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = [j for j in self.jobs() if j and j[-1].name == "cut"]
            if len(jobs) >= n:
                return jobs
            time.sleep(0.02)
        raise AssertionError(f"expected {n} complete job(s), got {len(self.jobs())}")

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)


class FakeModem:
    """Answers AT commands on a pty. mode: "answer", "silent" or "garbage"."""

    def __init__(self, p: Pty, mode: str = "answer", answers: dict[str, str] | None = None,
                 echo: bool = True):
        self.pty = p
        self.mode = mode
        self.echo = echo
        self.answers = answers or {
            "AT+CSQ": "+CSQ: 20,99",
            "AT+CEREG?": "+CEREG: 0,1",
            "AT+CREG?": "+CREG: 0,1",
            "AT+COPS?": '+COPS: 0,0,"Viettel",7',
        }
        self.asked: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        buf = b""
        while not self._stop.is_set() and not self.pty.closed:
            try:
                ready, _, _ = select.select([self.pty.master], [], [], 0.05)
                if not ready:
                    continue
                buf += os.read(self.pty.master, 1024)
            except OSError:
                time.sleep(0.02)
                continue
            while b"\r" in buf:
                line, buf = buf.split(b"\r", 1)
                cmd = line.decode("ascii", "replace").strip()
                if not cmd:
                    continue
                self.asked.append(cmd)
                if self.mode == "silent":
                    continue
                if self.mode == "garbage":
                    os.write(self.pty.master, b"\xff\xfe\x00#@!\r\n+CSQ: banana\r\n\x1b[2J" * 3)
                    continue
                reply = (cmd.encode() + b"\r\r\n") if self.echo else b""
                answer = self.answers.get(cmd)
                if answer is None:
                    reply += b"\r\nERROR\r\n"
                else:
                    reply += b"\r\n+CREG: 2\r\n" if cmd == "AT+CSQ" else b""   # an unsolicited line
                    reply += f"\r\n{answer}\r\n\r\nOK\r\n".encode()
                os.write(self.pty.master, reply)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
