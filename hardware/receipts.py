"""Slips for the printer. The layouts themselves live in `edge.slips` (the kiosk shows and saves the
same slips); this module adds what only the printer needs — a test page — and builds slips from
the store for the buttons and the `commune-edge print` commands.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from edge import dossiers, slips
from edge.clock import local_now
from edge.slips import QR, Field, Rule, Slip, Space, Text

from .profiles import Profile

if TYPE_CHECKING:
    from edge.store import Store

SAMPLE = "Tiếng Việt: ẮẰẲẴẶ ấầẩẫậ Đđ Ơơ Ưư ỹỷỵ — Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


def test_page(commune_name: str, profile: Profile, printed_at: datetime | None = None) -> Slip:
    """A page that shows the Vietnamese alphabet, sizes, a rule and a QR code."""
    when = (printed_at or local_now()).strftime("%H:%M %d/%m/%Y")
    blocks = (Text(f"UBND {commune_name.upper()}", bold=True, align="center"),
              Text("TRANG IN THỬ", size=2, bold=True, align="center"), Rule(),
              Field("Máy in", f"{profile.name} ({profile.width} mm, {profile.key})"),
              Field("Chữ", "ảnh raster" if profile.text == "raster" else f"bảng mã CP1258 ({profile.codepage})"),
              Text(SAMPLE), Rule(), Text("A012", size=3, bold=True, align="center"),
              QR("TEST " + commune_name), Space(), Text(f"In lúc {when}", align="right"))
    return Slip("test", "test", blocks)


def receipt_for_code(store: "Store", code: str, officer_name: str | None = None) -> Slip:
    """The receipt of the dossier with `code`. Raises edge.errors.NotFoundError."""
    return slips.receipt(store, dossiers.by_code(store, code), officer_name)
