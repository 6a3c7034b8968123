"""The wire format: round trips, limits, and fuzzed garbage that must only ever raise WireError."""

from __future__ import annotations

import json
import struct
import zlib

import zstandard

import pytest
from hypothesis import given, settings, strategies as st

from sync import wire
from sync.errors import WireError


def _row(seq: int, commune: str = "00001", tbl: str = "dossiers", version: int = 1) -> wire.Row:
    rid = f"0190a0b0-0000-7000-8000-{seq:012d}"
    payload = wire.canonical({"id": rid, "commune": commune, "version": version, "status": "received",
                              "applicant": "Nguyễn Văn A"})
    return wire.Row(seq, tbl, rid, version, 1000 + seq, payload)


def _batch(n: int = 3, first: int = 1, commune: str = "00001") -> wire.Batch:
    rows = tuple(_row(first + i, commune) for i in range(n))
    return wire.Batch.of(commune, "dev-1", first, first + n - 1, rows)


def test_batch_round_trip_keeps_every_field():
    b = _batch(5)
    assert wire.decode(wire.encode(b)) == b


def test_batch_is_compressed_and_checksummed():
    data = wire.encode(_batch(50))
    magic, version, kind, codec, _, raw_len, crc = wire.HEADER.unpack_from(data)
    assert (magic, version, kind, codec) == (b"CE", wire.FORMAT_VERSION, wire.KIND_BATCH, wire.CODEC_ZSTD)
    assert crc == zlib.crc32(data[wire.HEADER.size:])
    assert len(data) < raw_len


@pytest.mark.parametrize("msg", [
    wire.Ack("dev-1", 42),
    wire.Ack("dev-1", 0, resume=True),
    wire.Hello("00001", "dev-1", 10, 20, "0.1.0"),
    wire.Down("m1", "decision", {"dossier_id": "d1", "status": "done", "note": "ok", "actor": "province"}),
    wire.Down("m2", "hand_over", {"portal_id": "P-1", "dossier": {"procedure": "khai-sinh"}}, device="dev-1"),
    wire.Down("m3", "resume", {"from_seq": 5}),
    wire.Down("m4", "config", {"settings": {"heartbeat_s": 30}}),
    wire.DownAck("00001", "dev-1", (wire.DownResult("m1", "applied"), wire.DownResult("m2", "refused", "bad"))),
    wire.Document("catalogue", 3, {"version": 3, "procedures": [{"code": "1.001"}]}),
    wire.Heartbeat("00001", "dev-1", True, at="2026-01-01T00:00:00Z", backlog=3, oldest_pending_age_s=1.5,
                   free_disk_mb=900, hlc=123, software="0.1.0", catalogue_version=2),
    wire.Heartbeat("00001", "dev-1", False),
])
def test_small_messages_round_trip(msg):
    assert wire.decode(wire.encode(msg)) == msg


def test_flipped_byte_fails_the_checksum():
    data = bytearray(wire.encode(_batch(3)))
    data[-5] ^= 0xFF
    with pytest.raises(WireError, match="checksum"):
        wire.decode(bytes(data))


def test_truncated_payload_is_refused():
    data = wire.encode(_batch(30))
    with pytest.raises(WireError):
        wire.decode(data[: len(data) // 2])


def test_unknown_format_version_is_refused():
    data = bytearray(wire.encode(wire.Ack("d", 1)))
    data[2] = 99
    with pytest.raises(WireError, match="format version 99"):
        wire.decode(bytes(data))


def test_oversized_payload_is_refused_before_parsing():
    with pytest.raises(WireError, match="exceeds the limit"):
        wire.decode(b"CE" + b"\0" * 100, max_wire=50)


def _raw_envelope(kind: int, body: bytes, codec: int, declared: int | None = None) -> bytes:
    wire_body = zstandard.ZstdCompressor(level=3).compress(body) if codec == wire.CODEC_ZSTD else body
    return _with_header(kind, wire_body, codec, len(body) if declared is None else declared)


def _with_header(kind: int, wire_body: bytes, codec: int, declared: int) -> bytes:
    return wire.HEADER.pack(wire.MAGIC, wire.FORMAT_VERSION, kind, codec, 0, declared,
                            zlib.crc32(wire_body)) + wire_body


def _forge_frame_size(frame: bytes, size: int) -> bytes:
    """The zstd frame with its Frame_Content_Size field rewritten to `size` (a 4-byte field)."""
    fhd = frame[4]
    assert fhd >> 6 == 2 and not fhd & 0x20 and not fhd & 0x03   # 4-byte size, window byte, no dict id
    return frame[:6] + size.to_bytes(4, "little") + frame[10:]


def test_zip_bomb_is_refused_without_inflating_it():
    zeros = b"\0" * 50_000_000
    bomb = _raw_envelope(wire.KIND_BATCH, zeros, wire.CODEC_ZSTD, declared=1000)
    assert len(bomb) < 100_000
    with pytest.raises(WireError, match="declares 50000000 bytes but the header 1000"):
        wire.decode(bomb)
    with pytest.raises(WireError, match="declared body of 50000000 bytes exceeds the limit"):
        wire.decode(_raw_envelope(wire.KIND_BATCH, zeros, wire.CODEC_ZSTD))


def test_frame_lying_about_its_size_fails_within_the_declared_room():
    frame = _forge_frame_size(zstandard.ZstdCompressor(level=3).compress(b"\0" * 5_000_000), 1000)
    assert zstandard.frame_content_size(frame) == 1000
    with pytest.raises(WireError, match="does not decompress"):
        wire.decode(_with_header(wire.KIND_BATCH, frame, wire.CODEC_ZSTD, 1000))


def test_frame_without_its_size_or_with_trailing_bytes_is_refused():
    quiet = zstandard.ZstdCompressor(level=3, write_content_size=False).compress(b"{}" * 200)
    with pytest.raises(WireError, match="does not declare its size"):
        wire.decode(_with_header(wire.KIND_ACK, quiet, wire.CODEC_ZSTD, 400))
    frame = zstandard.ZstdCompressor(level=3).compress(b"{}" * 200)
    with pytest.raises(WireError, match="does not decompress"):
        wire.decode(_with_header(wire.KIND_ACK, frame + frame, wire.CODEC_ZSTD, 400))


def test_declared_length_over_limit_is_refused():
    data = _raw_envelope(wire.KIND_ACK, b"{}", wire.CODEC_RAW, declared=wire.MAX_RAW_BYTES + 1)
    with pytest.raises(WireError, match="declared body"):
        wire.decode(data)


def test_row_claiming_another_commune_is_refused():
    b = _batch(2)
    bad = wire.Batch.of("00001", "dev-1", 1, 2, (b.rows[0], _row(2, commune="00002")))
    with pytest.raises(WireError, match="commune"):
        wire.decode(wire.encode(bad))


def test_rows_out_of_order_are_refused():
    b = _batch(2)
    bad = wire.Batch.of("00001", "dev-1", 1, 2, (b.rows[1], b.rows[0]))
    with pytest.raises(WireError, match="out of order"):
        wire.decode(wire.encode(bad))


def test_unknown_table_is_refused():
    r = _row(1)
    bad = wire.Batch.of("00001", "dev-1", 1, 1, (wire.Row(1, "staff", r.id, 1, 1, r.payload),))
    with pytest.raises(WireError, match="unknown table"):
        wire.decode(wire.encode(bad))


def test_deeply_nested_json_is_refused_not_crashing():
    body = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(WireError):
        wire.decode(_raw_envelope(wire.KIND_DOWN, body, wire.CODEC_ZSTD))


def test_topics_parse_commune_and_leaf():
    t = wire.Topics("vn/02")
    assert t.parse(t.up("00001")) == ("00001", "up")
    with pytest.raises(WireError):
        t.parse("vn/02/c/../up")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_wire_error(data):
    try:
        wire.decode(data)
    except WireError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(wire.KIND_NAMES)), st.sampled_from([wire.CODEC_RAW, wire.CODEC_ZSTD]),
       st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=20))
def test_valid_envelopes_with_random_json_only_raise_wire_error(kind, codec, obj):
    data = _raw_envelope(kind, json.dumps(obj).encode(), codec)
    try:
        wire.decode(data)
    except WireError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_truncations_and_bit_flips_of_a_batch_only_raise_wire_error(n, data):
    good = wire.encode(_batch(n))
    cut = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    for bad in (good[:cut], good[:cut] + bytes([good[cut] ^ 0x55]) + good[cut + 1:]):
        with pytest.raises(WireError):
            wire.decode(bad)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(wire.SYNCED_TABLES), st.integers(1, 50),
                          st.dictionaries(st.text(max_size=6).filter(lambda k: k not in ("id", "commune", "version")),
                                          st.text(max_size=20) | st.integers(), max_size=5)),
                min_size=1, max_size=20))
def test_any_valid_batch_round_trips(items):
    rows = []
    for i, (tbl, version, extra) in enumerate(items, start=7):
        rid = f"r{i}"
        rows.append(wire.Row(i, tbl, rid, version, i * 3, wire.canonical(
            {**extra, "id": rid, "commune": "123", "version": version})))
    b = wire.Batch.of("123", "dev", 7, rows[-1].seq, tuple(rows))
    assert wire.decode(wire.encode(b)) == b


def test_ack_carries_code_floors_and_refuses_bad_ones():
    ack = wire.Ack("dev1", 42, resume=True, codes={"000.00.19.H17-261126-": 12})
    assert wire.decode(wire.encode(ack)) == ack
    assert wire.decode(wire.encode(wire.Ack("dev1", 1))).codes == {}
    for bad in ({"not a prefix": 1}, {"000.00.19.H17-261126-": -1}, {"000.00.19.H17-261126-": True}):
        raw = wire._envelope(wire.KIND_ACK, wire._dumps({"device": "dev1", "upto": 1, "resume": True,
                                                          "codes": bad}))
        with pytest.raises(wire.WireError, match="codes"):
            wire.decode(raw)


def test_batch_body_is_a_header_line_then_one_record_per_line():
    b = _batch(3)
    _, raw = wire.open_envelope(wire.encode(b))
    head, *lines = raw.split(b"\n")
    assert json.loads(head)["rows"] == [[r.seq, r.tbl, r.id, r.version, r.hlc] for r in b.rows]
    assert [line.decode() for line in lines] == [r.payload for r in b.rows]


def test_record_text_with_a_line_break_is_not_sent():
    r = _row(1)
    bad = (wire.Row(1, r.tbl, r.id, 1, 1, r.payload[:-1] + '\n}'),)
    with pytest.raises(WireError, match="seq 1 holds a line break"):
        wire.Batch.of("00001", "dev-1", 1, 1, bad)


def _batch_body(head: dict, lines: list[bytes]) -> bytes:
    return _raw_envelope(wire.KIND_BATCH, json.dumps(head).encode() + b"\n" + b"\n".join(lines), wire.CODEC_ZSTD)


def test_rows_and_record_lines_must_match_in_number():
    b = _batch(2)
    head = {"commune": "00001", "device": "dev-1", "first_seq": 1, "last_seq": 2,
            "rows": [[r.seq, r.tbl, r.id, r.version, r.hlc] for r in b.rows]}
    with pytest.raises(WireError, match="2 rows but 1 record lines"):
        wire.decode(_batch_body(head, [b.rows[0].payload.encode()]))
    with pytest.raises(WireError, match=r"rows\[1\]: record is not valid JSON"):
        wire.decode(_batch_body(head, [b.rows[0].payload.encode(), b"{not json"]))
    head["rows"][1] = [2, "dossiers", b.rows[1].id, 1]
    with pytest.raises(WireError, match=r"rows\[1\] must be \[seq, tbl, id, version, hlc\]"):
        wire.decode(_batch_body(head, [r.payload.encode() for r in b.rows]))


def test_records_swapped_between_rows_are_refused():
    b = _batch(2)
    head = {"commune": "00001", "device": "dev-1", "first_seq": 1, "last_seq": 2,
            "rows": [[r.seq, r.tbl, r.id, r.version, r.hlc] for r in b.rows]}
    with pytest.raises(WireError, match=r"rows\[0\]: record id .* differs from row id"):
        wire.decode(_batch_body(head, [b.rows[1].payload.encode(), b.rows[0].payload.encode()]))
