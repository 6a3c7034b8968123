"""The kiosk's slip printer and scans reaching the kiosk through the service."""

from __future__ import annotations

import os
import queue
import time

from edge import config as config_mod, slips
from edge.store import Store
from hardware import kiosk
from hardware.service import HardwareService

from .fakes import qr_data
from ..conftest import write_config

GOOD = "002090001234|123456789|Nguyễn Văn Đức|15031990|Nam|Thôn Tha, xã Phương Độ, Hà Giang|20042021"


def _config(tmp_path, extra: str = ""):
    return config_mod.load(write_config(tmp_path / "appliance", extra="[hardware]\ngpio = false\n" + extra))


def _slip(cfg):
    with Store.open(cfg) as store:
        return slips.ticket(store, "A007", "Hộ tịch", "2026-11-26T02:00:00Z", 3)


def test_kiosk_slip_is_printed(tmp_path, fake_printer):
    fp = fake_printer("printer")
    cfg = _config(tmp_path, f'[hardware.printer]\nport = "{fp.pty.link}"\ntimeout_s = 0.5\n')
    p = kiosk.open_slip_printer(cfg)
    try:
        outcome = p.print_slip(_slip(cfg))
    finally:
        p.close()
    assert outcome.status == "printed" and qr_data(fp.wait_jobs(1)[0]) == ["A007"]


def test_kiosk_slip_is_queued_with_the_reason_when_the_printer_is_off(tmp_path, fake_printer):
    fp = fake_printer("printer")
    fp.silent = True
    cfg = _config(tmp_path, f'[hardware.printer]\nport = "{fp.pty.link}"\ntimeout_s = 0.3\n')
    p = kiosk.open_slip_printer(cfg)
    try:
        outcome = p.print_slip(_slip(cfg))
    finally:
        p.close()
    assert outcome.status == "queued" and "does not answer" in outcome.detail


def test_kiosk_without_printer_says_so(tmp_path):
    cfg = _config(tmp_path)
    p = kiosk.open_slip_printer(cfg)
    try:
        assert p.print_slip(_slip(cfg)).status == "no_printer"
    finally:
        p.close()


def test_scans_reach_the_kiosk_and_sound_the_buzzer(tmp_path, make_pty, pin_factory):
    pty_ = make_pty("scanner")
    cfg = config_mod.load(write_config(tmp_path / "appliance",
                                       extra=f'[hardware.scanner]\nport = "{pty_.link}"\n'))
    got: queue.Queue = queue.Queue()
    with HardwareService(cfg, pin_factory=pin_factory, on_scan=got.put) as svc:
        scanner = svc.devices.scanner
        deadline = time.monotonic() + 5
        while scanner.connected_to != pty_.path and time.monotonic() < deadline:
            time.sleep(0.02)
        os.write(pty_.master, GOOD.encode() + b"\r\n")
        scan = got.get(timeout=5)
        assert scan.kind == "cccd" and scan.citizen.full_name == "Nguyễn Văn Đức"
        assert svc.devices.beeper.beeps == 1


def test_scans_are_forwarded_from_the_service_to_the_kiosk_process(tmp_path, make_pty, pin_factory):
    pty_ = make_pty("scanner")
    cfg = config_mod.load(write_config(tmp_path / "appliance",
                                       extra=f'[hardware.scanner]\nport = "{pty_.link}"\n'))
    got: queue.Queue = queue.Queue()
    with kiosk.listen_for_scans(cfg, got.put), HardwareService(cfg, pin_factory=pin_factory) as svc:
        scanner = svc.devices.scanner
        deadline = time.monotonic() + 5
        while scanner.connected_to != pty_.path and time.monotonic() < deadline:
            time.sleep(0.02)
        os.write(pty_.master, b"000.00.19.H17-261126-0001\r\n")
        scan = got.get(timeout=5)
    assert (scan.kind, scan.text) == ("dossier", "000.00.19.H17-261126-0001")
    assert not (cfg.data_dir / "scanner.sock").exists()


def test_scan_without_a_listening_kiosk_is_dropped_quietly(tmp_path):
    from hardware.scanner import forward
    assert forward(tmp_path / "scanner.sock", "A001") is False
