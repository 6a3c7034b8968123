"""A store writer for the backup tests: issues queue tickets through edge.records until killed.

    python load_writer.py CONFIG [PAUSE_S]

After each committed ticket it prints `<number> <time.time()>` (flushed), so the test knows which
records were durably committed when. Uses the real store settings and the one record writer.
"""

from __future__ import annotations

import sys
import time

from edge import records
from edge.config import load
from edge.store import Store


def main() -> None:
    config = load(sys.argv[1])
    pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.005
    store = Store.open(config)
    n = int(store.scalar("SELECT COALESCE(MAX(number), 0) FROM tickets") or 0)
    while True:
        n += 1
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        records.insert(store, "tickets", {"day": "2026-11-26", "service": "HT", "number": n,
                                          "label": f"HT{n:04d}", "status": "waiting", "issued_at": now,
                                          "priority": 0},
                       actor="load-test", action="ticket.issue")
        print(n, time.time(), flush=True)
        time.sleep(pause)


if __name__ == "__main__":
    main()
