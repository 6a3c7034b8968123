"""Dashboard refresh time with 200 communes and 1,000,000 dossiers in the central store, on SQLite
and PostgreSQL (target ≤ 1 s per refresh).

The central store is filled through its own commit path (`CentralStore.commit_batch` with generated
batches, `record_heartbeat`, `quarantine`) — a benchmark fixture. The SQLite file is cached under
`.bench-cache/`; the PostgreSQL database `commune_edge_bench_dashboard` is kept on the server and
reused while it holds the same data (BENCH_FRESH=1 rebuilds both).

Sizes: BENCH_DASHBOARD_COMMUNES (200), BENCH_DASHBOARD_DOSSIERS (1000000), BENCH_DASHBOARD_REPEAT (5).

`fill()` is also the deterministic data set of the dashboard's snapshot tests.
"""

from __future__ import annotations

import json
import os
import random
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from edge.clock import LOCAL_TZ
from edge.store import iso

from sync import wire
from tests.support.sync_records import batch

BATCH_ROWS = 2500
STATUS_WEIGHTS = (("received", 8), ("processing", 12), ("supplement_requested", 3), ("awaiting_fees", 2),
                  ("done", 20), ("returned", 45), ("withdrawn", 3), ("stopped", 2), ("refused", 2), ("new", 3))
PROCEDURES = (("1.000894", 0), ("1.001193", 3), ("1.000656", 5), ("2.000908", 1), ("1.004227", 8),
              ("1.003583", 10), ("2.001009", 2), ("1.001022", 15))
PG_BENCH_DB = "commune_edge_bench_dashboard"


def _dossier(rng: random.Random, commune: str, n: int, now: datetime, span_days: int) -> dict[str, Any]:
    day = (now - timedelta(days=rng.randint(0, span_days))).astimezone(LOCAL_TZ).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    received = datetime(day.year, day.month, day.day, rng.randint(7, 16), rng.randint(0, 59), rng.randint(0, 59),
                        tzinfo=LOCAL_TZ)
    if received > now:
        received = now - timedelta(minutes=rng.randint(5, 300))
    proc, days = PROCEDURES[rng.randrange(len(PROCEDURES))]
    due = received.date() + timedelta(days=max(0, days + days // 5 * 2))
    online = rng.random() < 0.2
    status = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
    if online and status == "new" and rng.random() < 0.5:
        status = "received"
    finished = None
    if status in ("done", "returned", "withdrawn", "stopped", "refused"):
        fin = received + timedelta(hours=rng.uniform(1, 24 * (days + 6)))
        finished = iso(min(fin, now))
    rid = f"{commune}-{n:08d}"
    at = iso(received)
    return {"id": rid, "commune": commune, "version": 1, "hlc": n + 1, "updated_by": "canbo", "created_at": at,
            "updated_at": finished or at, "code": f"000.00.19.{commune}-{received:%y%m%d}-{n % 10000:04d}",
            "procedure_code": proc, "catalogue_version": 1, "applicant_name": f"Nguyễn Văn {n % 97}",
            "applicant_id_number": f"0020{n % 100:02d}{rng.randint(0, 999999):06d}", "applicant_dob": "1980-01-01",
            "applicant_sex": "Nam", "applicant_address": "Thôn Lũng Cẩm (demo)",
            "applicant_phone": f"09{rng.randint(0, 99999999):08d}",
            "channel": "online" if online else "counter", "portal_id": f"G22.{commune}.{n}" if online else None,
            "documents": "[\"Tờ khai\"]", "status": status, "received_at": at, "due_date": due.isoformat(),
            "paused_at": None, "paused_working_days": 0, "finished_at": finished, "ticket_id": None,
            "officer": "canbo", "note": None}


def _ticket(rng: random.Random, commune: str, n: int, now: datetime, span_days: int) -> dict[str, Any]:
    issued = now - timedelta(days=rng.randint(0, span_days), minutes=rng.randint(0, 600))
    called = issued + timedelta(minutes=rng.uniform(1, 40))
    done = called + timedelta(minutes=rng.uniform(2, 25))
    status = "done" if done < now else "waiting"
    return {"id": f"t-{commune}-{n:07d}", "commune": commune, "version": 1, "hlc": n + 1, "updated_by": "canbo",
            "created_at": iso(issued), "updated_at": iso(issued), "day": issued.astimezone(LOCAL_TZ).date().isoformat(),
            "service": "general", "number": n + 1, "label": f"A{n + 1:03d}", "priority": 0, "status": status,
            "issued_at": iso(issued), "called_at": iso(called) if status == "done" else None,
            "finished_at": iso(done) if status == "done" else None, "counter": "1", "recalls": 0,
            "dossier_id": None}


def _form(commune: str, period: str, submitted: bool, at: str) -> dict[str, Any]:
    return {"id": f"f-{commune}-{period}", "commune": commune, "version": 1, "hlc": 1, "updated_by": "canbo",
            "created_at": at, "updated_at": at, "form_code": "BC-CDS-XA", "form_version": 0, "period": period,
            "status": "submitted" if submitted else "draft", "values": "{\"so_ho_so\": 12}",
            "submitted_at": at if submitted else None}


def _commit(store: Any, commune: str, device: str, seq: int, tbl: str, recs: list[dict[str, Any]]) -> int:
    for i in range(0, len(recs), BATCH_ROWS):
        chunk = recs[i:i + BATCH_ROWS]
        store.commit_batch(batch(chunk, seq, device=device, commune=commune, tbl=tbl))
        seq += len(chunk)
    return seq


@contextmanager
def central_clock(start: datetime, step_s: float = 0.0):
    """Make the central store's clock (synced_at, last_seen, heartbeat_at) start at `start` and
    advance `step_s` per reading while filling: the bench's data was synced before the refreshes,
    the snapshot tests' data at a fixed moment."""
    from sync import central
    saved = central.utcnow
    ticks = iter(range(10**12))
    central.utcnow = lambda: iso(start + timedelta(seconds=step_s * next(ticks)))
    try:
        yield
    finally:
        central.utcnow = saved


def commune_code(i: int) -> str:
    return f"{i + 1:05d}"


def fill(store: Any, *, communes: int, dossiers: int, now: datetime, seed: int = 1, span_days: int = 540,
         tickets_per_commune: int = 40, progress: bool = False) -> dict[str, int]:
    """Fill a central store through its commit path: `dossiers` spread over `communes` (received over
    the `span_days` before `now`), tickets, a report per commune for last month, heartbeats (some
    communes offline by Last Will, some with problems), a conflict and a quarantined message."""
    rng = random.Random(seed)
    per = dossiers // communes
    extra = dossiers - per * communes
    local_today = now.astimezone(LOCAL_TZ).date()
    last_month = (local_today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    made = 0
    t0 = time.perf_counter()
    for ci in range(communes):
        code = commune_code(ci)
        device = f"dev-{code}"
        n = per + (1 if ci < extra else 0)
        seq = 1
        recs = [_dossier(rng, code, made + k, now, span_days) for k in range(n)]
        seq = _commit(store, code, device, seq, "dossiers", recs)
        made += n
        seq = _commit(store, code, device, seq, "tickets",
                      [_ticket(rng, code, k, now, min(span_days, 60)) for k in range(tickets_per_commune)])
        seq = _commit(store, code, device, seq, "form_submissions",
                      [_form(code, last_month, ci % 3 != 1, iso(now - timedelta(days=20)))])
        if ci == 2 and recs:
            changed = dict(recs[0], status="refused", updated_by="restored-card")
            _commit(store, code, f"dev-{code}-b", 1, "dossiers", [changed])
        if progress and ci % 20 == 19:
            rate = made / (time.perf_counter() - t0)
            print(f"  … {made:,} dossiers ({rate:,.0f}/s)", flush=True)
    for ci in range(communes):
        code = commune_code(ci)
        store.record_heartbeat(_heartbeat(ci, code, now))
        if ci % 10 == 4:   # the appliance dropped off: its Last Will
            store.record_heartbeat(wire.Heartbeat(code, f"dev-{code}", False, software="0.1.0"))
    bad = wire.encode(wire.Hello(commune_code(1), "dev-x", 0, 0, "0.1.0"))[:-3]
    store.quarantine(f"vn/02/c/{commune_code(1)}/up", commune_code(1), "bad checksum: the envelope's CRC32 "
                     "does not match its body", bad)
    return {"dossiers": made, "communes": communes}


def _heartbeat(ci: int, code: str, now: datetime) -> wire.Heartbeat:
    drift = 0 if ci % 7 != 3 else 420
    disk = 9000 - ci * 37 if ci % 11 != 5 else 90
    extra = {"printer": "ok" if ci % 9 != 6 else "paper_out", "modem": "ok" if ci % 13 != 8 else "no_signal"}
    return wire.Heartbeat(code, f"dev-{code}", True, at=iso(now), backlog=(ci * 17) % 40 if ci % 8 != 2 else 900,
                          oldest_pending_age_s=float((ci * 53) % 3000) if ci % 8 != 2 else 200000.0,
                          last_acked_seq=1, free_disk_mb=disk, hlc=1, clock=iso(now + timedelta(seconds=drift)),
                          software="0.1.0" if ci % 12 != 7 else "0.0.9", catalogue_version=1, extra=extra)


# --------------------------------------------------------------------------- the benchmark

def _sizes() -> tuple[int, int, int]:
    return (int(os.environ.get("BENCH_DASHBOARD_COMMUNES", "200")),
            int(os.environ.get("BENCH_DASHBOARD_DOSSIERS", "1000000")),
            int(os.environ.get("BENCH_DASHBOARD_REPEAT", "5")))


BENCH_NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)


def _marker(communes: int, dossiers: int) -> str:
    return f"dashboard-bench v1 {communes} {dossiers}"


def _filled(store: Any, communes: int, dossiers: int) -> bool:
    try:
        return store.scalar("SELECT body FROM documents WHERE kind = 'bench' AND version = 1") == json.dumps(
            _marker(communes, dossiers))
    except Exception:  # noqa: BLE001
        return False


def _prepare(url: str, communes: int, dossiers: int) -> tuple[Any, float | None]:
    from sync import kpi
    from sync.central import CentralStore
    store = CentralStore(url)
    if _filled(store, communes, dossiers) and not os.environ.get("BENCH_FRESH"):
        kpi.ensure_indexes(store)
        if store.db.kind == "postgresql":
            store.db.execute("VACUUM ANALYZE dossiers")
        return store, None
    store.close()
    _reset(url)
    store = CentralStore(url)
    t0 = time.perf_counter()
    print(f"  filling {url.split('@')[-1]} with {dossiers:,} dossiers in {communes} communes …", flush=True)
    with central_clock(BENCH_NOW - timedelta(days=3), step_s=60.0):
        fill(store, communes=communes, dossiers=dossiers, now=BENCH_NOW, progress=True)
    kpi.ensure_indexes(store)
    store.record_document(wire.Document("bench", 1, _marker(communes, dossiers)))
    if store.db.kind == "postgresql":
        store.db.execute("VACUUM ANALYZE")   # what autovacuum does on a live server: index-only scans
    else:
        store.db.execute("ANALYZE")
    return store, time.perf_counter() - t0


def _reset(url: str) -> None:
    """Start from an empty store (a half-filled or differently sized one is thrown away)."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def live_changes(store: Any, rng: random.Random, now: datetime, n: int = 100) -> None:
    """What arrives between two refreshes while the receiver runs: n/2 new dossiers today and n/2
    status changes of older dossiers, from one commune, committed as one batch."""
    communes = [r["commune"] for r in store.query("SELECT commune FROM devices ORDER BY commune")]
    code = rng.choice(communes)
    device = f"dev-{code}"
    seq = store.acked_seq(code, device) + 1
    recs = []
    for row in store.query("SELECT data FROM dossiers WHERE commune = ? AND status = 'processing' "
                           "ORDER BY id LIMIT ?", (code, n // 2)):
        d = json.loads(row["data"])
        d.update(status="done", version=d["version"] + 1, finished_at=iso(now), updated_at=iso(now))
        recs.append(d)
    base = rng.randint(10**7, 9 * 10**7)
    recs += [_dossier(rng, code, base + k, now, 0) for k in range(n - len(recs))]
    _commit(store, code, device, seq, "dossiers", recs)


def _time_parts(store: Any, month: str, today: date, repeat: int) -> list[list[object]]:
    from statistics import median

    from sync import kpi
    from tui.dashboard.data import load_snapshot
    from .common import pct
    rng = random.Random(99)
    warm = kpi.DossierKpiCache()
    load_snapshot(store, month, today=today, now=BENCH_NOW, cache=warm)

    def after_changes():
        live_changes(store, rng, BENCH_NOW)
        t0 = time.perf_counter()
        load_snapshot(store, month, today=today, now=BENCH_NOW, cache=warm)
        return time.perf_counter() - t0

    parts = {
        "fleet": lambda: kpi.fleet(store, now=BENCH_NOW),
        "dossier KPIs, one month": lambda: kpi.dossier_kpis(store, month, today=today),
        "queue, one month": lambda: kpi.queue_kpis(store, month),
        "processing times": lambda: kpi.processing_times(store, month),
        "first screen, cold (fleet + month)": lambda: load_snapshot(store, month, today=today, now=BENCH_NOW,
                                                                    trend_months=1),
        "first refresh, cold (12 months)": lambda: load_snapshot(store, month, today=today, now=BENCH_NOW),
        "refresh, nothing new": lambda: load_snapshot(store, month, today=today, now=BENCH_NOW, cache=warm),
        "refresh after 100 changes": after_changes,
    }
    rows = []
    for name, fn in parts.items():
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            took = fn()
            samples.append(took if isinstance(took, float) else time.perf_counter() - t0)
        rows.append([name, median(samples) * 1000, pct(samples, 95) * 1000, max(samples) * 1000])
    return rows


def main() -> None:
    from .common import CACHE, table
    communes, dossiers, repeat = _sizes()
    today = BENCH_NOW.astimezone(LOCAL_TZ).date()
    month = f"{today:%Y-%m}"
    CACHE.mkdir(parents=True, exist_ok=True)
    backends: list[tuple[str, str]] = [
        ("sqlite", f"sqlite:///{CACHE}/dashboard-central-{communes}-{dossiers}.db")]
    pg_server = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg
        with psycopg.connect(pg_server, autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_BENCH_DB,)).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
        backends.append(("postgresql", pg_server.rsplit("/", 1)[0] + "/" + PG_BENCH_DB))
    except Exception as e:  # noqa: BLE001 - the figures of the other backend are still worth printing
        print(f"PostgreSQL skipped: {str(e).strip()[:200]}")
    print(f"{communes} communes, {dossiers:,} dossiers; month shown {month}; {repeat} refreshes each")
    results = []
    for name, url in backends:
        store, fill_s = _prepare(url, communes, dossiers)
        try:
            if fill_s is not None:
                print(f"  {name}: filled in {fill_s:.0f} s ({dossiers / fill_s:,.0f} dossiers/s)")
            held = store.count("dossiers")
            for row in _time_parts(store, month, today, repeat):
                results.append([name, *row])
            print(f"  {name}: {held:,} dossiers held")
        finally:
            store.close()
    table([[r[0], r[1], r[2], r[3], r[4]] for r in results],
          ["backend", "query", "median ms", "p95 ms", "max ms"])
    print("target: whole refresh ≤ 1000 ms")
