"""Scans forwarded by the hardware service over its real datagram socket reach the right screen."""

from __future__ import annotations

import socket
from datetime import date

from edge import citizens

from tests.tui.conftest import login, settle
from tui import scanning

PERSON = citizens.Applicant(full_name="Giàng A Páo", id_number="002090001234", dob=date(1990, 5, 2),
                            sex="Nam", address="Thôn Sà Phìn, Xã Demo", issue_date=date(2021, 3, 4))


def _send(config, line: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(line.encode("utf-8"), str(config.data_dir / "scanner.sock"))


async def _until(pilot, condition) -> None:
    for _ in range(100):
        await settle(pilot)
        if condition():
            return


async def test_scanned_cccd_opens_intake_with_the_applicant_for_staff(make_app, config):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        listener = scanning.listen(config, app)
        try:
            await login(pilot)
            _send(config, citizens.format_cccd(PERSON))
            await _until(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
            await _until(pilot, lambda: app.screen.query_one("#full_name").value)
            assert app.screen.query_one("#full_name").value == "Giàng A Páo"
            assert app.screen.query_one("#id_number").value == "002090001234"
        finally:
            listener.close()


async def test_scanned_receipt_code_opens_the_citizen_lookup_with_the_code(make_app, config):
    app = make_app()
    code = "000.00.19.H17-261120-0001"
    async with app.run_test(size=(80, 24)) as pilot:
        listener = scanning.listen(config, app)
        try:
            await pilot.pause()
            _send(config, code)
            await _until(pilot, lambda: type(app.screen).__name__ == "LookupScreen")
            assert app.screen.query_one("#code").value == code
            assert app.screen.query_one("#id-number").has_focus
        finally:
            listener.close()
