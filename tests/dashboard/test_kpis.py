"""The KPI tab against counts computed independently, in Python, from the communes' own stores."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

from edge.clock import parse_iso
from sync import kpi
from tests.dashboard.conftest import KILLED, settle, local_month
from tests.support import sync_env

OPEN = ("new", "received", "processing", "awaiting_fees")
COLS = ("received", "done_on_time", "late", "in_progress", "overdue_now")


def expected_counts(province, month: str, today: date) -> dict[str, Counter]:
    """Per commune: the month's dossiers counted straight from each appliance's store."""
    out: dict[str, Counter] = {}
    for code, c in province.communes.items():
        e = out.setdefault(code, Counter())
        for d in c.edge_rows("dossiers"):
            if local_month(d["received_at"]) != month:
                continue
            e["received"] += 1
            e["online"] += d["channel"] == "online"
            if d["status"] in ("done", "returned"):
                finished = parse_iso(d["finished_at"]).date()
                e["done_on_time" if finished <= date.fromisoformat(d["due_date"]) else "late"] += 1
            e["in_progress"] += d["status"] in OPEN + ("supplement_requested",)
            e["overdue_now"] += d["status"] in OPEN and date.fromisoformat(d["due_date"]) < today
    return out


def table_counts(table) -> dict[str, list[int]]:
    """Commune → the table's received, on time, late, in progress, overdue cells as numbers."""
    out = {}
    for key in table.rows:
        cells = [str(c) for c in table.get_row(key)]
        out[str(key.value)] = [int(x.replace(".", "")) for x in cells[1:6]]
    return out


def _wait_synced(province) -> None:
    from tests.dashboard.conftest import wait_for
    for code in province.communes:
        if code != KILLED:
            assert wait_for(lambda: province.synced(code))


async def test_kpi_table_matches_counts_from_the_edge_stores(make_app, province):
    _wait_synced(province)
    app = make_app(month=province.data_month())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        got = table_counts(app.screen.query_one("#kpi-table"))
    want = expected_counts(province, app.month, app.today())
    assert sum(w["received"] for w in want.values()) > 0
    for code in province.communes:   # a commune with no dossier that month has no row
        assert got.get(code, [0] * 5) == [want[code][k] for k in COLS], code
    assert got["*"] == [sum(w[k] for w in want.values()) for k in COLS]


async def test_previous_month_matches_counts_from_the_edge_stores(make_app, province):
    _wait_synced(province)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.snapshot.month == kpi.prev_month(kpi.month_of(app.today()))
        got = table_counts(app.screen.query_one("#kpi-table"))
    want = expected_counts(province, app.month, app.today())
    assert sum(want[c]["received"] for c in want) > 0, "the demo data should reach into last month"
    for code in province.communes:
        assert got.get(code, [0] * 5) == [want[code][k] for k in COLS], code


async def test_online_share_matches_the_edge_stores(make_app, province):
    _wait_synced(province)
    app = make_app(month=province.data_month())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        snap = app.snapshot
    want = expected_counts(province, snap.month, snap.today)
    assert sum(w["received"] for w in want.values()) > 0
    for code in province.communes:
        got = snap.dossiers[code].online if code in snap.dossiers else 0
        assert got == want[code]["online"], code


async def test_kpis_refresh_live_while_the_receiver_runs(make_app, province):
    _wait_synced(province)
    app = make_app(refresh_seconds=0.2)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        before = app.snapshot.dossiers["*"].received
        store = sync_env.open_store(province.communes["00002"].cfg)
        try:
            sync_env.make_dossiers(store, 3)
        finally:
            store.close()
        for _ in range(300):   # bounded: the agent ships them, the receiver commits, the table redraws
            if (app.snapshot.dossiers["*"].received == before + 3
                    and table_counts(app.screen.query_one("#kpi-table"))["*"][0] == before + 3):
                break
            await asyncio.sleep(0.05)
        assert app.snapshot.dossiers["*"].received == before + 3
        cells = table_counts(app.screen.query_one("#kpi-table"))
        assert cells["*"][0] == before + 3


async def test_electronic_share_trend_matches_the_edge_stores(make_app, province):
    _wait_synced(province)
    processed = ("processing", "supplement_requested", "awaiting_fees", "done", "returned", "stopped")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        trend = {k.month: k for k in app.snapshot.trend}
    assert len(trend) == kpi.TREND_MONTHS
    for month in list(trend)[-2:]:
        rows = [d for c in province.communes.values() for d in c.edge_rows("dossiers")
                if local_month(d["received_at"]) == month]
        assert trend[month].received == len(rows)
        assert trend[month].electronic == sum(d["channel"] == "online" or d["status"] in processed for d in rows)


async def test_report_submitted_at_a_commune_counts_as_submitted(make_app, province):
    from edge import forms
    from tests.dashboard.conftest import wait_for
    store = sync_env.open_store(province.communes["00001"].cfg)
    try:
        draft = store.query("SELECT form_code, period, \"values\" FROM form_submissions")[0]
        forms.submit(store, draft["form_code"], draft["period"], forms.get_submission(
            store, draft["form_code"], draft["period"])["values"], actor="canbo")
    finally:
        store.close()
    def submitted() -> bool:
        with province.open_central() as central:
            return bool(central.query("SELECT 1 FROM form_submissions WHERE commune = '00001' "
                                      "AND status = 'submitted'"))
    assert wait_for(lambda: province.synced("00001") and submitted())
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        reports = {str(k.value): str(app.screen.query_one("#kpi-table").get_row(k)[10])
                   for k in app.screen.query_one("#kpi-table").rows}
    assert draft["period"] == kpi.prev_month(app.month)
    assert (reports["00001"], reports["00002"]) == ("1/1", "0/1")


async def test_status_change_in_an_earlier_month_shows_after_the_next_refresh(make_app, province):
    from edge import dossiers
    from tests.dashboard.conftest import wait_for
    _wait_synced(province)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        earlier = kpi.prev_month(app.month)
        open_ones = [d for d in province.communes["00001"].edge_rows("dossiers")
                     if local_month(d["received_at"]) == earlier and d["status"] == "processing"]
        assert open_ones, "the demo data should have a dossier in processing last month"
        store = sync_env.open_store(province.communes["00001"].cfg)
        try:
            dossiers.transition(store, open_ones[0]["id"], "done", actor="canbo")
        finally:
            store.close()
        assert wait_for(lambda: province.synced("00001"))
        await pilot.press("f5")
        await settle(pilot)
        got = app.snapshot.trend[-2]
    want = expected_counts(province, earlier, app.today())
    assert got.month == earlier
    assert [getattr(got, k) for k in COLS] == [sum(w[k] for w in want.values()) for k in COLS]
