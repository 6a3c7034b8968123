"""Helpers shared by the benchmarks: percentiles, a table printer, cached demo stores."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

CACHE = Path(os.environ.get("BENCH_CACHE", Path(__file__).resolve().parent.parent / ".bench-cache"))


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "mean": statistics.fmean(ms), "n": len(ms)}


def table(rows: list[list[object]], header: list[str]) -> None:
    cells = [header] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def demo_store(dossiers: int, seed: int = 7) -> Path:
    """Path of a store holding `dossiers` demo dossiers, built once and cached under .bench-cache/.

    Several benchmarks may ask at once: a lock file makes the others wait for the first builder.
    """
    import fcntl
    from edge import demo
    from edge.migrations import MIGRATIONS
    from edge.store import Store
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{dossiers}-{seed}-v{len(MIGRATIONS)}.db"
    with open(CACHE / (path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return path
        tmp = path.with_name(f"{path.name}.building-{os.getpid()}")
        t0 = time.perf_counter()
        s = Store(tmp, min_free_mb=0)
        s.conn.execute("PRAGMA synchronous = OFF")  # building a fixture, not measuring durability
        demo.load(s, dossiers, seed, batch=2000)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        s.close()
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        shutil.move(str(tmp), str(path))
        print(f"(built a {dossiers}-dossier demo store in {time.perf_counter() - t0:.0f} s: {path})")
    return path
