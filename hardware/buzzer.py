"""The buzzer (gpiozero): one short beep on a good scan, three on an error. Never blocks."""

from __future__ import annotations

from typing import Any

from gpiozero import Buzzer
from gpiozero.exc import GPIOZeroError

from .base import Device, DeviceState, MissingDevice
from .errors import DeviceMissingError

#: name → (on seconds, off seconds, count)
PATTERNS = {"ok": (0.08, 0.05, 1), "error": (0.15, 0.1, 3)}


class Beeper(Device):
    """A buzzer on one pin. Raises DeviceMissingError when the pin cannot be used."""

    name = "buzzer"

    def __init__(self, pin: int, pin_factory: Any = None):
        try:
            self.buzzer = Buzzer(pin, pin_factory=pin_factory)
        except (GPIOZeroError, OSError) as e:
            raise DeviceMissingError(f"buzzer: GPIO not usable ({e})") from None
        self.beeps = 0
        self.last: str | None = None

    def beep(self, pattern: str = "ok") -> None:
        """Sound `pattern` (a key of PATTERNS) in the background."""
        on, off, n = PATTERNS[pattern]
        self.beeps += 1
        self.last = pattern
        self.buzzer.beep(on_time=on, off_time=off, n=n, background=True)

    def state(self) -> DeviceState:
        return DeviceState(self.name, True, True, True, f"{self.buzzer.pin}")

    def close(self) -> None:
        try:
            self.buzzer.close()
        except GPIOZeroError:
            pass


class MissingBeeper(MissingDevice):
    name = "buzzer"

    def __init__(self, reason: str, configured: bool = True):
        super().__init__(self.name, reason, configured)

    def beep(self, pattern: str = "ok") -> None:
        pass
