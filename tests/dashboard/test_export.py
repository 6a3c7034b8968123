"""`province-hub export`: CSV and JSON lines parse back to the records the communes hold; personal
columns only with --include-personal; every export in the central audit log; bad requests refused."""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import json

import pytest

from sync import export, kpi
from tests.dashboard.conftest import local_month, wait_for

TYPED = ("id", "commune", "code", "procedure_code", "channel", "portal_id", "status", "received_at", "due_date",
         "finished_at", "officer", "version")


def run(province, *argv: str) -> int:
    """`province-hub --config … export …` through the sub-command `register` adds."""
    p = argparse.ArgumentParser(prog="province-hub")
    p.add_argument("--config")
    sub = p.add_subparsers(dest="command", required=True)
    export.register(sub)
    args = p.parse_args(["--config", str(province.config), "export", *argv])
    return args.func(args)


def edge_dossiers(province, codes=None) -> dict[str, dict]:
    for code in province.communes:
        if code != "00003":
            assert wait_for(lambda: province.synced(code))
    return {d["id"]: d for code, c in province.communes.items() if codes is None or code in codes
            for d in c.edge_rows("dossiers")}


def as_text(v) -> str:
    return "" if v is None else str(v)


def test_csv_export_parses_back_to_the_communes_dossiers(province, tmp_path):
    out = tmp_path / "dossiers.csv"
    assert run(province, "dossiers", "--format", "csv", "--out", str(out)) == 0
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    edge = edge_dossiers(province)
    assert {r["id"] for r in rows} == set(edge)
    for r in rows:
        assert {k: r[k] for k in TYPED} == {k: as_text(edge[r["id"]][k]) for k in TYPED}


def test_jsonl_export_parses_back_to_the_communes_dossiers(province, tmp_path):
    out = tmp_path / "dossiers.jsonl"
    run(province, "dossiers", "--format", "jsonl", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    edge = edge_dossiers(province)
    assert {r["id"] for r in rows} == set(edge)
    for r in rows:
        assert {k: r[k] for k in TYPED} == {k: edge[r["id"]][k] for k in TYPED}


def test_personal_columns_are_absent_without_the_flag(province, tmp_path):
    out = tmp_path / "d.csv"
    run(province, "dossiers", "--format", "csv", "--out", str(out))
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    text = out.read_text(encoding="utf-8")
    assert not set(export.PERSONAL_COLUMNS) & set(header)
    some = next(iter(edge_dossiers(province).values()))
    assert some["applicant_id_number"] not in text and some["applicant_phone"] not in text


def test_personal_columns_are_exported_with_the_flag(province, tmp_path):
    out = tmp_path / "d.jsonl"
    run(province, "dossiers", "--format", "jsonl", "--out", str(out), "--include-personal")
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for rid, d in edge_dossiers(province).items():
        assert {k: rows[rid][k] for k in export.PERSONAL_COLUMNS} == {k: d[k] for k in export.PERSONAL_COLUMNS}


def test_commune_and_date_filters_select_the_matching_dossiers(province, tmp_path):
    edge = edge_dossiers(province, {"00001"})
    month = max(local_month(d["received_at"]) for d in edge.values())
    out = tmp_path / "d.jsonl"
    last_day = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    run(province, "dossiers", "--format", "jsonl", "--out", str(out), "--commune", "00001",
        "--from", f"{month}-01", "--to", f"{month}-{last_day:02d}")
    got = {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert got == {i for i, d in edge.items() if local_month(d["received_at"]) == month}
    assert got


def test_tickets_and_forms_export_every_record(province, tmp_path):
    run(province, "tickets", "--format", "csv", "--out", str(tmp_path / "t.csv"))
    run(province, "forms", "--format", "jsonl", "--out", str(tmp_path / "f.jsonl"))
    with open(tmp_path / "t.csv", encoding="utf-8", newline="") as f:
        tickets = {r["id"]: r for r in csv.DictReader(f)}
    forms = [json.loads(x) for x in (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()]
    edge_t = {t["id"]: t for c in province.communes.values() for t in c.edge_rows("tickets")}
    edge_f = {f["id"]: f for c in province.communes.values() for f in c.edge_rows("form_submissions")}
    assert set(tickets) == set(edge_t)
    assert all(tickets[i]["label"] == edge_t[i]["label"] and tickets[i]["status"] == edge_t[i]["status"]
               for i in tickets)
    assert {f["id"]: (f["period"], f["values"]) for f in forms} == {
        i: (f["period"], f["values"]) for i, f in edge_f.items()}


def test_kpi_export_matches_the_dashboards_figures(province, tmp_path):
    edge_dossiers(province)
    out = tmp_path / "k.csv"
    run(province, "kpis", "--format", "csv", "--out", str(out))
    with open(out, encoding="utf-8", newline="") as f:
        rows = {(r["commune"], r["month"]): r for r in csv.DictReader(f)}
    month = province.data_month()
    with province.open_central() as central:
        want = kpi.dossier_kpis(central, month)
    assert want
    for commune, k in want.items():
        r = rows[(commune, month)]
        assert [int(r[c]) for c in ("received", "done_on_time", "late", "in_progress", "overdue_now")] == [
            k.received, k.done_on_time, k.late, k.in_progress, k.overdue_now]
    assert len({m for _, m in rows}) == kpi.TREND_MONTHS


def test_each_export_is_written_to_the_central_audit_log(province, tmp_path):
    out = tmp_path / "audit-check.csv"
    run(province, "dossiers", "--format", "csv", "--out", str(out), "--commune", "00002", "--include-personal",
        "--actor", "phongcds")
    with province.open_central() as central:
        last = export.audit_log(central)[-1]
    assert (last["actor"], last["kind"], last["format"], last["include_personal"]) == ("phongcds", "dossiers",
                                                                                     "csv", 1)
    assert json.loads(last["filters"])["commune"] == "00002"
    assert last["path"] == str(out.resolve())
    assert last["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert last["rows"] == len(out.read_text(encoding="utf-8").splitlines()) - 1


@pytest.mark.parametrize("argv, message", [
    (["dossiers", "--from", "2026-13-01"], "--from '2026-13-01': expected a date YYYY-MM-DD"),
    (["dossiers", "--from", "2026-11-02", "--to", "2026-11-01"], "--from 2026-11-02 is after --to 2026-11-01"),
    (["tickets", "--commune", "12"], "--commune '12': expected a 5-digit commune code"),
])
def test_bad_request_is_refused_and_writes_nothing(province, tmp_path, argv, message):
    out = tmp_path / "never.csv"
    with province.open_central() as central:
        before = len(export.audit_log(central))
    with pytest.raises(export.ExportError, match=message.replace("(", r"\(").replace("'", "'")):
        run(province, *argv, "--out", str(out))
    assert not out.exists()
    with province.open_central() as central:
        assert len(export.audit_log(central)) == before


def test_out_in_a_missing_folder_is_refused(province, tmp_path):
    with pytest.raises(export.ExportError, match="does not exist"):
        run(province, "dossiers", "--out", str(tmp_path / "nope" / "d.csv"))


def test_forms_export_filters_monthly_quarterly_and_yearly_periods_by_date(tmp_path):
    from datetime import date
    from sync import wire
    from sync.central import CentralStore
    subs = [{"id": f"f-{p}", "commune": "00001", "version": 1, "hlc": 1, "form_code": "BC01", "form_version": 1,
             "period": p, "status": "submitted", "submitted_at": "2026-12-01T00:00:00Z", "values": {"a": 1}}
            for p in ("2026-09", "2026-Q3", "2026-Q4", "2026-11", "2025", "2026", "once")]
    rows = tuple(wire.Row(i + 1, "form_submissions", r["id"], 1, 1, wire.canonical(r)) for i, r in enumerate(subs))
    with CentralStore(f"sqlite:///{tmp_path}/central.db") as store:
        store.commit_batch(wire.Batch.of("00001", "dev-1", 1, len(rows), rows))
        req = export.ExportRequest("forms", "jsonl", tmp_path / "f.jsonl", date_from=date(2026, 10, 1),
                                   date_to=date(2026, 12, 31))
        got = sorted(r["period"] for r in export.records(store, req))
    assert got == ["2026-11", "2026-Q4"]
