"""Slip layouts: queue ticket, dossier receipt, supplement request, refusal, apology, test page.

Each function takes plain data — a dataclass (such as `edge.dossiers.Dossier`, `edge.tickets.Ticket`)
or a dict with the same keys — and returns a `Slip`. Raises LayoutError naming the missing field.
Times are printed in the office's time zone (`TZ`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from .errors import LayoutError
from .slip import QR, Field, Rule, Slip, Space, Text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SAMPLE = "Tiếng Việt: ẮẰẲẴẶ ấầẩẫậ Đđ Ơơ Ưư ỹỷỵ — Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


@dataclass(frozen=True)
class Office:
    """Who prints: the commune's name (as on the letterhead) and its agency code."""

    name: str
    agency_code: str = ""
    counter: str = ""

    @classmethod
    def from_config(cls, config: Any) -> "Office":
        return cls(name=config.commune.name, agency_code=config.commune.agency_code,
                   counter=getattr(getattr(config, "kiosk", None), "counter", "") or "")


def _get(obj: Any, key: str, default: Any = LayoutError) -> Any:
    value = obj.get(key, None) if isinstance(obj, dict) else getattr(obj, key, None)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is LayoutError:
            raise LayoutError(f"cannot print: {type(obj).__name__} has no {key!r}")
        return default
    return value


def fmt_time(value: Any) -> str:
    """`HH:MM dd/mm/yyyy` in the office time zone, from a datetime or an ISO string (UTC if naive)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise LayoutError(f"cannot print: {value!r} is not an ISO date-time") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(TZ).strftime("%H:%M %d/%m/%Y")
    raise LayoutError(f"cannot print: {value!r} is not a date-time")


def fmt_date(value: Any) -> str:
    """`dd/mm/yyyy` from a date, a datetime or an ISO string."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            raise LayoutError(f"cannot print: {value!r} is not an ISO date") from None
    if isinstance(value, datetime):
        value = value.astimezone(TZ).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    raise LayoutError(f"cannot print: {value!r} is not a date")


def _header(office: Office, title: str) -> list:
    return [Text(office.name.upper(), bold=True, align="center"),
            Text("Bộ phận tiếp nhận và trả kết quả", align="center"), Rule(),
            Text(title, size=2, bold=True, align="center"), Space()]


def _footer(officer: str | None, printed_at: datetime | None) -> list:
    blocks: list = [Rule()]
    if officer:
        blocks.append(Field("Cán bộ tiếp nhận", officer))
    blocks.append(Text(f"In lúc {fmt_time(printed_at or datetime.now(timezone.utc))}", align="right"))
    return blocks


def _dossier_head(dossier: Any) -> list:
    return [Field("Mã hồ sơ", _get(dossier, "code")),
            Field("Người nộp", _get(dossier, "applicant_name")),
            Field("Thủ tục", _get(dossier, "procedure_name", None) or _get(dossier, "procedure_code"))]


def ticket(t: Any, office: Office, *, service_name: str | None = None, waiting: int | None = None,
           printed_at: datetime | None = None) -> Slip:
    """A queue ticket: big label, service, time issued, people waiting before, QR of the label."""
    label = _get(t, "label")
    priority = bool(_get(t, "priority", False))
    blocks: list = [Text(office.name.upper(), bold=True, align="center"),
                    Text("PHIẾU SỐ THỨ TỰ", bold=True, align="center"),
                    Text(label, size=3, bold=True, align="center")]
    if priority:
        blocks.append(Text("ƯU TIÊN", size=2, bold=True, align="center"))
    blocks.append(Text(service_name or str(_get(t, "service", "Tiếp nhận hồ sơ")), align="center"))
    blocks.append(Text(f"Lấy số lúc {fmt_time(_get(t, 'issued_at'))}", align="center"))
    if waiting is not None:
        blocks.append(Text(f"Số người đang chờ trước bạn: {waiting}", align="center"))
    blocks += [QR(f"TICKET:{label}", module=4), Text("Xin vui lòng chờ gọi số.", align="center")]
    return Slip(kind="ticket", ref=label, blocks=tuple(blocks))


def receipt(dossier: Any, office: Office, *, officer: str | None = None,
            printed_at: datetime | None = None) -> Slip:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả, with the dossier code as a QR code."""
    code = _get(dossier, "code")
    docs: Iterable[str] = _get(dossier, "documents", [])
    blocks = _header(office, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") + _dossier_head(dossier)
    blocks.append(Text("Giấy tờ đã nhận:", bold=True))
    blocks += [Text(f"{i}. {d}") for i, d in enumerate(docs, 1)] or [Text("(không có)")]
    blocks += [Field("Ngày nhận", fmt_time(_get(dossier, "received_at"))),
               Field("Ngày hẹn trả kết quả", fmt_date(_get(dossier, "due_date"))),
               Space(), QR(code), Text("Quét mã để tra cứu tình trạng hồ sơ", align="center")]
    blocks += _footer(officer or _get(dossier, "updated_by", None), printed_at)
    return Slip(kind="receipt", ref=code, blocks=tuple(blocks))


def supplement(dossier: Any, office: Office, *, missing: list[str], reason: str = "",
               officer: str | None = None, printed_at: datetime | None = None) -> Slip:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: what the citizen must bring."""
    if not missing:
        raise LayoutError("cannot print a supplement request: no missing documents given")
    blocks = _header(office, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ") + _dossier_head(dossier)
    if reason:
        blocks.append(Field("Lý do", reason))
    blocks.append(Text("Cần bổ sung:", bold=True))
    blocks += [Text(f"{i}. {d}") for i, d in enumerate(missing, 1)]
    blocks += [Space(), QR(_get(dossier, "code"))]
    blocks += _footer(officer, printed_at)
    return Slip(kind="supplement", ref=_get(dossier, "code"), blocks=tuple(blocks))


def refusal(dossier: Any, office: Office, *, reason: str, officer: str | None = None,
            printed_at: datetime | None = None) -> Slip:
    """Phiếu từ chối tiếp nhận, giải quyết hồ sơ, with the reason."""
    if not reason or not reason.strip():
        raise LayoutError("cannot print a refusal: the reason is empty")
    blocks = _header(office, "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ") + _dossier_head(dossier)
    blocks += [Field("Lý do từ chối", reason)]
    blocks += _footer(officer, printed_at)
    return Slip(kind="refusal", ref=_get(dossier, "code"), blocks=tuple(blocks))


def apology(dossier: Any, office: Office, *, new_due_date: Any, reason: str,
            officer: str | None = None, printed_at: datetime | None = None) -> Slip:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: the reason for the delay and the new date."""
    if not reason or not reason.strip():
        raise LayoutError("cannot print an apology: the reason is empty")
    blocks = _header(office, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ") + _dossier_head(dossier)
    blocks += [Field("Ngày hẹn trước đây", fmt_date(_get(dossier, "due_date"))),
               Field("Lý do chậm", reason),
               Field("Ngày hẹn trả mới", fmt_date(new_due_date)),
               Text(f"{office.name} xin lỗi ông/bà vì sự chậm trễ này.")]
    blocks += [Space(), QR(_get(dossier, "code"))]
    blocks += _footer(officer, printed_at)
    return Slip(kind="apology", ref=_get(dossier, "code"), blocks=tuple(blocks))


def test_page(office: Office, profile_name: str, printed_at: datetime | None = None) -> Slip:
    """A page that shows the Vietnamese alphabet, a rule and a QR code."""
    blocks = _header(office, "TRANG IN THỬ") + [
        Field("Máy in", profile_name), Text(SAMPLE), Rule(),
        Text("A012", size=3, bold=True, align="center"), QR("TEST:" + office.name)]
    blocks += _footer(None, printed_at)
    return Slip(kind="test", ref="test", blocks=tuple(blocks))
