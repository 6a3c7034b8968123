"""The counter's main path, driven key by key through the real app on a real store."""

from __future__ import annotations

from edge import catalogue, dossiers

from tests.tui.conftest import login, settle, type_keys


async def test_login_intake_receipt_status_change_and_citizen_lookup(make_app, kiosk_store, config):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert app.current_mode == "staff"
        await pilot.press("1")
        await settle(pilot)
        from tui.screens.intake import IntakeScreen
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        proc = catalogue.procedures(kiosk_store)[0]
        screen.select_procedure(proc.code)
        await settle(pilot)
        assert "Ngày hẹn trả" in str(screen.query_one("#due").render())
        screen.query_one("#full_name").focus()
        await type_keys(pilot, "Nguyeenx Vaawn Dduwcs")
        assert screen.query_one("#full_name").value == "Nguyễn Văn Đức"
        await pilot.press("enter")
        await type_keys(pilot, "002095012345")
        await pilot.press("ctrl+s")
        await settle(pilot)
        from tui.screens.receipt import ReceiptScreen
        assert isinstance(app.screen, ReceiptScreen), app.screen.notice.render()
        code = app.screen.dossier.code
        print(app.screen.notice.render())
