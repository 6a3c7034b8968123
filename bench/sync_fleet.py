"""200 communes at once into one receiver: each a simulated appliance (its own MQTT connection and
credential, the real wire format, hello, a window of 4 batches of 100 rows, cumulative acks,
re-send on timeout) with 1,000 ticket records; one `province-hub receive` process commits them.
Run against the SQLite central store and against PostgreSQL (a database of its own, dropped after).
Reports records/s from the first batch sent to the last ack, and checks that none is lost."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench._sync import Province
from bench.common import table
from sync.mqtt import no_delay

COMMUNES = int(os.environ.get("BENCH_FLEET_COMMUNES", "200"))
RECORDS = int(os.environ.get("BENCH_FLEET_RECORDS", "1000"))
BATCH = 100
WINDOW = 4
ACK_TIMEOUT = 30.0


class SimCommune:
    """A minimal appliance: pre-encoded batches, the protocol's window/ack/re-send rules."""

    def __init__(self, code: str, password: str, port: int, prefix: str):
        from sync import wire
        self.code, self.device = code, f"sim-{code}"
        self.topics = wire.Topics(prefix)
        self.batches = []
        for first in range(1, RECORDS + 1, BATCH):
            rows = []
            for seq in range(first, min(first + BATCH, RECORDS + 1)):
                rid = f"{code}-{seq:07d}"
                rec = {"id": rid, "commune": code, "version": 1, "hlc": seq, "updated_by": "kiosk",
                       "created_at": "2026-01-05T02:00:00.000Z", "updated_at": "2026-01-05T02:00:00.000Z",
                       "day": "2026-01-05", "service": "general", "number": seq, "label": f"A{seq:03d}",
                       "priority": 0, "status": "waiting", "issued_at": "2026-01-05T02:00:00.000Z",
                       "called_at": None, "finished_at": None, "counter": None, "recalls": 0, "dossier_id": None}
                rows.append(wire.Row(seq, "tickets", rid, 1, seq, wire.canonical(rec)))
            self.batches.append((rows[-1].seq, wire.encode(wire.Batch.of(code, self.device, first, rows[-1].seq,
                                                                       tuple(rows)))))
        self.wire = wire
        self.acked = 0
        self.next = 0            # index of the next batch to send
        self.sent_at: dict[int, float] = {}
        self.done = threading.Event()
        self.go = threading.Event()
        self.lock = threading.Lock()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"ce-{code}-sim", protocol=mqtt.MQTTv5)
        self.c.username_pw_set(code, password)
        self.c.on_socket_open = no_delay         # as the agent's client does
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.port = port

    def start(self) -> None:
        self.c.connect("127.0.0.1", self.port, 60)
        self.c.loop_start()

    def _on_connect(self, c, u, f, rc, p):
        c.subscribe(self.topics.ack(self.code), qos=1)
        c.publish(self.topics.up(self.code), self.wire.encode(self.wire.Hello(self.code, self.device, 0, RECORDS)), qos=1)

    def _pump(self) -> None:
        if not self.go.is_set():
            return
        with self.lock:
            now = time.monotonic()
            first_unacked = next((i for i, (last, _) in enumerate(self.batches) if last > self.acked), None)
            if first_unacked is None:
                self.done.set()
                return
            oldest = self.sent_at.get(first_unacked)
            if oldest is not None and now - oldest > ACK_TIMEOUT:
                self.next = first_unacked
                self.sent_at.clear()
            while self.next < len(self.batches) and self.next < first_unacked + WINDOW:
                self.c.publish(self.topics.up(self.code), self.batches[self.next][1], qos=1)
                self.sent_at[self.next] = now
                self.next += 1

    def _on_message(self, c, u, m):
        ack = self.wire.decode(m.payload)
        if ack.device == self.device:
            self.acked = max(self.acked, ack.upto)
            self._pump()

    def stop(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def run(tmp: Path, store_url: str | None) -> list:
    from sync import broker as broker_mod
    from sync.central import CentralStore
    prov = Province(tmp, store_url)
    try:
        codes = [f"{10001 + i:05d}" for i in range(COMMUNES)]
        passwords = {c: broker_mod.new_password() for c in codes}
        for c in codes:
            broker_mod.set_password(prov.broker.dir / "passwd", c, passwords[c])
        prov.broker.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        sims = [SimCommune(c, passwords[c], prov.broker.port, prov.broker.prefix) for c in codes]
        for s in sims:
            s.start()
        time.sleep(2.0)          # connected, hellos answered; sending starts below
        t0 = time.perf_counter()
        for s in sims:
            s.go.set()
            s._pump()
        for s in sims:
            s.done.wait(600)
        elapsed = time.perf_counter() - t0
        for s in sims:
            s.stop()
        with CentralStore(prov.url) as central:
            got = central.count("versions")
            acked = central.query("SELECT COUNT(*) AS n FROM devices WHERE acked_seq = ?", (RECORDS,))[0]["n"]
        total = COMMUNES * RECORDS
        return [prov.url.split(":")[0], COMMUNES, total, got, total - got, acked, elapsed, total / elapsed]
    finally:
        prov.stop()


def main() -> None:
    from tests.support import postgres
    rows = []
    with tempfile.TemporaryDirectory() as d:
        rows.append(run(Path(d) / "sqlite", None))
    problem = postgres.server_problem()
    if problem:
        print(f"PostgreSQL row skipped: {problem}")
    else:
        url = postgres.create_database("commune_edge_bench")
        try:
            with tempfile.TemporaryDirectory() as d:
                rows.append(run(Path(d) / "pg", url))
        finally:
            postgres.drop_database(url)
    table(rows, ["store", "communes", "records", "committed", "lost", "devices fully acked", "seconds", "records/s"])


if __name__ == "__main__":
    main()
