"""Queue tickets: daily numbering per service, priority tickets, call / recall / skip / transfer.

Each service numbers its tickets per day from 1, normal and priority tickets in their own series
(`A012`, `U003`); the letters come from `SERVICE_LETTERS`. Priority tickets (elderly, disabled,
pregnant) are called first, but never more than `MAX_PRIORITY_IN_A_ROW` in a row while normal
tickets wait, so the normal queue still moves. A number is taken inside the write transaction
(BEGIN IMMEDIATE), so two kiosks or threads never issue the same one.

Statuses: waiting → called → done, or → skipped; `transfer` puts a ticket back to waiting in
another service's queue where it keeps its place by issue time (and its label). Every change is a
synced record written through `edge.records`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import records
from .clock import local_now, parse_iso, to_local
from .errors import NotFoundError, TransitionError, ValidationError

if TYPE_CHECKING:
    from .store import Store

#: service → (letter of normal tickets, letter of priority tickets). Configurable per office.
SERVICE_LETTERS: dict[str, tuple[str, str]] = {
    "general": ("A", "U"),
    "civil_status": ("B", "V"),
    "certification": ("C", "X"),
}
#: service → its name on screens and slips
SERVICE_NAMES: dict[str, str] = {
    "general": "Tiếp nhận và trả kết quả",
    "civil_status": "Hộ tịch",
    "certification": "Chứng thực",
}
#: at most this many priority tickets are called in a row while a normal ticket waits
MAX_PRIORITY_IN_A_ROW = 2
STATUSES = ("waiting", "called", "done", "skipped")
MAX_COUNTER_CHARS = 20
TABLE = "tickets"


@dataclass(frozen=True)
class Ticket:
    """One queue ticket. `service` is the queue it is in now; `origin_service` the one that numbered
    it (they differ after a transfer). Times are ISO UTC text as stored."""

    id: str
    day: str                   # YYYY-MM-DD, local date of issue
    service: str
    number: int
    label: str
    priority: bool
    status: str
    issued_at: str
    called_at: str | None
    finished_at: str | None
    counter: str | None
    recalls: int
    dossier_id: str | None
    origin_service: str = ""
    version: int = 1

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Ticket":
        names = {f.name for f in fields(cls)} - {"service", "origin_service", "priority"}
        return cls(service=row.get("queue") or row["service"], origin_service=row["service"],
                   priority=bool(row["priority"]), **{k: row[k] for k in names})

    @property
    def service_name(self) -> str:
        return service_name(self.service)


def service_name(service: str) -> str:
    """The name people see for a service (its code when it has none)."""
    return SERVICE_NAMES.get(service, service)


def label_for(service: str, number: int, priority: bool) -> str:
    """`A012` / `U003`: the service's letter and the number, at least three digits."""
    return f"{_letters(service)[1 if priority else 0]}{number:03d}"


def _letters(service: str) -> tuple[str, str]:
    try:
        return SERVICE_LETTERS[service]
    except (KeyError, TypeError):
        raise ValidationError(
            f"Không có dịch vụ {service!r}; dịch vụ có: {', '.join(SERVICE_LETTERS)} "
            f"(service: unknown service)", {"service": "unknown service"}) from None


def _now(now: datetime | None) -> datetime:
    return to_local(now) if now is not None else local_now()


def _iso(dt: datetime) -> str:
    from .store import iso
    return iso(dt)


def _day(day: date | str | None) -> str:
    if day is None:
        return local_now().date().isoformat()
    if isinstance(day, datetime):
        return to_local(day).date().isoformat()
    if isinstance(day, date):
        return day.isoformat()
    try:
        return date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise ValidationError(f"Ngày không hợp lệ (day: expected YYYY-MM-DD, got {day!r})",
                              {"day": "expected YYYY-MM-DD"}) from None


def _counter(counter: Any) -> str:
    value = str(counter).strip() if counter is not None else ""
    if not value or len(value) > MAX_COUNTER_CHARS or not value.isprintable():
        raise ValidationError(f"Quầy không hợp lệ (counter: expected 1–{MAX_COUNTER_CHARS} printable "
                              "characters)", {"counter": "expected a counter name"})
    return value


def _queue_sql(service: str | None) -> tuple[str, tuple]:
    if service is None:
        return "", ()
    _letters(service)
    return " AND COALESCE(queue, service) = ?", (service,)


def _row(store: "Store", ticket_id: str) -> dict[str, Any]:
    rows = store.query("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    if not rows:
        raise NotFoundError(f"Không có phiếu {ticket_id} (ticket not found)")
    return rows[0]


def _require_status(row: dict[str, Any], allowed: tuple[str, ...], doing: str) -> None:
    if row["status"] not in allowed:
        raise TransitionError(f"Phiếu {row['label']} đang ở trạng thái {row['status']}, không thể {doing} "
                              f"(ticket {row['label']} is {row['status']}; expected "
                              f"{' or '.join(allowed)})")


def _check_dossier(store: "Store", dossier_id: str) -> None:
    if not store.scalar("SELECT 1 FROM dossiers WHERE id = ?", (dossier_id,)):
        raise NotFoundError(f"Không có hồ sơ {dossier_id} (dossier not found)")


def _update(store: "Store", row: dict[str, Any], changes: dict[str, Any], actor: str, action: str,
            now: datetime) -> Ticket:
    detail = {"label": row["label"], **{k: v for k, v in changes.items() if k in ("status", "counter",
                                                                               "queue")}}
    new = records.update(store, TABLE, row["id"], changes, actor=actor, action=action, detail=detail,
                         at=_iso(now), current=row)
    return Ticket.from_row(new)


# -- writing -----------------------------------------------------------------------------------
def issue(store: "Store", service: str = "general", priority: bool = False, actor: str = "kiosk", *,
          now: datetime | None = None) -> Ticket:
    """Issue the next ticket of today for `service` (priority tickets in their own series).

    The number is taken inside the write transaction, so concurrent issuers never share one.
    Raises ValidationError for an unknown service, DiskFullError/StoreBusyError from the store.
    """
    _letters(service)
    at = _now(now)
    day = at.date().isoformat()
    with store.atomic():
        last = store.conn.execute(
            "SELECT COALESCE(MAX(number), 0) FROM tickets WHERE day = ? AND service = ? AND priority = ?",
            (day, service, int(bool(priority)))).fetchone()[0]
        number = last + 1
        label = label_for(service, number, bool(priority))
        row = records.insert(store, TABLE, {
            "day": day, "service": service, "number": number, "label": label,
            "priority": int(bool(priority)), "status": "waiting", "issued_at": _iso(at),
            "recalls": 0, "queue": service,
        }, actor=actor, action="ticket.issue", detail={"label": label, "service": service}, at=_iso(at))
    return Ticket.from_row(row)


def call_next(store: "Store", counter: str, actor: str, service: str | None = None, *,
              now: datetime | None = None) -> Ticket | None:
    """Finish the counter's current ticket (done) and call the next waiting one of today.

    Priority tickets go first unless the last MAX_PRIORITY_IN_A_ROW calls in this queue were all
    priority and a normal ticket waits. `service` None means every queue. Returns None (after
    finishing the current ticket) when nobody waits.
    """
    counter = _counter(counter)
    where, params = _queue_sql(service)
    at = _now(now)
    day = at.date().isoformat()
    with store.atomic():
        for row in store.query("SELECT * FROM tickets WHERE day = ? AND status = 'called' AND counter = ?",
                               (day, counter)):
            _update(store, row, {"status": "done", "finished_at": _iso(at)}, actor, "ticket.finish", at)
        prio, normal = ([*store.query(
            f"SELECT * FROM tickets WHERE day = ? AND status = 'waiting' AND priority = ?{where} "
            "ORDER BY issued_at, number LIMIT 1", (day, kind, *params))] for kind in (1, 0))
        if not prio and not normal:
            return None
        recent = store.query(
            f"SELECT priority FROM tickets WHERE day = ? AND called_at IS NOT NULL{where} "
            "ORDER BY called_at DESC LIMIT ?", (day, *params, MAX_PRIORITY_IN_A_ROW))
        streak = len(recent) == MAX_PRIORITY_IN_A_ROW and all(r["priority"] for r in recent)
        chosen = prio[0] if prio and not (streak and normal) else normal[0]
        return _update(store, chosen, {"status": "called", "called_at": _iso(at), "counter": counter},
                       actor, "ticket.call", at)


def recall(store: "Store", ticket_id: str, actor: str, *, now: datetime | None = None) -> Ticket:
    """Call a ticket again: a called ticket is announced once more; a skipped one of today comes back
    to its counter (TransitionError if that counter is serving another ticket)."""
    at = _now(now)
    with store.atomic():
        row = _row(store, ticket_id)
        _require_status(row, ("called", "skipped"), "gọi lại")
        if row["status"] == "skipped":
            if row["day"] != at.date().isoformat() or not row["counter"]:
                raise TransitionError(f"Phiếu {row['label']} đã bỏ qua từ ngày {row['day']}, không gọi lại "
                                      "được (only today's skipped tickets that were called can be recalled)")
            busy = current(store, row["counter"], now=at)
            if busy is not None:
                raise TransitionError(f"Quầy {row['counter']} đang phục vụ {busy.label}; kết thúc phiếu đó "
                                      f"trước (counter {row['counter']} is serving {busy.label})")
        return _update(store, row, {"status": "called", "recalls": row["recalls"] + 1}, actor,
                       "ticket.recall", at)


def skip(store: "Store", ticket_id: str, actor: str, *, now: datetime | None = None) -> Ticket:
    """Mark a waiting or called ticket skipped (the citizen did not come)."""
    at = _now(now)
    with store.atomic():
        row = _row(store, ticket_id)
        _require_status(row, ("waiting", "called"), "bỏ qua")
        return _update(store, row, {"status": "skipped"}, actor, "ticket.skip", at)


def finish(store: "Store", ticket_id: str, actor: str, dossier_id: str | None = None, *,
           now: datetime | None = None) -> Ticket:
    """Mark a called ticket done, optionally linking the dossier it led to.

    Raises TransitionError unless the ticket is called, NotFoundError for an unknown ticket/dossier.
    """
    at = _now(now)
    with store.atomic():
        row = _row(store, ticket_id)
        _require_status(row, ("called",), "kết thúc")
        changes: dict[str, Any] = {"status": "done", "finished_at": _iso(at)}
        if dossier_id is not None:
            _check_dossier(store, dossier_id)
            changes["dossier_id"] = dossier_id
        return _update(store, row, changes, actor, "ticket.finish", at)


def link_dossier(store: "Store", ticket_id: str, dossier_id: str, actor: str) -> Ticket:
    """Record that this ticket led to a dossier. Raises NotFoundError for either being unknown."""
    with store.atomic():
        row = _row(store, ticket_id)
        _check_dossier(store, dossier_id)
        return _update(store, row, {"dossier_id": dossier_id}, actor, "ticket.link_dossier", _now(None))


def transfer(store: "Store", ticket_id: str, service: str, actor: str, *,
             now: datetime | None = None) -> Ticket:
    """Move a waiting or called ticket to another service's queue, waiting again.

    It keeps its label and its place by issue time there. Raises ValidationError for an unknown or
    unchanged service, TransitionError for a finished ticket.
    """
    _letters(service)
    at = _now(now)
    with store.atomic():
        row = _row(store, ticket_id)
        _require_status(row, ("waiting", "called"), "chuyển")
        if (row["queue"] or row["service"]) == service:
            raise ValidationError(f"Phiếu {row['label']} đã ở dịch vụ {service} (service: ticket is "
                                  "already in this queue)", {"service": "same queue"})
        return _update(store, row, {"queue": service, "status": "waiting", "counter": None,
                                    "called_at": None}, actor, "ticket.transfer", at)


# -- reading -----------------------------------------------------------------------------------
def get(store: "Store", ticket_id: str) -> Ticket:
    """The ticket with this id; raises NotFoundError."""
    return Ticket.from_row(_row(store, ticket_id))


def today(store: "Store", day: date | str | None = None) -> list[Ticket]:
    """Every ticket of a day (default: today, local time) in issue order."""
    return [Ticket.from_row(r) for r in store.query(
        "SELECT * FROM tickets WHERE day = ? ORDER BY issued_at, priority DESC, number", (_day(day),))]


def waiting_count(store: "Store", service: str | None = None, day: date | str | None = None) -> int:
    """How many tickets wait (in one service's queue, or all)."""
    where, params = _queue_sql(service)
    return int(store.scalar(f"SELECT COUNT(*) FROM tickets WHERE day = ? AND status = 'waiting'{where}",
                            (_day(day), *params)))


def position(store: "Store", ticket_id: str) -> int:
    """How many waiting tickets of its queue were issued before this one (for the slip: people ahead)."""
    t = get(store, ticket_id)
    return int(store.scalar(
        "SELECT COUNT(*) FROM tickets WHERE day = ? AND status = 'waiting' AND COALESCE(queue, service) = ? "
        "AND (issued_at < ? OR (issued_at = ? AND id < ?))",
        (t.day, t.service, t.issued_at, t.issued_at, t.id)))


def current(store: "Store", counter: str, *, now: datetime | None = None) -> Ticket | None:
    """The ticket being served at a counter today, or None."""
    rows = store.query("SELECT * FROM tickets WHERE day = ? AND status = 'called' AND counter = ? "
                       "ORDER BY called_at DESC LIMIT 1", (_now(now).date().isoformat(), _counter(counter)))
    return Ticket.from_row(rows[0]) if rows else None


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_iso(end) - parse_iso(start)).total_seconds()


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def stats(store: "Store", day: date | str | None = None) -> dict[str, Any]:
    """Figures for one day: issued, served, skipped, waiting, called; waiting seconds (issue → call,
    average and 90th percentile) and service seconds (call → finish, average); per service too.
    Times are None when there is nothing to measure."""
    tickets = today(store, day)
    waits = [s for t in tickets if (s := _seconds(t.issued_at, t.called_at)) is not None]
    services = [s for t in tickets if t.status == "done"
                and (s := _seconds(t.called_at, t.finished_at)) is not None]
    by_service: dict[str, dict[str, int]] = {}
    for t in tickets:
        entry = by_service.setdefault(t.service, {"issued": 0, "served": 0, "waiting": 0})
        entry["issued"] += 1
        entry["served"] += t.status == "done"
        entry["waiting"] += t.status == "waiting"
    count = {s: sum(1 for t in tickets if t.status == s) for s in STATUSES}
    p90 = _p90(waits)
    return {"day": _day(day), "issued": len(tickets), "served": count["done"], "skipped": count["skipped"],
            "waiting": count["waiting"], "called": count["called"],
            "priority": sum(1 for t in tickets if t.priority),
            "avg_wait_s": _avg(waits), "p90_wait_s": None if p90 is None else round(p90, 1),
            "avg_service_s": _avg(services), "by_service": by_service}


__all__ = ["Ticket", "SERVICE_LETTERS", "SERVICE_NAMES", "MAX_PRIORITY_IN_A_ROW", "STATUSES", "issue",
           "call_next", "recall", "skip", "finish", "link_dossier", "transfer", "get", "today",
           "waiting_count", "position", "current", "stats", "service_name", "label_for"]
