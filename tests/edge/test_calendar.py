"""The working-day calendar: library holidays, the province overlay, due dates and pauses."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge import calendar, documents
from edge.calendar import WorkCalendar
from edge.clock import LOCAL_TZ
from edge.documents import StaleDocument
from edge.errors import DocumentError

PLAIN = WorkCalendar()  # the library calendar with no province overlay


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def overlay_doc(version=1, days=None):
    return {"kind": "calendar", "version": version, "days": days if days is not None else [
        {"date": "2026-12-28", "kind": "off", "name": "Ngày nghỉ của tỉnh", "reference": "QĐ 12/QĐ-UBND"},
        {"date": "2026-12-26", "kind": "work", "name": "Làm bù"},
    ]}


def calendar_rows(store):
    return store.query("SELECT * FROM calendar_days ORDER BY day")


# -- the library calendar ----------------------------------------------------------------------
def test_make_up_saturday_2026_08_22_is_a_working_day():
    info = PLAIN.day_info(date(2026, 8, 22))
    assert info.working is True
    assert info.provenance == "holidays:VN"
    assert "31/08/2026" in info.name


def test_substituted_day_off_2026_08_31_is_not_working():
    info = PLAIN.day_info(date(2026, 8, 31))
    assert (info.working, info.provenance) == (False, "holidays:VN")


def test_tet_2026_days_are_off_with_library_provenance():
    tet = [date(2026, 2, 16) + timedelta(days=i) for i in range(5)]
    infos = [PLAIN.day_info(d) for d in tet]
    assert [i.working for i in infos] == [False] * 5
    assert {i.provenance for i in infos} == {"holidays:VN"}
    assert "Tết" in infos[1].name


def test_plain_weekend_is_off_and_plain_weekday_is_working():
    assert PLAIN.day_info(date(2026, 11, 28)).provenance == "weekend"
    assert PLAIN.is_working_day(date(2026, 11, 28)) is False
    assert PLAIN.is_working_day(date(2026, 11, 26)) is True


def test_vietnam_cultural_day_2026_11_24_is_off():
    assert PLAIN.day_info(date(2026, 11, 24)).working is False


def test_national_day_2026_both_days_off():
    assert not PLAIN.is_working_day(date(2026, 9, 1))
    assert not PLAIN.is_working_day(date(2026, 9, 2))


# -- counting ---------------------------------------------------------------------------------
def test_add_working_days_skips_tet():
    # Friday 13 Feb 2026, then the weekend and Tết (16–20 Feb), then the weekend.
    assert PLAIN.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)


def test_add_zero_working_days_on_a_holiday_gives_next_working_day():
    assert PLAIN.add_working_days(date(2026, 1, 1), 0) == date(2026, 1, 2)


def test_add_negative_working_days_walks_backwards():
    assert PLAIN.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_working_days_between_counts_after_start_up_to_end():
    assert PLAIN.working_days_between(date(2026, 12, 7), date(2026, 12, 11)) == 4
    assert PLAIN.working_days_between(date(2026, 12, 11), date(2026, 12, 7)) == -4
    assert PLAIN.working_days_between(date(2026, 12, 7), date(2026, 12, 7)) == 0


# -- due dates --------------------------------------------------------------------------------
def test_same_day_deadline_before_cutoff_is_the_reception_day():
    assert PLAIN.due_date(at(2026, 11, 26, 14, 59), 0) == date(2026, 11, 26)


def test_same_day_deadline_at_cutoff_moves_to_next_working_day():
    assert PLAIN.due_date(at(2026, 11, 26, 15, 0), 0) == date(2026, 11, 27)


def test_reception_after_cutoff_on_friday_counts_from_monday():
    assert PLAIN.due_date(at(2026, 11, 27, 16, 30), 3) == date(2026, 12, 3)


def test_reception_on_a_sunday_counts_from_monday():
    assert PLAIN.due_date(at(2026, 11, 29, 10), 0) == date(2026, 11, 30)


def test_reception_friday_after_cutoff_before_make_up_saturday_is_due_that_saturday():
    assert PLAIN.due_date(at(2026, 8, 21, 16), 0) == date(2026, 8, 22)


def test_due_date_converts_utc_reception_to_local_time():
    # 08:30 UTC is 15:30 in Vietnam: after the cut-off.
    received = datetime(2026, 11, 26, 8, 30, tzinfo=timezone.utc)
    assert PLAIN.due_date(received, 0) == date(2026, 11, 27)


def test_due_date_rejects_negative_deadline():
    with pytest.raises(ValueError):
        PLAIN.due_date(at(2026, 11, 26), -1)


def test_extend_for_pause_pushes_by_paused_working_days():
    # paused Monday 7 Dec, resumed Wednesday 9 Dec: two working days (Tue, Wed) do not count.
    due = date(2026, 12, 11)
    assert PLAIN.extend_for_pause(due, date(2026, 12, 7), date(2026, 12, 9)) == date(2026, 12, 15)


def test_extend_for_pause_resumed_same_day_changes_nothing():
    due = date(2026, 12, 11)
    assert PLAIN.extend_for_pause(due, date(2026, 12, 7), date(2026, 12, 7)) == due


# -- properties -------------------------------------------------------------------------------
receptions = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2034, 12, 31),
                          timezones=st.just(LOCAL_TZ))
deadlines = st.integers(min_value=0, max_value=40)


@settings(max_examples=200, deadline=None)
@given(receptions, deadlines)
def test_due_date_is_always_a_working_day(received, n):
    assert PLAIN.is_working_day(PLAIN.due_date(received, n))


@settings(max_examples=200, deadline=None)
@given(receptions, deadlines)
def test_due_date_is_never_before_reception(received, n):
    assert PLAIN.due_date(received, n) >= received.date()


@settings(max_examples=200, deadline=None)
@given(receptions, deadlines, st.integers(min_value=1, max_value=10))
def test_due_date_is_strictly_monotonic_in_deadline(received, n, more):
    assert PLAIN.due_date(received, n) < PLAIN.due_date(received, n + more)


@settings(max_examples=200, deadline=None)
@given(receptions, deadlines)
def test_due_date_is_deadline_working_days_after_start(received, n):
    start = PLAIN.start_day(received)
    assert PLAIN.working_days_between(start, PLAIN.due_date(received, n)) == n


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2034, 12, 31)),
       st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_pause_never_shortens_and_adds_exactly_the_paused_days(paused_from, span, n):
    resumed = paused_from + timedelta(days=span)
    due = PLAIN.add_working_days(paused_from, n)
    extended = PLAIN.extend_for_pause(due, paused_from, resumed)
    assert extended >= due
    assert PLAIN.working_days_between(due, extended) == PLAIN.working_days_between(paused_from, resumed)


# -- the province overlay ---------------------------------------------------------------------
def test_province_overlay_day_off_wins_with_its_provenance(store):
    calendar.import_document(store, overlay_doc(version=3), "mqtt vn/02/all/calendar")
    info = WorkCalendar.load(store).day_info(date(2026, 12, 28))
    assert info.working is False
    assert info.name == "Ngày nghỉ của tỉnh"
    assert info.provenance == "province calendar v3 (mqtt vn/02/all/calendar): QĐ 12/QĐ-UBND"


def test_province_overlay_make_up_saturday_is_working(store):
    calendar.import_document(store, overlay_doc(), "file")
    info = WorkCalendar.load(store).day_info(date(2026, 12, 26))
    assert (info.working, info.provenance) == (True, "province calendar v1 (file)")


def test_province_overlay_can_cancel_a_library_holiday(store):
    doc = overlay_doc(days=[{"date": "2026-11-24", "kind": "work", "name": "Làm việc bình thường"}])
    calendar.import_document(store, doc, "file")
    assert WorkCalendar.load(store).is_working_day(date(2026, 11, 24))


def test_due_date_uses_the_overlay(store):
    calendar.import_document(store, overlay_doc(), "file")
    cal = WorkCalendar.load(store)
    # Thursday 24 Dec + 1 → Fri 25; + 2 → Sat 26 (make-up); + 3 → Tue 29 (28 is off).
    assert cal.due_date(at(2026, 12, 24, 9), 3) == date(2026, 12, 29)


def test_newer_calendar_document_replaces_the_overlay(store):
    calendar.import_document(store, overlay_doc(version=1), "file")
    calendar.import_document(store, overlay_doc(version=2, days=[
        {"date": "2027-01-04", "kind": "off", "name": "Nghỉ"}]), "file")
    assert [r["day"] for r in calendar_rows(store)] == ["2027-01-04"]
    assert WorkCalendar.load(store).is_working_day(date(2026, 12, 28))


def test_import_returns_version_and_keeps_the_document(store):
    assert calendar.import_document(store, overlay_doc(version=5), "file") == 5
    assert calendar.current_version(store) == 5
    assert documents.body(store, "calendar")["version"] == 5


def test_same_or_older_calendar_version_is_stale_and_changes_nothing(store):
    calendar.import_document(store, overlay_doc(version=2), "file")
    before = calendar_rows(store)
    for v in (1, 2):
        with pytest.raises(StaleDocument):
            calendar.import_document(store, overlay_doc(version=v, days=[]), "file")
    assert calendar_rows(store) == before


@pytest.mark.parametrize("entry, where", [
    ({"date": "2026-13-01", "kind": "off", "name": "x"}, "days[1].date"),
    ({"date": "2026-12-01", "kind": "holiday", "name": "x"}, "days[1].kind"),
    ({"date": "2026-12-01", "kind": "off", "name": ""}, "days[1].name"),
    ({"date": "2026-12-28", "kind": "off", "name": "again"}, "listed twice"),
    ({"date": "2026-12-01", "kind": "off", "name": "x", "colour": "red"}, "unknown key"),
    ("2026-12-01", "days[1]: must be an object"),
])
def test_invalid_day_entry_is_named_and_nothing_is_applied(store, entry, where):
    calendar.import_document(store, overlay_doc(version=1), "file")
    before = calendar_rows(store)
    doc = overlay_doc(version=2, days=[
        {"date": "2026-12-28", "kind": "off", "name": "ok"}, entry])
    with pytest.raises(DocumentError, match=r"days\[1\]|listed twice") as info:
        calendar.import_document(store, doc, "file")
    assert where in str(info.value)
    assert calendar_rows(store) == before
    assert calendar.current_version(store) == 1


def test_every_bad_entry_is_reported_at_once(store):
    doc = overlay_doc(days=[{"date": "x", "kind": "off", "name": "a"},
                            {"date": "2026-01-02", "kind": "?", "name": "b"}])
    with pytest.raises(DocumentError) as info:
        calendar.import_document(store, doc, "file")
    assert "days[0].date" in str(info.value) and "days[1].kind" in str(info.value)


@pytest.mark.parametrize("doc", [
    [], {"kind": "catalogue", "version": 1, "days": []}, {"kind": "calendar", "version": 0, "days": []},
    {"kind": "calendar", "version": "2", "days": []}, {"kind": "calendar", "version": 1},
])
def test_malformed_calendar_document_is_rejected(store, doc):
    with pytest.raises(DocumentError):
        calendar.import_document(store, copy.deepcopy(doc), "file")
    assert calendar.current_version(store) == 0


def test_bundled_demo_overlay_installs_once(store):
    assert calendar.ensure_bundled_demo(store) == 0
    assert calendar.ensure_bundled_demo(store) == 0
    assert len(documents.history(store, "calendar")) == 1


def test_province_calendar_version_one_replaces_the_bundled_demo(store):
    calendar.ensure_bundled_demo(store)
    calendar.import_document(store, overlay_doc(version=1, days=[]), "mqtt")
    assert calendar_rows(store) == []
    assert WorkCalendar.load(store).day_info(date(2026, 12, 28)).provenance == "weekday"


def test_calendar_import_is_in_the_audit_log(store):
    calendar.import_document(store, overlay_doc(version=4), "file")
    rows = store.query("SELECT action, version FROM audit WHERE action = 'calendar.import'")
    assert rows == [{"action": "calendar.import", "version": 4}]


# -- command line -----------------------------------------------------------------------------
def run_cli(tmp_path, capsys, *argv):
    from edge import cli
    from tests.conftest import write_config
    config = write_config(tmp_path / "cfg")
    code = cli.main(["--config", str(config), *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_calendar_due_prints_the_due_date(tmp_path, capsys):
    run_cli(tmp_path, capsys, "init")
    # HT-CC: 3 working days; Friday 27 Nov 2026 after 15:00 counts from Monday 30 Nov.
    code, out, _ = run_cli(tmp_path, capsys, "calendar", "due", "--procedure", "HT-CC",
                           "--received", "2026-11-27T16:30")
    assert (code, out.strip()) == (0, "2026-12-03")


def test_cli_calendar_due_with_verification_adds_its_days(tmp_path, capsys):
    run_cli(tmp_path, capsys, "init")
    code, out, _ = run_cli(tmp_path, capsys, "calendar", "due", "--procedure", "HT-KH",
                           "--received", "2026-12-07T09:00", "--verification")
    assert (code, out.strip()) == (0, "2026-12-14")


def test_cli_calendar_due_unknown_procedure_is_one_line_naming_it(tmp_path, capsys):
    run_cli(tmp_path, capsys, "init")
    code, _, err = run_cli(tmp_path, capsys, "calendar", "due", "--procedure", "NOPE",
                           "--received", "2026-11-27T10:00")
    assert code == 2 and "NOPE" in err and err.count("\n") == 1


def test_cli_calendar_due_bad_reception_time_is_named(tmp_path, capsys):
    run_cli(tmp_path, capsys, "init")
    code, _, err = run_cli(tmp_path, capsys, "calendar", "due", "--procedure", "HT-KS",
                           "--received", "hôm qua")
    assert code == 2 and "--received" in err


def test_cli_calendar_import_then_days_shows_provenance(tmp_path, capsys):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(overlay_doc(version=3)), encoding="utf-8")
    code, out, _ = run_cli(tmp_path, capsys, "calendar", "import", path)
    assert code == 0 and "calendar version 3 installed" in out
    code, out, _ = run_cli(tmp_path, capsys, "calendar", "days", "2026", "--json")
    days = {d["day"]: d for d in json.loads(out)}
    assert days["2026-12-28"]["provenance"].startswith("province calendar v3 (file ")
    assert days["2026-08-22"] == {"day": "2026-08-22", "working": True,
                                  "name": "Làm bù cho ngày nghỉ 31/08/2026", "provenance": "holidays:VN"}


def test_due_date_from_a_plain_date_counts_that_day_if_working():
    assert PLAIN.due_date(date(2026, 12, 7), 1) == date(2026, 12, 8)
    assert PLAIN.due_date(date(2026, 12, 6), 0) == date(2026, 12, 7)
