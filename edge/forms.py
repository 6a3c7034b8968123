"""The province's periodic report forms: definitions, validation and submissions.

A forms document (docs/documents.md) defines each form's fields — text, integer, decimal, date,
choice, yes/no — with required flags, bounds, choices and help texts in Vietnamese. Values are
accepted as the kiosk types them ("1.234,5" with the Vietnamese decimal comma, "12/11/2026" dates,
"có"/"không") and converted to JSON values. Submissions (one per form and period) are synced
records written only through `edge.records`; a submitted report cannot be edited any more.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import documents, records
from .documents import Problems, describe
from .errors import DocumentError, NotFoundError, ValidationError
from .search import fold

if TYPE_CHECKING:
    from .store import Store

FIELD_TYPES = ("text", "integer", "decimal", "date", "choice", "yesno")
PERIODS = ("monthly", "quarterly", "yearly", "once")
BUNDLED = "forms-demo.json"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FORMS = 200
MAX_FIELDS = 200
DEFAULT_MAX_LENGTH = 2000
DEFAULT_DECIMALS = 2
DEFAULT_DUE_DAY = 5
YES = frozenset({"co", "c", "yes", "y", "true", "1", "x", "dung"})
NO = frozenset({"khong", "k", "no", "n", "false", "0", "sai"})
FIELD_KEYS = {"name", "label", "type", "required", "help", "min", "max", "choices", "decimals",
              "max_length", "unit"}
FORM_KEYS = {"code", "title", "period", "due_day", "help", "fields"}


class AlreadySubmitted(ValidationError):
    """The report for this form and period was already submitted; it can no longer be changed."""


@dataclass(frozen=True)
class FieldDef:
    """One field of a form. `min`/`max` are numbers (integer, decimal) or ISO dates (date);
    `choices` are (value, label) pairs; `decimals` is the most decimal places a decimal may have."""

    name: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    min: Any = None
    max: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    decimals: int = DEFAULT_DECIMALS
    max_length: int = DEFAULT_MAX_LENGTH
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type,
                               "required": self.required}
        if self.help:
            out["help"] = self.help
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.type == "choice":
            out["choices"] = [{"value": v, "label": lab} for v, lab in self.choices]
        if self.type == "decimal":
            out["decimals"] = self.decimals
        if self.type == "text":
            out["max_length"] = self.max_length
        if self.unit:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class FormDefinition:
    """A report form as one forms-document version defines it.

    `period` is monthly, quarterly, yearly or once; a period's report is due on `due_day` of the
    month after the period ends.
    """

    code: str
    version: int
    title: str
    period: str
    fields: tuple[FieldDef, ...]
    help: str = ""
    due_day: int = DEFAULT_DUE_DAY

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise NotFoundError(f"form {self.code} has no field {name!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "title": self.title, "period": self.period,
                               "due_day": self.due_day, "fields": [f.to_dict() for f in self.fields]}
        if self.help:
            out["help"] = self.help
        return out


# -- Vietnamese number and date input --------------------------------------------------------------
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_GROUPED = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_DIGITS = re.compile(r"^\d+$")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_number(value: Any) -> Decimal:
    """A number as typed in Vietnam: "1.234,5" (dot groups thousands, comma is the decimal mark).

    Without a comma, "1.234" is read as 1234 (thousands groups) and "1.5" as 1.5. Raises ValueError.
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise ValueError("not a number")
    text = _SPACES.sub("", value)
    sign = ""
    if text and text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    if "," in text:
        whole, _, frac = text.partition(",")
        if not (_DIGITS.match(whole) or _GROUPED.match(whole)) or not _DIGITS.match(frac):
            raise ValueError("not a number")
        return Decimal(sign + whole.replace(".", "") + "." + frac)
    if _GROUPED.match(text):
        return Decimal(sign + text.replace(".", ""))
    if re.match(r"^\d+(\.\d+)?$", text):
        return Decimal(sign + text)
    raise ValueError("not a number")


def parse_date(value: Any) -> date:
    """A date typed as day/month/year ("12/11/2026", also with '-' or '.') or ISO "2026-11-12".

    Raises ValueError.
    """
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    m = _DATE_DMY.match(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _DATE_ISO.match(text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError("not a date")


def format_number(value: Any) -> str:
    """A number written the Vietnamese way: 1234.5 → "1.234,5"."""
    d = Decimal(str(value))
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return sign + groups + ("," + frac if frac and frac.strip("0") else "")


def format_date(value: str | date) -> str:
    d = value if isinstance(value, date) else date.fromisoformat(value)
    return d.strftime("%d/%m/%Y")


# -- validation ------------------------------------------------------------------------------------
def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _convert(f: FieldDef, value: Any) -> Any:
    """Convert one non-empty value; raises ValueError with the Vietnamese message for the field."""
    if f.type == "text":
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValueError("Phải là chữ.")
        text = str(value).strip()
        if len(text) > f.max_length:
            raise ValueError(f"Tối đa {f.max_length} ký tự (đang có {len(text)}).")
        return text
    if f.type in ("integer", "decimal"):
        try:
            number = parse_number(value)
        except (ValueError, InvalidOperation):
            if f.type == "integer":
                raise ValueError("Phải là số nguyên, ví dụ 1.234.") from None
            raise ValueError("Phải là số, ví dụ 1.234,5 (dấu phẩy trước phần thập phân).") from None
        if f.type == "integer":
            if number != number.to_integral_value():
                raise ValueError("Phải là số nguyên, không có phần thập phân.")
            result: Any = int(number)
        else:
            places = -number.normalize().as_tuple().exponent if number != 0 else 0
            if places > f.decimals:
                raise ValueError(f"Tối đa {f.decimals} chữ số sau dấu phẩy.")
            result = float(number)
        if f.min is not None and number < Decimal(str(f.min)):
            raise ValueError(f"Phải từ {format_number(f.min)} trở lên.")
        if f.max is not None and number > Decimal(str(f.max)):
            raise ValueError(f"Không được lớn hơn {format_number(f.max)}.")
        return result
    if f.type == "date":
        try:
            d = parse_date(value)
        except ValueError:
            raise ValueError("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 12/11/2026.") from None
        if f.min is not None and d < date.fromisoformat(f.min):
            raise ValueError(f"Không được trước ngày {format_date(f.min)}.")
        if f.max is not None and d > date.fromisoformat(f.max):
            raise ValueError(f"Không được sau ngày {format_date(f.max)}.")
        return d.isoformat()
    if f.type == "yesno":
        if isinstance(value, bool):
            return value
        key = fold(str(value)).strip()
        if key in YES:
            return True
        if key in NO:
            return False
        raise ValueError("Trả lời Có hoặc Không.")
    if f.type == "choice":
        if isinstance(value, str):
            key = fold(value).strip()
            for v, label in f.choices:
                if value == v or key in (fold(v), fold(label)):
                    return v
        labels = ", ".join(label for _, label in f.choices)
        raise ValueError(f"Chọn một trong: {labels}.")
    raise ValueError(f"Kiểu trường không biết: {f.type}")


def validate(defn: FormDefinition, values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check and convert `values` against a form; returns every field's JSON value (None when empty).

    Integers become int, decimals float, dates "YYYY-MM-DD", yes/no bool, choices their value.
    With `partial` (drafts) missing required fields are allowed, filled ones are still checked.
    Raises ValidationError whose `errors` hold a Vietnamese message for every bad field at once.
    """
    if not isinstance(values, dict):
        raise ValidationError(f"Biểu mẫu {defn.code}: dữ liệu phải là một bảng trường → giá trị "
                              "(values must be a mapping of field name to value)")
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for f in defn.fields:
        value = values.get(f.name)
        if _empty(value):
            out[f.name] = None
            if f.required and not partial:
                errors[f.name] = "Bắt buộc phải nhập."
            continue
        try:
            out[f.name] = _convert(f, value)
        except ValueError as e:
            errors[f.name] = str(e)
    known = {f.name for f in defn.fields}
    for name in values:
        if name not in known:
            errors[str(name)] = "Trường này không có trong biểu mẫu."
    if errors:
        raise ValidationError(f"Biểu mẫu {defn.code} có {len(errors)} trường chưa hợp lệ "
                              f"(form {defn.code} has invalid fields):", errors)
    return out


# -- periods ---------------------------------------------------------------------------------------
def period_of(kind: str, d: date) -> str:
    """The period of kind `kind` that contains day `d`: "2026-11", "2026-Q4", "2026" or "once"."""
    if kind == "monthly":
        return f"{d.year:04d}-{d.month:02d}"
    if kind == "quarterly":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    if kind == "yearly":
        return f"{d.year:04d}"
    return "once"


def period_bounds(kind: str, period: str) -> tuple[date, date]:
    """First and last day of a period. Raises ValidationError for a malformed period."""
    check_period(kind, period)
    if kind == "monthly":
        y, m = int(period[:4]), int(period[5:7])
        first = date(y, m, 1)
        nxt = date(y + (m == 12), m % 12 + 1, 1)
    elif kind == "quarterly":
        y, q = int(period[:4]), int(period[6])
        first = date(y, 3 * q - 2, 1)
        nxt = date(y + (q == 4), (3 * q) % 12 + 1, 1)
    elif kind == "yearly":
        first, nxt = date(int(period), 1, 1), date(int(period) + 1, 1, 1)
    else:
        return date.min, date.max
    return first, date.fromordinal(nxt.toordinal() - 1)


def check_period(kind: str, period: str) -> None:
    """Raise ValidationError (field "period") unless `period` is well formed for `kind`."""
    patterns = {"monthly": (r"^\d{4}-(0[1-9]|1[0-2])$", "YYYY-MM, ví dụ 2026-11"),
                "quarterly": (r"^\d{4}-Q[1-4]$", "YYYY-Qn, ví dụ 2026-Q4"),
                "yearly": (r"^\d{4}$", "YYYY, ví dụ 2026"),
                "once": (r"^once$", "once")}
    pattern, example = patterns[kind]
    if not isinstance(period, str) or not re.match(pattern, period) or (
            kind != "once" and int(period[:4]) < 2000):
        raise ValidationError("Kỳ báo cáo không hợp lệ (bad report period):",
                              {"period": f"Kỳ báo cáo {period!r} không đúng dạng {example}."})


def previous_period(kind: str, period: str) -> str:
    first, _ = period_bounds(kind, period)
    if kind == "once":
        return "once"
    return period_of(kind, date.fromordinal(first.toordinal() - 1))


def period_due_date(defn: FormDefinition, period: str) -> date | None:
    """The day a period's report is due: `due_day` of the month after the period; None for "once"."""
    if defn.period == "once":
        return None
    _, last = period_bounds(defn.period, period)
    y, m = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
    return date(y, m, defn.due_day)


# -- definitions ------------------------------------------------------------------------------------
def _parse_field(problems: Problems, entry: Any, where: str) -> FieldDef | None:
    before = len(problems.items)
    if not problems.object(entry, where, FIELD_KEYS):
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        problems.add(f"{where}.name", "must be 1–64 lower-case letters, digits or '_' starting with a "
                                      f"letter, got {describe(name)}")
    label = problems.text(entry, "label", where)
    ftype = entry.get("type")
    if ftype not in FIELD_TYPES:
        problems.add(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}, got {describe(ftype)}")
    required = entry.get("required", False)
    if not isinstance(required, bool):
        problems.add(f"{where}.required", f"must be true or false, got {describe(required)}")
    for key in ("help", "unit"):
        v = entry.get(key, "")
        if not isinstance(v, str) or len(v) > 1000:
            problems.add(f"{where}.{key}", f"must be a text of at most 1000 characters, got {describe(v)}")
    bounds: dict[str, Any] = {}
    for key in ("min", "max"):
        v = entry.get(key)
        if v is None:
            bounds[key] = None
        elif ftype in ("integer", "decimal"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (
                    ftype == "integer" and not isinstance(v, int)):
                problems.add(f"{where}.{key}", f"must be {'a whole number' if ftype == 'integer' else 'a number'}"
                                               f", got {describe(v)}")
            bounds[key] = v
        elif ftype == "date":
            try:
                if not isinstance(v, str):
                    raise ValueError
                date.fromisoformat(v)
            except ValueError:
                problems.add(f"{where}.{key}", f"must be a date YYYY-MM-DD, got {describe(v)}")
            bounds[key] = v
        else:
            problems.add(f"{where}.{key}", f"is only allowed for integer, decimal and date fields")
    if len(problems.items) == before and bounds["min"] is not None and bounds["max"] is not None \
            and bounds["min"] > bounds["max"]:
        problems.add(f"{where}.min", f"{bounds['min']!r} is greater than max {bounds['max']!r}")
    choices: list[tuple[str, str]] = []
    raw = entry.get("choices")
    if ftype == "choice":
        if not isinstance(raw, list) or not raw:
            problems.add(f"{where}.choices", f"must be a non-empty list, got {describe(raw)}")
            raw = []
        for j, c in enumerate(raw):
            if isinstance(c, str) and c.strip():
                pair = (c.strip(), c.strip())
            elif isinstance(c, dict) and set(c) <= {"value", "label"} and isinstance(c.get("value"), str) \
                    and c["value"].strip() and isinstance(c.get("label", c.get("value")), str):
                pair = (c["value"].strip(), str(c.get("label") or c["value"]).strip())
            else:
                problems.add(f"{where}.choices[{j}]", "must be a text or {\"value\": …, \"label\": …}, "
                                                      f"got {describe(c)}")
                continue
            if pair[0] in {p[0] for p in choices}:
                problems.add(f"{where}.choices[{j}]", f"value {pair[0]!r} is listed twice")
            choices.append(pair)
    elif raw is not None:
        problems.add(f"{where}.choices", "is only allowed for choice fields")
    decimals = entry.get("decimals", DEFAULT_DECIMALS)
    if "decimals" in entry and ftype != "decimal":
        problems.add(f"{where}.decimals", "is only allowed for decimal fields")
    elif isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        problems.add(f"{where}.decimals", f"must be a whole number 0–6, got {describe(decimals)}")
    max_length = entry.get("max_length", DEFAULT_MAX_LENGTH)
    if "max_length" in entry and ftype != "text":
        problems.add(f"{where}.max_length", "is only allowed for text fields")
    elif isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 10000:
        problems.add(f"{where}.max_length", f"must be a whole number 1–10000, got {describe(max_length)}")
    if len(problems.items) != before:
        return None
    return FieldDef(name=name, label=label, type=ftype, required=required,
                    help=entry.get("help", "").strip(), min=bounds["min"], max=bounds["max"],
                    choices=tuple(choices), decimals=decimals, max_length=max_length,
                    unit=entry.get("unit", "").strip())


def _parse_form(problems: Problems, entry: Any, where: str, version: int) -> FormDefinition | None:
    before = len(problems.items)
    if not problems.object(entry, where, FORM_KEYS):
        return None
    code = entry.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.add(f"{where}.code", f"must be 1–40 letters, digits, '.', '_' or '-', got {describe(code)}")
    title = problems.text(entry, "title", where)
    period = entry.get("period")
    if period not in PERIODS:
        problems.add(f"{where}.period", f"must be one of {', '.join(PERIODS)}, got {describe(period)}")
    due_day = entry.get("due_day", DEFAULT_DUE_DAY)
    if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 28:
        problems.add(f"{where}.due_day", f"must be a whole number 1–28, got {describe(due_day)}")
    help_text = entry.get("help", "")
    if not isinstance(help_text, str) or len(help_text) > 5000:
        problems.add(f"{where}.help", f"must be a text of at most 5000 characters, got {describe(help_text)}")
    raw_fields = entry.get("fields")
    fields: list[FieldDef] = []
    if not isinstance(raw_fields, list) or not raw_fields or len(raw_fields) > MAX_FIELDS:
        problems.add(f"{where}.fields", f"must be a list of 1–{MAX_FIELDS} fields, got {describe(raw_fields)}")
        raw_fields = []
    names: dict[str, int] = {}
    for j, fe in enumerate(raw_fields):
        f = _parse_field(problems, fe, f"{where}.fields[{j}]")
        if f is None:
            continue
        if f.name in names:
            problems.add(f"{where}.fields[{j}].name", f"{f.name!r} is used twice (also fields[{names[f.name]}])")
        names[f.name] = j
        fields.append(f)
    if len(problems.items) != before:
        return None
    return FormDefinition(code=code, version=version, title=title, period=period,
                          fields=tuple(fields), help=help_text.strip(), due_day=due_day)


def _from_row(row: dict[str, Any]) -> FormDefinition:
    problems = Problems("forms")
    defn = _parse_form(problems, json.loads(row["body"]), f"form {row['code']}", row["version"])
    problems.raise_if_any()
    assert defn is not None
    return defn


def current_version(store: "Store") -> int:
    """The installed forms-document version; 0 when none or only the bundled demo."""
    return documents.installed_version(store, "forms")


def definitions(store: "Store") -> list[FormDefinition]:
    """The forms of the latest installed forms document, by code (empty when none)."""
    version = current_version(store)
    rows = store.query("SELECT * FROM form_definitions WHERE version = ? ORDER BY code", (version,))
    return [_from_row(r) for r in rows]


def get_definition(store: "Store", code: str, version: int | None = None) -> FormDefinition:
    """A form as the latest forms document (or document `version`) defines it.

    Raises NotFoundError naming the code and version.
    """
    v = current_version(store) if version is None else version
    rows = store.query("SELECT * FROM form_definitions WHERE code = ? AND version = ?", (code, v))
    if not rows:
        raise NotFoundError(f"Không có biểu mẫu {code!r} trong bộ biểu mẫu phiên bản {v} "
                            f"(form {code!r} is not in forms version {v})")
    return _from_row(rows[0])


def import_document(store: "Store", doc: dict[str, Any], source: str, *, actor: str = "system",
                    bundled: bool = False) -> int:
    """Install a forms document (the complete set of current forms); returns its version.

    Definitions of older versions stay, so submissions keep the definition they were made with.
    `bundled` is for the bundled demo (version 0) only.
    Raises DocumentError naming every bad form or field (nothing is changed) and StaleDocument when
    the version is not newer than the installed one.
    """
    version = documents.check_header(doc, "forms", bundled=bundled)
    if not isinstance(source, str) or not source.strip():
        raise DocumentError("forms document: the source must be named")
    problems = Problems("forms")
    entries = doc.get("forms")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_FORMS:
        problems.add("forms", f"must be a list of 1–{MAX_FORMS} forms, got {describe(entries)}")
        problems.raise_if_any()
    defs: list[FormDefinition] = []
    codes: dict[str, int] = {}
    for i, entry in enumerate(entries):
        defn = _parse_form(problems, entry, f"forms[{i}]", version)
        if defn is None:
            continue
        if defn.code in codes:
            problems.add(f"forms[{i}].code", f"{defn.code!r} is listed twice (also forms[{codes[defn.code]}])")
        codes[defn.code] = i
        defs.append(defn)
    problems.raise_if_any()
    with store.atomic():
        documents.check_newer(store, "forms", version)
        store.conn.executemany(
            "INSERT INTO form_definitions(code, version, title, period, body) VALUES (?, ?, ?, ?, ?)",
            [(d.code, version, d.title, d.period,
              json.dumps(d.to_dict(), ensure_ascii=False, sort_keys=True)) for d in defs])
        documents.record(store, "forms", version, source.strip(), doc, actor=actor)
    return version


def ensure_bundled(store: "Store") -> int:
    """Install the bundled DEMO monthly report (edge/data/forms-demo.json, version 0) when no forms
    are installed; the province's first forms document supersedes it. Returns the installed version."""
    return documents.ensure_bundled(store, "forms", BUNDLED, import_document)


# -- submissions ------------------------------------------------------------------------------------
def _submission(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    out["values"] = json.loads(row["values"])
    return out


def _row(store: "Store", code: str, period: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM form_submissions WHERE form_code = ? AND period = ?", (code, period))
    return rows[0] if rows else None


def get_submission(store: "Store", code: str, period: str) -> dict[str, Any] | None:
    """The stored submission (draft or submitted) of a form for a period, `values` as a dict; or None."""
    return _submission(_row(store, code, period))


def _save(store: "Store", code: str, period: str, values: dict[str, Any], actor: str, *,
          final: bool) -> dict[str, Any]:
    from .store import iso
    defn = get_definition(store, code)
    check_period(defn.period, period)
    converted = validate(defn, values, partial=not final)
    text = json.dumps(converted, ensure_ascii=False, sort_keys=True)
    with store.atomic():
        existing = _row(store, code, period)
        if existing and existing["status"] == "submitted":
            raise AlreadySubmitted(
                f"Báo cáo {code} kỳ {period} đã nộp lúc {existing['submitted_at']}, không sửa được nữa "
                f"(report {code} for {period} was already submitted and cannot be changed)")
        changes = {"form_version": defn.version, "status": "submitted" if final else "draft",
                   "values": text, "submitted_at": iso() if final else None}
        action = "form.submit" if final else "form.draft"
        detail = {"form": code, "period": period}
        if existing:
            row = records.update(store, "form_submissions", existing["id"], changes, actor=actor,
                                 action=action, detail=detail, current=existing)
        else:
            row = records.insert(store, "form_submissions", {"form_code": code, "period": period, **changes},
                                 actor=actor, action=action, detail=detail)
    return _submission(row)


def save_draft(store: "Store", code: str, period: str, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Save (replace) the draft of a form for a period; missing fields are fine, filled ones are checked.

    Returns the stored submission. Raises ValidationError (per field, or "period"), AlreadySubmitted,
    NotFoundError for an unknown form.
    """
    return _save(store, code, period, values, actor, final=False)


def submit(store: "Store", code: str, period: str, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Validate fully and submit a form for a period; after this the report cannot be changed.

    Returns the stored submission. Raises ValidationError (every bad field at once), AlreadySubmitted,
    NotFoundError for an unknown form.
    """
    return _save(store, code, period, values, actor, final=True)


def due_forms(store: "Store", today: date) -> list[tuple[FormDefinition, str, str]]:
    """Reports to attend to on `today`: (definition, period, status "missing" | "draft" | "submitted").

    For each current form: the most recently ended period (for a "once" form: "once"), plus any other
    period with an unsubmitted draft. Sorted by due date, then code.
    """
    out: list[tuple[FormDefinition, str, str]] = []
    for defn in definitions(store):
        if defn.period == "once":
            periods = {"once"}
        else:
            periods = {previous_period(defn.period, period_of(defn.period, today))}
        drafts = store.query("SELECT period FROM form_submissions WHERE form_code = ? AND status = 'draft'",
                             (defn.code,))
        periods |= {r["period"] for r in drafts}
        for period in periods:
            row = _row(store, defn.code, period)
            out.append((defn, period, row["status"] if row else "missing"))
    def order(item: tuple[FormDefinition, str, str]) -> tuple[date, str, str]:
        try:
            due = period_due_date(item[0], item[1]) or date.max
        except ValidationError:  # a draft saved under an older definition with another period kind
            due = date.max
        return due, item[0].code, item[1]

    out.sort(key=order)
    return out
