"""Dates and times as the kiosk shows them: ISO text from the store, local time, Vietnamese order."""

from __future__ import annotations

from datetime import date

from edge.clock import parse_iso

#: local date and time of a record ("26/11/2026 09:30")
DATE_TIME = "%d/%m/%Y %H:%M"


def local_time(iso: str | None, fmt: str, empty: str = "") -> str:
    """An ISO date-time (UTC or local) as local time in `fmt` (strftime); `empty` when there is
    none, the text itself when it is not one."""
    if not iso:
        return empty
    try:
        return parse_iso(iso).strftime(fmt)
    except ValueError:
        return iso


def vn_date(d: date | str | None) -> str:
    """A date (or ISO text starting with one) as dd/mm/yyyy; "" for None. ValueError when the text
    is not a date."""
    if d is None:
        return ""
    from edge.forms import format_date  # here: the citizen screens start without edge.forms
    return format_date(d[:10] if isinstance(d, str) else d)
