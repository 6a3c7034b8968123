"""The factory: choose a backend for every device from the config, and say clearly what is missing.

`open_devices(hw)` never fails because a device is absent: an unconfigured or unusable device gets
its `Missing…` backend and a warning (logged and kept in `Devices.warnings`), and the product works
without it. A configured serial device whose port is not there yet still gets its real backend,
which opens the port as soon as it appears.
"""

from __future__ import annotations

import logging
import os
import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from .base import Device, DeviceState
from .buttons import Buttons, MissingButtons
from .buzzer import Beeper, MissingBeeper
from .config import SPOOL_DIRNAME, HardwareConfig
from .errors import DeviceMissingError
from .leds import MissingLights, StatusLights
from .modem import MissingModem, SerialModem
from .printer import MissingPrinter, SerialPrinter
from .profiles import Profile, load as load_profile
from .scanner import MissingScanner, SerialScanner
from .spool import Spool

log = logging.getLogger(__name__)


@dataclass
class Devices:
    """Every device of the appliance, real or missing. A context manager that closes them all."""

    hw: HardwareConfig
    profile: Profile
    lights: StatusLights | MissingLights
    beeper: Beeper | MissingBeeper
    printer: SerialPrinter | MissingPrinter
    scanner: SerialScanner | MissingScanner
    modem: SerialModem | MissingModem
    buttons: Buttons | MissingButtons = field(default_factory=lambda: MissingButtons("not set up yet"))
    warnings: list[str] = field(default_factory=list)
    pin_factory: Any = None

    def all(self) -> list[Device]:
        return [self.lights, self.buttons, self.beeper, self.printer, self.scanner, self.modem]

    def states(self) -> list[DeviceState]:
        return [d.state() for d in self.all()]

    def attach_buttons(self, *, on_ticket: Callable[[], None], on_priority: Callable[[], None],
                       on_shutdown: Callable[[], None]) -> None:
        """Wire the buttons to their actions (a warning when GPIO is not usable)."""
        self.buttons.close()
        if not self.hw.gpio:
            self.buttons = MissingButtons("GPIO switched off ([hardware] gpio = false)", configured=False)
            return
        try:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")
                self.buttons = Buttons(self.hw.pins, on_ticket=on_ticket, on_priority=on_priority,
                                       on_shutdown=on_shutdown, hold_s=self.hw.shutdown_hold_s,
                                       pin_factory=self.pin_factory)
        except DeviceMissingError as e:
            self._warn(str(e))
            self.buttons = MissingButtons(str(e))

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning("%s", message)

    def close(self) -> None:
        for d in self.all():
            try:
                d.close()
            except Exception:  # closing one device must not leave the others open
                log.exception("closing %s", d.name)

    def __enter__(self) -> "Devices":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_printer(hw: HardwareConfig) -> tuple[SerialPrinter | MissingPrinter, Profile, str | None]:
    """The printer backend, its profile and a warning when it is missing. Raises ProfileError."""
    profile = load_profile(hw.printer.profile if hw.printer else "generic-58")
    if not hw.printer:
        return MissingPrinter(), profile, \
            "printer: none configured ([hardware.printer]); prints are kept in the spool"
    profile = profile.with_width(hw.printer.width)
    warning = None
    if not os.path.exists(hw.printer.port):
        warning = (f"printer: port {hw.printer.port} not found; tickets and receipts are kept in the "
                   "print spool until it appears")
    return SerialPrinter(hw.printer, profile), profile, warning


def open_spool(hw: HardwareConfig, config: Any) -> Spool:
    """The print spool: `[hardware] spool_dir`, else `<data_dir>/print-spool` of the appliance
    config (for an `hw` parsed without a data_dir)."""
    return Spool(hw.spool_dir or config.data_dir / SPOOL_DIRNAME)


def open_devices(hw: HardwareConfig, pin_factory: Any = None) -> Devices:
    """Build the devices of `hw`. Raises ProfileError for an unknown printer profile (a config
    mistake); anything missing becomes a warning."""
    found: list[str] = []

    def warn(message: str) -> None:
        found.append(message)
        log.warning("%s", message)

    printer, profile, warning = open_printer(hw)
    if warning:
        warn(warning)
    if hw.scanner:
        scanner: SerialScanner | MissingScanner = SerialScanner(hw.scanner)
        if not os.path.exists(hw.scanner.port):
            warn(f"scanner: port {hw.scanner.port} not found; waiting for it to appear")
    else:
        scanner = MissingScanner()
    if hw.modem:
        modem: SerialModem | MissingModem = SerialModem(hw.modem)
        if not os.path.exists(hw.modem.port):
            warn(f"modem: port {hw.modem.port} not found")
    else:
        modem = MissingModem()

    lights: StatusLights | MissingLights
    beeper: Beeper | MissingBeeper
    if not hw.gpio:
        lights = MissingLights("GPIO switched off ([hardware] gpio = false)", configured=False)
        beeper = MissingBeeper("GPIO switched off ([hardware] gpio = false)", configured=False)
    else:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")     # gpiozero's "falling back from …" chatter
            try:
                lights = StatusLights(hw.pins, pin_factory=pin_factory)
            except DeviceMissingError as e:
                warn(str(e))
                lights = MissingLights(str(e))
            if hw.pins.buzzer is None:
                beeper = MissingBeeper("no buzzer pin fitted", configured=False)
            elif isinstance(lights, MissingLights):  # the same GPIO problem; say it for the buzzer
                beeper = MissingBeeper(lights.reason.replace("status LEDs:", "buzzer:", 1))
            else:
                try:
                    beeper = Beeper(hw.pins.buzzer, pin_factory=pin_factory)
                except DeviceMissingError as e:
                    warn(str(e))
                    beeper = MissingBeeper(str(e))
    return Devices(hw=hw, profile=profile, lights=lights, beeper=beeper, printer=printer,
                   scanner=scanner, modem=modem, warnings=found, pin_factory=pin_factory)
