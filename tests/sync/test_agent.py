"""The edge agent end to end: real broker, real receiver, real edge store, real central store."""

from __future__ import annotations

import json
import time

import pytest

from edge import outbox
from sync import agent as agent_mod, hub_cli
from sync.agent import Agent
from sync.central import CentralStore
from sync.errors import SyncTimeout
from tests.support import sync_env, waiting
from tests.support.broker import free_port


def wait_for(cond, timeout=15.0, step=0.05):
    return waiting.wait_for(cond, timeout, step)


@pytest.fixture
def province(broker, tmp_path):
    url = f"sqlite:///{tmp_path}/central.db"
    store = CentralStore(url)
    r = sync_env.start_receiver(broker, store)
    r.config_path = sync_env.province_toml(tmp_path, broker, url)
    yield r
    r.stop()
    store.close()


@pytest.fixture
def commune(broker, tmp_path):
    cfg = sync_env.commune_toml(tmp_path / "c1", broker, "00001")
    store = sync_env.open_store(cfg)
    yield cfg, store
    store.close()


def _central_rows(central: CentralStore, tbl: str) -> dict[str, dict]:
    return {r["id"]: json.loads(r["data"]) for r in central.query(f"SELECT id, data FROM {tbl}")}


def test_once_ships_demo_data_field_for_field(province, commune):
    from edge import demo
    cfg, store = commune
    demo.load(store, 30, 1, tickets=10)
    Agent(store, sync_env.settings(cfg)).run(once=True, timeout=30)
    assert outbox.stats(store).pending == 0
    sync_env.wait_projected(province.store)
    for tbl in ("dossiers", "dossier_history", "tickets", "form_submissions"):
        edge_rows = {r["id"]: r for r in store.query(f"SELECT * FROM {tbl}")}
        assert _central_rows(province.store, tbl) == edge_rows


def test_rows_are_marked_synced_only_by_the_receivers_ack(province, commune, broker):
    cfg, store = commune
    sync_env.make_tickets(store, 5)
    province.stop()          # the broker takes the batches, but nobody commits them
    with pytest.raises(SyncTimeout):
        Agent(store, sync_env.settings(cfg)).run(once=True, timeout=3)
    assert outbox.stats(store).pending == 5


def test_once_without_a_broker_fails_with_a_clear_reason(tmp_path, broker):
    cfg = sync_env.commune_toml(tmp_path / "c9", broker, "00009", port=free_port())
    store = sync_env.open_store(cfg)
    sync_env.make_tickets(store, 2)
    with pytest.raises(SyncTimeout, match="2 record change.*never connected"):
        Agent(store, sync_env.settings(cfg)).run(once=True, timeout=1.5)
    store.close()


def test_agent_started_offline_syncs_when_the_broker_appears(province, commune, broker):
    cfg, store = commune
    sync_env.make_tickets(store, 5)
    broker.stop()
    with sync_env.AgentThread(store, cfg) as a:
        time.sleep(0.5)
        assert not a.connected
        broker.start()
        assert wait_for(lambda: outbox.stats(store).pending == 0, timeout=20)
    sync_env.wait_projected(province.store)
    assert province.store.count("tickets") == 5


def test_decision_flows_down_and_its_new_version_flows_back_up(province, commune):
    cfg, store = commune
    d = sync_env.make_dossiers(store, 1)[0]
    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: province.store.count("dossiers") == 1)
        assert hub_cli.main(["--config", str(province.config_path), "decide", d.code, "processing",
                             "--note", "Tỉnh duyệt"]) == 0
        assert wait_for(lambda: province.store.scalar("SELECT status FROM dossiers") == "processing")
        assert wait_for(lambda: province.store.pending_outbound("00001") == [])
    assert store.scalar("SELECT status FROM dossiers WHERE id = ?", (d.id,)) == "processing"
    assert province.store.scalar("SELECT COUNT(*) FROM dossier_history WHERE to_status = 'processing'") == 1


def test_refused_decision_is_reported_and_changes_nothing(province, commune):
    cfg, store = commune
    d = sync_env.make_dossiers(store, 1)[0]
    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: province.store.count("dossiers") == 1)
        hub_cli.main(["--config", str(province.config_path), "decide", d.id, "returned"])
        assert wait_for(lambda: province.store.pending_outbound("00001") == [])
    assert province.store.scalar("SELECT outcome FROM outbound") == "refused"
    assert store.scalar("SELECT status FROM dossiers") == "received"


def test_decision_sent_while_the_commune_is_offline_waits_for_it(province, commune):
    cfg, store = commune
    d = sync_env.make_dossiers(store, 1)[0]
    Agent(store, sync_env.settings(cfg)).run(once=True, timeout=30)
    hub_cli.main(["--config", str(province.config_path), "decide", d.code, "processing"])
    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: province.store.scalar("SELECT status FROM dossiers") == "processing")


def test_online_dossier_handed_over_twice_makes_one_record(province, commune, tmp_path):
    cfg, store = commune
    sync_env.make_tickets(store, 1)
    Agent(store, sync_env.settings(cfg)).run(once=True, timeout=30)
    from edge import catalogue
    f = tmp_path / "portal.json"
    f.write_text(json.dumps({"portal_id": "G22.99-0000001", "dossier": {
        "procedure_code": catalogue.procedures(store)[0].code, "applicant": {"full_name": "Trần Thị B"},
        "documents": ["Tờ khai"]}}, ensure_ascii=False))
    for _ in range(2):
        assert hub_cli.main(["--config", str(province.config_path), "hand-over", "00001", str(f)]) == 0
    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: province.store.scalar("SELECT COUNT(*) FROM dossiers WHERE channel = 'online'") == 1
                        and province.store.pending_outbound("00001") == [])
        time.sleep(0.5)
    assert store.query("SELECT portal_id, status, channel FROM dossiers") == [
        {"portal_id": "G22.99-0000001", "status": "new", "channel": "online"}]


def _catalogue(store, version: int) -> dict:
    doc = json.loads(store.scalar("SELECT body FROM documents WHERE kind = 'catalogue' ORDER BY version DESC"))
    doc["version"] = version
    return doc


def test_published_catalogue_is_installed_and_a_repeat_changes_nothing(province, commune, tmp_path):
    cfg, store = commune
    before = store.scalar("SELECT MAX(version) FROM documents WHERE kind = 'catalogue'")
    f = tmp_path / "cat.json"
    f.write_text(json.dumps(_catalogue(store, before + 1), ensure_ascii=False))
    assert hub_cli.main(["--config", str(province.config_path), "publish", "catalogue", str(f)]) == 0
    with sync_env.AgentThread(store, cfg) as a:
        assert wait_for(lambda: a.stats.documents_installed == 1)
    with sync_env.AgentThread(store, cfg) as a:           # the retained document comes again: nothing changes
        assert wait_for(lambda: a.connected and a._ready)
        time.sleep(0.3)
        assert a.stats.documents_installed == 0 and a.stats.documents_refused == 0
    assert store.scalar("SELECT COUNT(*) FROM documents WHERE kind = 'catalogue'") == 2


def test_invalid_document_is_refused_and_nothing_is_installed(province, commune, tmp_path):
    cfg, store = commune
    before = store.scalar("SELECT COUNT(*) FROM procedures")
    doc = _catalogue(store, 99)
    doc["procedures"] = [{"code": ""}]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    hub_cli.main(["--config", str(province.config_path), "publish", "catalogue", str(f)])
    with sync_env.AgentThread(store, cfg) as a:
        assert wait_for(lambda: a.stats.documents_refused == 1)
    assert store.scalar("SELECT COUNT(*) FROM procedures") == before


def test_heartbeat_reports_backlog_and_clean_stop_marks_offline(province, commune):
    cfg, store = commune
    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: [s.online for s in province.store.status()] == [True])
    assert wait_for(lambda: [s.online for s in province.store.status()] == [False])


def test_province_restored_from_backup_gets_everything_again(province, commune, tmp_path, broker):
    cfg, store = commune
    sync_env.make_tickets(store, 40)
    Agent(store, sync_env.settings(cfg)).run(once=True, timeout=30)
    province.stop()
    province.store.close()
    fresh = CentralStore(f"sqlite:///{tmp_path}/restored.db")
    r = sync_env.start_receiver(broker, fresh)
    try:
        a = Agent(store, sync_env.settings(cfg))
        a.run(once=True, timeout=30)
        assert a.stats.rewinds == 1
        sync_env.wait_projected(fresh)
        assert fresh.count("tickets") == 40
    finally:
        r.stop()
        fresh.close()
        province.store = CentralStore(f"sqlite:///{tmp_path}/central.db")


def test_sync_command_without_sync_table_says_offline_only(tmp_path, capsys):
    from sync.edge_cli import main
    cfg = tmp_path / "commune.toml"
    cfg.write_text('[commune]\ncode = "00001"\nname = "X"\nprovince = "02"\nagency_code = "000.00.19.H17"\n'
                   f'[store]\npath = "{tmp_path}/c.db"\n')
    assert main(["--config", str(cfg), "sync", "--once"]) == 2
    assert "set up to work offline only" in capsys.readouterr().err


def test_sync_command_once_drains_and_exits_zero(province, commune, capsys):
    from sync.edge_cli import main
    cfg, store = commune
    sync_env.make_tickets(store, 3)
    assert main(["--config", str(cfg), "sync", "--once", "--timeout", "30"]) == 0
    assert "outbox empty" in capsys.readouterr().out
    sync_env.wait_projected(province.store)
    assert province.store.count("tickets") == 3


def test_link_changes_are_recorded_for_the_kiosk_and_the_link_led(province, commune, broker, monkeypatch):
    cfg, store = commune
    monkeypatch.setattr(agent_mod, "STATUS_WRITE_INTERVAL", 0.0)
    with sync_env.AgentThread(store, cfg) as a:
        assert wait_for(lambda: a.connected and store.meta_get("sync_connected") == "1")
        broker.stop()
        assert wait_for(lambda: store.meta_get("sync_connected") == "0")
        broker.start()
        assert wait_for(lambda: store.meta_get("sync_connected") == "1", timeout=20)
    history = json.loads(store.meta_get(agent_mod.STATUS_KEY))["history"]
    assert [h["state"] for h in history][:3] == ["up", "down", "up"]
    again = Agent(store, sync_env.settings(cfg))
    assert [h["state"] for h in again._history][:3] == ["up", "down", "up"]  # kept across restarts


def test_heartbeat_carries_printer_modem_and_backup_state(province, commune):
    cfg, store = commune
    (store.config.data_dir / "hardware-status.json").write_text(json.dumps({
        "devices": [{"name": "printer", "configured": True, "present": True, "ok": False,
                     "detail": "out of paper"},
                    {"name": "modem", "configured": True, "present": True, "ok": True, "detail": ""}],
        "modem": {"signal_dbm": -91, "bars": 2, "operator": "Viettel", "registered": True}}), encoding="utf-8")
    def heartbeat():
        rows = province.store.query("SELECT heartbeat FROM devices WHERE heartbeat IS NOT NULL")
        return json.loads(rows[0]["heartbeat"]) if rows else {}

    with sync_env.AgentThread(store, cfg):
        assert wait_for(lambda: heartbeat().get("extra", {}).get("printer"))
    hb = heartbeat()
    assert hb["extra"]["printer"] == {"state": "out of paper"}
    assert hb["extra"]["modem"]["state"] == "ok" and hb["extra"]["modem"]["operator"] == "Viettel"
    assert hb["extra"]["backup"]["configured"] is False


@pytest.mark.parametrize("fast_link", [True, False])
def test_compression_eases_off_only_once_acks_show_a_fast_link(province, broker, tmp_path, monkeypatch, fast_link):
    # the threshold moved so that loopback counts as fast (or as slow); the measurement is real
    monkeypatch.setattr(agent_mod, "FAST_LINK_BYTES_S", 1 if fast_link else 10**15)
    cfg = sync_env.commune_toml(tmp_path / "c2", broker, "00002", batch_rows=50, window=2)
    store = sync_env.open_store(cfg)
    try:
        sync_env.make_tickets(store, 600)
        a = Agent(store, sync_env.settings(cfg))
        a.run(once=True, timeout=30)
        assert outbox.stats(store).pending == 0 and a.stats.batches_sent >= 12
        if fast_link:
            # the first batches go at compression_level: nothing is known of the link yet
            assert 0 < a.stats.fast_batches <= a.stats.batches_sent - 2
        else:
            assert a.stats.fast_batches == 0
        sync_env.wait_projected(province.store)
        assert province.store.scalar("SELECT COUNT(*) FROM tickets WHERE commune = '00002'") == 600
    finally:
        store.close()
