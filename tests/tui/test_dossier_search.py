"""The dossier list's search text combined with the status and due-date filters."""

from __future__ import annotations

from datetime import timedelta

from edge import catalogue, citizens, dossiers
from edge.clock import local_now
from edge.search import search_dossiers

from tui.screens.dossiers import find_dossiers


def _receive(store, name, when):
    proc = catalogue.procedures(store)[0]
    return dossiers.receive(store, procedure_code=proc.code, applicant=citizens.Applicant(name),
                            documents=[], actor="canbo", received_at=when)


def test_search_text_with_a_due_filter_keeps_only_matching_dossiers(kiosk_store):
    now = local_now()
    late = _receive(kiosk_store, "Lò Văn Páo", now - timedelta(days=40))
    _receive(kiosk_store, "Lò Văn Páo", now)
    _receive(kiosk_store, "Trần Thị Hoa", now - timedelta(days=40))
    ids = lambda rows: [d.id for d in rows]  # noqa: E731
    assert ids(find_dossiers(kiosk_store, "lo van pao", None, "overdue")) == [late.id]
    assert ids(find_dossiers(kiosk_store, "lo van pao", "received", "overdue")) == [late.id]
    assert find_dossiers(kiosk_store, "lo van pao", "processing", "overdue") == []
    assert find_dossiers(kiosk_store, "tran thi", None, "today") == []
    assert len(find_dossiers(kiosk_store, "lo van pao", None, None)) == 2
    # a whole code (typed or scanned) is filtered too
    assert ids(find_dossiers(kiosk_store, late.code, None, "overdue")) == [late.id]
    assert find_dossiers(kiosk_store, late.code, None, "today") == []
    # the same answers as the plain listing filtered by hand
    for due in ("today", "overdue"):
        listed = {d.id for d in dossiers.list_dossiers(kiosk_store, due=due, limit=10_000)
                  if d.applicant_name == "Lò Văn Páo"}
        assert set(ids(find_dossiers(kiosk_store, "lo van pao", None, due))) == listed


def test_search_dossiers_due_is_relative_to_the_given_day(kiosk_store):
    d = _receive(kiosk_store, "Lò Văn Páo", local_now())
    due = d.due
    assert [r["id"] for r in search_dossiers(kiosk_store, "pao", due="today", today=due)] == [d.id]
    assert search_dossiers(kiosk_store, "pao", due="overdue", today=due) == []
    assert [r["id"] for r in search_dossiers(kiosk_store, "pao", due="overdue",
                                             today=due + timedelta(days=1))] == [d.id]
    assert search_dossiers(kiosk_store, "pao", due="today", today=due + timedelta(days=1)) == []
