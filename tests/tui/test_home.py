"""Home: the numbers an officer starts the day with, from the real store."""

from __future__ import annotations

from datetime import timedelta

from edge import catalogue, citizens, dossiers, tickets
from edge.clock import local_now

from tests.tui.conftest import login, settle
from tui.screens.home import home_summary


def _receive(store, when):
    proc = catalogue.procedures(store)[0]
    return dossiers.receive(store, procedure_code=proc.code, applicant=citizens.Applicant("Lò Văn Páo"),
                            documents=[], actor="canbo", received_at=when)


def test_summary_counts_queue_due_overdue_and_intake(kiosk_store):
    now = local_now()
    old = _receive(kiosk_store, now - timedelta(days=40))
    _receive(kiosk_store, now)
    tickets.issue(kiosk_store, actor="kiosk")
    tickets.issue(kiosk_store, actor="kiosk")
    tickets.call_next(kiosk_store, "1", "canbo")
    s = home_summary(kiosk_store, now)
    assert (s["waiting"], s["serving"]) == (1, 1)
    assert s["overdue"] == 1 and old.due < now.date()
    assert s["received_today"] == 1
    assert s["pending"] > 0 and s["sync"] == {}


async def test_home_shows_link_state_written_by_the_sync_agent(make_app, kiosk_store):
    with kiosk_store.atomic():
        kiosk_store.meta_set("sync.status", '{"connected": false, "last_contact_at": "2026-11-25T03:00:00.000Z"}')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await settle(pilot)
        line = str(app.screen.query_one("#sync-line").render())
        assert "mất mạng" in line and "10:00 25/11" in line


async def test_sync_screen_shows_backlog_by_table_and_the_agents_last_error(make_app, kiosk_store):
    _receive(kiosk_store, local_now())
    with kiosk_store.atomic():
        kiosk_store.meta_set("sync.status", '{"connected": false, "last_error": "connection refused"}')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("6")
        await settle(pilot)
        summary = str(app.screen.query_one("#sync-summary").render())
        assert "Bản ghi chờ gửi: 2" in summary and "connection refused" in summary
        table = app.screen.query_one("#by-table")
        assert {table.get_row_at(i)[0] for i in range(table.row_count)} == {"dossiers", "dossier_history"}


async def test_sync_screen_shows_the_link_history_in_the_kiosk_language(make_app, kiosk_store):
    history = ('[{"at": "2026-11-25T03:00:00.000Z", "state": "up", "detail": ""},'
               ' {"at": "2026-11-25T04:30:00.000Z", "state": "down", "detail": "timed out"}]')
    with kiosk_store.atomic():
        kiosk_store.meta_set("sync.status", '{"connected": false, "history": ' + history + '}')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("6")
        await settle(pilot)
        rows = str(app.screen.query_one("#link-history").render()).splitlines()
        assert "10:00 25/11" in rows[0] and "có mạng" in rows[0]
        assert "11:30 25/11" in rows[1] and "mất mạng" in rows[1] and "timed out" in rows[1]


async def test_home_timer_reads_nothing_while_another_screen_covers_it(make_app, monkeypatch):
    from tui.screens import home
    calls = []
    real = home.home_summary
    monkeypatch.setattr(home, "home_summary", lambda *a: calls.append(a) or real(*a))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, home.HomeScreen)
        shown = len(calls)
        screen._tick()
        await settle(pilot)
        assert len(calls) == shown + 1  # the timer reads while Home is in front
        await pilot.press("2")
        await settle(pilot)
        screen._tick()
        app.lock_session()
        await settle(pilot)
        screen._tick()
        await settle(pilot)
        assert len(calls) == shown + 1
