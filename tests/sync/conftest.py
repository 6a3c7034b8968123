"""Fixtures of the sync tests: a real broker, central stores on both backends."""

from __future__ import annotations

import pytest

from tests.support import postgres, sync_env
from tests.support.broker import have_mosquitto, start_broker


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty central store URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/central.db"
        return
    postgres.require_server()
    url = postgres.create_database()
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def broker(tmp_path):
    if not have_mosquitto():
        pytest.skip("mosquitto is not installed")
    b = start_broker(tmp_path)
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(autouse=True)
def short_timing(monkeypatch):
    sync_env.short_agent_timing(monkeypatch)
