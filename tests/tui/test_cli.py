"""`commune-edge kiosk`: the plugin command, its options and its documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kiosk.md"


def test_kiosk_command_is_registered_with_config_and_demo():
    from tui.cli import run
    args = cli.build_parser().parse_args(["kiosk", "--demo", "--config", "/tmp/x.toml"])
    assert args.func is run and args.demo is True and args.config == "/tmp/x.toml"


def test_kiosk_help_names_the_keys(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(["kiosk", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out and "F10" in out


def test_kiosk_with_a_bad_config_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "commune.toml"
    bad.write_text("[commune]\ncode = 'x'\n", encoding="utf-8")
    assert cli.main(["kiosk", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "commune.toml" in err and "Traceback" not in err


def test_every_kiosk_option_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for option in ("--config", "--demo", "staff_lock_seconds", "idle_seconds", "input_method"):
        assert option in text
