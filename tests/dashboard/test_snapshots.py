"""Snapshots of the fleet and KPI tabs at 150×45 with Vietnamese labels.

The data must not change between runs, so these use the benchmark's deterministic data set
(`bench.dashboard_refresh.fill`: generated batches committed through the central store's own commit
path, heartbeats, a Last Will, a conflict and a quarantined message) with the central store's clock
and the app's clock fixed. Update after an intended change with
`pytest tests/dashboard/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.dashboard_refresh import central_clock, fill
from sync.central import CentralStore
from tests.dashboard.conftest import settle

SIZE = (150, 45)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def fixed_store(tmp_path):
    store = CentralStore(f"sqlite:///{tmp_path}/central.db")
    with central_clock(NOW):
        fill(store, communes=12, dossiers=1500, now=NOW, seed=5, span_days=400, tickets_per_commune=15)
    try:
        yield store
    finally:
        store.close()


def make(store):
    from tui.dashboard.app import DashboardApp
    app = DashboardApp(store, refresh_seconds=0, clock=lambda: NOW, province="02 Hà Giang (demo)")
    app.animation_level = "none"
    return app


async def steady(pilot) -> None:
    """Workers done, both phases of the cold load shown, messages handled, layout settled."""
    await settle(pilot)
    for _ in range(200):  # bounded: a cold start shows the month first, then the 12-month trend
        if pilot.app.refreshes >= 2 and not pilot.app.workers:
            break
        await pilot.pause(0.02)
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_fleet_tab(snap_compare, fixed_store):
    async def run_before(pilot):
        await steady(pilot)

    assert snap_compare(make(fixed_store), terminal_size=SIZE, run_before=run_before)


def test_kpi_tab(snap_compare, fixed_store):
    async def run_before(pilot):
        await steady(pilot)
        pilot.app.screen.query_one("#tabs").active = "tab-kpis"
        await steady(pilot)

    assert snap_compare(make(fixed_store), terminal_size=SIZE, run_before=run_before)


def test_commune_conflicts_tab(snap_compare, fixed_store):
    async def run_before(pilot):
        await steady(pilot)
        table = pilot.app.screen.query_one("#fleet-table")
        table.focus()
        table.move_cursor(row=table.get_row_index("00003"))
        await pilot.press("enter")
        await steady(pilot)
        await pilot.press("f3")
        await steady(pilot)

    assert snap_compare(make(fixed_store), terminal_size=SIZE, run_before=run_before)
