"""`province-hub export`: dossiers, tickets, report forms and KPIs as CSV or JSON lines, for the
province's data-sharing platform.

    province-hub export dossiers|tickets|forms|kpis --format csv|jsonl --out FILE
        [--commune CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--include-personal]

Dates are local (UTC+7) days, both ends included: dossiers by reception, tickets by their day,
report forms by the first day of their period, KPIs by month. Personal data (the applicant's name,
ID number, date of birth, sex, address and phone) is left out unless `--include-personal` is given.
Every export, with its filters, row count and the file's SHA-256, is written to the central audit
log (`export_audit`, created by `ensure_audit_table`). The file is written to a temporary name and
renamed when complete, so a failed export leaves no partial file.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import kpi
from .errors import SyncError

KINDS = ("dossiers", "tickets", "forms", "kpis")
FORMATS = ("csv", "jsonl")
FETCH_ROWS = 5000
AUDIT_TABLE = "export_audit"

#: personal fields of a dossier, kept in its JSON `data`
PERSONAL_COLUMNS = ("applicant_name", "applicant_id_number", "applicant_dob", "applicant_sex",
                    "applicant_address", "applicant_phone")
DOSSIER_COLUMNS = ("id", "commune", "code", "procedure_code", "catalogue_version", "channel", "portal_id",
                   "status", "received_at", "due_date", "paused_working_days", "finished_at", "officer",
                   "version", "updated_at")
TICKET_COLUMNS = ("id", "commune", "day", "service", "number", "label", "priority", "status", "issued_at",
                  "called_at", "finished_at", "counter", "recalls", "dossier_id", "version", "updated_at")
FORM_COLUMNS = ("id", "commune", "form_code", "form_version", "period", "status", "submitted_at", "values",
                "version", "updated_at")
KPI_COLUMNS = ("commune", "month", "received", "online", "counter", "electronic", "done_on_time", "late",
               "in_progress", "overdue_now", "online_share", "electronic_share", "on_time_share",
               "tickets", "avg_wait_min", "avg_service_min", "forms_due", "forms_submitted")


class ExportError(SyncError, ValueError):
    """An export request is malformed or its file cannot be written."""


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    format: str
    out: Path
    commune: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    include_personal: bool = False
    actor: str = ""

    def filters(self) -> dict[str, Any]:
        return {"commune": self.commune, "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None}


@dataclass(frozen=True)
class ExportResult:
    rows: int
    path: Path
    sha256: str
    columns: tuple[str, ...]


def parse_date(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value. Raises ExportError naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(f"{option} {text!r}: expected a date YYYY-MM-DD, e.g. 2026-11-01") from None


def check_request(req: ExportRequest) -> None:
    """Raise ExportError for an unknown kind/format, a bad commune code or an inverted date range."""
    if req.kind not in KINDS:
        raise ExportError(f"export {req.kind!r}: expected one of {', '.join(KINDS)}")
    if req.format not in FORMATS:
        raise ExportError(f"--format {req.format!r}: expected one of {', '.join(FORMATS)}")
    if req.commune is not None and not (req.commune.isdigit() and len(req.commune) == 5):
        raise ExportError(f"--commune {req.commune!r}: expected a 5-digit commune code")
    if req.date_from and req.date_to and req.date_from > req.date_to:
        raise ExportError(f"--from {req.date_from} is after --to {req.date_to}")
    if req.out.is_dir():
        raise ExportError(f"--out {req.out}: is a folder; give a file name")
    if not req.out.parent.exists():
        raise ExportError(f"--out {req.out}: folder {req.out.parent} does not exist")


# --------------------------------------------------------------------------- records

def _range_filter(col: str, req: ExportRequest, *, utc: bool) -> tuple[list[str], list[Any]]:
    where, args = [], []
    if req.commune:
        where.append("commune = ?")
        args.append(req.commune)
    if req.date_from:
        where.append(f"{col} >= ?")
        args.append(kpi.local_day_start_utc(req.date_from) if utc else req.date_from.isoformat())
    if req.date_to:
        nxt = req.date_to + timedelta(days=1)
        where.append(f"{col} < ?")
        args.append(kpi.local_day_start_utc(nxt) if utc else nxt.isoformat())
    return where, args


def _stream(store: Any, sql: str, args: Sequence[Any]) -> Iterator[dict[str, Any]]:
    with store._lock:
        cur = store.db.execute(sql, args)
        names = [d[0] for d in cur.description]
        while True:
            chunk = cur.fetchmany(FETCH_ROWS)
            if not chunk:
                return
            for r in chunk:
                yield dict(zip(names, r))


def columns_for(req: ExportRequest) -> tuple[str, ...]:
    if req.kind == "dossiers":
        return DOSSIER_COLUMNS + (PERSONAL_COLUMNS if req.include_personal else ())
    return {"tickets": TICKET_COLUMNS, "forms": FORM_COLUMNS, "kpis": KPI_COLUMNS}[req.kind]


def records(store: Any, req: ExportRequest) -> Iterator[dict[str, Any]]:
    """The records of an export, each a dict over `columns_for(req)`, in a stable order."""
    if req.kind == "dossiers":
        where, args = _range_filter("received_at", req, utc=True)
        sql = (f"SELECT {', '.join(DOSSIER_COLUMNS)}, data FROM dossiers"
               + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY commune, received_at, id")
        for r in _stream(store, sql, args):
            data = r.pop("data")
            if req.include_personal:
                d = json.loads(data)
                for c in PERSONAL_COLUMNS:
                    r[c] = d.get(c)
            yield r
    elif req.kind == "tickets":
        where, args = _range_filter("day", req, utc=False)
        sql = (f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets"
               + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY commune, day, issued_at, id")
        yield from _stream(store, sql, args)
    elif req.kind == "forms":
        where, args = (["commune = ?"], [req.commune]) if req.commune else ([], [])
        sql = ("SELECT id, commune, form_code, form_version, period, status, submitted_at, data, version, "
               "updated_at FROM form_submissions" + (f" WHERE {' AND '.join(where)}" if where else "")
               + " ORDER BY commune, form_code, period, id")
        for r in _stream(store, sql, args):
            start = _period_start(r["period"])
            if (req.date_from and (start is None or start < req.date_from)) or (
                    req.date_to and (start is None or start > req.date_to)):
                continue
            data = json.loads(r.pop("data"))
            r["values"] = json.dumps(data.get("values"), ensure_ascii=False, sort_keys=True) \
                if not isinstance(data.get("values"), str) else data["values"]
            yield {c: r.get(c) for c in FORM_COLUMNS}
    else:
        yield from kpi_records(store, req)


def _period_start(period: str | None) -> date | None:
    """The first day of a form period: "2026-11", "2026-Q4" or "2026" (None for "once")."""
    try:
        if period and len(period) == 7 and period[4:6] == "-Q":
            return date(int(period[:4]), 3 * int(period[6]) - 2, 1)
        if period and len(period) == 7 and period[4] == "-":
            return date(int(period[:4]), int(period[5:]), 1)
        if period and len(period) == 4:
            return date(int(period), 1, 1)
    except ValueError:
        return None
    return None


def kpi_records(store: Any, req: ExportRequest) -> Iterator[dict[str, Any]]:
    """One record per commune and month (commune "*" is the province), months of the date range
    (default: the last 12 months)."""
    today = kpi.today_local()
    last = kpi.month_of(req.date_to or today)
    first = kpi.month_of(req.date_from) if req.date_from else kpi.months_back(last, kpi.TREND_MONTHS)[0]
    months = [first]
    while months[-1] < last:
        months.append(kpi.next_month(months[-1]))
    for m in months:
        dk = kpi.dossier_kpis(store, m, today=today, commune=req.commune)
        qk = kpi.queue_kpis(store, m, commune=req.commune)
        communes = sorted(c for c in set(dk) | set(qk) if c != "*")
        fk = kpi.form_kpis(store, m, communes)
        for c in communes + ["*"]:
            d = dk.get(c) or kpi.DossierKpi(c, m)
            q = qk.get(c) or kpi.QueueKpi(c, m)
            f = fk.get(c) or kpi.FormKpi(c, m)
            rec = d.as_dict()
            rec.update({"tickets": q.tickets,
                        "avg_wait_min": None if q.avg_wait_min is None else round(q.avg_wait_min, 2),
                        "avg_service_min": None if q.avg_service_min is None else round(q.avg_service_min, 2),
                        "forms_due": f.due, "forms_submitted": f.submitted})
            yield {k: rec.get(k) for k in KPI_COLUMNS}


# --------------------------------------------------------------------------- writing

def _cell(v: Any) -> Any:
    return "" if v is None else v


def export(store: Any, req: ExportRequest) -> ExportResult:
    """Write an export file and its audit row. Raises ExportError (bad request, file not writable);
    on any failure no file is left at `req.out` and no audit row is written."""
    check_request(req)
    cols = columns_for(req)
    tmp = req.out.with_name(f".{req.out.name}.part-{os.getpid()}")
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            if req.format == "csv":
                w = csv.writer(f)
                w.writerow(cols)
                for r in records(store, req):
                    w.writerow([_cell(r.get(c)) for c in cols])
                    n += 1
            else:
                for r in records(store, req):
                    f.write(json.dumps({c: r.get(c) for c in cols}, ensure_ascii=False) + "\n")
                    n += 1
            f.flush()
            os.fsync(f.fileno())
        with open(tmp, "rb") as fb:          # streamed: an export can be larger than memory
            sha = hashlib.file_digest(fb, "sha256").hexdigest()
        record_audit(store, req, n, sha)
        os.replace(tmp, req.out)
    except OSError as e:
        raise ExportError(f"--out {req.out}: cannot write: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return ExportResult(n, req.out, sha, cols)


def ensure_audit_table(store: Any) -> None:
    """Create the central export audit log if missing (idempotent)."""
    b = store.db
    with store._lock, b.transaction():
        b.execute(f"""CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
            eid {b.serial}, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, format TEXT NOT NULL,
            path TEXT NOT NULL, filters TEXT NOT NULL, include_personal INTEGER NOT NULL,
            rows {b.bigint} NOT NULL, sha256 TEXT NOT NULL)""")


def record_audit(store: Any, req: ExportRequest, rows: int, sha: str) -> None:
    from .central import utcnow
    ensure_audit_table(store)
    with store._lock, store.db.transaction():
        store.db.execute(f"INSERT INTO {AUDIT_TABLE} (at, actor, kind, format, path, filters, include_personal, "
                         "rows, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (utcnow(), req.actor or _actor(), req.kind, req.format, str(req.out.resolve()),
                          json.dumps(req.filters(), sort_keys=True), int(req.include_personal), rows, sha))


def audit_log(store: Any) -> list[dict[str, Any]]:
    """Every export recorded, oldest first."""
    ensure_audit_table(store)
    return store.query(f"SELECT * FROM {AUDIT_TABLE} ORDER BY eid")


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


# --------------------------------------------------------------------------- CLI

def cmd_export(args: argparse.Namespace) -> int:
    from .central import CentralStore
    from .config import load
    req = ExportRequest(kind=args.kind, format=args.format, out=Path(args.out), commune=args.commune,
                        date_from=parse_date(args.date_from, "--from"), date_to=parse_date(args.date_to, "--to"),
                        include_personal=args.include_personal, actor=args.actor or "")
    check_request(req)
    cfg = load(args.config)
    with CentralStore(cfg.store_url) as store:
        res = export(store, req)
    print(f"exported {res.rows} {req.kind} record(s) to {res.path} ({req.format}"
          + (", with personal data" if req.include_personal else ", personal data left out")
          + f"); sha256 {res.sha256}")
    return 0


def register(subparsers: Any) -> None:
    """Add `export` to the `province-hub` sub-commands."""
    e = subparsers.add_parser("export", help="export dossiers, tickets, report forms or KPIs as CSV or JSON lines")
    e.add_argument("kind", choices=KINDS)
    e.add_argument("--format", choices=FORMATS, default="csv")
    e.add_argument("--out", required=True, help="the file to write")
    e.add_argument("--commune", help="only this commune (5-digit code)")
    e.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD (local)")
    e.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (local), included")
    e.add_argument("--include-personal", action="store_true",
                   help="include the applicant's name, ID number, date of birth, sex, address and phone")
    e.add_argument("--actor", help="who exports (default: the login name), kept in the audit log")
    e.set_defaults(func=cmd_export)
