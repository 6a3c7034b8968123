"""Helpers of the sync benchmarks: a province (broker + receiver process + central store) and
appliance stores with a realistic backlog."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support import sync_env
from tests.support.broker import start_broker

ROOT = Path(__file__).resolve().parents[1]


class Province:
    """A broker from the generated config, `province-hub receive` processes and a central store."""

    def __init__(self, dir: Path, store_url: str | None = None, receivers: int = 1, **broker_kw):
        self.dir = Path(dir)
        self.url = store_url or f"sqlite:///{self.dir / 'central.db'}"
        self.broker = start_broker(self.dir, **broker_kw)
        self.config = sync_env.province_toml(self.dir, self.broker, self.url)
        self.procs: list[subprocess.Popen] = []
        for i in range(receivers):
            self.start_receiver(i)

    def start_receiver(self, i: int = 0) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        log = open(self.dir / f"receiver-{i}.log", "ab")
        p = subprocess.Popen([sys.executable, "-m", "sync.hub_cli", "--config", str(self.config), "receive"],
                             cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(p)
        deadline = time.monotonic() + 15
        while b"subscribed as group" not in (self.dir / f"receiver-{i}.log").read_bytes():
            if p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"receiver did not start: {(self.dir / f'receiver-{i}.log').read_text()[-500:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.broker.stop()


def seed_payloads() -> list[tuple[str, dict]]:
    """Realistic outbox rows (table, record) from a cached 300-dossier demo store."""
    import sqlite3

    from bench.common import demo_store
    conn = sqlite3.connect(demo_store(300))
    rows = [(t, json.loads(p)) for t, p in conn.execute("SELECT tbl, payload FROM outbox ORDER BY seq")]
    conn.close()
    return rows


def fill_backlog(store, n: int) -> None:
    """Append n outbox rows to `store`, cloned from realistic demo records with fresh ids."""
    from edge import ids, outbox, records
    seeds = seed_payloads()
    with store.atomic():
        for i in range(n):
            tbl, rec = seeds[i % len(seeds)]
            rec = dict(rec, id=ids.uuid7(), commune=store.commune.code)
            outbox.append(store, tbl, rec["id"], rec["version"], rec["hlc"], records.payload(rec),
                          rec["created_at"])
