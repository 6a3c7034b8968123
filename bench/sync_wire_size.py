"""Bytes on the wire per record: the protocol's compressed batches (with their acks) against one
uncompressed JSON message per record, for realistic demo dossier records (dossiers and their
history) and for the whole demo outbox. MQTT PUBLISH framing is counted on both sides."""

from __future__ import annotations

import json
from types import SimpleNamespace

from bench._sync import seed_payloads
from bench.common import table

TOPIC = "vn/02/c/00001/up"
ACK_TOPIC = "vn/02/c/00001/ack"
DEVICE = "01931b6e-7d3a-7000-8000-000000000001"


def publish_overhead(topic: str, payload_len: int) -> int:
    """MQTT v5 PUBLISH QoS 1: fixed header (1 + remaining-length bytes), topic, packet id,
    properties length; plus the 4-byte PUBACK."""
    remaining = 2 + len(topic) + 2 + 1 + payload_len
    rl_bytes = 1 if remaining < 128 else 2 if remaining < 16384 else 3 if remaining < 2097152 else 4
    return 1 + rl_bytes + 2 + len(topic) + 2 + 1 + 4


def one_message_per_record(rows) -> int:
    total = 0
    for r in rows:
        body = json.dumps({"tbl": r.tbl, "id": r.record_id, "version": r.version, "seq": r.seq, "hlc": r.hlc,
                           "payload": json.loads(r.payload)}, ensure_ascii=False).encode()
        total += len(body) + publish_overhead(TOPIC, len(body))
    return total


def batched(rows, batch_rows: int, level: int) -> int:
    from sync import wire
    total = 0
    for i in range(0, len(rows), batch_rows):
        chunk = rows[i:i + batch_rows]
        payload = wire.encode_batch_rows("00001", DEVICE, chunk[0].seq, chunk, level)
        ack = wire.encode(wire.Ack(DEVICE, chunk[-1].seq))
        total += len(payload) + publish_overhead(TOPIC, len(payload)) + len(ack) + publish_overhead(ACK_TOPIC, len(ack))
    return total


def main() -> None:
    seeds = seed_payloads()
    out = []
    for label, pick in (("dossiers + history", ("dossiers", "dossier_history")),
                        ("whole demo outbox", ("dossiers", "dossier_history", "tickets", "form_submissions"))):
        rows = [SimpleNamespace(seq=i + 1, tbl=t, record_id=rec["id"], version=rec["version"], hlc=rec["hlc"],
                                payload=json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
                for i, (t, rec) in enumerate(r for r in seeds if r[0] in pick)]
        base = one_message_per_record(rows) / len(rows)
        out.append([label, len(rows), "1 JSON message per record", base, "100%"])
        for batch_rows, level in ((1000, 6), (100, 6), (20, 6), (1000, 1)):
            b = batched(rows, batch_rows, level) / len(rows)
            out.append([label, len(rows), f"batches of {batch_rows}, zlib {level}", b, f"{100 * b / base:.1f}%"])
    table(out, ["records", "n", "encoding", "bytes/record", "vs JSON"])
    print("target: ≤ 25% of one uncompressed JSON message per record")


if __name__ == "__main__":
    main()
