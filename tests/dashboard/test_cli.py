"""`province-hub dashboard` and `export` as sub-commands, and the dashboard's translation table."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from sync import export, kpi
from tui.dashboard import cli, i18n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="province-hub")
    p.add_argument("--config")
    sub = p.add_subparsers(dest="command", required=True)
    cli.register(sub)
    export.register(sub)
    return p


def test_dashboard_subcommand_takes_language_refresh_and_month():
    args = parser().parse_args(["dashboard", "--lang", "en", "--refresh", "2", "--month", "2026-10"])
    assert (args.lang, args.refresh, args.month, args.func) == ("en", 2.0, "2026-10", cli.handle)


def test_dashboard_refuses_a_bad_month_before_opening_anything(province):
    args = parser().parse_args(["--config", str(province.config), "dashboard", "--month", "2026-13"])
    with pytest.raises(kpi.KpiError, match="month '2026-13': expected YYYY-MM"):
        cli.handle(args)


def test_dashboard_refuses_a_missing_config(tmp_path):
    from edge.errors import EdgeError
    args = parser().parse_args(["--config", str(tmp_path / "none.toml"), "dashboard"])
    with pytest.raises(EdgeError, match="none.toml"):
        cli.handle(args)


def test_export_subcommand_requires_out():
    with pytest.raises(SystemExit):
        parser().parse_args(["export", "dossiers"])


def test_every_label_has_both_languages():
    assert all(vi.strip() and en.strip() for vi, en in i18n.STRINGS.values())


def test_every_key_the_dashboard_uses_is_in_the_table():
    src = "\n".join(p.read_text(encoding="utf-8") for p in Path(cli.__file__).parent.rglob("*.py"))
    keys = set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", src))
    keys |= set(re.findall(r"""id=["']([a-z_]+\.[a-z_]+)["']""", src))
    assert keys and not keys - set(i18n.STRINGS)


def test_every_problem_column_and_state_has_a_label():
    from tui.dashboard.widgets import fleet, kpis
    keys = {f"problem.{p}" for p in kpi.PROBLEMS} | set(fleet.COLUMNS) | set(kpis.COLUMNS) | set(kpis.PROC_COLUMNS)
    keys |= {"state.online", "state.offline", "state.silent", "state.never"}
    keys |= {f"channel.{c}" for c in ("online", "counter", "post")}
    assert not keys - set(i18n.STRINGS)
