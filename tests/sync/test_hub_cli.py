"""`province-hub` commands and the province configuration."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from edge import config as edge_config
from edge.errors import ConfigError
from sync import broker as broker_mod, config as prov_config, hub_cli
from sync.agent import SyncSettings
from sync.central import CentralStore
from tests.support import sync_env

ROOT = Path(__file__).resolve().parents[2]


def _province(tmp_path, **broker_extra) -> Path:
    secret = tmp_path / "mqtt.secret"
    path = tmp_path / "province.toml"
    path.write_text(prov_config.render_toml({
        "province": {"code": "02", "name": "Hà Giang"},
        "store": {"url": f"sqlite:///{tmp_path}/central.db"},
        "broker": {"url": "mqtt://127.0.0.1:1883", "username": "province-receiver",
                   "password_file": str(secret), "config_dir": str(tmp_path / "broker"), **broker_extra},
    }))
    return path


def test_broker_config_writes_a_complete_configuration(tmp_path, capsys):
    cfg = _province(tmp_path)
    assert hub_cli.main(["--config", str(cfg), "broker-config", "--out", str(tmp_path / "b"), "--port", "11883",
                         "--tls-port", "18883"]) == 0
    d = tmp_path / "b"
    for name in ("mosquitto.conf", "acl", "passwd", "ca.pem", "server.pem", "server.key"):
        assert (d / name).exists(), name
    assert broker_mod.users(d / "passwd") == ["province-receiver"]
    assert stat.S_IMODE((tmp_path / "mqtt.secret").stat().st_mode) == 0o600
    conf = (d / "mosquitto.conf").read_text()
    assert "listener 11883 127.0.0.1" in conf and "listener 18883" in conf


def test_commune_add_writes_a_bundle_that_the_appliance_accepts(tmp_path):
    cfg = _province(tmp_path, public_url="mqtts://hub.example.vn:8883")
    hub_cli.main(["--config", str(cfg), "broker-config"])
    out = tmp_path / "bundle"
    assert hub_cli.main(["--config", str(cfg), "commune", "add", "00123", "--name", "Xã Thử",
                         "--agency-code", "000.00.19.H17", "--out", str(out)]) == 0
    assert stat.S_IMODE((out / "mqtt.secret").stat().st_mode) == 0o600
    assert (out / "ca.pem").read_bytes() == (tmp_path / "broker" / "ca.pem").read_bytes()
    c = edge_config.load(out / "commune.toml")
    assert (c.commune.code, c.commune.name, c.commune.province) == ("00123", "Xã Thử", "02")
    s = SyncSettings.from_section(c.section("sync"), province="02", commune="00123", check_files=False)
    assert (str(s.broker), s.username, s.topic_prefix) == ("mqtts://hub.example.vn:8883", "00123", "vn/02")
    assert "00123" in broker_mod.users(tmp_path / "broker" / "passwd")


def test_commune_add_refuses_a_bad_code(tmp_path, capsys):
    cfg = _province(tmp_path)
    hub_cli.main(["--config", str(cfg), "broker-config"])
    assert hub_cli.main(["--config", str(cfg), "commune", "add", "12", "--name", "X", "--out", str(tmp_path / "o")]) == 2
    assert "expected 5 digits" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_commune_add_reloads_a_running_broker(broker, tmp_path):
    from tests.support.mqtt_clients import Client
    prov = sync_env.province_toml(tmp_path, broker, f"sqlite:///{tmp_path}/c.db")
    assert hub_cli.main(["--config", str(prov), "commune", "add", "00077", "--name", "X",
                         "--out", str(tmp_path / "b77")]) == 0
    import time
    time.sleep(0.3)
    c = Client(broker.port, "00077", (tmp_path / "b77" / "mqtt.secret").read_text().strip())
    assert c.ok
    c.close()


def test_status_lists_communes_as_text_and_json(tmp_path, capsys):
    from tests.support.sync_records import batch, dossier
    cfg = _province(tmp_path)
    with CentralStore(f"sqlite:///{tmp_path}/central.db") as s:
        s.commit_batch(batch([dossier(1), dossier(2)], 1))
    assert hub_cli.main(["--config", str(cfg), "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["commune"], r["records"]) for r in rows] == [("00001", 2)]
    assert hub_cli.main(["--config", str(cfg), "status"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:2] == ["commune", "online"] and "00001" in out


def test_publish_refuses_a_document_without_a_version(tmp_path, capsys):
    cfg = _province(tmp_path)
    f = tmp_path / "doc.json"
    f.write_text('{"kind": "calendar"}')
    assert hub_cli.main(["--config", str(cfg), "publish", "calendar", str(f)]) == 2
    assert '"version" must be a whole number' in capsys.readouterr().err


def test_publish_refuses_a_file_that_is_not_json(tmp_path, capsys):
    cfg = _province(tmp_path)
    f = tmp_path / "doc.json"
    f.write_text("{oops")
    assert hub_cli.main(["--config", str(cfg), "publish", "forms", str(f)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_decide_on_an_unknown_dossier_is_an_error(tmp_path, capsys):
    cfg = _province(tmp_path)
    assert hub_cli.main(["--config", str(cfg), "decide", "nope", "done"]) == 2
    assert "not in the central store" in capsys.readouterr().err


def test_missing_config_names_the_file_and_the_variable(tmp_path, capsys):
    assert hub_cli.main(["--config", str(tmp_path / "none.toml"), "status"]) == 2
    err = capsys.readouterr().err
    assert "none.toml" in err and "PROVINCE_HUB_CONFIG" in err


def test_config_from_environment_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROVINCE_HUB_CONFIG", str(_province(tmp_path)))
    assert hub_cli.main(["status"]) == 0


@pytest.mark.parametrize("table,key,value,message", [
    ("province", "code", "2", "[province] code: expected 2 digits"),
    ("store", "url", "mysql://x", "[store] url: expected sqlite:///PATH"),
    ("broker", "url", "http://x", "[broker] url: expected a URL like mqtt://"),
    ("broker", "keepalive", 1, "[broker] keepalive: expected a whole number from 5"),
    ("broker", "colour", "red", "[broker] colour: unknown key"),
])
def test_bad_province_config_names_file_table_and_key(tmp_path, table, key, value, message):
    raw = {"province": {"code": "02", "name": "X"}, "store": {"url": "sqlite:///x.db"},
           "broker": {"url": "mqtt://h:1883", "username": "r", "password_file": "/x"}}
    raw[table][key] = value
    with pytest.raises(ConfigError) as e:
        prov_config.from_dict(raw, "/etc/province-hub/province.toml")
    assert str(e.value).startswith("/etc/province-hub/province.toml: ") and message in str(e.value)


def test_password_file_readable_by_others_is_refused(tmp_path):
    cfg = prov_config.load(_province(tmp_path))
    (tmp_path / "mqtt.secret").write_text("pw")
    os.chmod(tmp_path / "mqtt.secret", 0o644)
    with pytest.raises(ConfigError, match="mode 0600"):
        cfg.password()


@pytest.mark.parametrize("key,value,message", [
    ("broker", "ftp://x", "[sync] broker"),
    ("window", 0, "[sync] window"),
    ("ack_timeout_s", "soon", "[sync] ack_timeout_s"),
    ("colour", 1, "[sync] colour: unknown key"),
])
def test_bad_sync_table_names_the_key(key, value, message):
    sec = {"broker": "mqtt://h:1883", key: value}
    with pytest.raises(ConfigError, match=re.escape(message)):
        SyncSettings.from_section(edge_config.Section("commune.toml", "sync", sec), province="02", commune="00001")


@pytest.mark.parametrize("command", ["broker-config", "commune add", "receive", "publish", "decide", "hand-over",
                                     "status"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        hub_cli.main(command.split() + ["--help"])
    assert e.value.code == 0 and "usage: province-hub" in capsys.readouterr().out


def test_every_command_is_documented():
    doc = (ROOT / "docs" / "operations-province.md").read_text()
    for command in ("broker-config", "commune add", "receive", "publish", "decide", "hand-over", "status"):
        assert f"province-hub {command}" in doc, command
    assert "commune-edge sync --once" in (ROOT / "docs" / "protocol.md").read_text()
