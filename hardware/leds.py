"""Status LEDs (gpiozero): power/heartbeat, link, backlog, fault.

- power: on, with a short dark blink each time the service's loop comes round (`beat()`, every
  `[hardware] poll_s`) — so a hung service shows as a steady light, not a reassuring blink;
- link: on while the province's broker is reachable;
- backlog: off when everything is synced, blinks slowly while the outbox has unsynced rows and
  fast when the oldest of them is older than `[hardware] backlog_fast_after_min`;
- fault: on when the store or the disk has a problem.

Each LED only changes when its mode changes, so calling the setters every poll is cheap.
"""

from __future__ import annotations

import time
from typing import Any

from gpiozero import LED
from gpiozero.exc import GPIOZeroError

from .base import Device, DeviceState, MissingDevice
from .config import Pins
from .errors import DeviceMissingError

#: Seconds the power LED goes dark on each heartbeat.
BEAT_OFF_S = 0.15
#: (on, off) seconds of each blink mode.
BLINK_SLOW = (0.5, 1.5)
BLINK_FAST = (0.1, 0.1)
MODES = ("off", "on", "slow", "fast", "heartbeat")
LEDS = ("power", "link", "backlog", "fault")


def backlog_mode(pending: int, oldest_age_s: float | None, fast_after_s: float) -> str:
    """off (nothing to sync), slow (rows waiting) or fast (the oldest waits longer than allowed)."""
    if pending <= 0:
        return "off"
    if oldest_age_s is not None and oldest_age_s > fast_after_s:
        return "fast"
    return "slow"


class StatusLights(Device):
    """The four status LEDs on the pins of `[hardware.pins]`; LEDs not fitted are skipped.

    Raises DeviceMissingError when the pins cannot be used (no GPIO on this machine).
    """

    name = "leds"

    def __init__(self, pins: Pins, pin_factory: Any = None):
        self.leds: dict[str, LED] = {}
        self.modes: dict[str, str] = {}
        try:
            for key in LEDS:
                pin = getattr(pins, f"led_{key}")
                if pin is not None:
                    self.leds[key] = LED(pin, pin_factory=pin_factory)
                    self.modes[key] = "off"
        except (GPIOZeroError, OSError) as e:
            self.close()
            raise DeviceMissingError(f"status LEDs: GPIO not usable ({e})") from None
        self.set("power", "heartbeat")

    def set(self, key: str, mode: str) -> None:
        """Put LED `key` in `mode` (one of MODES); a missing LED is ignored."""
        if mode not in MODES:
            raise ValueError(f"LED mode must be one of {MODES}, got {mode!r}")
        led = self.leds.get(key)
        if led is None or self.modes.get(key) == mode:
            return
        self.modes[key] = mode
        if mode == "off":
            led.off()
        elif mode in ("on", "heartbeat"):
            led.on()
        else:
            on, off = {"slow": BLINK_SLOW, "fast": BLINK_FAST}[mode]
            led.blink(on_time=on, off_time=off, background=True)

    def beat(self) -> None:
        """One heartbeat: the power LED goes dark for BEAT_OFF_S (blocks that long)."""
        led = self.leds.get("power")
        if led is None or self.modes.get("power") != "heartbeat":
            return
        led.off()
        time.sleep(BEAT_OFF_S)
        if self.modes.get("power") == "heartbeat":
            led.on()

    def set_link(self, up: bool) -> None:
        self.set("link", "on" if up else "off")

    def set_fault(self, fault: bool) -> None:
        self.set("fault", "on" if fault else "off")

    def set_backlog(self, pending: int, oldest_age_s: float | None, fast_after_s: float) -> str:
        mode = backlog_mode(pending, oldest_age_s, fast_after_s)
        self.set("backlog", mode)
        return mode

    def state(self) -> DeviceState:
        if not self.leds:
            return DeviceState(self.name, False, False, False, "no LED pins fitted")
        detail = ", ".join(f"{k} {self.modes[k]} ({self.leds[k].pin})" for k in self.leds)
        return DeviceState(self.name, True, True, True, detail)

    def close(self) -> None:
        for led in self.leds.values():
            try:
                led.close()
            except GPIOZeroError:
                pass
        self.leds.clear()


class MissingLights(MissingDevice):
    """No usable GPIO: the setters do nothing."""

    name = "leds"

    def __init__(self, reason: str, configured: bool = True):
        super().__init__(self.name, reason, configured)
        self.modes: dict[str, str] = {}

    def set(self, key: str, mode: str) -> None:
        pass

    def set_link(self, up: bool) -> None:
        pass

    def beat(self) -> None:
        pass

    def set_fault(self, fault: bool) -> None:
        pass

    def set_backlog(self, pending: int, oldest_age_s: float | None, fast_after_s: float) -> str:
        return backlog_mode(pending, oldest_age_s, fast_after_s)
