"""Kiosk test fixtures: a real store with reference data and staff, the app with a fixed clock and
no cursor blink, and Pilot helpers that type like a person (one key at a time)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.pilot import settle  # noqa: F401 (used by the tests)

from edge import staff
from edge.clock import LOCAL_TZ

OFFICER = ("canbo", "Nguyễn Thị Lan", "officer", "2580")
ADMIN = ("quantri", "Vũ Minh Quân", "admin", "3690")
#: the time the kiosk shows (title bar); store records use the real clock
FIXED_NOW = datetime(2026, 11, 26, 9, 30, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """Real scrypt, at a cost that keeps the suite fast."""
    monkeypatch.setattr(staff, "SCRYPT_N", 16)
    monkeypatch.setattr(staff, "SCRYPT_R", 1)


@pytest.fixture
def kiosk_store(ref_store):
    """The store of a commune with its catalogue, calendar, report form and two staff accounts."""
    for username, name, role, pin in (OFFICER, ADMIN):
        staff.add(ref_store, username, name, role, pin, actor="setup")
    return ref_store


@pytest.fixture
def make_app(config, kiosk_store):
    """Build a KioskApp on the test store (no cursor blink, fixed title-bar clock)."""
    from tui.app import KioskApp

    def make(**kwargs):
        kwargs.setdefault("clock", lambda: FIXED_NOW)
        kwargs.setdefault("cursor_blink", False)
        return KioskApp(config, kiosk_store, **kwargs)

    return make


def key_for(ch: str) -> str:
    """The Pilot key name that types `ch`."""
    return {" ": "space"}.get(ch, ch)


async def type_keys(pilot, text: str) -> None:
    """Type `text` one key at a time, as a person at the counter would."""
    await pilot.press(*[key_for(c) for c in text])


async def login(pilot, username: str = OFFICER[0], pin: str = OFFICER[3], *, typed: bool = False) -> None:
    """Log in through the login screen: F10, user name, PIN, Enter (typed key by key if `typed`)."""
    await pilot.press("f10")
    await pilot.pause()
    screen = pilot.app.screen
    if typed:
        await type_keys(pilot, username)
        await pilot.press("enter")
        await type_keys(pilot, pin)
    else:
        screen.query_one("#username").value = username
        screen.query_one("#pin").value = pin
        screen.query_one("#pin").focus()
    await pilot.press("enter")
    await settle(pilot)
