"""Continuous backup with the real Litestream: write throughput with and without it, how long the
replica takes to catch up once writes stop, and how long a restore takes.

Each scenario issues queue tickets through `edge.records.insert` (record + outbox + audit in one
transaction, synchronous=FULL) for WRITE_S seconds into a fresh store with a file replica.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.common import table

WRITE_S = 4.0
SYNC_INTERVAL_MS = 1000      # the production default

CONFIG = """[commune]
code = "00001"
name = "Xã Demo"
province = "02"
agency_code = "000.00.19.H17"
[store]
path = "{store}"
min_free_mb = 1
[backup]
replica = "file://{replica}"
sync_interval_ms = {interval}
"""


def _write(config, seconds: float, pause: float) -> int:
    from edge import records
    from edge.store import Store

    n = 0
    with Store.open(config) as store:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            n += 1
            records.insert(store, "tickets", {"day": "2026-11-26", "service": "HT", "number": n,
                                              "label": f"HT{n:04d}", "status": "waiting",
                                              "issued_at": "2026-11-26T08:00:00.000Z"},
                           actor="bench", action="ticket.issue")
            if pause:
                time.sleep(pause)
    return n


def _scenario(folder: Path, name: str, pause: float, with_backup: bool) -> list[object]:
    from edge import backup
    from edge.config import load

    folder.mkdir()
    path = folder / "commune.toml"
    path.write_text(CONFIG.format(store=folder / "data" / "c.db", replica=folder / "usb",
                                  interval=SYNC_INTERVAL_MS), encoding="utf-8")
    config = load(path)
    s = backup.settings(config)
    sup = thread = None
    if with_backup:
        sup = backup.Supervisor(s, log=open(os.devnull, "w"), litestream_output=subprocess.DEVNULL)
        thread = threading.Thread(target=sup.run)
        thread.start()
        time.sleep(1.0)
    t0 = time.monotonic()
    n = _write(config, WRITE_S, pause)
    rate = n / (time.monotonic() - t0)
    catch_up = restore_s = float("nan")
    if with_backup:
        stopped = time.monotonic()
        while time.monotonic() - stopped < 30:
            st = backup.probe(s)
            if st["local_txid"] and st["replica_txid"] and st["replica_txid"] >= st["local_txid"]:
                catch_up = time.monotonic() - stopped
                break
            time.sleep(0.05)
        sup.stop()
        thread.join(60)
        other = folder / "new-card"
        other.mkdir()
        (other / "commune.toml").write_text(path.read_text().replace(str(folder / "data"), str(other / "data")),
                                            encoding="utf-8")
        t1 = time.monotonic()
        backup.restore(load(other / "commune.toml"))
        restore_s = time.monotonic() - t1
    size_mb = (folder / "data" / "c.db").stat().st_size / 1e6
    return [name, "yes" if with_backup else "no", n, rate, catch_up, restore_s, size_mb]


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, pause, with_backup) in enumerate([
            ("flat out", 0.0, False),
            ("flat out", 0.0, True),
            ("paced 20/s", 0.05, True),
        ]):
            rows.append(_scenario(Path(tmp) / f"s{i}", name, pause, with_backup))
    table(rows, ["writes", "litestream", "records", "records/s", "catch-up s", "restore s", "store MB"])
    print(f"(sync-interval {SYNC_INTERVAL_MS} ms; catch-up = time from the last commit until the "
          "replica holds it)")


if __name__ == "__main__":
    main()
