"""Push buttons (gpiozero, wired between the pin and ground, internal pull-up): ticket, priority
ticket, safe shutdown.

The ticket buttons act on press. The shutdown button acts only when held for
`[hardware] shutdown_hold_s` (3 s): a short press does nothing, so a knock or a curious visitor
cannot switch the office off.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from gpiozero import Button
from gpiozero.exc import GPIOZeroError

from .base import Device, DeviceState, MissingDevice
from .config import Pins
from .errors import DeviceMissingError

log = logging.getLogger(__name__)

#: Debounce of the ticket buttons, seconds (None: no debounce).
BOUNCE_S: float | None = 0.05

Action = Callable[[], None]


def _safe(name: str, action: Action) -> Action:
    def run() -> None:
        try:
            action()
        except Exception:  # a failing action must not kill gpiozero's event thread
            log.exception("button %s", name)
    return run


class Buttons(Device):
    """The fitted buttons, each calling its action from gpiozero's event thread.

    Raises DeviceMissingError when the pins cannot be used (no GPIO on this machine).
    """

    name = "buttons"

    def __init__(self, pins: Pins, *, on_ticket: Action, on_priority: Action, on_shutdown: Action,
                 hold_s: float = 3.0, pin_factory: Any = None):
        self.buttons: dict[str, Button] = {}
        try:
            if pins.button_ticket is not None:
                b = Button(pins.button_ticket, pull_up=True, bounce_time=BOUNCE_S, pin_factory=pin_factory)
                b.when_pressed = _safe("ticket", on_ticket)
                self.buttons["ticket"] = b
            if pins.button_priority is not None:
                b = Button(pins.button_priority, pull_up=True, bounce_time=BOUNCE_S,
                           pin_factory=pin_factory)
                b.when_pressed = _safe("priority", on_priority)
                self.buttons["priority"] = b
            if pins.button_shutdown is not None:
                b = Button(pins.button_shutdown, pull_up=True, hold_time=hold_s, pin_factory=pin_factory)
                b.when_held = _safe("shutdown", on_shutdown)
                self.buttons["shutdown"] = b
        except (GPIOZeroError, OSError) as e:
            self.close()
            raise DeviceMissingError(f"buttons: GPIO not usable ({e})") from None

    def state(self) -> DeviceState:
        if not self.buttons:
            return DeviceState(self.name, False, False, False, "no button pins fitted")
        detail = ", ".join(f"{k} ({b.pin}{', pressed' if b.is_pressed else ''})" for k, b in self.buttons.items())
        return DeviceState(self.name, True, True, True, detail)

    def close(self) -> None:
        for b in self.buttons.values():
            try:
                b.close()
            except GPIOZeroError:
                pass
        self.buttons.clear()


class MissingButtons(MissingDevice):
    name = "buttons"

    def __init__(self, reason: str, configured: bool = True):
        super().__init__(self.name, reason, configured)
