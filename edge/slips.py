"""The documents the desk hands out, as printer-independent slips.

A slip is a kind, a reference (dossier code or ticket label) and a list of blocks. The kiosk shows
it and saves it as plain text for reprinting; the hardware layer renders the same blocks for a
receipt printer. Content follows DOMAIN.md: receipt with return date (Giấy tiếp nhận hồ sơ và hẹn
trả kết quả), supplement request, refusal, apology with a new date, and queue tickets.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Union

from .clock import local_now, parse_iso

if TYPE_CHECKING:
    from .dossiers import Dossier
    from .store import Store


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width. `size` 1 (normal), 2 (double) or 3 (ticket number)."""
    text: str
    size: int = 1
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Field:
    """`label: value` — the value wraps under itself when it is long."""
    label: str
    value: str


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""


@dataclass(frozen=True)
class Space:
    lines: int = 1


@dataclass(frozen=True)
class QR:
    """A QR code, centred. `module` is the dot size of one QR module on paper."""
    data: str
    module: int = 6


Block = Union[Text, Field, Rule, Space, QR]


@dataclass(frozen=True)
class Slip:
    kind: str
    ref: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def as_text(self, width: int = 48) -> str:
        """The slip as plain text `width` columns wide (a QR is written as its content)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Text):
                lines = textwrap.wrap(b.text, width) or [""]
                if b.align == "center":
                    lines = [ln.center(width).rstrip() for ln in lines]
                elif b.align == "right":
                    lines = [ln.rjust(width) for ln in lines]
                out.extend(lines)
            elif isinstance(b, Field):
                head = f"{b.label}: "
                lines = textwrap.wrap(head + b.value, width, subsequent_indent="  ") or [head]
                out.extend(lines)
            elif isinstance(b, Rule):
                out.append("-" * width)
            elif isinstance(b, Space):
                out.extend([""] * b.lines)
            elif isinstance(b, QR):
                out.append(f"[QR: {b.data}]".center(width).rstrip())
        return "\n".join(out) + "\n"


@dataclass(frozen=True)
class PrintOutcome:
    """What printing a slip came to: `status` is "printed", "queued" (kept in the spool; `detail`
    says why), "no_printer" or "failed" (with `detail`)."""

    status: str
    detail: str = ""


def _header(store: "Store", title: str) -> list[Block]:
    c = store.commune
    return [
        Text(f"UBND {c.name.upper()}", bold=True, align="center"),
        Text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align="center"),
        Text("Độc lập - Tự do - Hạnh phúc", align="center"),
        Rule(),
        Text(title, size=2, bold=True, align="center"),
        Space(),
    ]


def _applicant(d: "Dossier") -> list[Block]:
    blocks: list[Block] = [Field("Mã hồ sơ", d.code), Field("Người nộp", d.applicant_name)]
    if d.applicant_id_number:
        blocks.append(Field("Số CCCD", d.applicant_id_number))
    if d.applicant_phone:
        blocks.append(Field("Điện thoại", d.applicant_phone))
    return blocks


def receipt(store: "Store", d: "Dossier", officer_name: str | None = None) -> Slip:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả, with the dossier code as QR."""
    from .dossiers import procedure_name
    from .forms import format_date
    received = parse_iso(d.received_at)
    blocks = _header(store, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    blocks += _applicant(d)
    blocks += [Field("Thủ tục", procedure_name(store, d)),
               Field("Ngày nhận", received.strftime("%H:%M %d/%m/%Y")),
               Text("Giấy tờ đã nhận:", bold=True)]
    blocks += [Text(f" {i}. {doc}") for i, doc in enumerate(d.documents, 1)] or [Text(" (không có)")]
    blocks += [Field("Ngày hẹn trả kết quả", format_date(d.due_date)),
               Field("Cán bộ tiếp nhận", officer_name or d.officer),
               Space(), QR(d.code),
               Text("Tra cứu: nhập mã hồ sơ và số CCCD tại ki-ốt của xã.", align="center")]
    return Slip("receipt", d.code, tuple(blocks))


def supplement_request(store: "Store", d: "Dossier", missing: Iterable[str], note: str = "",
                       officer_name: str | None = None) -> Slip:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""
    from .dossiers import procedure_name
    from .forms import format_date
    blocks = _header(store, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
    blocks += _applicant(d) + [Field("Thủ tục", procedure_name(store, d)),
                               Text("Đề nghị bổ sung, hoàn thiện:", bold=True)]
    blocks += [Text(f" {i}. {m}") for i, m in enumerate(missing, 1)]
    if note:
        blocks.append(Field("Lý do", note))
    blocks += [Text("Thời gian bổ sung không tính vào thời hạn giải quyết."),
               Field("Cán bộ", officer_name or d.updated_by),
               Field("Ngày", format_date(local_now().date())), QR(d.code)]
    return Slip("supplement", d.code, tuple(blocks))


def refusal(store: "Store", d: "Dossier", reason: str, officer_name: str | None = None) -> Slip:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ."""
    from .dossiers import procedure_name
    from .forms import format_date
    blocks = _header(store, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
    blocks += _applicant(d) + [Field("Thủ tục", procedure_name(store, d)), Field("Lý do", reason),
                               Field("Cán bộ", officer_name or d.updated_by),
                               Field("Ngày", format_date(local_now().date()))]
    return Slip("refusal", d.code, tuple(blocks))


def apology(store: "Store", d: "Dossier", new_date: date, reason: str,
            officer_name: str | None = None) -> Slip:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (a late dossier)."""
    from .dossiers import procedure_name
    from .forms import format_date
    blocks = _header(store, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
    blocks += _applicant(d) + [
        Field("Thủ tục", procedure_name(store, d)),
        Field("Ngày hẹn trả trước đây", format_date(d.due_date)),
        Field("Lý do chậm", reason),
        Text(f"{store.commune.name} xin lỗi ông/bà vì sự chậm trễ này và hẹn trả kết quả vào ngày:"),
        Text(format_date(new_date), size=2, bold=True, align="center"),
        Field("Cán bộ", officer_name or d.updated_by), QR(d.code)]
    return Slip("apology", d.code, tuple(blocks))


def ticket(store: "Store", label: str, service_name: str, issued_at: str, waiting_before: int,
           priority: bool = False) -> Slip:
    """A queue ticket: the number big, the service, the time and how many are waiting ahead."""
    t = parse_iso(issued_at)
    blocks: list[Block] = [
        Text(f"UBND {store.commune.name.upper()}", bold=True, align="center"),
        Text("BỘ PHẬN MỘT CỬA", align="center"), Rule(),
        Text("SỐ THỨ TỰ", align="center"),
        Text(label, size=3, bold=True, align="center"),
        Text(service_name, align="center"),
    ]
    if priority:
        blocks.append(Text("Ưu tiên", bold=True, align="center"))
    blocks += [Field("Giờ lấy số", t.strftime("%H:%M %d/%m/%Y")),
               Field("Số người đang chờ trước", str(waiting_before)), QR(label)]
    return Slip("ticket", label, tuple(blocks))


def _safe(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name if ord(ch) < 128)


def save_slip(data_dir: str | Path, slip: Slip, width: int = 48) -> Path:
    """Write the slip's text under `<data_dir>/slips/<kind>/` (UTF-8) and return the path.

    A later save of the same slip gets a new file, so every print can be reprinted as it was.
    """
    folder = Path(data_dir) / "slips" / slip.kind
    folder.mkdir(parents=True, exist_ok=True)
    stamp = local_now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{_safe(slip.ref)}-{stamp}.txt"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{_safe(slip.ref)}-{stamp}-{n}.txt"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(slip.as_text(width), encoding="utf-8")
    tmp.replace(path)
    return path
