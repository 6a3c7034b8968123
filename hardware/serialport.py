"""Opening a serial port (USB-serial adapter, CDC-ACM device or pseudo-terminal) with bounded waits."""

from __future__ import annotations

import fcntl
import os
import select
import termios

import serial

from .errors import DeviceIOError, DeviceMissingError

#: What a port that went away raises (pyserial, the OS, or termios on a hung-up tty).
PORT_ERRORS = (serial.SerialException, OSError, termios.error)


def open_port(path: str, baud: int, timeout: float, what: str) -> serial.Serial:
    """Open `path` raw 8N1 with read and write timeouts of `timeout` seconds, exclusively.

    Raises DeviceMissingError when the port is not there, DeviceIOError when it cannot be opened.
    """
    if not os.path.exists(path):
        raise DeviceMissingError(f"{what}: port {path} not found (unplugged or wrong port in "
                                 f"[hardware.{what}] port)")
    try:
        return serial.Serial(path, baud, timeout=timeout, write_timeout=timeout, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as e:
        raise DeviceIOError(f"{what}: cannot open {path}: {e}") from None


class RawPort:
    """A printer-class USB device node (`/dev/usb/lp0`, Linux usblp) with the part of pyserial's
    interface the printer uses. No termios: baud rate does not apply. Reads and writes wait at most
    `timeout` seconds; a write that cannot proceed raises serial.SerialTimeoutException."""

    def __init__(self, path: str, timeout: float):
        self.port = path
        self.timeout = timeout
        self.fd: int | None = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)    # one user at a time, as pyserial
        except OSError:
            os.close(self.fd)
            self.fd = None
            raise OSError(f"{path} is in use by another process") from None

    def _fd(self) -> int:
        if self.fd is None:
            raise serial.SerialException(f"{self.port} is closed")
        return self.fd

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [self._fd()], [], self.timeout)
            if not ready:
                raise serial.SerialTimeoutException(f"{self.port}: write timed out")
            try:
                n = os.write(self._fd(), view)
            except BlockingIOError:
                continue
            view = view[n:]
        return len(data)

    def flush(self) -> None:
        pass

    def read(self, size: int = 1) -> bytes:
        ready, _, _ = select.select([self._fd()], [], [], self.timeout)
        if not ready:
            return b""
        try:
            return os.read(self._fd(), size)
        except BlockingIOError:
            return b""

    def reset_input_buffer(self) -> None:
        while True:
            try:
                if not os.read(self._fd(), 4096):
                    return
            except BlockingIOError:
                return

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def open_raw(path: str, timeout: float, what: str) -> RawPort:
    """Open a printer-class device node. Raises DeviceMissingError / DeviceIOError like open_port."""
    if not os.path.exists(path):
        raise DeviceMissingError(f"{what}: device {path} not found (unplugged or wrong port in "
                                 f"[hardware.{what}] port)")
    try:
        return RawPort(path, timeout)
    except OSError as e:
        raise DeviceIOError(f"{what}: cannot open {path}: {e}") from None


class PortHolder:
    """Keeps one open port (`self._port`) for a device; `_drop()` closes it after a failure, so the
    next use opens it afresh (the device may have been unplugged and plugged back in)."""

    _port: "serial.Serial | RawPort | None" = None

    def _drop(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except PORT_ERRORS:
                pass
            self._port = None
