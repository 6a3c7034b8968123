"""A commune's drill-down: dossiers with search, status and history; quarantined messages with their
reasons; re-requesting the commune's data through the real broker."""

from __future__ import annotations

import asyncio
import json

from sync.config import load
from tests.dashboard.conftest import settle, wait_for
from tests.support.mqtt_clients import Client
from tui.dashboard.cli import make_publisher
from tui.dashboard.screens.commune import CommuneScreen


async def open_commune(pilot, code: str) -> CommuneScreen:
    await settle(pilot)
    table = pilot.app.screen.query_one("#fleet-table")
    table.focus()
    table.move_cursor(row=table.get_row_index(code))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CommuneScreen) and screen.commune == code
    return screen


async def test_enter_on_a_fleet_row_lists_the_communes_dossiers(make_app, province):
    edge = province.communes["00001"].edge_rows("dossiers")
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, "00001")
        table = screen.query_one("#dossier-table")
        codes = {str(table.get_row(k)[0]) for k in table.rows}
    assert codes == {d["code"] for d in edge}


async def test_search_by_code_shows_that_dossier_and_its_history(make_app, province):
    c = province.communes["00001"]
    target = max(c.edge_rows("dossiers"), key=lambda d: d["version"])
    history = [h for h in c.edge_rows("dossier_history") if h["dossier_id"] == target["id"]]
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, "00001")
        screen.query_one("#dossier-search").value = target["code"]
        await settle(pilot)
        table = screen.query_one("#dossier-table")
        assert [str(table.get_row(k)[0]) for k in table.rows] == [target["code"]]
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("down", "up")
        await settle(pilot)
        hist = screen.query_one("#history-table")
        assert hist.row_count == len(history) > 1


async def test_status_filter_shows_only_that_status(make_app, province):
    edge = [d for d in province.communes["00001"].edge_rows("dossiers") if d["status"] == "processing"]
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, "00001")
        screen.query_one("#dossier-status").value = "processing"
        await settle(pilot)
        table = screen.query_one("#dossier-table")
        rows = [[str(x) for x in table.get_row(k)] for k in table.rows]
    assert len(rows) == len(edge) > 0
    assert {r[2] for r in rows} == {"Đang xử lý"}


async def test_quarantined_message_shows_with_its_reason(make_app, province):
    code = "00002"
    password = (province.dir / code / "mqtt.secret").read_text().strip()
    client = Client(province.broker.port, code, password, client_id="dashboard-test-garbage")
    assert client.ok
    client.publish(f"{province.broker.prefix}/c/{code}/up", b"not an envelope at all")
    client.close()
    with province.open_central() as central:
        assert wait_for(lambda: central.count("quarantine") > 0 and central.query(
            "SELECT qid FROM quarantine WHERE commune = ?", (code,)))
        reason = central.query("SELECT reason FROM quarantine WHERE commune = ? ORDER BY qid DESC",
                               (code,))[0]["reason"]
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, code)
        table = screen.query_one("#quarantine-table")
        reasons = [str(table.get_row(k)[3]) for k in table.rows]
    assert reason in reasons


async def test_re_request_sends_resume_down_and_the_commune_answers(central, province):
    from tui.dashboard.app import DashboardApp
    app = DashboardApp(central, refresh_seconds=0, publisher=make_publisher(load(province.config)))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_commune(pilot, "00001")
        await pilot.press("r")
        await settle(pilot)
    rows = central.query("SELECT id, type, body FROM outbound WHERE commune = ? AND type = 'resume'", ("00001",))
    assert len(rows) == 1 and json.loads(rows[0]["body"]) == {"from_seq": 0}
    for _ in range(400):
        done = central.query("SELECT outcome FROM outbound WHERE id = ? AND done_at IS NOT NULL", (rows[0]["id"],))
        if done:
            break
        await asyncio.sleep(0.05)
    assert done and done[0]["outcome"] == "applied"
    assert wait_for(lambda: province.synced("00001"))


async def test_typing_in_the_search_box_does_not_trigger_single_key_actions(make_app, central):
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, "00002")
        screen.query_one("#dossier-search").focus()
        await pilot.press("l", "q", "r", "t")
        await settle(pilot)
        assert screen.query_one("#dossier-search").value == "lqrt"
        assert app.lang == "vi" and app.is_running
    assert not central.query("SELECT id FROM outbound WHERE commune = '00002' AND type = 'resume'")


async def test_filtering_reloads_only_the_dossier_list(make_app, central, monkeypatch):
    from sync import kpi
    calls = {"dossiers": 0, "conflicts": 0, "quarantine": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(kpi, "commune_dossiers", counted("dossiers", kpi.commune_dossiers))
    monkeypatch.setattr(kpi, "commune_conflicts", counted("conflicts", kpi.commune_conflicts))
    monkeypatch.setattr(kpi, "commune_quarantine", counted("quarantine", kpi.commune_quarantine))
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_commune(pilot, "00001")
        assert (calls["conflicts"], calls["quarantine"]) == (1, 1)
        before = calls["dossiers"]
        screen.query_one("#dossier-search").focus()
        await pilot.press("n", "g")
        screen.query_one("#dossier-status").value = "processing"
        await settle(pilot)
        assert calls["dossiers"] > before
        assert (calls["conflicts"], calls["quarantine"]) == (1, 1)
        await pilot.press("f5")
        await settle(pilot)
        assert (calls["conflicts"], calls["quarantine"]) == (2, 2)
