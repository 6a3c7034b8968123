"""Local time of the commune office (Vietnam, UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def to_local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt.astimezone(LOCAL_TZ)


def parse_iso(text: str) -> datetime:
    """Parse an ISO datetime (a trailing Z allowed); naive values are taken as local time."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return to_local(dt)


def today() -> date:
    return local_now().date()
