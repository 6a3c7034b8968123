"""Administrative-procedure dossiers: intake, the legal dossier code, due date and the status machine.

Every change goes through `edge.records`, so the dossier, its history row, its outbox rows and its
audit rows are written in one transaction. Codes follow Circular 01/2018/TT-VPCP art. 19:
`<agency code>-<YYMMDD>-<XXXX>`; each appliance (desk) of a commune numbers in its own block of a
thousand so that two appliances at one commune never collide while offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable

from . import records, search
from .clock import LOCAL_TZ, local_now, parse_iso, to_local
from .errors import NotFoundError, StoreError, TransitionError, ValidationError

if TYPE_CHECKING:
    from .catalogue import Procedure
    from .citizens import Applicant
    from .store import Store

# code → (Vietnamese, English)
STATUSES: dict[str, tuple[str, str]] = {
    "new": ("Mới đăng ký", "New"),
    "received": ("Được tiếp nhận", "Received"),
    "refused": ("Không được tiếp nhận", "Refused"),
    "processing": ("Đang xử lý", "Processing"),
    "supplement_requested": ("Yêu cầu bổ sung", "Supplement requested"),
    "awaiting_fees": ("Yêu cầu thực hiện nghĩa vụ tài chính", "Awaiting fees"),
    "withdrawn": ("Công dân yêu cầu rút hồ sơ", "Withdrawn by citizen"),
    "stopped": ("Dừng xử lý", "Stopped"),
    "done": ("Đã xử lý xong", "Done"),
    "returned": ("Đã trả kết quả", "Returned to citizen"),
}

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"received", "refused", "withdrawn"}),
    "received": frozenset({"processing", "supplement_requested", "awaiting_fees", "done", "withdrawn",
                           "stopped"}),
    "processing": frozenset({"supplement_requested", "awaiting_fees", "done", "withdrawn", "stopped"}),
    "supplement_requested": frozenset({"processing", "withdrawn", "stopped"}),
    "awaiting_fees": frozenset({"processing", "done", "withdrawn", "stopped"}),
    "done": frozenset({"returned"}),
    "refused": frozenset(),
    "withdrawn": frozenset(),
    "stopped": frozenset(),
    "returned": frozenset(),
}
#: statuses in which the deadline clock runs
OPEN_STATUSES = ("new", "received", "processing", "awaiting_fees")
#: statuses that end the work (the due date no longer matters)
FINAL_STATUSES = ("refused", "withdrawn", "stopped", "done", "returned")
CHANNELS = ("counter", "online", "post")
DAILY_BLOCK = 1000  # codes per desk per day: desk 1 → 0001–0999, desk 2 → 1001–1999, …


@dataclass(frozen=True)
class Dossier:
    id: str
    code: str
    procedure_code: str
    catalogue_version: int
    applicant_name: str
    applicant_id_number: str | None
    applicant_dob: str | None
    applicant_sex: str | None
    applicant_address: str | None
    applicant_phone: str | None
    channel: str
    portal_id: str | None
    documents: tuple[str, ...]
    status: str
    received_at: str
    due_date: str
    paused_at: str | None
    paused_working_days: int
    finished_at: str | None
    ticket_id: str | None
    officer: str
    note: str | None
    commune: str
    version: int
    hlc: int
    updated_by: str
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Dossier":
        values = {f.name: row.get(f.name) for f in fields(cls)}
        docs = row.get("documents") or "[]"
        values["documents"] = tuple(json.loads(docs) if isinstance(docs, str) else docs)
        return cls(**values)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status][0]

    @property
    def due(self) -> date:
        return date.fromisoformat(self.due_date)


@dataclass(frozen=True)
class PublicStatus:
    """What a citizen may see about a dossier without logging in: nothing personal."""
    code: str
    procedure_name: str
    status: str
    status_vi: str
    status_en: str
    due_date: str


def allowed_transitions(status: str) -> list[str]:
    """Statuses reachable from `status`, in the order of STATUSES."""
    allowed = TRANSITIONS.get(status, frozenset())
    return [s for s in STATUSES if s in allowed]


# -- reading ---------------------------------------------------------------------------------
def get(store: "Store", dossier_id: str) -> Dossier:
    return Dossier.from_row(_row(store, dossier_id))


def _row(store: "Store", dossier_id: str) -> dict[str, Any]:
    rows = store.query("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
    if not rows:
        raise NotFoundError(f"Không tìm thấy hồ sơ {dossier_id} (no dossier with this id)")
    return rows[0]


def by_code(store: "Store", code: str) -> Dossier:
    rows = store.query("SELECT * FROM dossiers WHERE code = ?", (code.strip(),))
    if not rows:
        raise NotFoundError(f"Không tìm thấy hồ sơ mã {code.strip()} (no dossier with this code)")
    return Dossier.from_row(rows[0])


def history(store: "Store", dossier_id: str) -> list[dict[str, Any]]:
    """Status changes of a dossier, oldest first: from_status, to_status, at, actor, note."""
    return store.query("SELECT from_status, to_status, at, actor, note FROM dossier_history "
                       "WHERE dossier_id = ? ORDER BY hlc", (dossier_id,))


def _filter(status: str | None, due: str | None, today: date) -> tuple[str, list[Any]]:
    """The WHERE clause (with leading " WHERE ", or "") and parameters of a dossier listing."""
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if due in ("today", "overdue"):
        marks = ", ".join("?" for _ in OPEN_STATUSES)
        where.append(f"status IN ({marks})")
        params.extend(OPEN_STATUSES)
        where.append("due_date = ?" if due == "today" else "due_date < ?")
        params.append(today.isoformat())
    elif due is not None:
        raise ValidationError("due must be 'today' or 'overdue'", {"due": f"got {due!r}"})
    return (" WHERE " + " AND ".join(where)) if where else "", params


def list_dossiers(store: "Store", *, status: str | None = None, due: str | None = None,
                  today: date | None = None, limit: int = 200) -> list[Dossier]:
    """Dossiers newest first; `due` = "today" (open, due today) or "overdue" (open, past due)."""
    where, params = _filter(status, due, today or local_now().date())
    sql = f"SELECT * FROM dossiers{where} ORDER BY received_at DESC, rowid DESC LIMIT ?"
    return [Dossier.from_row(r) for r in store.query(sql, params + [limit])]


def count_dossiers(store: "Store", *, status: str | None = None, due: str | None = None,
                   today: date | None = None) -> int:
    """How many dossiers `list_dossiers` would list with the same filters (without the limit)."""
    where, params = _filter(status, due, today or local_now().date())
    return int(store.scalar(f"SELECT COUNT(*) FROM dossiers{where}", params) or 0)


def count_received_since(store: "Store", day: date) -> int:
    """Dossiers received on `day` (local) or later."""
    from .store import iso
    start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
    return int(store.scalar("SELECT COUNT(*) FROM dossiers WHERE received_at >= ?", (iso(start),)) or 0)


def counts_by_status(store: "Store") -> dict[str, int]:
    """How many dossiers are in each status, by status code."""
    rows = store.query("SELECT status, COUNT(*) AS n FROM dossiers GROUP BY status ORDER BY status")
    return {r["status"]: r["n"] for r in rows}


def public_lookup(store: "Store", code: str, id_number: str) -> PublicStatus | None:
    """Status and due date for a citizen who gives both the dossier code and their ID number.

    Returns None when either does not match (without saying which, so codes cannot be probed).
    """
    code, id_number = (code or "").strip(), (id_number or "").strip()
    if not code or not id_number:
        return None
    rows = store.query("SELECT * FROM dossiers WHERE code = ? AND applicant_id_number = ?",
                       (code, id_number))
    if not rows:
        return None
    d = Dossier.from_row(rows[0])
    return PublicStatus(code=d.code, procedure_name=procedure_name(store, d), status=d.status,
                        status_vi=STATUSES[d.status][0], status_en=STATUSES[d.status][1],
                        due_date=d.due_date)


def procedure_name(store: "Store", d: Dossier) -> str:
    """The name of the dossier's procedure under the catalogue version it was received with."""
    from . import catalogue
    try:
        return catalogue.get(store, d.procedure_code, d.catalogue_version).name
    except NotFoundError:
        return d.procedure_code


# -- intake ----------------------------------------------------------------------------------
def preview_due_date(store: "Store", procedure_code: str, received_at: datetime | None = None,
                     *, verification: bool = False) -> date:
    """The due date a dossier would get if received now (or at `received_at`)."""
    from . import catalogue
    return due_date_for(store, catalogue.get(store, procedure_code), received_at or local_now(),
                        verification=verification)


def due_date_for(store: "Store", proc: "Procedure", received: datetime, *,
                 verification: bool = False) -> date:
    """The due date of a dossier of `proc` received at `received` (verification days added if asked)."""
    from . import calendar
    days = proc.deadline_days + (proc.verification_days if verification else 0)
    return calendar.WorkCalendar.load(store).due_date(to_local(received), days)


def next_code(store: "Store", received: datetime) -> str:
    """The next free dossier code for this desk on the reception day. Call inside a transaction."""
    day = to_local(received).strftime("%y%m%d")
    prefix = f"{store.commune.agency_code}-{day}-"
    desk = store.commune.desk
    low, high = (desk - 1) * DAILY_BLOCK, desk * DAILY_BLOCK - 1
    # a range over the UNIQUE index on code: O(log n) however many dossiers the store holds
    last = store.scalar("SELECT MAX(code) FROM dossiers WHERE code BETWEEN ? AND ?",
                        (f"{prefix}{low:04d}", f"{prefix}{high:04d}"))
    n = max(int(last[len(prefix):]) if last else low, _code_floor(store, prefix, low, high)) + 1
    if n > high:
        raise StoreError(f"Đã hết số hồ sơ trong ngày cho quầy {desk} ({high - low} hồ sơ); "
                         f"desk {desk} has used all of its codes for {day}")
    return f"{prefix}{n:04d}"


CODE_FLOORS_KEY = "code_floors"
CODE_FLOOR_DAYS = 120  # reception days remembered (a restore is about days, not years)


def _code_floor(store: "Store", prefix: str, low: int, high: int) -> int:
    floor = _code_floors(store).get(prefix, 0)
    return floor if low < floor <= high else low


def _code_floors(store: "Store") -> dict[str, int]:
    try:
        value = json.loads(store.meta_get(CODE_FLOORS_KEY) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def raise_code_floors(store: "Store", codes: dict[str, int]) -> None:
    """Remember the highest dossier numbers the province holds from this appliance, per reception
    day (`{"<agency>-<YYMMDD>-": n}`), so that a store restored from an older backup never issues
    a code the province already has. Floors only ever rise."""
    with store.atomic(check_disk=False):
        floors = _code_floors(store)
        changed = False
        for prefix, n in codes.items():
            if isinstance(n, int) and n > int(floors.get(prefix, 0)):
                floors[prefix] = n
                changed = True
        if changed:
            recent = sorted(floors, key=lambda p: p[-7:-1])[-CODE_FLOOR_DAYS:]  # by YYMMDD
            store.meta_set(CODE_FLOORS_KEY, json.dumps({p: floors[p] for p in recent}, sort_keys=True))


def receive(store: "Store", *, procedure_code: str, applicant: "Applicant", documents: Iterable[str],
            actor: str, channel: str = "counter", ticket_id: str | None = None,
            received_at: datetime | None = None, portal_id: str | None = None,
            verification: bool = False, note: str | None = None) -> Dossier:
    """Receive a dossier: validate, issue its code, compute its due date, store it with history.

    Counter intake starts as "received"; an online dossier handed over from the portal starts as
    "new" and is idempotent on `portal_id` (handed twice → the same dossier). Raises
    ValidationError naming bad fields, NotFoundError for an unknown procedure, DiskFullError.
    """
    from . import catalogue
    errors: dict[str, str] = {}
    if channel not in CHANNELS:
        errors["channel"] = f"phải là một trong {', '.join(CHANNELS)} (got {channel!r})"
    try:
        applicant.validate()
    except ValidationError as e:
        errors.update(e.errors or {"applicant": str(e)})
    docs = [d.strip() for d in documents if d and d.strip()]
    if channel == "online" and not portal_id:
        errors["portal_id"] = "hồ sơ trực tuyến cần mã hồ sơ trên cổng (portal id required)"
    if errors:
        raise ValidationError("Hồ sơ chưa hợp lệ (dossier is not valid):", errors)
    proc = catalogue.get(store, procedure_code)
    received = to_local(received_at or local_now())
    with store.atomic():
        if portal_id:
            existing = store.query("SELECT * FROM dossiers WHERE portal_id = ?", (portal_id,))
            if existing:
                return Dossier.from_row(existing[0])
        due = due_date_for(store, proc, received, verification=verification)
        from .store import iso
        status = "new" if channel == "online" else "received"
        row = records.insert(store, "dossiers", {
            "code": next_code(store, received),
            "procedure_code": proc.code, "catalogue_version": proc.catalogue_version,
            **applicant.as_dossier_fields(),
            "channel": channel, "portal_id": portal_id,
            "documents": json.dumps(docs, ensure_ascii=False), "status": status,
            "received_at": iso(received), "due_date": due.isoformat(), "ticket_id": ticket_id,
            "officer": actor, "note": note,
        }, actor=actor, action="dossier.receive", detail={"channel": channel, "procedure": proc.code})
        records.insert(store, "dossier_history", {
            "dossier_id": row["id"], "from_status": None, "to_status": status, "at": row["received_at"],
            "actor": actor, "note": note}, actor=actor, action="dossier.history")
        search.index_dossier(store, row)
        return Dossier.from_row(row)


# -- status machine --------------------------------------------------------------------------
def transition(store: "Store", dossier_id: str, to_status: str, *, actor: str, note: str | None = None,
               at: datetime | None = None, expected_version: int | None = None) -> Dossier:
    """Move a dossier to `to_status` if the state machine allows it, with a history row.

    Leaving "supplement requested" pushes the due date by the working days it was paused.
    Raises TransitionError (illegal move, or the dossier changed since `expected_version`),
    NotFoundError, ValidationError (a refusal, stop or supplement request without a note).
    """
    from . import calendar
    from .store import iso
    if to_status not in STATUSES:
        raise TransitionError(f"Trạng thái không tồn tại: {to_status!r} (unknown status; known: "
                              f"{', '.join(STATUSES)})")
    when = to_local(at or local_now())
    with store.atomic():
        old = _row(store, dossier_id)
        d = Dossier.from_row(old)
        if expected_version is not None and d.version != expected_version:
            raise TransitionError(f"Hồ sơ {d.code} vừa được người khác cập nhật (version {d.version}, "
                                  f"expected {expected_version}); mở lại để xem trạng thái mới")
        if to_status not in TRANSITIONS[d.status]:
            allowed = ", ".join(allowed_transitions(d.status)) or "none"
            raise TransitionError(
                f"Không thể chuyển hồ sơ {d.code} từ '{STATUSES[d.status][0]}' sang "
                f"'{STATUSES[to_status][0]}' (cannot go from {d.status} to {to_status}; allowed: {allowed})")
        if to_status in ("refused", "stopped", "supplement_requested") and not (note and note.strip()):
            raise ValidationError("Cần ghi lý do (a reason is required):",
                                  {"note": f"bắt buộc khi chuyển sang '{STATUSES[to_status][0]}'"})
        changes: dict[str, Any] = {"status": to_status}
        if to_status == "supplement_requested":
            changes["paused_at"] = iso(when)
        if d.status == "supplement_requested" and d.paused_at:
            cal = calendar.WorkCalendar.load(store)
            paused_from = parse_iso(d.paused_at).date()
            new_due = cal.extend_for_pause(d.due, paused_from, when.date())
            changes["paused_working_days"] = d.paused_working_days + cal.working_days_between(
                paused_from, when.date())
            changes["due_date"] = new_due.isoformat()
            changes["paused_at"] = None
        if to_status in ("done", "refused", "withdrawn", "stopped"):
            changes["finished_at"] = iso(when)
        row = records.update(store, "dossiers", dossier_id, changes, actor=actor,
                             action=f"dossier.{to_status}",
                             detail={"from": d.status, "to": to_status}, at=iso(when), current=old)
        records.insert(store, "dossier_history", {
            "dossier_id": dossier_id, "from_status": d.status, "to_status": to_status, "at": iso(when),
            "actor": actor, "note": note}, actor=actor, action="dossier.history", at=iso(when))
        return Dossier.from_row(row)


def update_applicant(store: "Store", dossier_id: str, changes: dict[str, Any], *, actor: str) -> Dossier:
    """Correct the applicant's contact fields (name, phone, address) of an open dossier."""
    allowed = {"applicant_name", "applicant_phone", "applicant_address"}
    bad = set(changes) - allowed
    if bad:
        raise ValidationError("Không sửa được các trường này:", {k: "không được sửa" for k in bad})
    with store.atomic():
        old = records.get(store, "dossiers", dossier_id)
        d = Dossier.from_row(old)
        if d.status in FINAL_STATUSES:
            raise TransitionError(f"Hồ sơ {d.code} đã kết thúc, không sửa được (dossier is closed)")
        row = records.update(store, "dossiers", dossier_id, changes, actor=actor,
                             action="dossier.correct", current=old)
        search.index_dossier(store, row, old)
        return Dossier.from_row(row)
