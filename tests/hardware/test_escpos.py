"""ESC/POS bytes, status bytes, profiles, CP1258 text and the print spool."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image

from hardware import escpos, profiles, render
from hardware.errors import HardwareError, ProfileError
from hardware.spool import Spool

from .fakes import decode


def test_raster_of_a_black_square_is_all_ones_in_bands():
    cmds, tail = decode(escpos.raster(Image.new("1", (16, 300), 0)))
    assert tail == b"" and [c.args for c in cmds] == [(2, 128), (2, 128), (2, 44)]
    assert all(b == 0xFF for c in cmds for b in c.data)


def test_raster_pads_width_to_whole_bytes_with_white():
    (cmd,), _ = decode(escpos.raster(Image.new("1", (10, 1), 0)))
    assert cmd.args == (2, 1) and cmd.data == b"\xff\xc0"


@pytest.mark.parametrize("printer,offline,paper,problem", [
    (0x12, 0x12, 0x12, None), (0x1A, 0x12, 0x12, "offline"), (0x12, 0x16, 0x12, "cover_open"),
    (0x12, 0x32, 0x12, "paper_out"), (0x12, 0x12, 0x72, "paper_out"), (0x12, 0x52, 0x12, "error"),
])
def test_status_bytes_decode_to_the_problem(printer, offline, paper, problem):
    assert escpos.parse_status(printer, offline, paper).problem == problem


def test_paper_near_end_is_not_a_problem():
    st = escpos.parse_status(0x12, 0x12, 0x1E)
    assert st.paper_near_end and st.problem is None


def test_noise_is_not_a_status_byte():
    with pytest.raises(ValueError):
        escpos.parse_status(0xFF)


def test_qr_rejects_empty_data():
    with pytest.raises(ValueError):
        escpos.qr("")


def test_cp1258_encodes_every_vietnamese_letter_reversibly():
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    for text in (letters, letters.upper()):
        raw = render.to_cp1258(text)
        assert b"?" not in raw
        assert unicodedata.normalize("NFC", raw.decode("cp1258")) == text


def test_bundled_profiles_load():
    loaded = {name: profiles.load(name) for name in profiles.available()}
    assert {p.width for p in loaded.values()} == {58, 80}
    assert profiles.load("generic-58").with_width(80).dots == 576


def test_bad_profile_names_the_file_and_key(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('width = 80\ntext = "codepage"\n')
    with pytest.raises(ProfileError, match=r"mine.toml: codepage: expected"):
        profiles.load(str(bad))
    with pytest.raises(ProfileError, match="not found; bundled profiles: epson"):
        profiles.load("no-such-printer")


def test_render_wraps_long_text_within_the_paper():
    fnt = render.font(24)
    lines = render.wrap("Giấy tiếp nhận hồ sơ và hẹn trả kết quả " * 3 + "x" * 80, fnt, 376)
    assert len(lines) > 3 and all(fnt.getlength(line) <= 376 for line in lines)


def test_spool_claim_is_exclusive_and_failed_jobs_return_to_pending(tmp_path):
    spool = Spool(tmp_path)
    job = spool.add("ticket", "A001", b"\x1b@")
    claimed = spool.claim(job)
    assert claimed is not None and spool.claim(job) is None
    back = spool.fail(claimed, "printer off")
    assert (back.state, back.attempts, back.last_error) == ("pending", 1, "printer off")
    done = spool.finish(spool.claim(back))
    assert done.state == "done" and spool.data(done) == b"\x1b@" and spool.jobs("pending") == []


def test_spool_recovers_jobs_left_printing_after_a_crash(tmp_path):
    spool = Spool(tmp_path)
    spool.claim(spool.add("receipt", "X", b"data"))
    assert Spool(tmp_path).recover() == 1 and [j.ref for j in spool.jobs()] == ["X"]


def test_requeue_of_unknown_job_is_an_error(tmp_path):
    with pytest.raises(HardwareError, match="no job 'nope'"):
        Spool(tmp_path).requeue("nope")
