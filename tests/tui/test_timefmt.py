"""The kiosk's date and time formatting (one helper for every screen)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tui.timefmt import DATE_TIME, local_time, vn_date


def test_local_time_formats_in_local_time():
    assert local_time("2026-11-25T03:00:00.000Z", "%H:%M %d/%m") == "10:00 25/11"
    assert local_time("2026-11-25T03:00:00.000Z", DATE_TIME) == "25/11/2026 10:00"
    assert local_time("2026-11-25T03:00:00.000Z", "%H:%M %d/%m/%Y") == "10:00 25/11/2026"


def test_local_time_without_a_time():
    assert local_time(None, DATE_TIME) == "" and local_time("", DATE_TIME) == ""
    assert local_time(None, DATE_TIME, empty="?") == "?"
    assert local_time("not a time", DATE_TIME) == "not a time"


def test_vn_date():
    assert vn_date(None) == ""
    assert vn_date(date(2026, 12, 3)) == "03/12/2026"
    assert vn_date(datetime(2026, 12, 3, 9, 0)) == "03/12/2026"
    assert vn_date("2026-12-03") == "03/12/2026"
    assert vn_date("2026-12-03T09:00:00Z") == "03/12/2026"
    with pytest.raises(ValueError):
        vn_date("03/12/2026")
