"""The device interface every backend implements, and the state it reports.

A backend **must** implement:

- `name` — a short name shown by `commune-edge hardware check` (`printer`, `scanner`, `modem`,
  `leds`, `buttons`, `buzzer`);
- `state() -> DeviceState` — what the device is doing now; it never blocks longer than the device's
  configured timeout and never raises for a device problem (it reports it);
- `close()` — release ports and pins; safe to call twice.

A backend **may** implement `open()` to take its port or pins early (the default does nothing:
serial backends open lazily on first use and reopen after an unplug).

Every device is a context manager that closes on exit, so tests and short commands release it.
For each family there is a *missing* backend (`Missing…`) with the same methods that does nothing and
says why, so the service runs the same code whether or not a device is fitted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceState:
    """One line of `hardware check`: `present` (found), `ok` (usable now) and a human `detail`."""

    name: str
    configured: bool
    present: bool
    ok: bool
    detail: str

    def line(self) -> str:
        mark = "ok" if self.ok else ("missing" if not self.present else "FAULT")
        if not self.configured:
            mark = "not configured"
        return f"{self.name:<8} {mark:<14} {self.detail}"


class Device(ABC):
    name: str = "device"

    def open(self) -> None:
        """Take the port or pins now (optional; backends open lazily by default)."""

    @abstractmethod
    def state(self) -> DeviceState:
        """What the device is doing now (never raises for a device problem)."""

    @abstractmethod
    def close(self) -> None:
        """Release ports and pins; idempotent."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MissingDevice(Device):
    """A device that is not configured or not found: does nothing, reports why."""

    def __init__(self, name: str, reason: str, configured: bool = False):
        self.name = name
        self.reason = reason
        self.configured = configured

    def state(self) -> DeviceState:
        return DeviceState(self.name, self.configured, False, False, self.reason)

    def close(self) -> None:
        pass
