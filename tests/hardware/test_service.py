"""The hardware service with gpiozero's MockFactory, a real store and a fake printer on a pty."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from edge import config as config_mod, outbox, tickets
from hardware import status as status_file
from hardware.service import HardwareService

from .fakes import qr_data
from ..conftest import write_config
from tests.support.waiting import wait_until

BUTTON_TICKET, BUTTON_PRIORITY, BUTTON_SHUTDOWN = 23, 24, 3
LED_BACKLOG, LED_LINK, LED_FAULT = 13, 6, 19


@pytest.fixture
def appliance(tmp_path, fake_printer):
    """A config with a printer on a pty and a shutdown command that leaves a marker file."""
    fp = fake_printer("printer")
    marker = tmp_path / "shutdown-ran"
    extra = f"""
[hardware]
poll_s = 0.05
shutdown_hold_s = 0.5
backlog_fast_after_min = 1
shutdown_command = ["{sys.executable}", "-c", "open(r'{marker}', 'w').write('bye')"]
[hardware.printer]
port = "{fp.pty.link}"
timeout_s = 0.5
"""
    cfg = config_mod.load(write_config(tmp_path / "appliance", extra=extra))
    return cfg, fp, marker


@pytest.fixture
def service(appliance, pin_factory):
    cfg, fp, marker = appliance
    svc = HardwareService(cfg, pin_factory=pin_factory)
    try:
        yield svc.start()
    finally:
        svc.close()


def press(pin_factory, pin: int, hold: float = 0.05) -> None:
    p = pin_factory.pin(pin)
    p.drive_low()
    time.sleep(hold)
    p.drive_high()


def test_ticket_button_issues_a_ticket_and_prints_it(service, appliance, pin_factory):
    _, fp, _ = appliance
    press(pin_factory, BUTTON_TICKET)
    job = fp.wait_jobs(1)[0]
    issued = tickets.today(service.store)
    assert [t.label for t in issued] == ["A001"]
    assert issued[0].priority is False and qr_data(job) == ["A001"]


def test_priority_button_issues_a_priority_ticket(service, appliance, pin_factory):
    _, fp, _ = appliance
    press(pin_factory, BUTTON_PRIORITY)
    job = fp.wait_jobs(1)[0]
    assert [(t.label, t.priority) for t in tickets.today(service.store)] == [("U001", True)]
    assert qr_data(job) == ["U001"]


def test_ticket_is_stored_when_the_printer_is_off_and_printed_when_it_returns(service, appliance,
                                                                              pin_factory):
    _, fp, _ = appliance
    fp.silent = True
    press(pin_factory, BUTTON_TICKET)
    wait_until(lambda: service.queue.last_error, what="the print error")
    assert [t.label for t in tickets.today(service.store)] == ["A001"]
    assert service.queue.last_error.reason == "offline" and fp.jobs() == []
    fp.silent = False
    service.queue.retry()
    assert qr_data(fp.wait_jobs(1)[0]) == ["A001"]


def test_backlog_led_follows_the_outbox(service, pin_factory):
    wait_until(lambda: service.backlog_mode == "off", what="backlog off")
    tickets.issue(service.store, actor="test")             # one unsynced outbox row
    wait_until(lambda: service.backlog_mode == "slow", what="backlog slow")
    outbox.ack_upto(service.store, outbox.last_seq(service.store))
    wait_until(lambda: service.backlog_mode == "off", what="backlog off after ack")
    assert not service.devices.lights.leds["backlog"].is_lit


def test_backlog_led_blinks_fast_when_the_oldest_row_is_too_old(service):
    tickets.issue(service.store, actor="test")
    with service.store.atomic():
        service.store.conn.execute("UPDATE outbox SET created_at = '2020-01-01T00:00:00.000Z'")
    wait_until(lambda: service.backlog_mode == "fast", what="backlog fast")


def test_backlog_led_pin_toggles_while_rows_wait(service, pin_factory):
    tickets.issue(service.store, actor="test")
    wait_until(lambda: service.backlog_mode == "slow", what="backlog slow")
    pin = pin_factory.pin(LED_BACKLOG)
    seen = set()
    wait_until(lambda: seen.add(pin.state) or len(seen) == 2, timeout=5, what="the LED to blink")


def test_link_led_follows_the_sync_agent(service, pin_factory):
    with service.store.atomic():
        service.store.meta_set("sync_connected", "1")
    wait_until(lambda: pin_factory.pin(LED_LINK).state, what="link LED on")
    with service.store.atomic():
        service.store.meta_set("sync_connected", "0")
    wait_until(lambda: not pin_factory.pin(LED_LINK).state, what="link LED off")


def test_fault_led_lights_when_the_disk_is_below_the_floor(service, pin_factory):
    service.store.min_free_bytes = 1 << 62
    wait_until(lambda: pin_factory.pin(LED_FAULT).state, what="fault LED on")
    assert "Disk almost full" in service.fault


def test_holding_shutdown_runs_the_configured_command(service, appliance, pin_factory):
    _, _, marker = appliance
    pin = pin_factory.pin(BUTTON_SHUTDOWN)
    pin.drive_low()
    try:
        wait_until(lambda: marker.exists() and marker.read_text() == "bye", what="the shutdown command")
    finally:
        pin.drive_high()
    assert service.shutdown_runs == 1


def test_short_press_of_shutdown_does_nothing(service, appliance, pin_factory):
    _, _, marker = appliance
    press(pin_factory, BUTTON_SHUTDOWN, hold=0.1)
    press(pin_factory, BUTTON_TICKET)                        # something observable that comes after
    wait_until(lambda: tickets.today(service.store), what="the ticket")
    time.sleep(service.hw.shutdown_hold_s + 0.2)             # longer than the hold time
    assert not marker.exists() and service.shutdown_runs == 0


def test_status_file_lists_devices_for_the_kiosk(service, appliance):
    cfg, _, _ = appliance
    doc = wait_until(lambda: status_file.read(cfg.data_dir), what="the status file")
    names = [d["name"] for d in doc["devices"]]
    assert names == ["leds", "buttons", "buzzer", "printer", "scanner"]
    assert doc["modem"]["error"] and doc["print_spool"]["pending"] == 0


def test_service_without_any_device_config_still_issues_tickets(tmp_path, pin_factory):
    cfg = config_mod.load(write_config(tmp_path / "bare"))
    with HardwareService(cfg, pin_factory=pin_factory) as svc:
        result = svc.issue_ticket()
        assert result.ticket.label == "A001" and result.job is not None
        assert any("printer: none configured" in w for w in svc.devices.warnings)
    assert [j.ref for j in svc.spool.jobs("pending")] == ["A001"]


def test_unplug_mid_ticket_print_keeps_the_ticket_and_reprints_on_return(tmp_path, fake_printer, pin_factory):
    first = fake_printer("printer", unplug_after=2000)
    cfg = config_mod.load(write_config(tmp_path / "appliance", extra=f"""
[hardware]
poll_s = 0.05
[hardware.printer]
port = "{first.pty.link}"
timeout_s = 0.5
"""))
    with HardwareService(cfg, pin_factory=pin_factory) as svc:
        press(pin_factory, BUTTON_TICKET)
        wait_until(lambda: svc.queue.last_error, what="the print error")
        assert svc.queue.last_error.reason == "unplugged"
        assert [t.label for t in tickets.today(svc.store)] == ["A001"]
        doc = wait_until(lambda: (status_file.read(cfg.data_dir) or {}).get("print_spool", {}).get("pending"),
                       what="the spool in the status file")
        assert doc == 1
        second = fake_printer("printer")                     # plugged back in
        svc.queue.retry()
        assert qr_data(second.wait_jobs(1)[0]) == ["A001"]


def test_hardware_run_stops_cleanly_on_sigterm(tmp_path):
    import signal
    import subprocess
    path = write_config(tmp_path / "appliance", extra="[hardware]\npoll_s = 0.05\n")
    proc = subprocess.Popen([sys.executable, "-m", "edge.cli", "--config", str(path), "hardware", "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    try:
        wait_until(lambda: status_file.read(tmp_path / "appliance"), timeout=20, what="the status file")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err.decode()
    assert b"hardware service running" in err


def test_ticket_button_with_the_disk_full_issues_nothing_and_beeps_an_error(service, appliance, pin_factory):
    _, fp, _ = appliance
    service.store.min_free_bytes = 1 << 62
    press(pin_factory, BUTTON_TICKET)
    wait_until(lambda: service.devices.beeper.last == "error", what="the error beep")
    assert tickets.today(service.store) == [] and service.spool.jobs("pending") == []
    assert fp.jobs() == []


def test_power_led_beats_while_the_service_loop_runs(service, pin_factory):
    pin = pin_factory.pin(5)
    pin.clear_states()
    wait_until(lambda: [s.state for s in pin.states].count(False) >= 2, what="two heartbeats")
    wait_until(lambda: pin.state, what="the power LED back on after a beat")


def test_repeated_presses_in_quick_succession_give_one_ticket(service, appliance, pin_factory):
    _, fp, _ = appliance
    for _ in range(5):
        press(pin_factory, BUTTON_TICKET, hold=0.01)
    fp.wait_jobs(1)
    assert [t.label for t in tickets.today(service.store)] == ["A001"]
