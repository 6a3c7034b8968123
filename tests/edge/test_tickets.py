"""Queue tickets: numbering, priority interleaving, call/recall/skip/finish/transfer, statistics."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest

from edge import audit, outbox, records, tickets
from edge.clock import LOCAL_TZ
from edge.errors import NotFoundError, TransitionError, ValidationError
from edge.store import Store

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=LOCAL_TZ)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def snapshot(store):
    """Everything a failed operation must leave as it was."""
    return (store.query("SELECT * FROM tickets ORDER BY id"), outbox.last_seq(store),
            store.scalar("SELECT COUNT(*) FROM audit"))


def make_dossier(store) -> str:
    row = records.insert(store, "dossiers", {
        "code": "000.00.19.H17-261126-0001", "procedure_code": "KS", "catalogue_version": 1,
        "applicant_name": "Nguyễn Văn Đức", "channel": "counter", "documents": "[]", "status": "received",
        "received_at": "2026-11-26T01:00:00.000Z", "due_date": "2026-11-26", "officer": "lan"},
        actor="lan", action="dossier.receive")
    return row["id"]


# -- numbering ---------------------------------------------------------------------------------
def test_numbers_count_up_per_service_with_labels(store):
    labels = [tickets.issue(store, now=at(i)).label for i in range(3)]
    assert labels == ["A001", "A002", "A003"]
    assert tickets.issue(store, "civil_status", now=at(4)).label == "B001"


def test_priority_tickets_have_their_own_series(store):
    tickets.issue(store, now=at(0))
    t = tickets.issue(store, priority=True, now=at(1))
    assert (t.label, t.number, t.priority) == ("U001", 1, True)


def test_numbering_restarts_each_local_day(store):
    late = datetime(2026, 11, 26, 23, 59, tzinfo=LOCAL_TZ)
    tickets.issue(store, now=late)
    t = tickets.issue(store, now=late + timedelta(minutes=2))
    assert (t.day, t.label) == ("2026-11-27", "A001")


def test_service_letters_come_from_the_module_mapping(store, monkeypatch):
    monkeypatch.setitem(tickets.SERVICE_LETTERS, "land", ("D", "Y"))
    assert tickets.issue(store, "land", priority=True, now=at(0)).label == "Y001"


def test_unknown_service_is_refused_and_nothing_stored(store):
    before = snapshot(store)
    with pytest.raises(ValidationError) as e:
        tickets.issue(store, "nope", now=at(0))
    assert "service" in e.value.errors
    assert snapshot(store) == before


def test_issue_writes_one_outbox_row_and_one_audit_row(store):
    t = tickets.issue(store, now=at(0))
    rows = outbox.pending(store)
    assert [(r.tbl, r.record_id, r.version) for r in rows] == [("tickets", t.id, 1)]
    assert [h["action"] for h in audit.history(store, "tickets", t.id)] == ["ticket.issue"]


def test_threads_with_their_own_connections_never_share_a_number(store, config):
    others = [Store.open(config) for _ in range(2)]
    got: list[int] = []
    lock = threading.Lock()

    def work(s):
        for _ in range(15):
            n = tickets.issue(s).number
            with lock:
                got.append(n)

    threads = [threading.Thread(target=work, args=(s,)) for s in others]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for s in others:
        s.close()
    assert sorted(got) == list(range(1, 31))


def test_processes_never_share_a_number(store, config_path):
    script = ("import sys; from edge import config, store, tickets\n"
              "s = store.Store.open(config.load(sys.argv[1]))\n"
              "print(' '.join(str(tickets.issue(s, actor='p').number) for _ in range(20)))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(config_path)], stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    numbers = []
    for p in procs:
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0
        numbers += [int(n) for n in out.split()]
    assert sorted(numbers) == list(range(1, 41))


# -- calling -----------------------------------------------------------------------------------
def test_call_next_calls_priority_first(store):
    tickets.issue(store, now=at(0))
    p = tickets.issue(store, priority=True, now=at(1))
    called = tickets.call_next(store, "1", "lan", now=at(2))
    assert (called.id, called.status, called.counter) == (p.id, "called", "1")


def test_at_most_two_priority_in_a_row_while_normal_waits(store):
    for i in range(2):
        tickets.issue(store, now=at(i))
    for i in range(5):
        tickets.issue(store, priority=True, now=at(2 + i))
    calls = [tickets.call_next(store, "1", "lan", now=at(10 + i)).label for i in range(7)]
    assert calls == ["U001", "U002", "A001", "U003", "U004", "A002", "U005"]


def test_priority_keeps_going_when_no_normal_ticket_waits(store):
    for i in range(3):
        tickets.issue(store, priority=True, now=at(i))
    calls = [tickets.call_next(store, "1", "lan", now=at(10 + i)).label for i in range(3)]
    assert calls == ["U001", "U002", "U003"]


def test_call_next_finishes_the_counters_current_ticket(store):
    first = tickets.issue(store, now=at(0))
    tickets.issue(store, now=at(1))
    tickets.call_next(store, "1", "lan", now=at(2))
    tickets.call_next(store, "1", "lan", now=at(7))
    done = tickets.get(store, first.id)
    assert (done.status, done.finished_at) == ("done", "2026-11-26T01:07:00.000Z")


def test_call_next_leaves_other_counters_alone(store):
    a = tickets.issue(store, now=at(0))
    tickets.issue(store, now=at(1))
    tickets.call_next(store, "1", "lan", now=at(2))
    tickets.call_next(store, "2", "hoa", now=at(3))
    assert tickets.get(store, a.id).status == "called"


def test_call_next_returns_none_when_nobody_waits_and_still_finishes(store):
    t = tickets.issue(store, now=at(0))
    tickets.call_next(store, "1", "lan", now=at(1))
    assert tickets.call_next(store, "1", "lan", now=at(2)) is None
    assert tickets.get(store, t.id).status == "done"


def test_call_next_by_service_calls_only_that_queue(store):
    tickets.issue(store, now=at(0))
    b = tickets.issue(store, "civil_status", now=at(1))
    assert tickets.call_next(store, "2", "hoa", service="civil_status", now=at(2)).id == b.id


def test_call_next_does_not_call_yesterdays_tickets(store):
    tickets.issue(store, now=at(0))
    assert tickets.call_next(store, "1", "lan", now=at(24 * 60)) is None


def test_current_is_the_ticket_at_the_counter(store):
    tickets.issue(store, now=at(0))
    called = tickets.call_next(store, "1", "lan", now=at(1))
    assert tickets.current(store, "1", now=at(2)) == called
    assert tickets.current(store, "2", now=at(2)) is None


def test_bad_counter_is_refused(store):
    tickets.issue(store, now=at(0))
    before = snapshot(store)
    with pytest.raises(ValidationError) as e:
        tickets.call_next(store, "  ", "lan", now=at(1))
    assert "counter" in e.value.errors and snapshot(store) == before


# -- recall / skip / finish --------------------------------------------------------------------
def test_recall_counts_announcements(store):
    tickets.issue(store, now=at(0))
    t = tickets.call_next(store, "1", "lan", now=at(1))
    t = tickets.recall(store, t.id, "lan", now=at(2))
    assert (t.status, t.recalls) == ("called", 1)


def test_recall_brings_a_skipped_ticket_back_to_its_counter(store):
    tickets.issue(store, now=at(0))
    t = tickets.call_next(store, "1", "lan", now=at(1))
    tickets.skip(store, t.id, "lan", now=at(2))
    back = tickets.recall(store, t.id, "lan", now=at(3))
    assert (back.status, back.counter) == ("called", "1")


def test_recall_of_skipped_ticket_refused_while_counter_busy(store):
    tickets.issue(store, now=at(0))
    tickets.issue(store, now=at(1))
    t = tickets.call_next(store, "1", "lan", now=at(2))
    tickets.skip(store, t.id, "lan", now=at(3))
    tickets.call_next(store, "1", "lan", now=at(4))
    before = snapshot(store)
    with pytest.raises(TransitionError):
        tickets.recall(store, t.id, "lan", now=at(5))
    assert snapshot(store) == before


def test_recall_of_waiting_ticket_is_refused(store):
    t = tickets.issue(store, now=at(0))
    with pytest.raises(TransitionError):
        tickets.recall(store, t.id, "lan", now=at(1))


def test_skipped_ticket_is_not_called_again_by_call_next(store):
    t = tickets.issue(store, now=at(0))
    tickets.skip(store, t.id, "lan", now=at(1))
    assert tickets.call_next(store, "1", "lan", now=at(2)) is None


def test_finish_of_a_waiting_ticket_is_refused_and_changes_nothing(store):
    t = tickets.issue(store, now=at(0))
    before = snapshot(store)
    with pytest.raises(TransitionError) as e:
        tickets.finish(store, t.id, "lan", now=at(1))
    assert "A001" in str(e.value) and snapshot(store) == before


def test_finish_links_the_dossier(store):
    dossier = make_dossier(store)
    tickets.issue(store, now=at(0))
    t = tickets.call_next(store, "1", "lan", now=at(1))
    done = tickets.finish(store, t.id, "lan", dossier_id=dossier, now=at(9))
    assert (done.status, done.dossier_id) == ("done", dossier)


def test_finish_with_unknown_dossier_changes_nothing(store):
    tickets.issue(store, now=at(0))
    t = tickets.call_next(store, "1", "lan", now=at(1))
    before = snapshot(store)
    with pytest.raises(NotFoundError):
        tickets.finish(store, t.id, "lan", dossier_id="no-such-dossier", now=at(2))
    assert snapshot(store) == before


def test_link_dossier_after_finishing(store):
    dossier = make_dossier(store)
    t = tickets.issue(store, now=at(0))
    tickets.call_next(store, "1", "lan", now=at(1))
    tickets.call_next(store, "1", "lan", now=at(2))
    assert tickets.link_dossier(store, t.id, dossier, "lan").dossier_id == dossier


def test_unknown_ticket_is_not_found(store):
    with pytest.raises(NotFoundError):
        tickets.get(store, "0190f0e8-0000-7000-8000-000000000000")


def test_every_change_is_a_new_synced_version(store):
    t = tickets.issue(store, now=at(0))
    tickets.call_next(store, "1", "lan", now=at(1))
    tickets.recall(store, t.id, "lan", now=at(2))
    tickets.finish(store, t.id, "lan", now=at(3))
    assert [r.version for r in outbox.pending(store)] == [1, 2, 3, 4]
    assert records.get(store, "tickets", t.id)["version"] == 4


# -- transfer ----------------------------------------------------------------------------------
def test_transfer_keeps_label_and_place_by_issue_time(store):
    a = tickets.issue(store, now=at(0))
    tickets.issue(store, "civil_status", now=at(5))
    tickets.call_next(store, "1", "lan", service="general", now=at(6))
    moved = tickets.transfer(store, a.id, "civil_status", "lan", now=at(8))
    assert (moved.label, moved.service, moved.origin_service, moved.status, moved.counter) == (
        "A001", "civil_status", "general", "waiting", None)
    assert tickets.call_next(store, "2", "hoa", service="civil_status", now=at(9)).id == a.id


def test_numbering_is_unaffected_by_a_transfer(store):
    a = tickets.issue(store, now=at(0))
    tickets.transfer(store, a.id, "civil_status", "lan", now=at(1))
    assert tickets.issue(store, "civil_status", now=at(2)).label == "B001"
    assert tickets.issue(store, now=at(3)).label == "A002"


def test_transfer_to_the_same_queue_is_refused(store):
    a = tickets.issue(store, now=at(0))
    with pytest.raises(ValidationError):
        tickets.transfer(store, a.id, "general", "lan", now=at(1))


def test_transfer_of_a_done_ticket_is_refused(store):
    a = tickets.issue(store, now=at(0))
    tickets.call_next(store, "1", "lan", now=at(1))
    tickets.finish(store, a.id, "lan", now=at(2))
    with pytest.raises(TransitionError):
        tickets.transfer(store, a.id, "civil_status", "lan", now=at(3))


# -- reading -----------------------------------------------------------------------------------
def test_waiting_count_and_position(store):
    tickets.issue(store, now=at(0))
    b = tickets.issue(store, now=at(1))
    tickets.issue(store, "civil_status", now=at(2))
    assert tickets.waiting_count(store, day="2026-11-26") == 3
    assert tickets.waiting_count(store, "general", day="2026-11-26") == 2
    assert tickets.position(store, b.id) == 1


def test_today_lists_the_days_tickets_in_issue_order(store):
    tickets.issue(store, now=at(1))
    tickets.issue(store, priority=True, now=at(2))
    tickets.issue(store, now=at(24 * 60))
    assert [t.label for t in tickets.today(store, "2026-11-26")] == ["A001", "U001"]


def test_stats_measure_waiting_and_service_times(store):
    for i in range(3):
        tickets.issue(store, now=at(i))
    tickets.call_next(store, "1", "lan", now=at(10))   # A001 waited 10 min
    tickets.call_next(store, "1", "lan", now=at(15))   # A001 served 5 min; A002 waited 14 min
    skipped = tickets.call_next(store, "1", "lan", now=at(22))  # A002 served 7 min; A003 waited 20
    tickets.skip(store, skipped.id, "lan", now=at(23))
    s = tickets.stats(store, "2026-11-26")
    assert {k: s[k] for k in ("issued", "served", "skipped", "waiting", "called")} == {
        "issued": 3, "served": 2, "skipped": 1, "waiting": 0, "called": 0}
    assert (s["avg_wait_s"], s["p90_wait_s"], s["avg_service_s"]) == (880.0, 1200.0, 360.0)


def test_stats_of_an_empty_day_have_no_times(store):
    s = tickets.stats(store, "2026-01-01")
    assert (s["issued"], s["avg_wait_s"], s["p90_wait_s"], s["avg_service_s"]) == (0, None, None, None)


def test_bad_day_is_a_validation_error(store):
    with pytest.raises(ValidationError):
        tickets.today(store, "26/11/2026")
