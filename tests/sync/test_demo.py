"""The demo's local province: started in the background, used by a commune, stopped."""

from __future__ import annotations

import json

import pytest

from sync import demo, hub_cli
from sync.agent import Agent
from sync.config import render_toml
from tests.support import sync_env


@pytest.fixture
def province(tmp_path):
    if demo.mosquitto_path() is None:
        pytest.skip("mosquitto is not installed")
    try:
        yield tmp_path, demo.start(tmp_path)
    finally:
        demo.stop(tmp_path)


def test_demo_province_receives_what_a_commune_makes(province, capsys):
    data, section = province
    cfg_path = data / "commune.toml"
    cfg_path.write_text(render_toml({
        "commune": {"code": "00001", "name": "Xã Demo", "province": "02", "agency_code": "000.00.19.H17"},
        "store": {"path": str(data / "commune.db"), "min_free_mb": 0}, "sync": section}))
    store = sync_env.open_store(cfg_path)
    sync_env.make_tickets(store, 7)
    Agent(store, sync_env.settings(cfg_path)).run(once=True, timeout=30)
    store.close()
    assert hub_cli.main(["--config", str(data / "province" / "province.toml"), "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["commune"], r["records"]) for r in rows] == [("00001", 7)]


def test_demo_start_twice_reuses_the_running_province(province):
    data, section = province
    assert demo.start(data) == section


def test_demo_stop_ends_broker_and_receiver(province):
    data, _ = province
    state = json.loads((data / "province" / "state.json").read_text())
    demo.stop(data)
    assert not demo._alive(state["broker_pid"]) and not demo._alive(state["receiver_pid"])
