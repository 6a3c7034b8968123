"""Citizens: the applicant of a dossier, and the citizen-ID card (CCCD) QR code.

The QR on a CCCD decodes to fields separated by `|`:
`12-digit ID | old 9-digit ID (may be empty) | full name | DOB DDMMYYYY | sex Nam/Nữ | permanent
address | issue date DDMMYYYY`. No official spec exists; cards are seen with 6 fields (no old-ID
field) and with extra trailing fields, so `parse_cccd` is tolerant about the layout and strict
about every field. The raw text is personal data: it is never stored, logged or echoed in an
error message — only the parsed, validated `Applicant` leaves this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from .clock import today as local_today
from .errors import CCCDError, ValidationError

SEXES = ("Nam", "Nữ")
#: province codes in the first three digits of a 12-digit ID number (Circular 07/2016/TT-BCA)
PROVINCE_CODES = range(1, 97)
#: a scanned QR text longer than this is not a CCCD (real ones are ~150–250 characters)
MAX_QR_CHARS = 1000
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 300
#: birth dates before this are not plausible for a living card holder (the ID's century code starts here)
EARLIEST_DOB = date(1900, 1, 1)

_ID_RE = re.compile(r"[0-9]{12}")
_OLD_ID_RE = re.compile(r"[0-9]{9}")
_DATE_RE = re.compile(r"[0-9]{8}")
_SPACES_RE = re.compile(r"\s+")
_PHONE_SEPARATORS_RE = re.compile(r"[\s.\-()]")
# Mobile: 10 digits, 03x/05x/07x/08x/09x. Landline (since 2017): 11 digits, 02 + area code.
_MOBILE_RE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE_RE = re.compile(r"02[0-9]{9}")


def _clean(value: Any) -> Any:
    """NFC-normalise text, strip it and collapse runs of whitespace; other values pass unchanged."""
    if not isinstance(value, str):
        return value
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _msg(vi: str, field: str, en: str) -> str:
    return f"{vi} ({field}: {en})"


@dataclass(frozen=True, repr=False)
class Applicant:
    """A person who submits a dossier.

    Text fields are NFC-normalised and whitespace-collapsed on construction; `phone` and
    `id_number` are normalised when they are valid. Construction never raises — call `validate()`.
    `repr()` masks the ID number so a stray log line does not leak it.
    """

    full_name: str
    id_number: str | None = None
    old_id: str | None = None
    dob: date | None = None
    sex: str | None = None        # "Nam" | "Nữ"
    address: str | None = None
    issue_date: date | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = _clean(getattr(self, f.name))
            if value == "" and f.name != "full_name":
                value = None
            object.__setattr__(self, f.name, value)
        if isinstance(self.id_number, str):
            object.__setattr__(self, "id_number", self.id_number.replace(" ", ""))
        if isinstance(self.sex, str):
            object.__setattr__(self, "sex", _canonical_sex(self.sex) or self.sex)
        if isinstance(self.phone, str):
            try:
                object.__setattr__(self, "phone", validate_phone(self.phone))
            except ValidationError:
                pass

    def __repr__(self) -> str:
        return (f"Applicant(full_name={self.full_name!r}, id_number={mask_id(self.id_number)!r}, "
                f"dob={self.dob!r}, sex={self.sex!r})")

    def errors(self) -> dict[str, str]:
        """Every problem with this applicant, field → message (empty when valid)."""
        errors: dict[str, str] = {}
        try:
            _check_name(self.full_name)
        except ValidationError as e:
            errors["full_name"] = e.errors["full_name"]
        checks = (("id_number", validate_id_number), ("old_id", _check_old_id), ("phone", validate_phone),
                  ("address", _check_address))
        for name, check in checks:
            value = getattr(self, name)
            if value is not None:
                try:
                    check(value)
                except ValidationError as e:
                    errors[name] = e.errors.get(name, str(e))
        if self.sex is not None and self.sex not in SEXES:
            errors["sex"] = _msg("Giới tính phải là Nam hoặc Nữ", "sex", "expected Nam or Nữ")
        for name in ("dob", "issue_date"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                errors[name] = _msg("Ngày không hợp lệ", name, "expected a date")
        if "dob" not in errors and self.dob is not None:
            problem = _check_dob(self.dob)
            if problem:
                errors["dob"] = problem
        if "issue_date" not in errors and self.issue_date is not None:
            problem = _check_issue_date(self.issue_date, self.dob if "dob" not in errors else None)
            if problem:
                errors["issue_date"] = problem
        if self.id_number is not None and "id_number" not in errors:
            problem = _id_consistency(self.id_number, self.sex if "sex" not in errors else None,
                                      self.dob if "dob" not in errors else None)
            if problem:
                errors["id_number"] = problem
        return errors

    def validate(self) -> "Applicant":
        """Return self when every field is valid; else raise ValidationError naming every bad field."""
        errors = self.errors()
        if errors:
            raise ValidationError("Thông tin người nộp chưa hợp lệ (applicant is not valid):", errors)
        return self

    def with_changes(self, **changes: Any) -> "Applicant":
        """A copy with some fields replaced (normalised again)."""
        return replace(self, **changes)

    def as_dossier_fields(self) -> dict[str, Any]:
        """The `applicant_*` columns of a dossier row."""
        return {"applicant_name": self.full_name, "applicant_id_number": self.id_number,
                "applicant_dob": self.dob.isoformat() if isinstance(self.dob, date) else None,
                "applicant_sex": self.sex, "applicant_address": self.address,
                "applicant_phone": self.phone}


# -- single-field validators -------------------------------------------------------------------
def mask_id(id_number: str | None) -> str | None:
    """`001099******` style: the province and birth-year digits stay, the rest is hidden."""
    if not id_number:
        return id_number
    return id_number[:6] + "*" * max(0, len(id_number) - 6)


def validate_id_number(s: str) -> str:
    """Return the 12-digit CCCD number (spaces removed) or raise ValidationError (field id_number).

    Checks: exactly 12 ASCII digits, a province code 001–096 in the first three, and a century code
    in the fourth that does not put the birth year in the future.
    """
    if not isinstance(s, str):
        raise _field_error("id_number", "Số CCCD phải có 12 chữ số", "expected 12 digits")
    value = _clean(s).replace(" ", "")
    if not _ID_RE.fullmatch(value):
        raise _field_error("id_number", "Số CCCD phải có 12 chữ số", "expected 12 digits")
    if int(value[:3]) not in PROVINCE_CODES:
        raise _field_error("id_number", "Mã tỉnh (3 số đầu của số CCCD) phải từ 001 đến 096",
                           "the first three digits must be a province code 001–096")
    if _id_birth_year(value) > local_today().year:
        raise _field_error("id_number", "Chữ số thứ 4 của số CCCD (mã thế kỷ) không hợp lệ",
                           "the 4th digit gives a birth year in the future")
    return value


def validate_phone(s: str) -> str:
    """Return a Vietnamese phone number in national form (`0912345678`, `02193123456`).

    Accepts spaces, dots, dashes, brackets and a +84/84 prefix. Mobile numbers have 10 digits
    (03x, 05x, 07x, 08x, 09x), landlines 11 (02x…). Raises ValidationError (field phone).
    """
    if not isinstance(s, str):
        raise _field_error("phone", "Số điện thoại không hợp lệ", "expected a phone number")
    value = _PHONE_SEPARATORS_RE.sub("", _clean(s))
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("84") and len(value) in (11, 12):
        value = "0" + value[2:]
    if _MOBILE_RE.fullmatch(value) or _LANDLINE_RE.fullmatch(value):
        return value
    raise _field_error("phone", "Số điện thoại không hợp lệ: di động 10 số (03x, 05x, 07x, 08x, 09x), "
                       "cố định 11 số (02x)", "expected a Vietnamese mobile (10 digits) or landline "
                       "(11 digits starting 02)")


def _field_error(field: str, vi: str, en: str) -> ValidationError:
    message = _msg(vi, field, en)
    return ValidationError(message, {field: message})


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise _field_error("full_name", "Chưa có họ tên", "a name is required")
    if len(name) > MAX_NAME_CHARS:
        raise _field_error("full_name", f"Họ tên dài quá {MAX_NAME_CHARS} ký tự",
                           f"longer than {MAX_NAME_CHARS} characters")
    for ch in name:
        if ch != " " and unicodedata.category(ch)[0] not in "LM":
            raise _field_error("full_name", "Họ tên chỉ được có chữ cái và dấu cách",
                               "letters and spaces only")
    if unicodedata.category(name[0])[0] != "L":
        raise _field_error("full_name", "Họ tên phải bắt đầu bằng chữ cái", "must start with a letter")
    return name


def _check_old_id(value: Any) -> str:
    if not isinstance(value, str) or not _OLD_ID_RE.fullmatch(value):
        raise _field_error("old_id", "Số CMND cũ phải có 9 chữ số", "expected 9 digits or nothing")
    return value


def _check_address(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _field_error("address", "Chưa có địa chỉ", "an address is required")
    if len(value) > MAX_ADDRESS_CHARS:
        raise _field_error("address", f"Địa chỉ dài quá {MAX_ADDRESS_CHARS} ký tự",
                           f"longer than {MAX_ADDRESS_CHARS} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
        raise _field_error("address", "Địa chỉ có ký tự không hợp lệ", "contains control characters")
    return value


def _check_dob(dob: date) -> str | None:
    if dob > local_today():
        return _msg("Ngày sinh không được ở tương lai", "dob", "date of birth is in the future")
    if dob < EARLIEST_DOB:
        return _msg("Ngày sinh trước năm 1900", "dob", "date of birth before 1900")
    return None


def _check_issue_date(issued: date, dob: date | None) -> str | None:
    if issued > local_today():
        return _msg("Ngày cấp không được ở tương lai", "issue_date", "issue date is in the future")
    if dob is not None and issued <= dob:
        return _msg("Ngày cấp phải sau ngày sinh", "issue_date", "issue date must be after birth")
    return None


def _canonical_sex(value: str) -> str | None:
    folded = unicodedata.normalize("NFC", value).strip().casefold()
    for sex in SEXES:
        if folded == sex.casefold():
            return sex
    return None


def _id_birth_year(id_number: str) -> int:
    century = int(id_number[3]) // 2
    return 1900 + century * 100 + int(id_number[4:6])


def id_sex(id_number: str) -> str:
    """The sex encoded in a valid 12-digit ID number's 4th digit (even: Nam, odd: Nữ)."""
    return SEXES[int(id_number[3]) % 2]


def _id_consistency(id_number: str, sex: str | None, dob: date | None) -> str | None:
    if sex in SEXES and id_sex(id_number) != sex:
        return _msg("Số CCCD không khớp với giới tính", "id_number",
                    "the 4th digit does not match the sex")
    if isinstance(dob, date) and _id_birth_year(id_number) != dob.year:
        return _msg("Số CCCD không khớp với năm sinh", "id_number",
                    "digits 4–6 do not match the year of birth")
    return None


# -- the QR code -------------------------------------------------------------------------------
def _parse_date(value: str, field: str, label_vi: str) -> date:
    if not _DATE_RE.fullmatch(value):
        raise CCCDError(_msg(f"{label_vi} phải có dạng NNTTNNNN (8 chữ số)", field,
                             "expected DDMMYYYY"), field)
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise CCCDError(_msg(f"{label_vi} không phải ngày có thật", field, "not a real date"),
                        field) from None


def parse_cccd(text: str | bytes) -> Applicant:
    """Parse the decoded text of a CCCD QR code into a validated Applicant.

    Tolerates surrounding whitespace/CR/LF, a missing old-ID field (6 fields) and extra trailing
    fields. Raises CCCDError whose `field` names the first bad field (`format` when the text is not
    a CCCD at all). The text itself is never kept, logged or quoted in the error.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise CCCDError(_msg("Mã QR không đọc được (không phải UTF-8)", "format",
                                 "not UTF-8 text"), "format") from None
    if not isinstance(text, str):
        raise CCCDError(_msg("Mã QR không phải văn bản", "format", "expected text"), "format")
    if len(text) > MAX_QR_CHARS:
        raise CCCDError(_msg("Mã QR quá dài, không phải CCCD", "format",
                             f"longer than {MAX_QR_CHARS} characters"), "format")
    text = unicodedata.normalize("NFC", text).strip().lstrip("\ufeff").strip()
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 6:
        raise CCCDError(_msg(f"Mã QR không phải CCCD: cần ít nhất 6 trường ngăn bởi '|', có {len(parts)}",
                             "format", f"expected at least 6 '|'-separated fields, got {len(parts)}"),
                        "format")
    shifted = len(parts) == 6 or (parts[1] != "" and not _OLD_ID_RE.fullmatch(parts[1])
                                  and _DATE_RE.fullmatch(parts[2]) is not None)
    if shifted:
        # no old-ID field (six real fields), possibly followed by extra trailing ones
        id_number, old_id, name, dob_s, sex_s, address, issue_s = (parts[0], "", *parts[1:6])
    else:
        id_number, old_id, name, dob_s, sex_s, address, issue_s = parts[:7]

    try:
        id_number = validate_id_number(id_number)
    except ValidationError as e:
        raise CCCDError(e.errors["id_number"], "id_number") from None
    if old_id:
        try:
            _check_old_id(old_id)
        except ValidationError as e:
            raise CCCDError(e.errors["old_id"], "old_id") from None
    name = _clean(name)
    try:
        _check_name(name)
    except ValidationError as e:
        raise CCCDError(e.errors["full_name"], "full_name") from None
    dob = _parse_date(dob_s, "dob", "Ngày sinh")
    problem = _check_dob(dob)
    if problem:
        raise CCCDError(problem, "dob")
    sex = _canonical_sex(sex_s)
    if sex is None:
        raise CCCDError(_msg("Giới tính phải là Nam hoặc Nữ", "sex", "expected Nam or Nữ"), "sex")
    address = _clean(address)
    try:
        _check_address(address)
    except ValidationError as e:
        raise CCCDError(e.errors["address"], "address") from None
    issued = _parse_date(issue_s, "issue_date", "Ngày cấp")
    problem = _check_issue_date(issued, dob)
    if problem:
        raise CCCDError(problem, "issue_date")
    problem = _id_consistency(id_number, sex, dob)
    if problem:
        raise CCCDError(problem, "id_number")
    return Applicant(full_name=name, id_number=id_number, old_id=old_id or None, dob=dob, sex=sex,
                     address=address, issue_date=issued)


def format_cccd(applicant: Applicant) -> str:
    """The QR text a card with this applicant's data would carry (7 fields) — for tests and demos."""
    def ddmmyyyy(d: date | None) -> str:
        return d.strftime("%d%m") + f"{d.year:04d}" if d else ""
    return "|".join([applicant.id_number or "", applicant.old_id or "", applicant.full_name,
                     ddmmyyyy(applicant.dob), applicant.sex or "", applicant.address or "",
                     ddmmyyyy(applicant.issue_date)])
