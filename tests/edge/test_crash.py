"""Power-cut safety: a writer killed with SIGKILL at random moments never loses a returned write
and never leaves records, outbox and audit disagreeing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from edge import audit, demo
from edge.store import Store

ROUNDS = 12
WRITER = Path(__file__).with_name("crash_writer.py")
ROOT = Path(__file__).resolve().parents[2]


def check_consistent(store: Store) -> None:
    assert store.scalar("PRAGMA integrity_check") == "ok"
    # every version of every synced record has exactly one outbox row and one audit row
    for table in ("dossiers", "dossier_history"):
        versions = store.scalar(f"SELECT COALESCE(SUM(version), 0) FROM {table}")
        assert store.scalar("SELECT COUNT(*) FROM outbox WHERE tbl = ?", (table,)) == versions
        assert store.scalar("SELECT COUNT(*) FROM audit WHERE tbl = ?", (table,)) == versions
        missing = store.scalar(
            f"SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM outbox o "
            "WHERE o.tbl = ? AND o.record_id = t.id AND o.version = t.version)", (table,))
        assert missing == 0
    # every status change of a dossier has its history row
    assert store.scalar("SELECT COUNT(*) FROM dossier_history") == store.scalar(
        "SELECT COALESCE(SUM(version), 0) FROM dossiers")
    from edge import search
    # the search index holds every committed dossier (by ID number: the index, not the exact-code path)
    for r in store.query("SELECT id, applicant_id_number FROM dossiers ORDER BY random() LIMIT 40"):
        assert r["id"] in {d["id"] for d in search.search_dossiers(store, r["applicant_id_number"], limit=500)}
    seqs = [r["seq"] for r in store.query("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit.verify(store).ok


def test_sigkill_at_random_moments_loses_no_returned_write(tmp_path):
    path = tmp_path / "crash.db"
    s = Store(path, min_free_mb=0)
    demo.ensure_reference_data(s)
    s.close()
    rng = random.Random(11)
    returned: dict[str, int] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(ROUNDS):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(path), str(round_)],
                                stdout=subprocess.PIPE, text=True, env=env)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        # let it write for a while (after start-up), then pull the plug
        deadline = time.monotonic() + 20
        while not lines and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(timeout=5)
        assert lines, f"round {round_}: the writer wrote nothing (exit {proc.returncode})"
        for line in lines:
            if line.endswith("\n"):
                rid, version = line.split()
                returned[rid] = int(version)
        s = Store(path, min_free_mb=0)
        check_consistent(s)
        have = {r["id"]: r["version"] for r in s.query("SELECT id, version FROM dossiers")}
        lost = [rid for rid, v in returned.items() if have.get(rid, 0) < v]
        assert not lost, f"round {round_}: {len(lost)} returned writes lost"
        s.close()
    assert len(returned) > ROUNDS
