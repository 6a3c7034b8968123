"""Intake errors are shown in the screen, in Vietnamese, and never cost what was typed."""

from __future__ import annotations

from datetime import date

from edge import catalogue, citizens

from tests.tui.conftest import login, settle, type_keys


async def _open_intake(pilot, store):
    await login(pilot)
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    screen.select_procedure(catalogue.procedures(store)[0].code)
    await settle(pilot)
    return screen


async def test_disk_full_refuses_intake_and_keeps_typed_data(make_app, kiosk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(pilot, kiosk_store)
        screen.query_one("#full_name").value = "Trần Thị Hoa"
        screen.query_one("#address").value = "Thôn Lũng Cẩm"
        before = kiosk_store.scalar("SELECT COUNT(*) FROM dossiers")
        kiosk_store.min_free_bytes = 10**9 * 1024 * 1024  # a floor no disk can meet
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "IntakeScreen"
        assert "Ổ đĩa sắp đầy" in str(screen.notice.render())
        assert screen.query_one("#full_name").value == "Trần Thị Hoa"
        assert screen.query_one("#address").value == "Thôn Lũng Cẩm"
        assert kiosk_store.scalar("SELECT COUNT(*) FROM dossiers") == before


async def test_bad_id_number_is_shown_under_its_field(make_app, kiosk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(pilot, kiosk_store)
        screen.query_one("#full_name").value = "Hòa"
        screen.query_one("#id_number").value = "12345"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = screen.query_one("#id_number-error")
        assert error.display and str(error.render())
        assert screen.query_one("#id_number").value == "12345"
        assert screen.query_one("#full_name").value == "Hòa"


async def test_cccd_scan_line_fills_the_applicant(make_app, kiosk_store):
    app = make_app()
    person = citizens.Applicant(full_name="Giàng A Páo", id_number="002090001234", dob=date(1990, 5, 2),
                                sex="Nam", address="Thôn Sà Phìn, Xã Demo", issue_date=date(2021, 3, 4))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(pilot, kiosk_store)
        screen.query_one("#scan").value = citizens.format_cccd(person)
        screen.query_one("#scan").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#full_name").value == "Giàng A Páo"
        assert screen.query_one("#id_number").value == "002090001234"
        assert screen.query_one("#dob").value == "02/05/1990"
        assert screen.query_one("#scan").value == ""


async def test_unreadable_cccd_scan_says_so(make_app, kiosk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(pilot, kiosk_store)
        screen.query_one("#scan").value = "not|a|card"
        screen.query_one("#scan").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.notice.kind == "error"
        assert "CCCD" in str(screen.notice.render())
