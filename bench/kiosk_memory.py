"""Kiosk memory: resident set size after opening a store with 100,000 dossiers in the kiosk and
searching it from the Dossiers screen, beside the minimal Textual app (header, input, a 200-row
table, footer) in the same run. Each app runs headless in its own process; RSS is read from
/proc/self/status (VmRSS, and VmHWM for the peak). Target: ≤ 80 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOSSIERS = int(os.environ.get("KIOSK_BENCH_DOSSIERS", "100000"))


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount = line.split(":")
                values[key] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def probe_minimal() -> None:
    from bench.kiosk_startup import _minimal_app
    app = _minimal_app()

    async def report(pilot) -> None:
        await pilot.pause()
        print(json.dumps(rss_mb()), flush=True)

    _run(app, report)


def probe_kiosk(config_path: str) -> None:
    from edge import config as config_mod, staff
    from edge.store import Store
    from tui.app import KioskApp
    from tui.screens.dossiers import DossiersScreen

    cfg = config_mod.load(config_path)
    store = Store.open(cfg)
    app = KioskApp(cfg, store)

    async def report(pilot) -> None:
        member = staff.StaffMember("bench", "Benchmark", "officer")
        app.logged_in(member)
        await pilot.pause()
        app.push_screen(DossiersScreen())
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        for text in ("nguyen van", "tran thi hoa", "002"):
            screen.query_one("#search").value = text
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        print(json.dumps(rss_mb() + (len(screen._rows),)), flush=True)

    _run(app, report)


def _run(app, report) -> None:
    import asyncio

    async def go() -> None:
        async with app.run_test(headless=True, size=(80, 24)) as pilot:
            await report(pilot)

    asyncio.run(go())


def _child(code: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("["):
            return json.loads(line)
    raise RuntimeError(f"probe failed: {out.stderr[-500:]}")


def main() -> None:
    from bench.common import demo_store, table
    from edge import demo
    source = demo_store(DOSSIERS)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "commune.toml"
        config.write_text(demo.DEMO_CONFIG.format(store=source), encoding="utf-8")
        minimal = _child("import bench.kiosk_memory as b; b.probe_minimal()")
        kiosk = _child(f"import bench.kiosk_memory as b; b.probe_kiosk({str(config)!r})")
    table([["minimal Textual app", minimal[0], minimal[1], ""],
           [f"kiosk, {DOSSIERS:,} dossiers, 3 searches", kiosk[0], kiosk[1], f"{kiosk[0] / minimal[0]:.2f}×"]],
          ["app (80×24, headless)", "RSS MB", "peak MB", "vs minimal"])
    print(f"rows shown after the last search: {int(kiosk[2])}; target: ≤ 80 MB RSS")


if __name__ == "__main__":
    main()
