"""The exceptions of the hardware package. Every one carries a message a person can act on.

`HardwareError` inherits `edge.errors.EdgeError`, so the `commune-edge` CLI prints it as one line and
exits with status 2.
"""

from __future__ import annotations

from edge.errors import EdgeError


class HardwareError(EdgeError):
    """Root of every error the hardware package raises on purpose."""


class DeviceMissingError(HardwareError):
    """A device is not configured, or its port/pins are not there."""


class DeviceIOError(HardwareError, OSError):
    """Talking to a device failed (unplugged, switched off, timed out); the message says which."""


class PrinterError(DeviceIOError):
    """The printer could not print: `reason` is a short code (offline, paper_out, cover_open, io, timeout)."""

    def __init__(self, message: str, reason: str = "io"):
        self.reason = reason
        super().__init__(message)


class ProfileError(HardwareError, ValueError):
    """A printer profile file is missing or holds a bad value (the message names file and key)."""
