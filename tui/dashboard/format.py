"""How the dashboard writes numbers, times and ages (local time, UTC+7)."""

from __future__ import annotations

from datetime import datetime, timezone

from edge.clock import LOCAL_TZ

DASH = "—"


def local_time(text: str | None, now: datetime) -> str:
    """An ISO UTC timestamp as local "dd/mm HH:MM" (just "HH:MM" when it falls on the local day of
    `now`, the app's clock); "—" when absent."""
    if not text:
        return DASH
    try:
        dt = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    loc = dt.astimezone(LOCAL_TZ)
    today = now.astimezone(LOCAL_TZ).date()
    return loc.strftime("%H:%M") if loc.date() == today else loc.strftime("%d/%m %H:%M")


def local_date(text: str | None) -> str:
    """An ISO date or UTC timestamp as the local date dd/mm/yyyy."""
    if not text:
        return DASH
    s = str(text)
    try:
        if len(s) == 10:
            d = datetime.fromisoformat(s)
            return d.strftime("%d/%m/%Y")
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
    except ValueError:
        return s


def age(seconds: float | None, lang: str = "vi") -> str:
    """A duration, rounded to one unit: "40 s", "12 ph", "5 h", "3 ngày" (en: "12 min", "3 d")."""
    if seconds is None:
        return DASH
    s = abs(float(seconds))
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} {'min' if lang == 'en' else 'ph'}"
    if s < 36 * 3600:
        return f"{s / 3600:.0f} h"
    return f"{s / 86400:.0f} {'d' if lang == 'en' else 'ngày'}"


def drift(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    return f"{seconds:+.0f} s"


def count(v: int | None) -> str:
    return DASH if v is None else f"{v:,}".replace(",", ".")


def mb(v: int | None) -> str:
    if v is None:
        return DASH
    return f"{v / 1024:.1f} GB" if v >= 1024 else f"{v} MB"


def pct(v: float | None) -> str:
    return DASH if v is None else f"{100 * v:.0f}%"


def minutes(v: float | None) -> str:
    return DASH if v is None else f"{v:.1f}"
