"""The sync wire format: frozen dataclasses and pure encode/decode functions, no I/O.

Every MQTT payload of the protocol is one *envelope*:

    offset size  field
    0      2     magic b"CE"
    2      1     format version (FORMAT_VERSION)
    3      1     kind (KIND_* below)
    4      1     codec: 0 = raw, 1 = zstd (one frame that declares its size)
    5      1     reserved, 0
    6      4     decompressed body length (big-endian)
    10     4     CRC-32 of the body as it is on the wire (big-endian)
    14     …     body, compressed by the codec: one UTF-8 JSON object, except for a batch (below)

`decode` checks, in this order: the wire size limit, magic, version, kind, codec, the CRC, the
declared length against the decompressed limit, the size the compressed frame declares against
the header's, then decompresses into exactly that much room (a zip bomb costs at most `max_raw`
bytes: a frame that holds more fails), then parses and validates the object's schema. Anything
wrong raises `WireError` with a reason fit for a quarantine row.

A batch body is framed in lines, so that records travel as the very text the appliance stored
(no JSON string escaping on the way up, no second parse of an escaped string on the way in):

    {"commune": …, "device": …, "first_seq": …, "last_seq": …, "rows": [[seq, tbl, id, version, hlc], …]}
    <the record of rows[0] as compact JSON text>
    <the record of rows[1] …>

Compact JSON never holds a raw line break (JSON strings escape them), so a line is one record.
"""

from __future__ import annotations

import json
import re
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence, Union

import orjson
import zstandard

from .errors import WireError

MAGIC = b"CE"
#: 2: batch bodies framed in lines (see above), zstd
FORMAT_VERSION = 2
HEADER = struct.Struct(">2sBBBBII")

CODEC_RAW = 0
CODEC_ZSTD = 1
#: zstd level of small messages and of `Batch.of` (the agent chooses its own for batches)
ZSTD_LEVEL = 6
#: levels a sender may ask for (higher ones cost a Raspberry Pi seconds per batch)
ZSTD_LEVELS = range(1, 20)

KIND_BATCH = 1
KIND_ACK = 2
KIND_HELLO = 3
KIND_DOWN = 4
KIND_DOCUMENT = 5
KIND_HEARTBEAT = 6
KIND_DOWN_ACK = 7
KIND_NAMES = {KIND_BATCH: "batch", KIND_ACK: "ack", KIND_HELLO: "hello", KIND_DOWN: "down",
              KIND_DOCUMENT: "document", KIND_HEARTBEAT: "heartbeat", KIND_DOWN_ACK: "down-ack"}

#: Largest payload accepted on the wire (compressed), and largest body after decompression.
MAX_WIRE_BYTES = 2_000_000
MAX_RAW_BYTES = 8_000_000
#: Bodies smaller than this are sent uncompressed (compression would not pay).
COMPRESS_MIN_BYTES = 256

SYNCED_TABLES = ("dossiers", "dossier_history", "tickets", "form_submissions")
_SYNCED = frozenset(SYNCED_TABLES)
DOCUMENT_KINDS = ("catalogue", "calendar", "forms")
DOWN_TYPES = ("decision", "hand_over", "resume", "config")
MAX_SEQ = 2**63 - 1

_COMMUNE_RE = re.compile(r"^[0-9]{1,10}$")
_TOKEN_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._:-]{0,79}$")


# --------------------------------------------------------------------------- messages

@dataclass(slots=True)
class Row:
    """One outbox row: `payload` is the record as compact JSON text with sorted keys (as the
    appliance wrote it). Read-only by convention (not frozen: frozen ones cost 6× more to make)."""
    seq: int
    tbl: str
    id: str
    version: int
    hlc: int
    payload: str


@dataclass(frozen=True, eq=False)
class Batch:
    """Outbox rows of one device, covering every seq in [first_seq, last_seq] (gaps have no row).

    Held as it travels, column-wise: `heads` holds [seq, tbl, id, version, hlc] per row, `texts`
    each row's record as UTF-8 JSON text, `envelope` the encoded message itself (what the central
    store keeps). `decode` makes them from the wire without building a `Row` per record;
    `Batch.of(…, rows)` builds one from rows; `rows` gives them back as `Row`s."""
    commune: str
    device: str
    first_seq: int
    last_seq: int
    heads: Sequence[Sequence[Any]]
    texts: Sequence[bytes]
    envelope: bytes = field(repr=False)

    @classmethod
    def of(cls, commune: str, device: str, first_seq: int, last_seq: int, rows: Iterable[Row],
           level: int = ZSTD_LEVEL) -> "Batch":
        """A batch of `rows`, encoded. Raises WireError if a record cannot travel (line break, size)."""
        rows = list(rows)
        heads = [(r.seq, r.tbl, r.id, r.version, r.hlc) for r in rows]
        try:
            texts = [r.payload.encode() for r in rows]
        except UnicodeEncodeError as e:
            raise WireError(f"batch: cannot encode seq {first_seq}..{last_seq}: {e}") from None
        return cls(commune, device, first_seq, last_seq, heads, texts,
                   _encode_rows(commune, device, first_seq, last_seq, heads, texts, level))

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(Row(h[0], h[1], h[2], h[3], h[4], t.decode()) for h, t in zip(self.heads, self.texts))

    def __len__(self) -> int:
        return len(self.heads)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Batch):
            return NotImplemented
        return ((self.commune, self.device, self.first_seq, self.last_seq, self.rows)
                == (other.commune, other.device, other.first_seq, other.last_seq, other.rows))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Ack:
    """Province → edge. `upto`: highest contiguous seq of `device` durably committed.

    With `resume` true the value is authoritative even when lower than what the edge believes
    (answer to a hello, or a province restored from backup): the edge re-sends from there.
    """
    device: str
    upto: int
    resume: bool = False
    #: with a hello's answer: per reception-day code prefix ("<agency>-<YYMMDD>-"), the highest
    #: dossier number the province holds from this device, so a store restored from an older
    #: backup never issues a legal dossier code twice
    codes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Hello:
    """Edge → province after each connect: where the edge stands."""
    commune: str
    device: str
    acked: int
    last_seq: int
    software: str = ""


@dataclass(frozen=True)
class Down:
    """Province → edge, on the commune's down topic.

    type "decision": body {dossier_id, status, note?, actor?}; "hand_over": body {portal_id, dossier};
    "resume": body {from_seq}; "config": body {settings}. `device` targets one appliance (or all).
    """
    id: str
    type: str
    body: dict[str, Any]
    device: str | None = None


@dataclass(frozen=True)
class DownResult:
    id: str
    outcome: str          # "applied" | "refused"
    reason: str = ""


@dataclass(frozen=True)
class DownAck:
    """Edge → province: what became of down messages."""
    commune: str
    device: str
    results: tuple[DownResult, ...]


@dataclass(frozen=True)
class Document:
    """Province → all: a retained, versioned catalogue, calendar or forms document."""
    kind: str
    version: int
    doc: dict[str, Any]


@dataclass(frozen=True)
class Heartbeat:
    """Edge → province, retained on the health topic; `online` false is the Last Will."""
    commune: str
    device: str
    online: bool
    at: str = ""
    backlog: int = 0
    oldest_pending_age_s: float | None = None
    last_acked_seq: int = 0
    free_disk_mb: int | None = None
    hlc: int = 0
    clock: str = ""
    software: str = ""
    catalogue_version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Message = Union[Batch, Ack, Hello, Down, DownAck, Document, Heartbeat]


# --------------------------------------------------------------------------- envelope

_local = threading.local()   # zstd contexts are not shared between threads


def _compressor(level: int) -> zstandard.ZstdCompressor:
    made = _local.__dict__.setdefault("compressors", {})
    if level not in made:
        made[level] = zstandard.ZstdCompressor(level=level)
    return made[level]


def _decompressor() -> zstandard.ZstdDecompressor:
    if not hasattr(_local, "decompressor"):
        _local.decompressor = zstandard.ZstdDecompressor()
    return _local.decompressor


def _envelope(kind: int, body: bytes, compress: bool | None = None, level: int = ZSTD_LEVEL) -> bytes:
    if len(body) > MAX_RAW_BYTES:
        raise WireError(f"{KIND_NAMES[kind]}: body of {len(body)} bytes exceeds {MAX_RAW_BYTES}")
    if compress is None:
        compress = len(body) >= COMPRESS_MIN_BYTES
    codec = CODEC_ZSTD if compress else CODEC_RAW
    wire = _compressor(level).compress(body) if compress else body
    out = HEADER.pack(MAGIC, FORMAT_VERSION, kind, codec, 0, len(body), zlib.crc32(wire)) + wire
    if len(out) > MAX_WIRE_BYTES:
        raise WireError(f"{KIND_NAMES[kind]}: {len(out)} bytes on the wire exceeds {MAX_WIRE_BYTES}")
    return out


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def canonical(obj: Any) -> str:
    """Compact JSON with sorted keys: the text whose digest identifies a record version."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def open_envelope(data: bytes, *, max_wire: int = MAX_WIRE_BYTES,
                  max_raw: int = MAX_RAW_BYTES) -> tuple[int, bytes]:
    """Check and open an envelope. Returns (kind, body). Raises WireError with the reason."""
    data = _bytes(data)
    if len(data) > max_wire:
        raise WireError(f"payload of {len(data)} bytes exceeds the limit of {max_wire}")
    if len(data) < HEADER.size:
        raise WireError(f"payload of {len(data)} bytes is shorter than the {HEADER.size}-byte header")
    magic, version, kind, codec, reserved, raw_len, crc = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise WireError(f"bad magic {magic!r}: not a commune-edge sync message")
    if version != FORMAT_VERSION:
        raise WireError(f"unsupported format version {version} (this side speaks {FORMAT_VERSION})")
    if kind not in KIND_NAMES:
        raise WireError(f"unknown message kind {kind}")
    if reserved:
        raise WireError(f"reserved header byte is {reserved}, expected 0")
    body = data[HEADER.size:]
    if zlib.crc32(body) != crc:
        raise WireError("checksum mismatch: payload corrupted or truncated")
    if raw_len > max_raw:
        raise WireError(f"declared body of {raw_len} bytes exceeds the limit of {max_raw}")
    if codec == CODEC_RAW:
        raw = body
    elif codec == CODEC_ZSTD:
        raw = _unzstd(body, raw_len)
    else:
        raise WireError(f"unknown codec {codec}")
    if len(raw) != raw_len:
        raise WireError(f"body is {len(raw)} bytes but the header declares {raw_len}")
    return kind, raw


def _bytes(data: Any) -> bytes:
    if type(data) is bytes:
        return data
    if not isinstance(data, (bytearray, memoryview)):
        raise WireError("payload is not bytes")
    return bytes(data)


def _unzstd(body: bytes, raw_len: int) -> bytes:
    """Decompress one zstd frame that must declare `raw_len` bytes (already within the limit):
    the output never takes more room than that."""
    try:
        size = zstandard.frame_content_size(body)
    except zstandard.ZstdError as e:
        raise WireError(f"body is not a zstd frame: {e}") from None
    if size < 0:
        raise WireError("compressed body does not declare its size")
    if size != raw_len:
        raise WireError(f"compressed body declares {size} bytes but the header {raw_len}")
    try:
        return _decompressor().decompress(body, max_output_size=raw_len, allow_extra_data=False)
    except zstandard.ZstdError as e:
        raise WireError(f"body does not decompress: {e}") from None


#: JSON parser of incoming messages: strict (no NaN, no lone surrogates, integers within 64 bits)
#: and several times faster than the standard library's on the receiver's hot path
loads = orjson.loads


def _parse(kind: int, raw: bytes) -> dict[str, Any]:
    try:
        obj = loads(raw)
    except ValueError as e:
        raise WireError(f"{KIND_NAMES[kind]}: body is not valid UTF-8 JSON: {str(e)[:120]}") from None
    if not isinstance(obj, dict):
        raise WireError(f"{KIND_NAMES[kind]}: body must be a JSON object, got {type(obj).__name__}")
    return obj


# --------------------------------------------------------------------------- field checks

def _where(kind: str, key: str) -> str:
    return f"{kind}: field {key!r}"


def _int(obj: dict, kind: str, key: str, lo: int = 0, hi: int = MAX_SEQ, default: Any = ...) -> int:
    if key not in obj:
        if default is not ...:
            return default
        raise WireError(f"{_where(kind, key)} is missing")
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise WireError(f"{_where(kind, key)} must be an integer from {lo} to {hi}, got {_short(v)}")
    return v


def _str(obj: dict, kind: str, key: str, pattern: re.Pattern | None = None, default: Any = ...,
         maxlen: int = 10_000) -> str:
    if key not in obj or obj[key] is None:
        if default is not ...:
            return default
        raise WireError(f"{_where(kind, key)} is missing")
    v = obj[key]
    if not isinstance(v, str) or len(v) > maxlen:
        raise WireError(f"{_where(kind, key)} must be a text of at most {maxlen} characters, got {_short(v)}")
    if pattern is not None and not pattern.match(v):
        raise WireError(f"{_where(kind, key)} has an invalid value {_short(v)}")
    return v


def _bool(obj: dict, kind: str, key: str, default: Any = ...) -> bool:
    if key not in obj:
        if default is not ...:
            return default
        raise WireError(f"{_where(kind, key)} is missing")
    if not isinstance(obj[key], bool):
        raise WireError(f"{_where(kind, key)} must be true or false, got {_short(obj[key])}")
    return obj[key]


def _obj(obj: dict, kind: str, key: str, default: Any = ...) -> dict:
    if key not in obj:
        if default is not ...:
            return default
        raise WireError(f"{_where(kind, key)} is missing")
    if not isinstance(obj[key], dict):
        raise WireError(f"{_where(kind, key)} must be an object, got {_short(obj[key])}")
    return obj[key]


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def check_commune(code: str) -> str:
    """A commune code as used in topics: 1–10 digits. Raises WireError."""
    if not isinstance(code, str) or not _COMMUNE_RE.match(code):
        raise WireError(f"invalid commune code {_short(code)}: expected 1-10 digits")
    return code


# --------------------------------------------------------------------------- batches

def encode_batch_rows(commune: str, device: str, first_seq: int, rows: Sequence[Sequence[Any]],
                      level: int = ZSTD_LEVEL) -> bytes:
    """Encode outbox rows, (seq, tbl, record_id, version, hlc, payload as UTF-8 bytes) each, as
    `edge.outbox.pending_batch` gives them, as one batch."""
    if not rows:
        raise WireError("batch: no rows")
    return _encode_rows(commune, device, first_seq, rows[-1][0], [r[:5] for r in rows], [r[5] for r in rows],
                        level)


def _encode_rows(commune: str, device: str, first: int, last: int, heads: Sequence[Sequence[Any]],
                 texts: Sequence[bytes], level: int) -> bytes:
    if not heads:
        raise WireError("batch: no rows")
    try:
        head = orjson.dumps({"commune": commune, "device": device, "first_seq": first, "last_seq": last,
                             "rows": heads})
        records = b"\n".join(texts)
    except TypeError as e:
        raise WireError(f"batch: cannot encode seq {first}..{last}: {e}") from None
    if records.count(b"\n") != len(texts) - 1:
        seq = next(h[0] for h, t in zip(heads, texts) if b"\n" in t)
        raise WireError(f"batch: the record of seq {seq} holds a line break (not compact JSON)")
    return _envelope(KIND_BATCH, head + b"\n" + records, compress=True, level=level)


def _batch(raw: bytes, envelope: bytes) -> Batch:
    k = "batch"
    cut = raw.find(b"\n")
    if cut < 0:
        raise WireError("batch: no line break after the header")
    obj = _parse(KIND_BATCH, raw[:cut])
    commune = _str(obj, k, "commune", _COMMUNE_RE)
    device = _str(obj, k, "device", _TOKEN_RE)
    first = _int(obj, k, "first_seq", 1)
    last = _int(obj, k, "last_seq", first)
    heads = obj.get("rows")
    if not isinstance(heads, list) or not heads:
        raise WireError(f"{_where(k, 'rows')} must be a non-empty list")
    lines = raw[cut + 1:].split(b"\n")
    if len(lines) != len(heads):
        raise WireError(f"batch: {len(heads)} rows but {len(lines)} record lines")
    prev = first - 1
    match, synced = _TOKEN_RE.match, _SYNCED
    for i, (h, line) in enumerate(zip(heads, lines)):
        if type(h) is not list or len(h) != 5:
            raise WireError(f"batch: rows[{i}] must be [seq, tbl, id, version, hlc], got {_short(h)}")
        seq, tbl, rid, version, hlc = h
        # the common case in a few type checks; the helpers below only to word a refusal
        if not (type(seq) is int and prev < seq <= last and type(tbl) is str and tbl in synced
                and type(rid) is str and match(rid) and type(version) is int
                and 1 <= version <= MAX_SEQ and type(hlc) is int and 0 <= hlc <= MAX_SEQ):
            _bad_head(i, h, prev, first, last)
        try:
            record = loads(line)     # also refuses text that is not UTF-8
        except ValueError as e:
            raise WireError(f"batch: rows[{i}]: record is not valid JSON: {str(e)[:80]}") from None
        if type(record) is not dict:
            raise WireError(f"batch: rows[{i}]: record must be a JSON object")
        get = record.get
        if get("id") != rid or get("version", version) != version or get("commune") != commune:
            _bad_record(i, record, rid, version, commune)
        prev = seq
    if prev != last:
        raise WireError(f"batch: last_seq {last} but the last row has seq {prev}")
    return Batch(commune, device, first, last, heads, lines, envelope)


def batch_records(envelope: bytes) -> tuple[list[list[Any]], list[bytes]]:
    """(heads, record texts) of a batch this side encoded or already accepted (as a store keeps
    it). Checks the checksum again; raises WireError if the bytes changed."""
    kind, raw = open_envelope(envelope, max_wire=len(envelope), max_raw=2**32)
    if kind != KIND_BATCH:
        raise WireError(f"expected a batch, got a {KIND_NAMES[kind]}")
    cut = raw.find(b"\n")
    return loads(raw[:cut])["rows"], raw[cut + 1:].split(b"\n")


def _bad_head(i: int, h: list, prev: int, first: int, last: int) -> None:
    where = f"batch: rows[{i}]"
    fields = dict(zip(("seq", "tbl", "id", "version", "hlc"), h))
    seq = _int(fields, where, "seq", 1)
    if seq <= prev or seq > last:
        raise WireError(f"{where}: seq {seq} out of order or outside {first}..{last}")
    tbl = _str(fields, where, "tbl")
    if tbl not in _SYNCED:
        raise WireError(f"{where}: unknown table {_short(tbl)}")
    _str(fields, where, "id", _TOKEN_RE)
    _int(fields, where, "version", 1)
    _int(fields, where, "hlc", 0)
    raise WireError(f"{where}: invalid row {_short(h)}")


def _bad_record(i: int, record: dict, rid: str, version: int, commune: str) -> None:
    where = f"batch: rows[{i}]"
    if record.get("id") != rid:
        raise WireError(f"{where}: record id {_short(record.get('id'))} differs from row id {rid!r}")
    if record.get("version", version) != version:
        raise WireError(f"{where}: record version differs from row version {version}")
    raise WireError(f"{where}: record commune {_short(record.get('commune'))} "
                    f"differs from batch commune {commune!r}")


# --------------------------------------------------------------------------- small messages

def encode(msg: Message) -> bytes:
    """Encode any protocol message. Raises WireError if it is too large."""
    if isinstance(msg, Batch):
        return msg.envelope          # a batch is kept encoded
    if isinstance(msg, Ack):
        body = {"device": msg.device, "upto": msg.upto, "resume": msg.resume}
        if msg.codes:
            body["codes"] = msg.codes
        return _envelope(KIND_ACK, _dumps(body))
    if isinstance(msg, Hello):
        return _envelope(KIND_HELLO, _dumps({"commune": msg.commune, "device": msg.device,
                                             "acked": msg.acked, "last_seq": msg.last_seq,
                                             "software": msg.software}))
    if isinstance(msg, Down):
        return _envelope(KIND_DOWN, _dumps({"id": msg.id, "type": msg.type, "body": msg.body,
                                            "device": msg.device}))
    if isinstance(msg, DownAck):
        return _envelope(KIND_DOWN_ACK, _dumps({"commune": msg.commune, "device": msg.device, "results": [
            {"id": r.id, "outcome": r.outcome, "reason": r.reason} for r in msg.results]}))
    if isinstance(msg, Document):
        return _envelope(KIND_DOCUMENT, _dumps({"kind": msg.kind, "version": msg.version, "doc": msg.doc}))
    if isinstance(msg, Heartbeat):
        d = {k: getattr(msg, k) for k in Heartbeat.__dataclass_fields__}
        return _envelope(KIND_HEARTBEAT, _dumps(d))
    raise WireError(f"cannot encode {type(msg).__name__}")


_CODE_PREFIX_RE = re.compile(r"^[0-9A-Za-z.]{1,40}-\d{6}-$")
MAX_CODE_DAYS = 400


def _codes(obj: dict) -> dict[str, int]:
    codes = obj.get("codes", {})
    if not isinstance(codes, dict) or len(codes) > MAX_CODE_DAYS:
        raise WireError(f"{_where('ack', 'codes')} must be an object of at most {MAX_CODE_DAYS} days")
    out = {}
    for prefix, n in codes.items():
        if not _CODE_PREFIX_RE.match(prefix) or isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 9999:
            raise WireError(f"{_where('ack', 'codes')}: bad entry {_short(prefix)}: {_short(n)}")
        out[prefix] = n
    return out


def _down(obj: dict) -> Down:
    k = "down"
    mid = _str(obj, k, "id", _TOKEN_RE)
    typ = _str(obj, k, "type")
    if typ not in DOWN_TYPES:
        raise WireError(f"down: unknown type {_short(typ)} (known: {', '.join(DOWN_TYPES)})")
    body = _obj(obj, k, "body")
    device = _str(obj, k, "device", _TOKEN_RE, default=None)
    where = f"down {typ}"
    if typ == "decision":
        _str(body, where, "dossier_id", _TOKEN_RE)
        _str(body, where, "status", maxlen=40)
        _str(body, where, "note", default="")
        _str(body, where, "actor", default="")
    elif typ == "hand_over":
        _str(body, where, "portal_id", _TOKEN_RE)
        _obj(body, where, "dossier")
    elif typ == "resume":
        _int(body, where, "from_seq", 0)
    elif typ == "config":
        _obj(body, where, "settings")
    return Down(mid, typ, body, device)


def _down_ack(obj: dict) -> DownAck:
    k = "down-ack"
    commune = _str(obj, k, "commune", _COMMUNE_RE)
    device = _str(obj, k, "device", _TOKEN_RE)
    results = obj.get("results")
    if not isinstance(results, list):
        raise WireError(f"{_where(k, 'results')} must be a list")
    out = []
    for i, r in enumerate(results):
        where = f"down-ack: results[{i}]"
        if not isinstance(r, dict):
            raise WireError(f"{where} must be an object")
        outcome = _str(r, where, "outcome")
        if outcome not in ("applied", "refused"):
            raise WireError(f"{where}: outcome must be 'applied' or 'refused'")
        out.append(DownResult(_str(r, where, "id", _TOKEN_RE), outcome, _str(r, where, "reason", default="")))
    return DownAck(commune, device, tuple(out))


def _document(obj: dict) -> Document:
    k = "document"
    kind = _str(obj, k, "kind")
    if kind not in DOCUMENT_KINDS:
        raise WireError(f"document: unknown kind {_short(kind)} (known: {', '.join(DOCUMENT_KINDS)})")
    return Document(kind, _int(obj, k, "version", 1), _obj(obj, k, "doc"))


def _heartbeat(obj: dict) -> Heartbeat:
    k = "heartbeat"
    age = obj.get("oldest_pending_age_s")
    if age is not None and (isinstance(age, bool) or not isinstance(age, (int, float))):
        raise WireError(f"{_where(k, 'oldest_pending_age_s')} must be a number or null")
    disk = obj.get("free_disk_mb")
    if disk is not None:
        disk = _int(obj, k, "free_disk_mb")
    cat = obj.get("catalogue_version")
    if cat is not None:
        cat = _int(obj, k, "catalogue_version")
    return Heartbeat(
        commune=_str(obj, k, "commune", _COMMUNE_RE), device=_str(obj, k, "device", _TOKEN_RE),
        online=_bool(obj, k, "online"), at=_str(obj, k, "at", default="", maxlen=64),
        backlog=_int(obj, k, "backlog", default=0), oldest_pending_age_s=age,
        last_acked_seq=_int(obj, k, "last_acked_seq", default=0), free_disk_mb=disk,
        hlc=_int(obj, k, "hlc", default=0), clock=_str(obj, k, "clock", default="", maxlen=64),
        software=_str(obj, k, "software", default="", maxlen=80), catalogue_version=cat,
        extra=_obj(obj, k, "extra", default={}))


def decode(data: bytes, *, max_wire: int = MAX_WIRE_BYTES, max_raw: int = MAX_RAW_BYTES) -> Message:
    """Decode and validate one payload into its message dataclass. Raises WireError with the reason."""
    data = _bytes(data)
    kind, raw = open_envelope(data, max_wire=max_wire, max_raw=max_raw)
    if kind == KIND_BATCH:
        return _batch(raw, data)
    obj = _parse(kind, raw)
    if kind == KIND_ACK:
        return Ack(_str(obj, "ack", "device", _TOKEN_RE), _int(obj, "ack", "upto", 0),
                   _bool(obj, "ack", "resume", default=False), _codes(obj))
    if kind == KIND_HELLO:
        return Hello(_str(obj, "hello", "commune", _COMMUNE_RE), _str(obj, "hello", "device", _TOKEN_RE),
                     _int(obj, "hello", "acked", 0), _int(obj, "hello", "last_seq", 0),
                     _str(obj, "hello", "software", default="", maxlen=80))
    if kind == KIND_DOWN:
        return _down(obj)
    if kind == KIND_DOWN_ACK:
        return _down_ack(obj)
    if kind == KIND_DOCUMENT:
        return _document(obj)
    return _heartbeat(obj)


# --------------------------------------------------------------------------- topics

@dataclass(frozen=True)
class Topics:
    """The protocol's topic names under a prefix (default `vn/<province code>`)."""
    prefix: str

    def up(self, commune: str) -> str:
        return f"{self.prefix}/c/{commune}/up"

    def ack(self, commune: str) -> str:
        return f"{self.prefix}/c/{commune}/ack"

    def down(self, commune: str) -> str:
        return f"{self.prefix}/c/{commune}/down"

    def health(self, commune: str) -> str:
        return f"{self.prefix}/c/{commune}/health"

    def document(self, kind: str) -> str:
        return f"{self.prefix}/all/{kind}"

    def documents(self) -> str:
        return f"{self.prefix}/all/+"

    def parse(self, topic: str) -> tuple[str, str]:
        """Split `P/c/C/<leaf>` into (commune, leaf). Raises WireError for a foreign topic."""
        head = self.prefix + "/c/"
        if not topic.startswith(head):
            raise WireError(f"topic {topic!r} is not under {head}")
        parts = topic[len(head):].split("/")
        if len(parts) != 2:
            raise WireError(f"topic {topic!r}: expected {head}<commune>/<leaf>")
        return check_commune(parts[0]), parts[1]
