"""Dossier intake latency (with outbox and audit, synchronous=FULL) beside the floor: the same
three inserts (record, outbox, audit) in one transaction with plain sqlite3; and search latency at
100,000 dossiers. Targets: intake p95 ≤ 2 ms and ≤ 8× the floor; search p95 ≤ 10 ms."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import demo_store, summary_ms, table

INTAKES = int(os.environ.get("BENCH_INTAKES", "1000"))
SEARCH_DOSSIERS = int(os.environ.get("BENCH_SEARCH_DOSSIERS", "100000"))
SEARCHES = int(os.environ.get("BENCH_SEARCHES", "600"))


def measure_intake(folder: Path) -> tuple[list[float], list[dict]]:
    from edge import demo, dossiers
    from edge.store import Store
    store = Store(folder / "intake.db", min_free_mb=0)
    demo.ensure_reference_data(store)
    from edge import catalogue
    procs = catalogue.procedures(store)
    rng = random.Random(3)
    from edge.clock import local_now
    today = local_now().date()
    people = [demo.person(rng, today) for _ in range(INTAKES)]
    days = [local_now() - timedelta(days=n) for n in range(INTAKES // 900 + 1)]
    samples = []
    for i, person in enumerate(people):
        proc = procs[i % len(procs)]
        t0 = time.perf_counter()
        dossiers.receive(store, procedure_code=proc.code, applicant=person, documents=list(proc.documents),
                         actor="canbo", received_at=days[i // 900])  # a desk numbers ≤ 999 a day
        samples.append(time.perf_counter() - t0)
    rows = store.query("SELECT * FROM dossiers ORDER BY rowid")
    store.close()
    return samples, rows


def measure_floor(folder: Path, rows: list[dict]) -> list[float]:
    """The same three inserts — the dossier record, its outbox row, its audit row — into the same
    tables of a store file, in one transaction with plain sqlite3 and nothing else."""
    from edge.store import Store
    Store(folder / "floor.db", min_free_mb=0).close()  # the store's schema, then plain sqlite3 only
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    cols = [c for c in rows[0] if c != "_rowid"]
    insert = f"INSERT INTO dossiers ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    samples = []
    for i, row in enumerate(rows):
        row = dict(row, id=f"{row['id'][:-6]}{i:06d}", code=f"F-{i:07d}", portal_id=None)
        payload = json.dumps(row, ensure_ascii=False, sort_keys=True)
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(insert, [row[c] for c in cols])
        conn.execute("INSERT INTO outbox(tbl, record_id, version, hlc, payload, created_at) "
                     "VALUES ('dossiers', ?, 1, ?, ?, ?)", (row["id"], row["hlc"], payload, row["created_at"]))
        conn.execute("INSERT INTO audit(at, actor, action, tbl, record_id, version, detail, prev_hash, hash) "
                     "VALUES (?, 'canbo', 'dossier.receive', 'dossiers', ?, 1, '{}', ?, ?)",
                     (row["created_at"], row["id"], "0" * 64, "1" * 64))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - t0)
    conn.close()
    return samples


def measure_search() -> tuple[list[float], int]:
    from edge import search
    from edge.store import Store
    from edge.demo import GIVEN_F, GIVEN_M, SURNAMES
    path = demo_store(SEARCH_DOSSIERS)
    store = Store(path, min_free_mb=0)
    n = store.scalar("SELECT COUNT(*) FROM dossiers")
    rng = random.Random(5)
    codes = [r["code"] for r in store.query("SELECT code FROM dossiers ORDER BY random() LIMIT 100")]
    ids = [r["applicant_id_number"] for r in store.query(
        "SELECT applicant_id_number FROM dossiers ORDER BY random() LIMIT 100")]
    queries = []
    for i in range(SEARCHES):
        kind = i % 5
        if kind == 0:
            queries.append(search.fold(f"{rng.choice(SURNAMES)} {rng.choice(GIVEN_M + GIVEN_F)}"))
        elif kind == 1:
            queries.append(search.fold(rng.choice(SURNAMES))[:3])  # typing the start of a name
        elif kind == 2:
            queries.append(rng.choice(codes))
        elif kind == 3:
            queries.append(rng.choice(ids))
        else:
            queries.append(f"{search.fold(rng.choice(SURNAMES))} van")
    for q in queries[:20]:  # warm the page cache like a kiosk that has been running
        search.search_dossiers(store, q)
    samples = []
    for q in queries:
        t0 = time.perf_counter()
        search.search_dossiers(store, q, limit=50)
        samples.append(time.perf_counter() - t0)
    store.close()
    return samples, n


def main() -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        folder = Path(tmp)
        intake_samples, rows = measure_intake(folder)
        intake = summary_ms(intake_samples)
        floor = summary_ms(measure_floor(folder, rows))
    searched, n = measure_search()
    srch = summary_ms(searched)
    table([
        ["dossier intake (record+history+search index+outbox+audit)", intake["n"], intake["p50"],
         intake["p95"], "≤ 2 ms, ≤ 8× floor"],
        ["floor: record+outbox+audit inserts, same tables, 1 transaction, plain sqlite3", floor["n"],
         floor["p50"], floor["p95"], ""],
        ["intake / floor (p95)", "", intake["p50"] / floor["p50"], intake["p95"] / floor["p95"], "≤ 8"],
        [f"search at {n} dossiers (limit 50)", srch["n"], srch["p50"], srch["p95"], "p95 ≤ 10 ms"],
    ], ["measure", "n", "p50 ms", "p95 ms", "target"])


if __name__ == "__main__":
    main()
