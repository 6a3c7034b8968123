"""Opening a serial port (USB-serial adapter, CDC-ACM device or pseudo-terminal) with bounded waits."""

from __future__ import annotations

import os
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
