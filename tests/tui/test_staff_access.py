"""Staff mode sits behind a PIN: wrong PINs lock out, idle sessions lock and resume, citizens never
see staff screens."""

from __future__ import annotations

from edge import staff

from tests.tui.conftest import OFFICER, login, settle, type_keys


async def test_wrong_pin_keeps_user_name_and_clears_pin(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, OFFICER[0], "1357", typed=True)
        assert app.current_mode == "citizen"
        screen = app.screen
        assert screen.query_one("#username").value == OFFICER[0]
        assert screen.query_one("#pin").value == ""
        assert "Sai" in str(screen.notice.render())


async def test_repeated_wrong_pins_lock_the_account_even_for_the_right_pin(make_app, kiosk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, OFFICER[0], "1357")
        pin = app.screen.query_one("#pin")
        for _ in range(staff.MAX_FAILED - 1):
            pin.value = "1357"
            await pilot.press("enter")
            await settle(pilot)
        assert "tạm khóa" in str(app.screen.notice.render())
        pin.value = OFFICER[3]
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "citizen"
        assert "tạm khóa" in str(app.screen.notice.render())


async def test_idle_staff_session_locks_and_resumes_with_typed_work(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("1")
        await settle(pilot)
        intake = app.screen
        intake.query_one("#full_name").focus()
        await type_keys(pilot, "Lee Thij Mai")
        app.check_inactivity(now=app._last_activity + app.config.kiosk.staff_lock_seconds + 1)
        await settle(pilot)
        assert app.current_mode == "citizen" and app.staff is None
        await login(pilot)
        assert app.current_mode == "staff" and app.screen is intake
        assert intake.query_one("#full_name").value == "Lê Thị Mai"


async def test_citizen_mode_offers_no_staff_commands(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Tiếp nhận hồ sơ" not in titles and "Tra cứu tình trạng hồ sơ" in titles
        app.goto("intake")
        await pilot.pause()
        assert app.current_mode == "citizen" and type(app.screen).__name__ == "CitizenHomeScreen"


async def test_officer_cannot_open_admin(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.goto("admin")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert "quản trị" in str(app.screen.notice.render()).lower()


async def test_idle_citizen_screen_returns_to_start(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert type(app.screen).__name__ == "LookupScreen"
        app.check_inactivity(now=app._last_activity + app.config.kiosk.idle_seconds + 1)
        await pilot.pause()
        assert type(app.screen).__name__ == "CitizenHomeScreen"


async def test_another_persons_login_after_a_lock_starts_a_fresh_session(make_app):
    from tests.tui.conftest import ADMIN
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("1")
        await settle(pilot)
        app.screen.query_one("#full_name").value = "Lê Thị Mai"
        await pilot.press("f12")
        await settle(pilot)
        await login(pilot, ADMIN[0], ADMIN[3])
        assert app.staff.username == ADMIN[0]
        assert type(app.screen).__name__ == "HomeScreen" and len(app.screen_stack) == 1


async def test_logout_returns_to_citizen_mode_and_needs_the_pin_again(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.current_mode == "citizen" and app.session is None
        await pilot.press("2")
        await settle(pilot)
        assert type(app.screen).__name__ == "CatalogueScreen"
