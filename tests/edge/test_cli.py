"""The `commune-edge` command line: help, documentation, errors, and each core command."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge import cli
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append(prefix + (name,))
                paths.extend(command_paths(sub, prefix + (name,)))
    return paths


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_command_has_help(capsys):
    for path in command_paths(cli.build_parser()):
        with pytest.raises(SystemExit) as e:
            cli.main(list(path) + ["--help"])
        assert e.value.code == 0, path
        assert "usage: commune-edge" in capsys.readouterr().out


def test_every_command_is_documented():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [" ".join(p) for p in command_paths(cli.build_parser())
               if f"commune-edge {' '.join(p)}" not in doc]
    assert not missing, f"docs/cli.md does not document: {missing}"


def test_a_missing_config_is_one_line_naming_it(tmp_path):
    missing = tmp_path / "nope.toml"
    out = subprocess.run([sys.executable, "-m", "edge.cli", "--config", str(missing), "status"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert str(missing) in out.stderr and "not found" in out.stderr


def test_a_bad_config_value_names_file_table_and_key(tmp_path, capsys):
    path = write_config(tmp_path, commune_extra="desk = 12")
    code, _, err = run(["--config", path, "status"], capsys)
    assert code == 2
    assert f"{path}: [commune] desk: expected a whole number from 1 to 9, got 12" in err


def test_an_unknown_config_key_is_refused(tmp_path, capsys):
    path = write_config(tmp_path, commune_extra='agency = "x"')
    code, _, err = run(["--config", path, "init"], capsys)
    assert code == 2 and "[commune] agency: unknown key" in err


def test_config_comes_from_the_environment(tmp_path, capsys, monkeypatch):
    path = write_config(tmp_path)
    monkeypatch.setenv("COMMUNE_EDGE_CONFIG", str(path))
    code, out, _ = run(["init"], capsys)
    assert code == 0 and "store ready" in out


def test_init_demo_status_search_and_audit(tmp_path, capsys):
    path = write_config(tmp_path)
    assert run(["init", "--config", path], capsys)[0] == 0
    code, out, _ = run(["demo-load", "--config", path, "--dossiers", "60", "--seed", "3"], capsys)
    assert code == 0 and "dossiers: 60" in out
    code, out, _ = run(["status", "--config", path, "--json"], capsys)
    status = json.loads(out)
    assert status["tables"]["dossiers"] == 60 and status["schema_version"] >= 1
    assert status["outbox"]["pending"] > 60 and status["store"]["free_disk_bytes"] > 0
    code, out, _ = run(["status", "--config", path], capsys)
    assert "outbox:" in out and "Xã Demo" in out
    from edge.store import Store
    from edge import config as config_mod
    with Store.open(config_mod.load(path)) as s:
        name = s.scalar("SELECT applicant_name FROM dossiers LIMIT 1")
    from edge.search import fold
    code, out, _ = run(["search", fold(name), "--config", path, "--json"], capsys)
    assert code == 0 and name in [r["applicant_name"] for r in json.loads(out)]
    code, out, _ = run(["audit", "verify", "--config", path], capsys)
    assert code == 0 and "intact" in out
    with Store.open(config_mod.load(path)) as s:
        s.conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 7")
    code, out, _ = run(["audit", "verify", "--config", path], capsys)
    assert code == 1 and "row 7" in out


def test_status_reports_backup_and_hardware_sections(tmp_path, capsys):
    path = write_config(tmp_path)
    (tmp_path / "hardware-status.json").write_text(json.dumps({
        "updated_at": "2026-11-26T08:00:00+00:00",
        "devices": [{"name": "printer", "configured": True, "present": False, "ok": False,
                     "detail": "out of paper"}],
        "modem": {"signal_dbm": -85, "operator": "Viettel"}, "print_spool": {"pending": 2}}),
        encoding="utf-8")
    code, out, _ = run(["status", "--config", path], capsys)
    assert code == 0
    assert "backup: not configured" in out
    assert "printer PROBLEM (out of paper)" in out and "-85 dBm" in out and "2 slip(s)" in out
    code, out, _ = run(["status", "--config", path, "--json"], capsys)
    assert json.loads(out)["hardware"]["reported"] is True


def test_every_province_hub_command_is_documented():
    from sync import hub_cli
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    paths = command_paths(hub_cli.build_parser())
    assert ("dashboard",) in paths and ("export",) in paths  # the plugins are registered
    missing = [" ".join(p) for p in paths if f"province-hub {' '.join(p)}" not in doc]
    assert not missing, f"docs/cli.md does not document: {missing}"
