"""The province's KPIs and fleet health, computed from the central store with SQL that runs the same
on SQLite and PostgreSQL.

Definitions (docs/dashboard.md explains them for provincial staff):

- A dossier belongs to the month (local time, UTC+7) it was *received* in; month bounds are turned
  into UTC text bounds so `received_at >= ? AND received_at < ?` uses an index.
- *done on time*: status done/returned and finished before the end of its due date (local day);
  *late*: done/returned and finished after it; *in progress*: an open status or waiting for a
  supplement; *overdue now*: an open status (the deadline clock runs) and the due date before today.
- *online*: received through the portal (channel "online", level 3/4); *counter*: everything else.
- *processed electronically*: received online, or its processing was recorded in the system beyond
  intake (its status moved past "new"/"received"). The plan's target is `ELECTRONIC_TARGET` (70% of
  commune dossiers).
- Queue times come from tickets (waiting: issued → called; service: called → finished).
- Report forms due in a month are, for each form of the latest published forms document, the
  period whose report falls due that month (a monthly form: last month's report, due on its
  `due_day`); submitted ones are `form_submissions` with status "submitted".

Fleet health reads `devices` (heartbeats, Last Will) and the per-commune counts of conflicts,
quarantined messages and pending down messages.

Every function only reads, except `ensure_indexes` (idempotent `CREATE INDEX IF NOT EXISTS`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from edge.clock import LOCAL_TZ

from .central import KPI_INDEXES
from .errors import SyncError

#: the plan's target share of commune dossiers processed electronically
ELECTRONIC_TARGET = 0.70
#: a device that said it is online but has not been heard from for this long is "silent"
SILENT_AFTER_S = 15 * 60
#: fleet thresholds for problems
BACKLOG_WARN = 500
OLDEST_PENDING_WARN_S = 24 * 3600
FREE_DISK_WARN_MB = 512
FREE_DISK_BAD_MB = 128
CLOCK_DRIFT_WARN_S = 120
#: months shown in the province's trend
TREND_MONTHS = 12

OPEN_STATUSES = ("new", "received", "processing", "awaiting_fees")
IN_PROGRESS_STATUSES = OPEN_STATUSES + ("supplement_requested",)
DONE_STATUSES = ("done", "returned")
#: statuses that show the processing was recorded in the system (beyond intake)
PROCESSED_STATUSES = ("processing", "supplement_requested", "awaiting_fees", "done", "returned", "stopped")
#: the UTC time of day at which a local day ends (local midnight of the next day), e.g. "T17:00:00.000Z"
DAY_END_UTC = (datetime(2000, 1, 2, tzinfo=LOCAL_TZ).astimezone(timezone.utc).strftime("T%H:%M:%S.000Z"))


class KpiError(SyncError, ValueError):
    """A KPI request is malformed (a bad month, date range or commune code)."""


def ensure_indexes(store: Any) -> None:
    """Create the KPI indexes if missing (idempotent): a central store made by older software
    lacks them; a new one has them from the start (`sync.central.KPI_INDEXES`)."""
    with store._lock, store.db.transaction():
        for q in KPI_INDEXES:
            store.db.execute(q)


# --------------------------------------------------------------------------- months and dates

def check_month(month: str) -> str:
    """Return `month` if it is YYYY-MM, else raise KpiError naming it."""
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError
        date(int(month[:4]), int(month[5:]), 1)
    except (ValueError, TypeError):
        raise KpiError(f"month {month!r}: expected YYYY-MM, e.g. 2026-11") from None
    return month


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    return f"{y + (m == 12):04d}-{(m % 12) + 1:02d}"


def prev_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    return f"{y - (m == 1):04d}-{((m - 2) % 12) + 1:02d}"


def local_day_start_utc(d: date) -> str:
    """The UTC ISO text of local midnight at the start of day `d` (the store's timestamp format)."""
    dt = datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def month_bounds(month: str) -> tuple[str, str]:
    """[start, end) of a local month as UTC text bounds for `received_at`."""
    check_month(month)
    nxt = next_month(month)
    return (local_day_start_utc(date(int(month[:4]), int(month[5:]), 1)),
            local_day_start_utc(date(int(nxt[:4]), int(nxt[5:]), 1)))


def months_back(last: str, n: int) -> list[str]:
    """The n months ending with `last`, oldest first."""
    out = [check_month(last)]
    while len(out) < n:
        out.append(prev_month(out[-1]))
    return out[::-1]


def today_local() -> date:
    return datetime.now(LOCAL_TZ).date()


# --------------------------------------------------------------------------- dialect

def _days_between(kind: str, start: str, end: str) -> str:
    """SQL for the days between two ISO text columns on this backend."""
    if kind == "postgresql":
        return f"(EXTRACT(EPOCH FROM (CAST({end} AS timestamptz) - CAST({start} AS timestamptz))) / 86400.0)"
    return f"(julianday({end}) - julianday({start}))"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# --------------------------------------------------------------------------- dossier KPIs

@dataclass
class DossierKpi:
    """Dossier counts of one commune (or the province: commune "*") for one month."""
    commune: str
    month: str
    received: int = 0
    online: int = 0
    counter: int = 0
    electronic: int = 0
    done_on_time: int = 0
    late: int = 0
    in_progress: int = 0
    overdue_now: int = 0

    @property
    def online_share(self) -> float | None:
        return self.online / self.received if self.received else None

    @property
    def electronic_share(self) -> float | None:
        return self.electronic / self.received if self.received else None

    @property
    def on_time_share(self) -> float | None:
        done = self.done_on_time + self.late
        return self.done_on_time / done if done else None

    def add(self, other: "DossierKpi") -> None:
        for f in fields(self):
            if f.type == "int":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for k in ("online_share", "electronic_share", "on_time_share"):
            v = getattr(self, k)
            d[k] = None if v is None else round(v, 4)
        return d


def _dossier_select(today: date) -> tuple[str, list[Any]]:
    cut = today.isoformat()
    sql = (
        "COUNT(*) AS received, "
        "SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END) AS online, "
        f"SUM(CASE WHEN channel = 'online' OR status IN {_in(PROCESSED_STATUSES)} THEN 1 ELSE 0 END) AS electronic, "
        f"SUM(CASE WHEN status IN {_in(DONE_STATUSES)} AND finished_at < due_date || '{DAY_END_UTC}' "
        "THEN 1 ELSE 0 END) AS done_on_time, "
        f"SUM(CASE WHEN status IN {_in(DONE_STATUSES)} AND (finished_at IS NULL OR finished_at >= due_date || "
        f"'{DAY_END_UTC}') THEN 1 ELSE 0 END) AS late, "
        f"SUM(CASE WHEN status IN {_in(IN_PROGRESS_STATUSES)} THEN 1 ELSE 0 END) AS in_progress, "
        f"SUM(CASE WHEN status IN {_in(OPEN_STATUSES)} AND due_date < ? THEN 1 ELSE 0 END) AS overdue_now")
    return sql, [cut]


def _kpi_from_row(commune: str, month: str, r: dict[str, Any]) -> DossierKpi:
    received = int(r["received"] or 0)
    online = int(r["online"] or 0)
    return DossierKpi(commune, month, received, online, received - online, int(r["electronic"] or 0),
                      int(r["done_on_time"] or 0), int(r["late"] or 0), int(r["in_progress"] or 0),
                      int(r["overdue_now"] or 0))


def dossier_kpis(store: Any, month: str, *, today: date | None = None,
                 commune: str | None = None) -> dict[str, DossierKpi]:
    """Dossier KPIs of `month` per commune, plus the province under key "*". With `commune`, only
    that commune (and "*" equal to it). Raises KpiError for a bad month."""
    start, end = month_bounds(month)
    select, params = _dossier_select(today or today_local())
    where = "received_at >= ? AND received_at < ?"
    args: list[Any] = params + [start, end]
    if commune is not None:
        where += " AND commune = ?"
        args.append(commune)
    # SQLite: `+commune` keeps the planner on the covering reception index for a whole month
    # (grouping by the bare column makes it skip-scan the commune index and read every row).
    group = "+commune" if commune is None and store.db.kind == "sqlite" else "commune"
    rows = store.query(f"SELECT commune, {select} FROM dossiers WHERE {where} GROUP BY {group}", args)
    out = {r["commune"]: _kpi_from_row(r["commune"], month, r) for r in rows}
    out["*"] = _total(month, out)
    return out


#: rows synced this long before the last refresh's newest row are looked at again (commits that
#: started earlier but finished later, receivers' clocks a little apart)
CACHE_SAFETY_S = 120


class DossierKpiCache:
    """`dossier_kpis` per month and commune, and `processing_times` per month, kept between
    refreshes. Only what changed since the last refresh is read again: each (commune, month) whose
    dossiers changed is recomputed on its own (a few hundred rows through the commune/reception
    index), a month as a whole when more than `PAIR_LIMIT` of its communes changed, and everything
    when the day changes (overdue counts depend on today). One instance per dashboard; not
    thread-safe.

    Changes are found through `synced_at`: every row synced since `CACHE_SAFETY_S` before the last
    refresh's newest stamp is read (id, version) and compared with what was seen there last time,
    so a commit stamped earlier but finished later is not missed, and a row already counted is not
    read again."""

    PAIR_LIMIT = 40

    def __init__(self) -> None:
        self._months: dict[str, dict[str, DossierKpi]] = {}
        self._procedures: dict[str, list[ProcedureTime]] = {}
        self._today: date | None = None
        self._watermark: str | None = None
        self._window: dict[str, int] = {}
        self._forms: tuple[Any, list[dict[str, Any]]] | None = None   # (document key, form_definitions)
        self.recomputed: list[str] = []          # months read whole on the last call
        self.recomputed_pairs: list[tuple[str, str]] = []   # (commune, month) read on the last call

    def _changes(self, store: Any) -> dict[str, set[str]]:
        """month → communes whose dossiers of that month changed since the last call."""
        changed: dict[str, set[str]] = {}
        latest = store.scalar("SELECT MAX(synced_at) FROM dossiers")
        if latest is not None:
            since = _minus_seconds(self._watermark or latest, CACHE_SAFETY_S)
            rows = store.query("SELECT id, version, commune, received_at FROM dossiers WHERE synced_at >= ?",
                               (since,))
            if self._watermark is not None:
                for r in rows:
                    if self._window.get(r["id"]) != int(r["version"]):
                        changed.setdefault(_local_month(r["received_at"]), set()).add(r["commune"])
            self._window = {r["id"]: int(r["version"]) for r in rows}
        self._watermark = latest
        return changed

    def months(self, store: Any, months: list[str], today: date) -> dict[str, dict[str, DossierKpi]]:
        """KPIs per commune (and "*") for each month in `months`."""
        self.recomputed, self.recomputed_pairs = [], []
        if today != self._today:
            self._months.clear()
            self._procedures.clear()
            self._today = today
            self._watermark = None
            self._window = {}
        for month, communes in self._changes(store).items():
            self._procedures.pop(month, None)
            held = self._months.get(month)
            if held is None:
                continue
            if len(communes) > self.PAIR_LIMIT:
                del self._months[month]
                continue
            for c in sorted(communes):
                fresh = dossier_kpis(store, month, today=today, commune=c).get(c)
                if fresh is None:
                    held.pop(c, None)
                else:
                    held[c] = fresh
                self.recomputed_pairs.append((c, month))
            held["*"] = _total(month, held)
        for m in months:
            if m not in self._months:
                self._months[m] = dossier_kpis(store, m, today=today)
                self.recomputed.append(m)
        return {m: self._months[m] for m in months}

    def has(self, months: list[str], today: date) -> bool:
        """True when every month is held for `today` (a refresh then reads only what changed)."""
        return today == self._today and all(m in self._months for m in months)

    def procedures(self, store: Any, month: str) -> list[ProcedureTime]:
        """`processing_times(store, month)`, read again only after that month's dossiers changed
        (call `months` first: it finds the changes)."""
        if month not in self._procedures:
            self._procedures[month] = processing_times(store, month)
        return self._procedures[month]

    def forms(self, store: Any) -> list[dict[str, Any]]:
        """`form_definitions(store)`, read and parsed again only when the newest forms document
        changes (its version, or its publication time when a version is published again)."""
        rows = store.query("SELECT version, published_at FROM documents WHERE kind = 'forms' "
                           "ORDER BY version DESC LIMIT 1")
        key = (rows[0]["version"], rows[0]["published_at"]) if rows else None
        if self._forms is None or self._forms[0] != key:
            self._forms = (key, form_definitions(store))
        return self._forms[1]


def _total(month: str, per_commune: dict[str, DossierKpi]) -> DossierKpi:
    total = DossierKpi("*", month)
    for c, k in per_commune.items():
        if c != "*":
            total.add(k)
    return total


def _minus_seconds(ts: str, seconds: float) -> str:
    dt = _parse_ts(ts)
    if dt is None:
        return ""
    return (dt - timedelta(seconds=seconds)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _local_month(ts: str | None) -> str:
    dt = _parse_ts(ts)
    return month_of(dt.astimezone(LOCAL_TZ).date()) if dt else ""


def trend_from(months: dict[str, dict[str, DossierKpi]], commune: str = "*") -> list[DossierKpi]:
    """The trend of one commune (or "*") from cached months, oldest first."""
    return [(v.get(commune) or DossierKpi(commune, m)) for m, v in sorted(months.items())]


@dataclass(frozen=True)
class ProcedureTime:
    procedure_code: str
    finished: int
    avg_days: float


def processing_times(store: Any, month: str, *, commune: str | None = None) -> list[ProcedureTime]:
    """Average days from reception to finishing, per procedure, of dossiers received in `month` and
    done/returned, slowest first."""
    start, end = month_bounds(month)
    days = _days_between(store.db.kind, "received_at", "finished_at")
    where = f"received_at >= ? AND received_at < ? AND status IN {_in(DONE_STATUSES)} AND finished_at IS NOT NULL"
    args: list[Any] = [start, end]
    if commune is not None:
        where += " AND commune = ?"
        args.append(commune)
    rows = store.query(f"SELECT procedure_code, COUNT(*) AS n, AVG({days}) AS avg_days FROM dossiers "
                       f"WHERE {where} GROUP BY procedure_code", args)
    out = [ProcedureTime(r["procedure_code"], int(r["n"]), float(r["avg_days"] or 0.0)) for r in rows]
    return sorted(out, key=lambda p: (-p.avg_days, p.procedure_code))


@dataclass
class QueueKpi:
    commune: str
    month: str
    tickets: int = 0
    served: int = 0
    avg_wait_min: float | None = None
    avg_service_min: float | None = None


def queue_kpis(store: Any, month: str, *, commune: str | None = None) -> dict[str, QueueKpi]:
    """Tickets of `month` per commune (and "*"): count, served, average waiting and service minutes."""
    check_month(month)
    nxt = next_month(month)
    wait = _days_between(store.db.kind, "issued_at", "called_at")
    serve = _days_between(store.db.kind, "called_at", "finished_at")
    where = "day >= ? AND day < ?"
    args: list[Any] = [f"{month}-01", f"{nxt}-01"]
    if commune is not None:
        where += " AND commune = ?"
        args.append(commune)
    sel = ("COUNT(*) AS n, SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS served, "
           f"SUM(CASE WHEN called_at IS NOT NULL THEN {wait} ELSE 0 END) AS wait_sum, "
           "SUM(CASE WHEN called_at IS NOT NULL THEN 1 ELSE 0 END) AS wait_n, "
           f"SUM(CASE WHEN finished_at IS NOT NULL AND called_at IS NOT NULL THEN {serve} ELSE 0 END) AS serve_sum, "
           "SUM(CASE WHEN finished_at IS NOT NULL AND called_at IS NOT NULL THEN 1 ELSE 0 END) AS serve_n")
    rows = store.query(f"SELECT commune, {sel} FROM tickets WHERE {where} GROUP BY commune", args)
    out: dict[str, QueueKpi] = {}
    tot = {"n": 0, "served": 0, "wait_sum": 0.0, "wait_n": 0, "serve_sum": 0.0, "serve_n": 0}
    for r in rows:
        vals = {k: float(r[k] or 0) for k in tot}
        for k in tot:
            tot[k] += vals[k]
        out[r["commune"]] = _queue(r["commune"], month, vals)
    out["*"] = _queue("*", month, tot)
    return out


def _queue(commune: str, month: str, v: dict[str, Any]) -> QueueKpi:
    return QueueKpi(commune, month, int(v["n"]), int(v["served"]),
                    float(v["wait_sum"]) * 1440 / int(v["wait_n"]) if v["wait_n"] else None,
                    float(v["serve_sum"]) * 1440 / int(v["serve_n"]) if v["serve_n"] else None)


# --------------------------------------------------------------------------- report forms

BUNDLED_FORMS = Path(__file__).resolve().parent.parent / "edge" / "data" / "forms-demo.json"


def form_definitions(store: Any) -> list[dict[str, Any]]:
    """The forms of the latest published forms document ({code, period, due_day, title}); the bundled
    demo forms when the province has published none."""
    body = store.scalar("SELECT body FROM documents WHERE kind = 'forms' ORDER BY version DESC LIMIT 1")
    try:
        doc = json.loads(body) if body else json.loads(BUNDLED_FORMS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for f in doc.get("forms") or []:
        if isinstance(f, dict) and isinstance(f.get("code"), str):
            out.append({"code": f["code"], "period": f.get("period", "monthly"),
                        "due_day": int(f.get("due_day") or 5), "title": f.get("title", f["code"])})
    return out


def periods_due_in(kind: str, month: str) -> list[str]:
    """The report period of kind `kind` whose report falls due in `month` (its due day is in the
    month after the period ends): none for "once", or when no period ended the month before."""
    prev = prev_month(month)
    y, m = int(prev[:4]), int(prev[5:])
    if kind == "monthly":
        return [prev]
    if kind == "quarterly":
        return [f"{y}-Q{m // 3}"] if m % 3 == 0 else []
    if kind == "yearly":
        return [str(y)] if m == 12 else []
    return []


@dataclass
class FormKpi:
    commune: str
    month: str
    due: int = 0
    submitted: int = 0
    drafts: int = 0


def form_kpis(store: Any, month: str, communes: Iterable[str], *,
              definitions: list[dict[str, Any]] | None = None) -> dict[str, FormKpi]:
    """Per commune (and "*"): reports that fall due in `month` (last month's for a monthly form), how
    many were submitted and how many are still drafts. `definitions`: `form_definitions(store)`
    when already read (`DossierKpiCache.forms`)."""
    check_month(month)
    if definitions is None:
        definitions = form_definitions(store)
    wanted = [(f["code"], p) for f in definitions for p in periods_due_in(f["period"], month)]
    communes = sorted(set(communes))
    out = {c: FormKpi(c, month, due=len(wanted)) for c in communes}
    if wanted:
        cond = " OR ".join("(form_code = ? AND period = ?)" for _ in wanted)
        rows = store.query(f"SELECT commune, status, COUNT(*) AS n FROM form_submissions WHERE {cond} "
                           "GROUP BY commune, status", [x for w in wanted for x in w])
        for r in rows:
            k = out.setdefault(r["commune"], FormKpi(r["commune"], month, due=len(wanted)))
            if r["status"] == "submitted":
                k.submitted += int(r["n"])
            else:
                k.drafts += int(r["n"])
    tot = FormKpi("*", month)
    for k in out.values():
        tot.due += k.due
        tot.submitted += k.submitted
        tot.drafts += k.drafts
    out["*"] = tot
    return out


# --------------------------------------------------------------------------- fleet

@dataclass
class FleetRow:
    """One commune's health. `problems` are codes (see PROBLEMS); `severity` 2 = red, 1 = yellow."""
    commune: str
    devices: int
    online: bool
    last_seen: str | None
    backlog: int | None
    oldest_pending_age_s: float | None
    free_disk_mb: int | None
    clock_drift_s: float | None
    software: str | None
    catalogue_version: int | None
    printer: str | None
    modem: str | None
    conflicts: int = 0
    quarantined: int = 0
    pending_down: int = 0
    problems: list[str] = field(default_factory=list)
    severity: int = 0
    name: str | None = None

    @property
    def needs_technician(self) -> bool:
        return any(p in TECHNICIAN_PROBLEMS for p in self.problems)


#: problem code → severity
PROBLEMS = {"offline": 2, "silent": 2, "disk_low": 2, "conflicts": 2, "disk_warn": 1, "clock": 1,
            "backlog": 1, "stale": 1, "printer": 1, "modem": 1, "software": 1, "catalogue": 1,
            "quarantine": 1}
TECHNICIAN_PROBLEMS = frozenset({"offline", "silent", "disk_low", "disk_warn", "clock", "printer", "modem",
                                 "software"})
OK_DEVICE_STATES = ("ok", "ready", "online", "connected", "idle", "none", "absent", "not configured")


def _parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _version_key(v: str | None) -> tuple:
    parts = []
    for p in (v or "").replace("-", ".").split("."):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return tuple(parts)


def _device_state(hb: dict[str, Any], name: str) -> str | None:
    extra = hb.get("extra") if isinstance(hb.get("extra"), dict) else {}
    v = extra.get(name)
    if isinstance(v, dict):
        v = v.get("state") or v.get("status")
    return None if v is None else str(v)


def fleet(store: Any, *, now: datetime | None = None) -> list[FleetRow]:
    """Every commune heard from, problems first (most severe, then longest unseen), then by code."""
    now = now or datetime.now(timezone.utc)
    devs = store.query("SELECT commune, device, online, last_seen, heartbeat, heartbeat_at, backlog, software "
                       "FROM devices")
    conf = {r["commune"]: int(r["n"]) for r in store.query("SELECT commune, COUNT(*) AS n FROM conflicts "
                                                           "GROUP BY commune")}
    quar = {r["commune"]: int(r["n"]) for r in store.query("SELECT commune, COUNT(*) AS n FROM quarantine "
                                                           "WHERE commune IS NOT NULL GROUP BY commune")}
    down = {r["commune"]: int(r["n"]) for r in store.query("SELECT commune, COUNT(*) AS n FROM outbound "
                                                           "WHERE done_at IS NULL GROUP BY commune")}
    cat_latest = store.scalar("SELECT MAX(version) FROM documents WHERE kind = 'catalogue'")
    by_commune: dict[str, list[dict[str, Any]]] = {}
    for d in devs:
        by_commune.setdefault(d["commune"], []).append(d)
    rows: list[FleetRow] = []
    for commune, ds in by_commune.items():
        rows.append(_fleet_row(commune, ds, now, conf.get(commune, 0), quar.get(commune, 0),
                               down.get(commune, 0)))
    for c in set(conf) | set(quar):
        if c not in by_commune:
            rows.append(FleetRow(c, 0, False, None, None, None, None, None, None, None, None, None,
                                 conf.get(c, 0), quar.get(c, 0), down.get(c, 0)))
    newest_sw = max((r.software for r in rows if r.software), key=_version_key, default=None)
    # the published catalogue is the newest; without one, the newest any commune reports
    if cat_latest is not None:
        newest_cat = int(cat_latest)
    else:
        newest_cat = max((r.catalogue_version for r in rows if r.catalogue_version is not None), default=None)
    for r in rows:
        _judge(r, now, newest_sw, newest_cat)
    rows.sort(key=lambda r: (-r.severity, r.last_seen or "", r.commune) if r.severity
              else (0, "", r.commune))
    return rows


def _fleet_row(commune: str, ds: list[dict[str, Any]], now: datetime, conflicts: int, quarantined: int,
               pending_down: int) -> FleetRow:
    online = any(int(d["online"] or 0) for d in ds)
    last_seen = max((d["last_seen"] for d in ds if d["last_seen"]), default=None)
    backlog = None
    oldest = None
    free = None
    drift = None
    cat = None
    printer = modem = name = None
    software = None
    newest = max(ds, key=lambda d: d["heartbeat_at"] or "")
    for d in ds:
        hb: dict[str, Any] = {}
        try:
            hb = json.loads(d["heartbeat"]) if d["heartbeat"] else {}
        except ValueError:
            hb = {}
        if d["backlog"] is not None:
            backlog = (backlog or 0) + int(d["backlog"])
        age = hb.get("oldest_pending_age_s")
        if isinstance(age, (int, float)) and int(d["backlog"] or 0) > 0:
            oldest = max(oldest or 0.0, float(age))
        fd = hb.get("free_disk_mb")
        if isinstance(fd, int):
            free = fd if free is None else min(free, fd)
        sent, got = _parse_ts(hb.get("clock")), _parse_ts(d["heartbeat_at"])
        if sent and got:
            dr = (sent - got).total_seconds()
            if drift is None or abs(dr) > abs(drift):
                drift = dr
        if d is newest:
            cat = hb.get("catalogue_version") if isinstance(hb.get("catalogue_version"), int) else None
            printer, modem = _device_state(hb, "printer"), _device_state(hb, "modem")
            software = d["software"] or hb.get("software") or None
            extra = hb.get("extra") if isinstance(hb.get("extra"), dict) else {}
            name = extra.get("commune_name") if isinstance(extra.get("commune_name"), str) else name
    return FleetRow(commune, len(ds), online, last_seen, backlog, oldest, free, drift, software, cat, printer,
                    modem, conflicts, quarantined, pending_down, name=name)


def _judge(r: FleetRow, now: datetime, newest_sw: str | None, newest_cat: int | None) -> None:
    p: list[str] = []
    seen = _parse_ts(r.last_seen)
    if r.devices and not r.online:
        p.append("offline")
    elif r.online and seen is not None and (now - seen).total_seconds() > SILENT_AFTER_S:
        p.append("silent")
    if r.free_disk_mb is not None:
        if r.free_disk_mb < FREE_DISK_BAD_MB:
            p.append("disk_low")
        elif r.free_disk_mb < FREE_DISK_WARN_MB:
            p.append("disk_warn")
    if r.conflicts:
        p.append("conflicts")
    if r.quarantined:
        p.append("quarantine")
    if r.clock_drift_s is not None and abs(r.clock_drift_s) > CLOCK_DRIFT_WARN_S:
        p.append("clock")
    if r.backlog is not None and r.backlog > BACKLOG_WARN:
        p.append("backlog")
    if r.oldest_pending_age_s is not None and r.oldest_pending_age_s > OLDEST_PENDING_WARN_S:
        p.append("stale")
    for name in ("printer", "modem"):
        state = getattr(r, name)
        if state is not None and state.lower() not in OK_DEVICE_STATES:
            p.append(name)
    if r.software and newest_sw and _version_key(r.software) < _version_key(newest_sw):
        p.append("software")
    if r.catalogue_version is not None and newest_cat is not None and r.catalogue_version < newest_cat:
        p.append("catalogue")
    r.problems = p
    r.severity = max((PROBLEMS[x] for x in p), default=0)


# --------------------------------------------------------------------------- drill-down

DOSSIER_LIST_LIMIT = 500


def commune_dossiers(store: Any, commune: str, *, status: str | None = None, search: str = "",
                     limit: int = DOSSIER_LIST_LIMIT) -> list[dict[str, Any]]:
    """A commune's dossiers, newest first: code, procedure, status, channel, received, due, finished.
    `search` matches the code, the procedure code or the applicant's name (case-insensitive)."""
    where = ["commune = ?"]
    args: list[Any] = [commune]
    if status:
        where.append("status = ?")
        args.append(status)
    if search.strip():
        like = f"%{search.strip().lower()}%"
        where.append("(LOWER(code) LIKE ? OR LOWER(procedure_code) LIKE ? OR LOWER(data) LIKE ?)")
        args += [like, like, like]
    return store.query("SELECT id, code, procedure_code, status, channel, received_at, due_date, finished_at, "
                       f"version FROM dossiers WHERE {' AND '.join(where)} ORDER BY received_at DESC, id "
                       f"LIMIT {int(limit)}", args)


def dossier_history(store: Any, dossier_id: str) -> list[dict[str, Any]]:
    """A dossier's status history, oldest first."""
    return store.query("SELECT at, from_status, to_status, actor, note FROM dossier_history "
                       "WHERE dossier_id = ? ORDER BY at, id", (dossier_id,))


def commune_conflicts(store: Any, commune: str) -> list[dict[str, Any]]:
    return store.query("SELECT cid, detected_at, tbl, record_id, version, device, seq, held_device, held_seq "
                       "FROM conflicts WHERE commune = ? ORDER BY cid DESC LIMIT 200", (commune,))


def commune_quarantine(store: Any, commune: str | None) -> list[dict[str, Any]]:
    """Quarantined messages of a commune (None: those whose commune could not be told), newest first."""
    if commune is None:
        return store.query("SELECT qid, received_at, topic, reason, size FROM quarantine WHERE commune IS NULL "
                           "ORDER BY qid DESC LIMIT 200")
    return store.query("SELECT qid, received_at, topic, reason, size FROM quarantine WHERE commune = ? "
                       "ORDER BY qid DESC LIMIT 200", (commune,))
