"""Fixtures of the sync tests: a real broker, central stores on both backends."""

from __future__ import annotations

import pytest

from sync import agent as agent_mod
from tests.support import postgres
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
    """The agent's timing shortened so that reconnects and hellos happen within a test."""
    monkeypatch.setattr(agent_mod, "HELLO_TIMEOUT", 1.0)
    monkeypatch.setattr(agent_mod, "RECONNECT_MIN_DELAY", 0.2)
    monkeypatch.setattr(agent_mod, "RECONNECT_MAX_DELAY", 1)
