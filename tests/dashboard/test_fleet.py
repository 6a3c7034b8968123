"""The fleet tab on a central store filled by a real sync run."""

from __future__ import annotations

from tests.dashboard.conftest import KILLED, settle


def _rows(table) -> dict[str, list[str]]:
    return {str(k.value): [str(c) for c in table.get_row(k)] for k in table.rows}


def _order(table) -> list[str]:
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


async def test_fleet_shows_a_commune_offline_after_its_last_will(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        rows = _rows(app.screen.query_one("#fleet-table"))
        assert rows[KILLED][1] == "mất kết nối"
        assert "mất kết nối" in rows[KILLED][-1]
        assert rows["00001"][1] == "trực tuyến"


async def test_offline_commune_sorts_to_the_top_in_red(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#fleet-table")
        assert _order(table)[0] == KILLED
        cell = table.get_row_at(0)[0]
        assert "red" in str(cell.style)


async def test_technician_filter_shows_only_communes_needing_one(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert _order(app.screen.query_one("#fleet-table")) == [KILLED]


async def test_fleet_reports_each_appliance_heartbeat(make_app, province):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        rows = {r.commune: r for r in app.snapshot.fleet}
    online = rows["00001"]
    assert online.free_disk_mb is not None and online.free_disk_mb > 0
    assert online.software and online.catalogue_version is not None
    assert online.clock_drift_s is not None and abs(online.clock_drift_s) < 60


async def test_language_switch_shows_english_labels(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        rows = _rows(app.screen.query_one("#fleet-table"))
        assert rows[KILLED][1] == "offline"
        assert rows["00001"][1] == "online"


def test_fleet_names_each_commune_from_its_heartbeat(province):
    from sync import kpi
    with province.open_central() as central:
        rows = {r.commune: r for r in kpi.fleet(central)}
    assert {code: rows[code].name for code in province.communes} == {
        code: f"Xã {code}" for code in province.communes}
