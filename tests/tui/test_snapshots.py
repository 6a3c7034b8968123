"""Snapshots of the main screens at 80×24 with Vietnamese text (fixed clock, no cursor blink).

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from tests.tui.conftest import login, settle, type_keys

SIZE = (80, 24)


def test_citizen_home(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_citizen_lookup_not_found(snap_compare, make_app):
    async def run_before(pilot):
        await pilot.press("1")
        await pilot.pause()
        pilot.app.screen.query_one("#code").value = "000.00.19.H17-261120-0001"
        pilot.app.screen.query_one("#id-number").value = "001095012345"
        await pilot.press("tab", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_login_wrong_pin(snap_compare, make_app):
    async def run_before(pilot):
        await login(pilot, "canbo", "1357")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_catalogue(snap_compare, make_app):
    async def run_before(pilot):
        await pilot.press("2")
        await settle(pilot)
        await type_keys(pilot, "khai sinh")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_home(snap_compare, make_app):
    async def run_before(pilot):
        await login(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_intake_with_telex_name(snap_compare, make_app):
    async def run_before(pilot):
        await login(pilot)
        await pilot.press("1")
        await settle(pilot)
        pilot.app.screen.query_one("#full_name").focus()
        await type_keys(pilot, "Giafng Thij Myr")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
