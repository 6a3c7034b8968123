"""`[hardware]` tables: defaults, and errors that name file, key and value."""

from __future__ import annotations

import pytest

from edge import config as config_mod
from edge.errors import ConfigError
from hardware import config as hw

from ..conftest import write_config


def test_absent_hardware_table_gives_default_pins_and_no_serial_devices(config):
    h = hw.from_config(config)
    assert h.pins.led_power == 5 and h.pins.button_shutdown == 3
    assert (h.printer, h.scanner, h.modem) == (None, None, None)
    assert h.spool_dir == config.data_dir / "print-spool"


def test_printer_scanner_modem_tables_are_read(tmp_path):
    cfg = config_mod.load(write_config(tmp_path, extra="""
[hardware.printer]
port = "/dev/ttyUSB0"
baud = 115200
profile = "generic-80"
width = 80
[hardware.scanner]
port = "/dev/ttyACM0"
[hardware.modem]
port = "/dev/ttyUSB2"
poll_s = 30
[hardware.pins]
led_fault = false
"""))
    h = hw.from_config(cfg)
    assert (h.printer.port, h.printer.baud, h.printer.profile, h.printer.width) == \
        ("/dev/ttyUSB0", 115200, "generic-80", 80)
    assert h.scanner.port == "/dev/ttyACM0" and h.modem.poll_s == 30.0
    assert h.pins.led_fault is None and "led_fault" not in h.pins.fitted()


@pytest.mark.parametrize("raw,message", [
    ({"printer": {"port": "/dev/x", "width": 76}}, "[hardware.printer] width: expected 58 or 80"),
    ({"printer": {"port": "/dev/x", "baud": 9601}}, "[hardware.printer] baud: expected one of"),
    ({"printer": {"baud": 9600}}, "[hardware.printer] port: missing"),
    ({"pins": {"led_power": 40}}, "[hardware.pins] led_power: expected a BCM pin number"),
    ({"pins": {"led_power": 23}}, "[hardware.pins] button_ticket: expected a pin not already used"),
    ({"pins": {"led_powr": 5}}, "[hardware.pins] led_powr: unknown key"),
    ({"shutdown_command": []}, "[hardware] shutdown_command"),
    ({"modem": {"port": "/dev/x", "poll_s": 0}}, "[hardware.modem] poll_s"),
    ({"printer": {"port": "/dev/x", "timeout_s": 0.01}}, "[hardware.printer] timeout_s"),
    ({"scanner": {"port": "/dev/x", "timeout_s": 0}}, "[hardware.scanner] timeout_s"),
    ({"modem": {"port": "/dev/x", "timeout_s": 61}}, "[hardware.modem] timeout_s"),
])
def test_bad_values_name_the_table_and_key(raw, message):
    with pytest.raises(ConfigError) as e:
        hw.parse(raw, source="/etc/commune-edge/commune.toml")
    assert message in str(e.value) and "/etc/commune-edge/commune.toml" in str(e.value)


def test_spool_is_the_configured_folder_else_print_spool_under_data_dir(config, tmp_path):
    from hardware.devices import open_spool
    assert open_spool(hw.parse({}), config).root == config.data_dir / "print-spool"
    assert open_spool(hw.parse({"spool_dir": str(tmp_path / "s")}), config).root == tmp_path / "s"


def test_missing_gpio_devices_report_like_every_missing_device():
    from hardware.base import MissingDevice
    from hardware.buttons import MissingButtons
    from hardware.buzzer import MissingBeeper
    from hardware.leds import MissingLights
    for cls, name in ((MissingButtons, "buttons"), (MissingBeeper, "buzzer"), (MissingLights, "leds")):
        d = cls("GPIO not usable")
        assert isinstance(d, MissingDevice) and (d.name, d.reason, d.configured) == (name, "GPIO not usable", True)
        assert d.state().line().split() == [name, "missing", "GPIO", "not", "usable"]
        assert cls("off", configured=False).state().configured is False
        d.close()
