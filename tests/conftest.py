"""Fixtures shared by every part's tests: a fresh store in a temporary file, an appliance config."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MINIMAL_CONFIG = """[commune]
code = "00001"
name = "Xã Demo"
province = "02"
agency_code = "000.00.19.H17"
{commune_extra}
[store]
path = "{store}"
min_free_mb = {min_free_mb}
{extra}
"""


def write_config(folder: Path, *, extra: str = "", commune_extra: str = "", min_free_mb: int = 1,
                 store_name: str = "commune.db") -> Path:
    """Write a commune.toml with the smallest valid content plus `extra` TOML; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "commune.toml"
    path.write_text(MINIMAL_CONFIG.format(store=folder / store_name, extra=extra,
                                          commune_extra=commune_extra, min_free_mb=min_free_mb),
                    encoding="utf-8")
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "appliance")


@pytest.fixture
def config(config_path: Path):
    from edge import config as config_mod
    return config_mod.load(config_path)


@pytest.fixture
def store(config):
    """A fresh, migrated store on a real SQLite file, without reference data (see `ref_store`)."""
    from edge.store import Store
    s = Store.open(config)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def ref_store(store):
    """A store with the bundled catalogue, calendar and demo report form."""
    from edge import demo
    demo.ensure_reference_data(store)
    return store


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch):
    """Tests never read the machine's /etc config by accident."""
    monkeypatch.delenv("COMMUNE_EDGE_CONFIG", raising=False)
    monkeypatch.delenv("PROVINCE_HUB_CONFIG", raising=False)
    yield


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests (kiosk, dashboard) in a fresh event loop (Textual's run_test needs one)."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None
