"""The printer over a real pseudo-terminal: bytes decoded, status, unplug and reprint."""

from __future__ import annotations

import time
import unicodedata

import pytest

from edge.slips import QR, Field, Slip, Text
from hardware import profiles, render
from hardware.config import PrinterConfig
from hardware.errors import PrinterError
from hardware.printer import PrintQueue, SerialPrinter
from hardware.spool import Spool

from .fakes import decode, qr_data, raster_rows
from tests.support.waiting import wait_until

SLIP = Slip("receipt", "000.00.19.H17-261126-0001", (
    Text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", size=2, bold=True, align="center"),
    Field("Người nộp", "Nguyễn Thị Hồng Nhung"),
    Field("Thủ tục", "Đăng ký khai sinh"),
    QR("000.00.19.H17-261126-0001"),
    Text("Quét mã để tra cứu", align="center"),
))


def _printer(fp, profile="generic-58", timeout=0.5, connection="serial") -> SerialPrinter:
    return SerialPrinter(PrinterConfig(port=str(fp.pty.link), timeout_s=timeout, connection=connection),
                         profiles.load(profile))


@pytest.mark.parametrize("connection", ["serial", "usblp"])
def test_job_starts_with_init_and_ends_with_cut(fake_printer, connection):
    fp = fake_printer()
    with _printer(fp, connection=connection) as p:
        p.send(render.encode(SLIP, p.profile))
    job = fp.wait_jobs(1)[0]
    assert job[0].name == "init"
    assert job[-1].name == "cut" and job[-1].args[0] == 66     # partial cut with feed


def test_58mm_raster_is_384_dots_wide_and_80mm_is_576(fake_printer):
    for name, dots in (("generic-58", 384), ("generic-80", 576)):
        fp = fake_printer(name)
        with _printer(fp, name) as p:
            p.send(render.encode(SLIP, p.profile))
        width, rows = raster_rows(fp.wait_jobs(1)[0])
        assert (width, rows > 100) == (dots, True)


def test_raster_received_is_the_rendered_text_image(fake_printer):
    fp = fake_printer()
    with _printer(fp) as p:
        p.send(render.encode(SLIP, p.profile))
    job = fp.wait_jobs(1)[0]
    first = [c for c in job if c.name == "raster"]
    image = render.render_image(list(SLIP.blocks[:3]), 384)
    expected = bytes(b ^ 0xFF for b in image.convert("1").tobytes())
    received = b"".join(c.data for c in first)
    assert received.startswith(expected)
    assert any(received)                                    # some dots are black


def test_native_qr_carries_the_dossier_code(fake_printer):
    fp = fake_printer()
    with _printer(fp) as p:
        p.send(render.encode(SLIP, p.profile))
    job = fp.wait_jobs(1)[0]
    assert qr_data(job) == ["000.00.19.H17-261126-0001"]
    fns = [c.args[1] for c in job if c.name == "qr"]
    assert fns == [65, 67, 69, 80, 81]                        # model, size, ecc, store, print


def test_raster_qr_profile_sends_no_native_qr(fake_printer):
    fp = fake_printer()
    with _printer(fp, "generic-58-noqr") as p:
        p.send(render.encode(SLIP, p.profile))
    # this profile does not cut: wait for all the bytes instead
    data = render.encode(SLIP, profiles.load("generic-58-noqr"))
    deadline = time.monotonic() + 5
    while len(fp.received) < len(data) and time.monotonic() < deadline:
        time.sleep(0.02)
    cmds, tail = decode(bytes(fp.received))
    assert tail == b"" and not qr_data(cmds)
    assert raster_rows(cmds)[1] > 300                         # the QR is inside the image


def test_cp1258_profile_prints_vietnamese_as_codepage_text(fake_printer):
    fp = fake_printer()
    with _printer(fp, "epson-cp1258-80") as p:
        p.send(render.encode(SLIP, p.profile))
    job = fp.wait_jobs(1)[0]
    assert ("codepage", (52,)) in [(c.name, c.args) for c in job]
    text = " ".join(unicodedata.normalize("NFC", c.data.decode("cp1258")) for c in job if c.name == "text")
    assert "Người nộp: Nguyễn Thị Hồng Nhung" in text
    assert "Đăng ký khai sinh" in text
    assert not any(c.name == "raster" for c in job)


def test_status_reports_paper_out(fake_printer):
    fp = fake_printer()
    fp.paper_out = True
    with _printer(fp) as p:
        assert p.status().problem == "paper_out"
        with pytest.raises(PrinterError) as e:
            p.send(b"\x1b@")
    assert e.value.reason == "paper_out" and "out of paper" in str(e.value)


def test_printer_switched_off_is_reported_not_waited_for(fake_printer):
    fp = fake_printer()
    fp.silent = True
    with _printer(fp, timeout=0.2) as p:
        with pytest.raises(PrinterError) as e:
            p.send(render.encode(SLIP, p.profile))
        state = p.state()
    assert e.value.reason == "offline"
    assert not state.ok and "does not answer" in state.detail


def test_unplugged_port_is_reported(tmp_path):
    p = SerialPrinter(PrinterConfig(port=str(tmp_path / "gone"), timeout_s=0.2), profiles.load("generic-58"))
    with p, pytest.raises(PrinterError) as e:
        p.send(b"\x1b@")
    assert e.value.reason == "unplugged" and "gone" in str(e.value)


def test_queue_prints_submitted_slip_in_background(fake_printer, tmp_path):
    fp = fake_printer()
    spool = Spool(tmp_path / "spool")
    with _printer(fp) as p:
        q = PrintQueue(p, spool, p.profile).start()
        try:
            job = q.submit(SLIP)
            result = q.wait(job, 10)
        finally:
            q.close()
    assert result.printed
    assert [j.ref for j in spool.jobs("done")] == [SLIP.ref] and not spool.jobs("pending")


@pytest.mark.parametrize("connection", ["serial", "usblp"])
def test_unplug_mid_print_keeps_job_and_reprints_when_printer_returns(fake_printer, tmp_path, connection):
    first = fake_printer("printer", unplug_after=3000)
    spool = Spool(tmp_path / "spool")
    with _printer(first, connection=connection) as p:
        q = PrintQueue(p, spool, p.profile).start()
        try:
            job = q.submit(SLIP)
            result = q.wait(job, 10)
            assert not result.printed and result.error
            assert [j.id for j in spool.jobs("pending")] == [job.id]
            started = [c.name for c in first.commands]
            assert "init" in started and "cut" not in started, started   # part of the job got there

            second = fake_printer("printer")           # plugged back in, same by-id link
            q.retry()
            wait_until(lambda: (spool.get(job.id) or job).state == "done")
        finally:
            q.close()
    job2 = second.wait_jobs(1)[0]
    assert qr_data(job2) == [SLIP.ref] and job2[-1].name == "cut"


def test_reprint_sends_the_last_job_again(fake_printer, tmp_path):
    fp = fake_printer()
    spool = Spool(tmp_path / "spool")
    with _printer(fp) as p:
        q = PrintQueue(p, spool, p.profile).start()
        try:
            assert q.wait(q.submit(SLIP), 10).printed
            assert q.wait(q.reprint(SLIP.ref), 10).printed
        finally:
            q.close()
    jobs = fp.wait_jobs(2)
    assert qr_data(jobs[0]) == qr_data(jobs[1]) == [SLIP.ref]


def test_a_printer_that_stays_off_is_reported_once_not_at_every_retry(fake_printer, tmp_path):
    fp = fake_printer()
    fp.silent = True
    errors = []
    with _printer(fp, timeout=0.1) as p:
        q = PrintQueue(p, Spool(tmp_path / "spool"), p.profile, on_error=errors.append).start()
        try:
            job = q.submit(SLIP)
            wait_until(lambda: (q.spool.get(job.id) or job).attempts >= 3)
        finally:
            q.close()
    assert len(errors) == 1 and errors[0].reason == "offline"
