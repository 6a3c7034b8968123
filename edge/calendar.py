"""The working-day calendar: which days the commune office works, and the due dates that follow.

Built on the `holidays` library's Vietnam calendar (public holidays including the lunar ones,
observed and substituted days off, make-up working Saturdays such as 2026-08-22), with the
province's calendar document layered on top (late announcements, provincial days). Every day off
and every make-up working day carries its provenance: "holidays:VN", or
"province calendar v3 (<source>)" for a day set by the province.

The latest province calendar document is complete: installing version N replaces the overlay of
version N-1 (the province's retained message only ever holds the latest version, so an appliance
that was offline through several versions still ends up with the right days).
"""

from __future__ import annotations

import weakref

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import holidays

from . import documents
from .clock import to_local
from .documents import Problems, describe
from .errors import DocumentError

if TYPE_CHECKING:
    from .store import Store

CUTOFF = time(15, 0)
"""Dossiers received at or after this local time count from the next working day."""

LIBRARY_PROVENANCE = "holidays:VN"
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
MIN_YEAR, MAX_YEAR = 1995, 2099
MAX_DAYS = 5000          # entries in one calendar document
MAX_STEPS = 366 * 20     # a walk over the calendar never goes further than this
BUNDLED_DEMO = "calendar-demo.json"
_WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class DayInfo:
    """One day of the calendar: whether the office works, the day's name and where that came from."""

    day: date
    working: bool
    name: str
    provenance: str


# -- the library calendar, computed once per year ------------------------------------------------
_year_lock = threading.Lock()
_years: dict[int, tuple[dict[date, str], dict[date, str]]] = {}


def _library_year(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """(days off → name, make-up working weekend days → name) for one year, from `holidays`."""
    with _year_lock:
        cached = _years.get(year)
        if cached is not None:
            return cached
        if not MIN_YEAR <= year <= MAX_YEAR:
            off: dict[date, str] = {}
            work: dict[date, str] = {}
        else:
            # A year's make-up Saturday may be declared with the next year's days off (e.g. a
            # Saturday in late December made up for 2 January), so look at both.
            years = [y for y in (year, year + 1) if y <= MAX_YEAR]
            vn = holidays.country_holidays("VN", years=years, language="vi")
            off = {d: name for d, name in vn.items() if d.year == year}
            work = {}
            for d in sorted(vn.weekend_workdays):
                if d.year != year:
                    continue
                stamp = d.strftime("%d/%m/%Y")
                for other, name in vn.items():
                    if stamp in name:
                        work[d] = f"Làm bù cho ngày nghỉ {other.strftime('%d/%m/%Y')}"
                        break
                else:
                    work[d] = "Ngày làm bù"
        _years[year] = (off, work)
        return _years[year]


# -- the calendar ----------------------------------------------------------------------------------
_loaded: "weakref.WeakKeyDictionary[Store, tuple[str, WorkCalendar]]" = weakref.WeakKeyDictionary()


class WorkCalendar:
    """Working days of the office: the library calendar with the province's overlay on top.

    Build with `WorkCalendar.load(store)`; the object is a snapshot and never touches the store again.
    """

    def __init__(self, overlay: dict[date, DayInfo] | None = None):
        self.overlay: dict[date, DayInfo] = dict(overlay or {})

    @classmethod
    def load(cls, store: "Store") -> "WorkCalendar":
        """The calendar with the store's installed province overlay (if any).

        Kept per store until a calendar document is installed (every intake asks for it).
        """
        key = store.scalar("SELECT COUNT(*) || ':' || COALESCE(MAX(version), -1) || ':' || "
                           "COALESCE(MAX(imported_at), '') FROM documents WHERE kind = 'calendar'")
        cached = _loaded.get(store)
        if cached is not None and cached[0] == key:
            return cached[1]
        overlay = {}
        for r in store.query("SELECT day, kind, name, provenance FROM calendar_days"):
            d = date.fromisoformat(r["day"])
            overlay[d] = DayInfo(d, r["kind"] == "work", r["name"], r["provenance"])
        cal = cls(overlay)
        _loaded[store] = (key, cal)
        return cal

    # -- single days ---------------------------------------------------------------------------
    def day_info(self, d: date) -> DayInfo:
        """Whether `d` is a working day, its name and the provenance of that answer."""
        if isinstance(d, datetime):
            d = d.date()
        over = self.overlay.get(d)
        if over is not None:
            return over
        off, work = _library_year(d.year)
        if d in off:
            return DayInfo(d, False, off[d], LIBRARY_PROVENANCE)
        if d in work:
            return DayInfo(d, True, work[d], LIBRARY_PROVENANCE)
        if d.weekday() in WEEKEND:
            return DayInfo(d, False, _WEEKDAY_NAMES[d.weekday()], "weekend")
        return DayInfo(d, True, _WEEKDAY_NAMES[d.weekday()], "weekday")

    def is_working_day(self, d: date) -> bool:
        """True when the office works on `d`."""
        return self.day_info(d).working

    def special_days(self, year: int) -> list[DayInfo]:
        """Every day of `year` that differs from a plain weekday/weekend, in date order."""
        off, work = _library_year(year)
        days = set(off) | set(work) | {d for d in self.overlay if d.year == year}
        return [self.day_info(d) for d in sorted(days)]

    # -- counting ------------------------------------------------------------------------------
    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self._step(d, 1)

    def working_day_on_or_after(self, d: date) -> date:
        """`d` itself when it is a working day, else the next working day."""
        return d if self.is_working_day(d) else self._step(d, 1)

    def _step(self, d: date, direction: int) -> date:
        for _ in range(MAX_STEPS):
            d = d + timedelta(days=direction)
            if self.is_working_day(d):
                return d
        raise DocumentError(f"no working day within {MAX_STEPS} days of {d}: check the calendar")

    def add_working_days(self, start: date, n: int) -> date:
        """The day `n` working days after `start` (`start` itself is not counted).

        n = 0 gives `start` when it is a working day, else the next working day; a negative n walks
        backwards (the day `-n` working days before `start`).
        """
        if n == 0:
            return self.working_day_on_or_after(start)
        direction = 1 if n > 0 else -1
        d = start
        for _ in range(abs(n)):
            d = self._step(d, direction)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b] — after `a`, up to and including `b`; negative when b < a.

        So `add_working_days(a, working_days_between(a, b)) == b` for a working day b after a.
        """
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > MAX_STEPS:
            raise DocumentError(f"{a} to {b} is too long a span to count working days over")
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

    def start_day(self, received_at: datetime) -> date:
        """The working day from which a dossier received at `received_at` is counted.

        The reception day when it is a working day and the local time is before CUTOFF, else the
        next working day. A naive datetime is taken as local time (UTC+7); a plain date as the
        start of that day.
        """
        if not isinstance(received_at, datetime):
            return self.working_day_on_or_after(received_at)
        local = to_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < CUTOFF:
            return day
        return self.next_working_day(day)

    def due_date(self, received_at: datetime, deadline_days: int) -> date:
        """The due date (ngày hẹn trả) of a dossier received at `received_at`.

        Counted in working days from the start day (see `start_day`); deadline 0 means the start
        day itself. Raises ValueError for a negative deadline.
        """
        if isinstance(deadline_days, bool) or not isinstance(deadline_days, int) or deadline_days < 0:
            raise ValueError(f"deadline_days must be a whole number ≥ 0, got {deadline_days!r}")
        return self.add_working_days(self.start_day(received_at), deadline_days)

    def extend_for_pause(self, due: date, paused_from: date, resumed_on: date) -> date:
        """The due date pushed by the working days the dossier spent paused ("supplement requested").

        The paused working days are those after `paused_from` up to and including `resumed_on`
        (`working_days_between`); resuming on the day of the pause changes nothing.
        """
        paused = self.working_days_between(paused_from, resumed_on)
        if paused <= 0:
            return due
        return self.add_working_days(due, paused)


# -- the province's calendar documents -------------------------------------------------------------
def _parse_days(doc: dict[str, Any], version: int, source: str) -> list[tuple[str, str, str, str]]:
    problems = Problems("calendar")
    days = doc.get("days")
    if not isinstance(days, list):
        problems.add("days", f"must be a list of day entries, got {describe(days)}")
        problems.raise_if_any()
    if len(days) > MAX_DAYS:
        problems.add("days", f"at most {MAX_DAYS} entries, got {len(days)}")
        problems.raise_if_any()
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(days):
        where = f"days[{i}]"
        if not problems.object(entry, where, ("date", "kind", "name", "reference")):
            continue
        raw = entry.get("date")
        day = None
        try:
            if not isinstance(raw, str) or len(raw) != 10:
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            problems.add(f"{where}.date", f"must be a date YYYY-MM-DD, got {describe(raw)}")
        if day is not None:
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                problems.add(f"{where}.date", f"year must be {MIN_YEAR}–{MAX_YEAR}, got {raw}")
            elif raw in seen:
                problems.add(f"{where}.date", f"{raw} is listed twice (also days[{seen[raw]}])")
            else:
                seen[raw] = i
        kind = entry.get("kind")
        if kind not in ("off", "work"):
            problems.add(f"{where}.kind", f"must be 'off' or 'work', got {describe(kind)}")
        name = problems.text(entry, "name", where, limit=200)
        ref = entry.get("reference")
        if ref is not None and (not isinstance(ref, str) or len(ref) > 200):
            problems.add(f"{where}.reference", f"must be a text of at most 200 characters, "
                                               f"got {describe(ref)}")
        if not problems:
            provenance = f"province calendar v{version} ({source})"
            if ref and ref.strip():
                provenance += f": {ref.strip()}"
            rows.append((raw, kind, name, provenance))
    problems.raise_if_any()
    return rows


def import_document(store: "Store", doc: dict[str, Any], source: str, *, actor: str = "system",
                    bundled: bool = False) -> int:
    """Install a province calendar document; returns its version.

    The document replaces the previous overlay in one transaction. `bundled` is for the bundled
    demo (version 0) only. Raises DocumentError naming every
    bad entry (nothing is changed), StaleDocument when its version is not newer than the installed one.
    """
    version = documents.check_header(doc, "calendar", bundled=bundled)
    if not isinstance(source, str) or not source.strip():
        raise DocumentError("calendar document: the source must be named")
    rows = _parse_days(doc, version, source.strip())
    with store.atomic():
        documents.check_newer(store, "calendar", version)
        store.conn.execute("DELETE FROM calendar_days")
        store.conn.executemany(
            "INSERT INTO calendar_days(day, kind, name, provenance, document_version) "
            "VALUES (?, ?, ?, ?, ?)", [(*r, version) for r in rows])
        documents.record(store, "calendar", version, source.strip(), doc, actor=actor)
    return version


def current_version(store: "Store") -> int:
    """The installed province calendar version; 0 when none or only the bundled demo."""
    return documents.installed_version(store, "calendar")


def ensure_bundled_demo(store: "Store") -> int:
    """Install the bundled DEMO overlay (edge/data/calendar-demo.json, version 0) when no calendar
    document is installed; the province's first calendar document replaces it.

    For demo stores only: its provincial days are invented. Returns the installed version.
    """
    return documents.ensure_bundled(store, "calendar", BUNDLED_DEMO, import_document)
