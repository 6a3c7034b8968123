"""Realistic demo data: Vietnamese names and addresses, dossiers across procedures and statuses,
queue tickets and a report submission. Place names are from Hà Giang and are DEMO data only.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import LOCAL_TZ, local_now

if TYPE_CHECKING:
    from .config import Config
    from .store import Store

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
            "Lý", "Giàng", "Sùng", "Vàng", "Lò", "Nông", "Hầu", "Thào"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Mạnh", "Thành", "A"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Thị Thu"]
GIVEN_M = ["Đức", "Hùng", "Dũng", "Tuấn", "Nam", "Sơn", "Quân", "Cường", "Phúc", "Lâm", "Chứ", "Páo",
           "Dìn", "Khải", "Việt", "Thắng"]
GIVEN_F = ["Hoa", "Lan", "Hương", "Mai", "Linh", "Ngọc", "Dung", "Thảo", "Mỷ", "Dợ", "Chi", "Vân",
           "Yến", "Trang"]
VILLAGES = ["Thôn Lũng Cẩm", "Thôn Sà Phìn", "Bản Tả Lủng", "Thôn Nà Sài", "Thôn Lùng Tám",
            "Bản Phố Cáo", "Thôn Đồng Văn", "Thôn Mèo Vạc", "Bản Khâu Vai", "Thôn Cán Tỷ"]
DEMO_STAFF = [("canbo", "Nguyễn Thị Lan", "officer", "1111"),
              ("lanhdao", "Hoàng Văn Đức", "leader", "2222"),
              ("quantri", "Vũ Minh Quân", "admin", "9999")]
# (status path after intake, weight)
PATHS = [((), 20), (("processing",), 25), (("processing", "done"), 15),
         (("processing", "done", "returned"), 25), (("supplement_requested",), 5),
         (("supplement_requested", "processing", "done", "returned"), 4), (("awaiting_fees",), 2),
         (("withdrawn",), 2), (("processing", "stopped"), 2)]
NOTES = {"supplement_requested": "Thiếu bản sao giấy tờ tùy thân", "stopped": "Hồ sơ không đủ điều kiện",
         "refused": "Không thuộc thẩm quyền của xã"}


def person(rng: random.Random, today: date):
    """A random applicant with a consistent CCCD number (province 002, century/sex digit)."""
    from .citizens import Applicant
    male = rng.random() < 0.5
    name = " ".join([rng.choice(SURNAMES), rng.choice(MIDDLE_M if male else MIDDLE_F),
                     rng.choice(GIVEN_M if male else GIVEN_F)])
    dob = date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
    century = 0 if dob.year < 2000 else 2
    id_number = f"002{century + (0 if male else 1)}{dob.year % 100:02d}{rng.randint(0, 999999):06d}"
    issued = date(rng.randint(max(dob.year + 14, 2016), today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
    phone = "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return Applicant(full_name=name, id_number=id_number, old_id=None, dob=dob, sex="Nam" if male else "Nữ",
                     address=f"{rng.choice(VILLAGES)}, {rng.choice(['Xã Demo', 'Xã Lũng Cú', 'Xã Sủng Là'])}, "
                             "tỉnh Hà Giang (demo)", issue_date=issued, phone=phone)


def _working_moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59), rng.randint(0, 59)),
                            tzinfo=LOCAL_TZ)


def ensure_reference_data(store: "Store", *, demo_calendar: bool = False) -> None:
    """Bundled catalogue and report form when the store has none yet (the province's documents
    replace them on first sync). `demo_calendar` adds the demo calendar overlay, whose days are
    invented to show provenance and belong on demo stores only."""
    from . import calendar, catalogue, forms
    catalogue.ensure_bundled(store)
    forms.ensure_bundled(store)
    if demo_calendar:
        calendar.ensure_bundled_demo(store)


def ensure_staff(store: "Store") -> list[tuple[str, str, str, str]]:
    """The demo staff accounts (user, name, role, PIN) — for the demo only, never on an appliance."""
    from . import staff
    have = {m["username"] for m in staff.list_staff(store)}
    for username, name, role, pin in DEMO_STAFF:
        if username not in have:
            staff.add(store, username, name, role, pin, actor="demo")
    return DEMO_STAFF


def load(store: "Store", dossiers: int = 300, seed: int = 1, *, tickets: int = 40,
         batch: int = 500) -> dict[str, int]:
    """Fill a store with demo data. Returns counts of what was made.

    Dossiers are spread over past working days (at most ~250 a day, so daily codes stay in the
    desk's block) and moved along realistic status paths; today's queue gets `tickets` tickets.
    """
    from . import calendar, catalogue, dossiers as dossier_mod, forms, tickets as ticket_mod
    rng = random.Random(seed)
    ensure_reference_data(store, demo_calendar=True)
    ensure_staff(store)
    procs = catalogue.procedures(store)
    cal = calendar.WorkCalendar.load(store)
    today = local_now().date()
    span = max(30, dossiers // 250 + 1)
    days: list[date] = []
    d = today
    while len(days) < span:
        d -= timedelta(days=1)
        if cal.is_working_day(d):
            days.append(d)
    officers = [s[0] for s in DEMO_STAFF[:2]]
    made = 0
    while made < dossiers:
        with store.atomic():
            for _ in range(min(batch, dossiers - made)):
                proc = rng.choice(procs)
                day = rng.choice(days)
                received = _working_moment(rng, day)
                officer = rng.choice(officers)
                docs = list(proc.documents)[: max(1, len(proc.documents) - rng.randint(0, 1))]
                online = rng.random() < 0.15
                dos = dossier_mod.receive(
                    store, procedure_code=proc.code, applicant=person(rng, today), documents=docs,
                    actor=officer, channel="online" if online else "counter", received_at=received,
                    portal_id=f"G22.99.{seed}-{made:07d}" if online else None)
                path = rng.choices([p for p, _ in PATHS], [w for _, w in PATHS])[0]
                if online:
                    path = ("received",) + path
                moment = received
                for step in path:
                    moment = moment + timedelta(hours=rng.randint(1, 60))
                    if moment > local_now():
                        break
                    dos = dossier_mod.transition(store, dos.id, step, actor=officer,
                                                 note=NOTES.get(step), at=moment)
                made += 1
    issued = 0
    with store.atomic():
        for i in range(tickets):
            t = ticket_mod.issue(store, service="general", priority=(i % 7 == 3), actor="demo")
            issued += 1
            if i < tickets // 2:
                called = ticket_mod.call_next(store, counter="1", actor="canbo")
                if called is not None and i % 5 == 0:
                    ticket_mod.finish(store, called.id, actor="canbo")
    form_made = 0
    defs = forms.definitions(store)
    if defs:
        defn = defs[0]
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        if forms.get_submission(store, defn.code, last_month) is None:
            forms.save_draft(store, defn.code, last_month, demo_form_values(defn, rng), actor="canbo")
            form_made = 1
    return {"dossiers": made, "tickets": issued, "form_submissions": form_made}


def demo_form_values(defn, rng: random.Random) -> dict[str, object]:
    """Plausible values for each field of a form definition (as a person would type them)."""
    values: dict[str, object] = {}
    for f in defn.fields:
        kind = f.type
        if kind == "integer":
            lo = int(f.min) if f.min is not None else 0
            hi = int(f.max) if f.max is not None else lo + 200
            values[f.name] = str(rng.randint(lo, min(hi, lo + 200)))
        elif kind == "decimal":
            lo = float(f.min) if f.min is not None else 0.0
            hi = float(f.max) if f.max is not None else lo + 100
            values[f.name] = f"{rng.uniform(lo, hi):.1f}".replace(".", ",")
        elif kind == "date":
            values[f.name] = local_now().date().strftime("%d/%m/%Y")
        elif kind == "choice":
            values[f.name] = rng.choice(list(f.choices))[0]
        elif kind == "yesno":
            values[f.name] = rng.choice(["có", "không"])
        else:
            values[f.name] = "Số liệu minh họa (demo)"
    return values


DEMO_CONFIG = """# Demo appliance: embedded store, offline unless a [sync] table is added.
[commune]
code = "00001"
name = "Xã Demo"
province = "02"
agency_code = "000.00.19.H17"

[store]
path = "{store}"
min_free_mb = 16
"""


def ensure_demo(data_dir: str | Path, dossiers: int = 300, seed: int = 1) -> "Config":
    """A demo appliance under `data_dir`: config, store, reference data, staff and dossiers.

    Idempotent: an existing demo is reused as it is.
    """
    from . import config as config_mod
    from .store import Store
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "commune.toml"
    if not path.exists():
        path.write_text(DEMO_CONFIG.format(store=data_dir / "commune.db"), encoding="utf-8")
    cfg = config_mod.load(path)
    with Store.open(cfg) as store:
        ensure_reference_data(store, demo_calendar=True)
        if not store.scalar("SELECT COUNT(*) FROM dossiers"):
            load(store, dossiers, seed)
        else:
            ensure_staff(store)
    return cfg
