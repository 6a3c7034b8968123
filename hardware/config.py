"""The `[hardware]` tables of the appliance config, validated into frozen dataclasses.

```toml
[hardware]
shutdown_command = ["systemctl", "poweroff"]   # run after the shutdown button is held
shutdown_hold_s = 3.0
backlog_fast_after_min = 60     # backlog LED blinks fast when the oldest unsynced row is older
poll_s = 5.0                    # how often LEDs follow the store
[hardware.pins]                 # BCM numbers; false = not fitted
led_power = 5
[hardware.printer]              # absent: no printer
port = "/dev/serial/by-id/usb-printer"
baud = 9600                     # serial only; prefer 115200 (a 58 mm raster receipt is ~40 kB)
connection = "serial"           # or "usblp" for /dev/usb/lp0 (the default for such paths)
profile = "generic-58"          # a file in hardware/profiles/ (or a path to a .toml)
width = 58                      # 58 or 80; default: the profile's
[hardware.scanner]              # absent: no serial scanner (keyboard scanners need nothing)
port = "/dev/ttyACM0"
[hardware.modem]                # absent: no modem
port = "/dev/ttyUSB2"
```
Every error is an `edge.errors.ConfigError` naming file, `[table] key`, the expected value and what
was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.config import Config, Section

#: The default wiring (BCM numbers), documented in docs/hardware.md.
DEFAULT_PINS: dict[str, int] = {
    "led_power": 5,
    "led_link": 6,
    "led_backlog": 13,
    "led_fault": 19,
    "buzzer": 12,
    "button_ticket": 23,
    "button_priority": 24,
    "button_shutdown": 3,
}
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
#: The print spool's folder under data_dir when `[hardware] spool_dir` is not set.
SPOOL_DIRNAME = "print-spool"


@dataclass(frozen=True)
class Pins:
    """BCM pin numbers; None for a device that is not fitted."""

    led_power: int | None = DEFAULT_PINS["led_power"]
    led_link: int | None = DEFAULT_PINS["led_link"]
    led_backlog: int | None = DEFAULT_PINS["led_backlog"]
    led_fault: int | None = DEFAULT_PINS["led_fault"]
    buzzer: int | None = DEFAULT_PINS["buzzer"]
    button_ticket: int | None = DEFAULT_PINS["button_ticket"]
    button_priority: int | None = DEFAULT_PINS["button_priority"]
    button_shutdown: int | None = DEFAULT_PINS["button_shutdown"]

    def fitted(self) -> dict[str, int]:
        """The fitted pins by name."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class PrinterConfig:
    port: str
    baud: int = 9600
    profile: str = "generic-58"
    width: int | None = None          # None: the profile's width
    timeout_s: float = 2.0
    connection: str = "serial"        # "serial" (pyserial) or "usblp" (/dev/usb/lp*, no baud)


@dataclass(frozen=True)
class SerialConfig:
    port: str
    baud: int = 9600
    timeout_s: float = 2.0


@dataclass(frozen=True)
class ModemConfig(SerialConfig):
    baud: int = 115200
    poll_s: float = 60.0


@dataclass(frozen=True)
class HardwareConfig:
    pins: Pins = field(default_factory=Pins)
    gpio: bool = True
    printer: PrinterConfig | None = None
    scanner: SerialConfig | None = None
    modem: ModemConfig | None = None
    shutdown_command: tuple[str, ...] = ("systemctl", "poweroff")
    shutdown_hold_s: float = 3.0
    backlog_fast_after_min: int = 60
    poll_s: float = 5.0
    spool_dir: Path | None = None
    source: str = "<defaults>"


def _pins(sec: Section) -> Pins:
    sec.known(*DEFAULT_PINS)
    values: dict[str, int | None] = {}
    for key, default in DEFAULT_PINS.items():
        value = sec.data.get(key, default)
        if value is False:
            values[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 27:
            raise sec.error(key, "a BCM pin number from 0 to 27, or false when not fitted", value)
        values[key] = value
    used: dict[int, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if value in used:
            raise sec.error(key, f"a pin not already used by {used[value]}", value)
        used[value] = key
    return Pins(**values)


def _baud(sec: Section, default: int) -> int:
    baud = sec.int("baud", default)
    if baud not in BAUDS:
        raise sec.error("baud", "one of " + ", ".join(map(str, BAUDS)), baud)
    return baud


def _timeout(sec: Section) -> float:
    return sec.float("timeout_s", 2.0, min=0.05, max=60)


def from_section(sec: Section, data_dir: Path | None = None) -> HardwareConfig:
    """Validate a `[hardware]` table (possibly empty). Raises ConfigError naming the bad key."""
    sec.known("pins", "printer", "scanner", "modem", "gpio", "shutdown_command", "shutdown_hold_s",
              "backlog_fast_after_min", "poll_s", "spool_dir")
    printer = scanner = modem = None
    if "printer" in sec:
        p = sec.table("printer")
        p.known("port", "baud", "profile", "width", "timeout_s", "connection")
        width = p.int("width", None)
        if width is not None and width not in (58, 80):
            raise p.error("width", "58 or 80 (paper width in mm)", width)
        port = p.str("port")
        connection = p.str("connection", "usblp" if port.startswith("/dev/usb/lp") else "serial",
                           choices=("serial", "usblp"))
        printer = PrinterConfig(port=port, baud=_baud(p, 9600), connection=connection,
                                profile=p.str("profile", "generic-58"), width=width,
                                timeout_s=_timeout(p))
    if "scanner" in sec:
        s = sec.table("scanner")
        s.known("port", "baud", "timeout_s")
        scanner = SerialConfig(port=s.str("port"), baud=_baud(s, 9600), timeout_s=_timeout(s))
    if "modem" in sec:
        m = sec.table("modem")
        m.known("port", "baud", "timeout_s", "poll_s")
        modem = ModemConfig(port=m.str("port"), baud=_baud(m, 115200), timeout_s=_timeout(m),
                            poll_s=m.float("poll_s", 60.0, min=1, max=3600))
    command = sec.list_str("shutdown_command", ["systemctl", "poweroff"])
    if not command or not command[0].strip():
        raise sec.error("shutdown_command", "a non-empty list such as [\"systemctl\", \"poweroff\"]",
                        command)
    spool = sec.path("spool_dir", None)
    if spool is None and data_dir is not None:
        spool = Path(data_dir) / SPOOL_DIRNAME
    return HardwareConfig(
        pins=_pins(sec.table("pins")),
        gpio=sec.bool("gpio", True),
        printer=printer, scanner=scanner, modem=modem,
        shutdown_command=tuple(command),
        shutdown_hold_s=sec.float("shutdown_hold_s", 3.0, min=0.5, max=30),
        backlog_fast_after_min=sec.int("backlog_fast_after_min", 60, min=1),
        poll_s=sec.float("poll_s", 5.0, min=0.01, max=600),
        spool_dir=spool,
        source=sec.source,
    )


def from_config(config: Config) -> HardwareConfig:
    """The hardware settings of a loaded appliance config (defaults when `[hardware]` is absent)."""
    return from_section(config.section("hardware"), data_dir=config.data_dir)


def parse(raw: dict[str, Any], source: str = "<config>", data_dir: Path | None = None) -> HardwareConfig:
    """Validate a `[hardware]` table given as a dict (used by tests and tools)."""
    return from_section(Section(source, "hardware", raw), data_dir=data_dir)
