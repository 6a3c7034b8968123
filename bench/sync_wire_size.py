"""Bytes on the wire per record: the protocol's compressed batches (with their acks) against one
uncompressed JSON message per record, for realistic demo dossier records (dossiers and their
history) and for the whole demo outbox. MQTT PUBLISH framing is counted on both sides."""

from __future__ import annotations

import json

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
        seq, tbl, rid, version, hlc, text = r
        body = json.dumps({"tbl": tbl, "id": rid, "version": version, "seq": seq, "hlc": hlc,
                           "payload": json.loads(text)}, ensure_ascii=False).encode()
        total += len(body) + publish_overhead(TOPIC, len(body))
    return total


def batched(rows, batch_rows: int, level: int) -> int:
    from sync import wire
    total = 0
    for i in range(0, len(rows), batch_rows):
        chunk = rows[i:i + batch_rows]
        payload = wire.encode_batch_rows("00001", DEVICE, chunk[0][0], chunk, level)
        ack = wire.encode(wire.Ack(DEVICE, chunk[-1][0]))
        total += len(payload) + publish_overhead(TOPIC, len(payload)) + len(ack) + publish_overhead(ACK_TOPIC, len(ack))
    return total


def main() -> None:
    from edge import records
    seeds = seed_payloads()
    out = []
    for label, pick in (("dossiers + history", ("dossiers", "dossier_history")),
                        ("whole demo outbox", ("dossiers", "dossier_history", "tickets", "form_submissions"))):
        # as `edge.outbox.pending_batch` gives them: (seq, tbl, record_id, version, hlc, text)
        rows = [(i + 1, t, rec["id"], rec["version"], rec["hlc"], records.payload(rec).encode())
                for i, (t, rec) in enumerate(r for r in seeds if r[0] in pick)]
        base = one_message_per_record(rows) / len(rows)
        out.append([label, len(rows), "1 JSON message per record", base, "100%"])
        for batch_rows, level in ((1000, 6), (100, 6), (20, 6), (1000, 1)):
            b = batched(rows, batch_rows, level) / len(rows)
            out.append([label, len(rows), f"batches of {batch_rows}, zstd {level}", b, f"{100 * b / base:.1f}%"])
    table(out, ["records", "n", "encoding", "bytes/record", "vs JSON"])
    print("target: ≤ 25% of one uncompressed JSON message per record")


if __name__ == "__main__":
    main()
