"""Report forms: per-field validation messages in the screen, drafts kept, submission."""

from __future__ import annotations

from edge import forms

from tests.tui.conftest import login, settle


async def _open_form(pilot, store):
    from tui.screens.forms import FormFillScreen
    await login(pilot)
    defn = forms.definitions(store)[0]
    pilot.app.push_screen(FormFillScreen(defn, "2026-10"))
    await settle(pilot)
    return pilot.app.screen, defn


async def test_submitting_bad_values_shows_a_message_under_each_bad_field(make_app, kiosk_store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, defn = await _open_form(pilot, kiosk_store)
        screen.query_one("#f-so_ho_so_tiep_nhan").value = "nhiều"
        screen.query_one("#f-ty_le_dung_han").value = "250"
        await pilot.press("ctrl+s")
        await settle(pilot)
        for name in ("so_ho_so_tiep_nhan", "ty_le_dung_han", "nguoi_lap"):
            assert screen.query_one(f"#e-{name}").display, name
        assert not screen.query_one("#e-kien_nghi").display
        assert screen.query_one("#f-so_ho_so_tiep_nhan").value == "nhiều"
        assert forms.get_submission(kiosk_store, defn.code, "2026-10") is None


async def test_draft_keeps_partial_values_and_reopens_with_them(make_app, kiosk_store):
    from tui.screens.forms import FormFillScreen
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, defn = await _open_form(pilot, kiosk_store)
        screen.query_one("#f-nguoi_lap").value = "Nguyễn Thị Lan"
        screen.query_one("#f-so_ho_so_tiep_nhan").value = "1.234"
        await pilot.press("ctrl+d")
        await settle(pilot)
        saved = forms.get_submission(kiosk_store, defn.code, "2026-10")
        assert saved["status"] == "draft" and saved["values"]["so_ho_so_tiep_nhan"] == 1234
        app.pop_screen()
        app.push_screen(FormFillScreen(defn, "2026-10"))
        await settle(pilot)
        assert app.screen.query_one("#f-nguoi_lap").value == "Nguyễn Thị Lan"
        assert app.screen.query_one("#f-so_ho_so_tiep_nhan").value == "1.234"
