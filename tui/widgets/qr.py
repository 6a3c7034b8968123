"""A QR code drawn with half-block characters (two modules per character cell), dark on light so a
phone or the counter's scanner can read it off the screen."""

from __future__ import annotations

import qrcode
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

DARK_ON_LIGHT = "#000000 on #ffffff"


def qr_matrix(data: str, border: int = 1) -> list[list[bool]]:
    """The modules of the smallest QR (error correction M) holding `data`; True is dark."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def qr_lines(data: str, border: int = 1) -> list[str]:
    """The QR as text lines of ' ', '▀', '▄', '█' (the character shows the dark modules)."""
    matrix = qr_matrix(data, border)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2]):
        lines.append("".join("█" if a and b else "▀" if a else "▄" if b else " "
                             for a, b in zip(top, bottom)))
    return lines


class QRCode(Static):
    """Shows `data` as a QR code."""

    DEFAULT_CSS = "QRCode { width: auto; height: auto; }"

    data: reactive[str] = reactive("")

    def watch_data(self, data: str) -> None:
        if not data:
            self.update("")
            return
        self.update(Text("\n".join(qr_lines(data)), style=DARK_ON_LIGHT, no_wrap=True))
