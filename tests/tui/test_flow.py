"""The counter's main path, driven key by key through the real app on a real store."""

from __future__ import annotations

from pathlib import Path

from edge import catalogue, dossiers

from tests.tui.conftest import login, settle, type_keys


async def test_login_intake_receipt_status_change_and_citizen_lookup(make_app, kiosk_store, config):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert app.current_mode == "staff"

        # Intake: procedure, name typed in Telex key by key, ID number, two documents.
        await pilot.press("1")
        await settle(pilot)
        screen = app.screen
        proc = catalogue.procedures(kiosk_store)[0]
        screen.select_procedure(proc.code)
        await settle(pilot)
        expected_due = dossiers.preview_due_date(kiosk_store, proc.code).strftime("%d/%m/%Y")
        assert expected_due in str(screen.query_one("#due").render())
        screen.query_one("#full_name").focus()
        await type_keys(pilot, "Nguyeenx Vaawn Dduwcs")
        assert screen.query_one("#full_name").value == "Nguyễn Văn Đức"
        screen.query_one("#id_number").value = "001095012345"
        screen.query_one("#documents").focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)

        # Receipt: on screen, saved as text for reprinting, "no printer" said plainly.
        receipt = app.screen
        assert type(receipt).__name__ == "ReceiptScreen", str(screen.notice.render())
        d = dossiers.by_code(kiosk_store, receipt.dossier.code)
        assert d.applicant_name == "Nguyễn Văn Đức"
        assert d.documents == (proc.documents[0],)
        assert receipt.handed_out.path is not None
        saved = Path(receipt.handed_out.path).read_text(encoding="utf-8")
        assert d.code in saved and "Nguyễn Văn Đức" in saved
        assert "Không có máy in" in str(receipt.notice.render())

        # Dossiers: find it without accents, open it, move it to "processing" with a note.
        await pilot.press("escape")
        await pilot.press("2")
        await settle(pilot)
        await type_keys(pilot, "van duc")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert detail.dossier.code == d.code
        detail.choose("processing")
        detail.query_one("#note").focus()
        await type_keys(pilot, "Ddax chuyeenr")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert dossiers.get(kiosk_store, d.id).status == "processing"
        assert dossiers.history(kiosk_store, d.id)[-1]["note"] == "Đã chuyển"

        # Lock, then a citizen looks it up with code + ID number.
        await pilot.press("f12")
        await settle(pilot)
        assert app.current_mode == "citizen"
        await pilot.press("1")
        await settle(pilot)
        app.screen.query_one("#code").value = d.code  # as the receipt's QR scanner would deliver it
        await pilot.press("enter")
        app.screen.query_one("#id-number").value = "001095012345"
        await pilot.press("enter")
        await settle(pilot)
        result = str(app.screen.query_one("#result").render())
        assert "Đang xử lý" in result and d.due.strftime("%d/%m/%Y") in result
        assert "Nguyễn" not in result  # nothing personal in citizen mode
