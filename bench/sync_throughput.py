"""End-to-end sync throughput for a 100,000-record backlog, against the bare ceiling.

- protocol: outbox → batch (zstd, checksum) → Mosquitto → `province-hub receive` (validate, commit
  idempotently into the SQLite central store, synchronous=FULL) → ack → outbox marked.
- the agent compresses at `compression_level` (LEVEL) until acks show a fast link, then at
  `sync.agent.FAST_COMPRESSION_LEVEL`; its output says how many batches went which way.
- after the last ack, how long the receiver took to project the backlog into the typed tables
  (the dashboard's view), which it does once the burst is over.
- ceiling: the very same encoded batches (at the fast-link level, as the agent sends most) published with paho (QoS 1, same window) to the same broker,
  and a bare subscriber process that decompresses, splits and inserts each batch's records with one
  `executemany` + commit (same SQLite settings) — no validation, no parsing of the records, no
  idempotency, no acks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench._sync import ROOT, Province, fill_backlog
from bench.common import table
from sync.agent import FAST_COMPRESSION_LEVEL

RECORDS = int(os.environ.get("BENCH_SYNC_RECORDS", "100000"))
BATCH_ROWS = 1000
WINDOW = int(os.environ.get("BENCH_SYNC_WINDOW", "8"))
LEVEL = int(os.environ.get("BENCH_SYNC_LEVEL", "6"))       # the agent's compression_level

BARE_SUBSCRIBER = r'''
import sqlite3, sys, json, threading, zstandard
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
port, user, pw, prefix, db, expected = sys.argv[1:7]
expected = int(expected)
conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=FULL")
conn.execute("CREATE TABLE IF NOT EXISTS rows (tbl TEXT, id TEXT, version INTEGER, seq INTEGER, payload TEXT)")
done = [0]
unzstd = zstandard.ZstdDecompressor()
def on_message(c, u, m):
    body = m.payload[14:]
    lines = (unzstd.decompress(body) if m.payload[4] == 1 else body).split(b"\n")
    heads = json.loads(lines[0])["rows"]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)",
                     [(h[1], h[2], h[3], h[0], t.decode()) for h, t in zip(heads, lines[1:])])
    conn.execute("COMMIT")
    done[0] += len(heads)
    if done[0] >= expected:
        c.publish(prefix + "/c/00001/ack", b"done", qos=1)
def on_connect(c, u, f, rc, p):
    c.subscribe("$share/bare/" + prefix + "/c/+/up", qos=1)
    print("subscribed", flush=True)
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bare-sub", protocol=mqtt.MQTTv5)
c.username_pw_set(user, pw)
c.on_message = on_message; c.on_connect = on_connect
from sync.mqtt import no_delay
c.on_socket_open = no_delay            # as the receiver's client does
c.connect("127.0.0.1", int(port)); c.loop_forever()
'''


def protocol_run(tmp: Path) -> tuple[float, int, float, Any]:
    """(seconds to the last ack, versions committed, seconds more until projected, agent stats)"""
    from edge import outbox
    from sync.agent import Agent
    from sync.central import CentralStore
    from tests.support import sync_env
    prov = Province(tmp / "p")
    try:
        cfg = sync_env.commune_toml(tmp / "c", prov.broker, "00001", batch_rows=BATCH_ROWS, window=WINDOW,
                                    ack_timeout_s=30.0, heartbeat_s=60.0,
                                    compression_level=LEVEL)
        store = sync_env.open_store(cfg)
        fill_backlog(store, RECORDS)
        assert outbox.stats(store).pending == RECORDS
        agent = Agent(store, sync_env.settings(cfg))
        t0 = time.perf_counter()
        agent.run(once=True, timeout=600)
        elapsed = time.perf_counter() - t0
        with CentralStore(prov.url) as central:
            got = central.count("versions")
            sync_env.wait_projected(central, timeout=600)
            projected = time.perf_counter() - t0 - elapsed
        store.close()
        return elapsed, got, projected, agent.stats
    finally:
        prov.stop()


def ceiling_run(tmp: Path) -> tuple[float, int]:
    from edge import outbox
    from sync import wire
    from tests.support import sync_env
    from tests.support.mqtt_clients import Client
    prov = Province(tmp / "p2", receivers=0)
    try:
        cfg = sync_env.commune_toml(tmp / "c2", prov.broker, "00001")
        store = sync_env.open_store(cfg)
        fill_backlog(store, RECORDS)
        payloads = []
        after = 0
        while True:
            rows = outbox.pending_batch(store, after, BATCH_ROWS, wire.MAX_RAW_BYTES)
            if not rows:
                break
            payloads.append(wire.encode_batch_rows("00001", store.device_id, after + 1, rows,
                                                   FAST_COMPRESSION_LEVEL))
            after = rows[-1][0]
        store.close()
        db = tmp / "bare.db"
        sub = subprocess.Popen([sys.executable, "-c", BARE_SUBSCRIBER, str(prov.broker.port), prov.broker.receiver_user,
                                prov.broker.receiver_password, prov.broker.prefix, str(db), str(RECORDS)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert sub.stdout.readline().strip() == "subscribed"
        pub = Client(prov.broker.port, "00001", (tmp / "c2" / "mqtt.secret").read_text().strip())
        pub.subscribe(f"{prov.broker.prefix}/c/00001/ack")
        sem = threading.Semaphore(WINDOW)
        pub.c.on_publish = lambda c, u, mid, rc, props: sem.release()
        t0 = time.perf_counter()
        for p in payloads:
            sem.acquire()
            pub.c.publish(f"{prov.broker.prefix}/c/00001/up", p, qos=1)
        pub.get(timeout=600)
        elapsed = time.perf_counter() - t0
        pub.close()
        sub.terminate()
        sub.wait()
        import sqlite3
        got = sqlite3.connect(db).execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        return elapsed, got
    finally:
        prov.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        p_s, p_n, projected, stats = protocol_run(tmp)
        c_s, c_n = ceiling_run(tmp)
    rows = [["protocol (outbox→commit→ack→marked)", RECORDS, p_n, p_s, RECORDS / p_s],
            ["bare ceiling (paho + executemany)", RECORDS, c_n, c_s, RECORDS / c_s]]
    table(rows, ["path", "records", "committed", "seconds", "records/s"])
    print(f"agent: {stats.batches_sent} batches, {stats.fast_batches} at the fast-link level "
          f"{FAST_COMPRESSION_LEVEL}, the rest at {LEVEL}; {stats.bytes_sent / RECORDS:.0f} B/record on the wire")
    print(f"typed tables (dashboard) caught up {projected:.1f} s after the last ack")
    print(f"protocol / ceiling: {100 * (RECORDS / p_s) / (RECORDS / c_s):.0f}%  "
          f"(targets: ≥ 20,000 records/s and ≥ 50% of the ceiling; batches of {BATCH_ROWS}, window {WINDOW}, compression_level {LEVEL})")


if __name__ == "__main__":
    main()
