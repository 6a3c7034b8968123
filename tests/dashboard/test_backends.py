"""The KPI, fleet, drill-down and export SQL gives the same answers on SQLite and PostgreSQL, for the
same data committed through each store's own commit path (the benchmark's generated batches)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from bench.dashboard_refresh import central_clock, fill
from sync import export, kpi
from sync.central import CentralStore
from tests.support import postgres

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    postgres.require_server()
    url = postgres.create_database()
    lite = CentralStore(f"sqlite:///{tmp_path_factory.mktemp('lite')}/central.db")
    pg = CentralStore(url)
    try:
        for s in (lite, pg):
            with central_clock(NOW):
                fill(s, communes=6, dossiers=900, now=NOW, seed=9, span_days=200, tickets_per_commune=10)
            kpi.ensure_indexes(s)
        yield lite, pg
    finally:
        lite.close()
        pg.close()
        postgres.drop_database(url)


def test_month_kpis_are_the_same_on_both_backends(stores):
    lite, pg = stores
    for month in ("2026-09", "2026-10", "2026-11"):
        a, b = (kpi.dossier_kpis(s, month, today=TODAY) for s in stores)
        assert {c: k.as_dict() for c, k in a.items()} == {c: k.as_dict() for c, k in b.items()}
        assert a["*"].received > 0


def test_queue_and_processing_times_are_the_same_on_both_backends(stores):
    lite, pg = stores
    qa, qb = (kpi.queue_kpis(s, "2026-11") for s in stores)
    assert {c: (q.tickets, q.served, round(q.avg_wait_min or 0, 6), round(q.avg_service_min or 0, 6))
            for c, q in qa.items()} == {c: (q.tickets, q.served, round(q.avg_wait_min or 0, 6),
                                            round(q.avg_service_min or 0, 6)) for c, q in qb.items()}
    pa, pb = (kpi.processing_times(s, "2026-10") for s in stores)
    assert [(p.procedure_code, p.finished, round(p.avg_days, 6)) for p in pa] == [
        (p.procedure_code, p.finished, round(p.avg_days, 6)) for p in pb]


def test_fleet_and_forms_are_the_same_on_both_backends(stores):
    fa, fb = (kpi.fleet(s, now=NOW) for s in stores)
    assert [(r.commune, r.online, r.problems, r.backlog) for r in fa] == [
        (r.commune, r.online, r.problems, r.backlog) for r in fb]
    ka, kb = (kpi.form_kpis(s, "2026-11", [r.commune for r in fa]) for s in stores)
    assert {c: (k.due, k.submitted) for c, k in ka.items()} == {c: (k.due, k.submitted) for c, k in kb.items()}


def test_drilldown_search_is_the_same_on_both_backends(stores):
    a, b = (kpi.commune_dossiers(s, "00002", search="NGUYỄN VĂN 1") for s in stores)
    assert [r["id"] for r in a] == [r["id"] for r in b]
    assert a and all(json.loads(lite_data)["applicant_name"].startswith("Nguyễn Văn 1") for lite_data in (
        stores[0].scalar("SELECT data FROM dossiers WHERE id = ?", (r["id"],)) for r in a))


def test_export_and_its_audit_row_work_on_postgresql(stores, tmp_path):
    _, pg = stores
    req = export.ExportRequest("dossiers", "jsonl", tmp_path / "d.jsonl", commune="00001", actor="test")
    res = export.export(pg, req)
    rows = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    assert res.rows == len(rows) == pg.scalar("SELECT COUNT(*) FROM dossiers WHERE commune = '00001'")
    assert export.audit_log(pg)[-1]["rows"] == res.rows
