"""What a printed slip holds, independent of the printer: a title and a list of blocks.

`hardware.receipts` builds slips from plain data; `hardware.render` turns a slip into ESC/POS bytes
for one printer profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


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
    """A QR code, centred. `module` is the dot size of one QR module."""

    data: str
    module: int = 6


Block = Union[Text, Field, Rule, Space, QR]


@dataclass(frozen=True)
class Slip:
    """A slip to print. `kind` (ticket, receipt, …) and `ref` (ticket label, dossier code) name it in
    the spool and in messages."""

    kind: str
    ref: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """The slip as plain text (for logs, previews and tests)."""
        out = []
        for b in self.blocks:
            if isinstance(b, Text):
                out.append(b.text)
            elif isinstance(b, Field):
                out.append(f"{b.label}: {b.value}")
            elif isinstance(b, Rule):
                out.append("-" * 32)
            elif isinstance(b, Space):
                out.extend([""] * b.lines)
            elif isinstance(b, QR):
                out.append(f"[QR {b.data}]")
        return "\n".join(out)
