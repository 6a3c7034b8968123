"""The serial scanner over a real pty: CCCD strings valid and broken, receipt codes, noise."""

from __future__ import annotations

import os
import queue

import pytest

from hardware import scanner as scanner_mod
from hardware.config import SerialConfig
from hardware.scanner import LineSplitter, SerialScanner, classify
from tests.support.waiting import wait_until

GOOD = "002090001234|123456789|Nguyễn Văn Đức|15031990|Nam|Thôn Tha, xã Phương Độ, Hà Giang|20042021"
BAD_DOB = "002090001234|123456789|Nguyễn Văn Đức|31021990|Nam|Thôn Tha, xã Phương Độ, Hà Giang|20042021"


@pytest.fixture
def scans(make_pty):
    p = make_pty("scanner")
    got: queue.Queue = queue.Queue()
    s = SerialScanner(SerialConfig(port=str(p.link))).start(got.put)
    try:
        wait_until(lambda: s.connected_to == p.path, 5.0)           # scans before the port opens are lost
        yield p, got, s
    finally:
        s.close()


def test_scanned_cccd_is_parsed_into_an_applicant(scans):
    p, got, _ = scans
    os.write(p.master, GOOD.encode("utf-8") + b"\r\n")
    scan = got.get(timeout=5)
    assert scan.kind == "cccd"
    assert (scan.citizen.id_number, scan.citizen.full_name) == ("002090001234", "Nguyễn Văn Đức")


def test_broken_cccd_names_the_bad_field(scans):
    p, got, _ = scans
    os.write(p.master, BAD_DOB.encode("utf-8") + b"\r")
    scan = got.get(timeout=5)
    assert (scan.kind, scan.field) == ("cccd_invalid", "dob") and scan.citizen is None
    assert "002090001234" not in repr(scan)                  # ID data stays out of logs


def test_receipt_qr_is_a_dossier_code_and_lines_split_on_cr_lf_crlf(scans):
    p, got, _ = scans
    os.write(p.master, b"000.00.19.H17-261126-0001\nA012\r\nhello\r")
    kinds = [(s.kind, s.text) for s in (got.get(timeout=5) for _ in range(3))]
    assert kinds == [("dossier", "000.00.19.H17-261126-0001"), ("ticket", "A012"), ("unknown", "hello")]


def test_scan_split_across_reads_is_one_line(scans):
    p, got, _ = scans
    data = GOOD.encode("utf-8") + b"\r\n"
    os.write(p.master, data[:17])
    os.write(p.master, data[17:])
    assert got.get(timeout=5).kind == "cccd"
    assert got.empty()


def test_scanner_unplugged_and_replugged_keeps_reading(scans, make_pty):
    p, got, s = scans
    p.close_master()
    again = make_pty("scanner")                              # same link, new pty
    wait_until(lambda: s.connected_to == again.path, 5.0)
    os.write(again.master, b"A001\r\n")
    assert got.get(timeout=5).text == "A001"


def test_overlong_noise_is_dropped():
    splitter = LineSplitter()
    lines = splitter.feed(b"x" * (scanner_mod.MAX_LINE + 10) + b"\r\nA001\r\n")
    assert lines == ["A001"]


def test_classify_never_raises_on_garbage():
    for text in ("", "|", "||||||", "\ufeff\x00\x01", "a|b|c|d|e|f|g|h|i", "é" * 5000):
        assert classify(text).kind in ("cccd_invalid", "unknown")
