"""What one dashboard refresh reads: the cold load's second phase adds only the trend, and the
report forms are parsed again only when a new forms document is published."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.dashboard_refresh import central_clock, fill
from sync import kpi, wire
from sync.central import CentralStore
from tui.dashboard.data import load_snapshot, with_trend

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)
MONTH = "2026-11"


@pytest.fixture
def filled(tmp_path):
    store = CentralStore(f"sqlite:///{tmp_path}/central.db")
    with central_clock(NOW):
        fill(store, communes=4, dossiers=300, now=NOW, seed=3, span_days=400, tickets_per_commune=5)
    try:
        yield store
    finally:
        store.close()


def test_adding_the_trend_gives_the_full_snapshot(filled):
    today = NOW.date()
    cache = kpi.DossierKpiCache()
    first = load_snapshot(filled, MONTH, today=today, now=NOW, trend_months=1, cache=cache)
    assert len(first.trend) == 1
    full = with_trend(first, filled, cache)
    assert full == load_snapshot(filled, MONTH, today=today, now=NOW)
    assert len(full.trend) == kpi.TREND_MONTHS
    assert cache.recomputed == kpi.months_back(MONTH, kpi.TREND_MONTHS)[:-1]


def test_form_definitions_are_parsed_again_only_for_a_new_forms_document(filled, monkeypatch):
    reads = []
    real = kpi.form_definitions
    monkeypatch.setattr(kpi, "form_definitions", lambda store: reads.append(1) or real(store))
    cache = kpi.DossierKpiCache()
    bundled = cache.forms(filled)
    assert cache.forms(filled) == bundled == real(filled) and len(reads) == 1
    doc = {"forms": [{"code": "BC-NEW", "period": "monthly", "due_day": 7, "title": "Báo cáo mới"}]}
    filled.record_document(wire.Document("forms", 1, doc))
    assert cache.forms(filled) == [{"code": "BC-NEW", "period": "monthly", "due_day": 7, "title": "Báo cáo mới"}]
    assert cache.forms(filled) and len(reads) == 2
    doc["forms"][0]["due_day"] = 9   # the same version published again, later
    with central_clock(datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)):
        filled.record_document(wire.Document("forms", 1, doc))
    assert cache.forms(filled)[0]["due_day"] == 9 and len(reads) == 3
    cached = kpi.form_kpis(filled, MONTH, ["00001"], definitions=cache.forms(filled))
    assert cached == kpi.form_kpis(filled, MONTH, ["00001"])
