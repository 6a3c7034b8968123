"""Turn a `Slip` into ESC/POS bytes for one printer profile.

Text is drawn with the bundled DejaVu Sans into a 1-bit raster image (so every Vietnamese letter
prints on any printer), or — when the profile says the printer has a CP1258 code table — sent as
CP1258 characters with the tone marks as combining bytes. QR codes are native (`GS ( k`) or drawn
into the raster image, per the profile.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from . import escpos
from .profiles import Profile
from edge.slips import QR, Block, Field, Rule, Slip, Space, Text

FONT_DIR = Path(__file__).with_name("fonts")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
#: Pixel size of the font for each Text.size (203 dpi: 24 px is about 3 mm).
SIZES = {1: 24, 2: 36, 3: 96}
MARGIN = 4
#: CP1258 bytes of the five combining tone marks.
CP1258_TONES = {"\u0300": 0xCC, "\u0301": 0xEC, "\u0303": 0xDE, "\u0309": 0xD2, "\u0323": 0xF2}


@lru_cache(maxsize=16)
def font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), px)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Split `text` into lines no wider than `width` pixels (words longer than a line are broken)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            candidate = f"{line} {word}" if line else word
            if fnt.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while fnt.getlength(word) > width:
                cut = len(word)
                while cut > 1 and fnt.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _qr_image(data: str, module: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if cell else 1 for row in matrix for cell in row])
    return img.resize((n * module, n * module), Image.NEAREST)


def render_image(blocks: list[Block], width: int) -> Image.Image:
    """Draw text, fields, rules, spaces and QR codes into one 1-bit image `width` dots wide."""
    inner = width - 2 * MARGIN
    parts: list[tuple[str, object]] = []
    height = 0

    def text_lines(text: str, size: int, bold: bool, align: str, indent: int = 0) -> None:
        nonlocal height
        px = SIZES.get(size, SIZES[1])
        fnt = font(px, bold)
        for line in wrap(text, fnt, inner - indent):
            parts.append(("text", (line, fnt, px, align, indent, height)))
            height += int(px * 1.4)

    for b in blocks:
        if isinstance(b, Text):
            text_lines(b.text, b.size, b.bold, b.align)
        elif isinstance(b, Field):
            label = f"{b.label}: "
            fnt = font(SIZES[1], False)
            indent = int(fnt.getlength(label))
            if indent > inner // 2 or fnt.getlength(label + b.value) <= inner:
                text_lines(label + b.value, 1, False, "left")
            else:
                parts.append(("text", (label, fnt, SIZES[1], "left", 0, height)))
                text_lines(b.value, 1, True, "left", indent)
        elif isinstance(b, Rule):
            parts.append(("rule", height + 6))
            height += 14
        elif isinstance(b, Space):
            height += int(SIZES[1] * 1.4) * b.lines
        elif isinstance(b, QR):
            img = _qr_image(b.data, b.module)
            while img.width > inner and b.module > 1:
                b = QR(b.data, b.module - 1)
                img = _qr_image(b.data, b.module)
            parts.append(("image", (img, height)))
            height += img.height + 8
    image = Image.new("1", (width, max(height, 1)), 1)
    draw = ImageDraw.Draw(image)
    for kind, spec in parts:
        if kind == "text":
            line, fnt, px, align, indent, top = spec
            length = fnt.getlength(line)
            x = MARGIN + indent
            if align == "center":
                x = MARGIN + (inner - length) / 2
            elif align == "right":
                x = MARGIN + inner - length
            draw.text((x, top + int(px * 1.1)), line, font=fnt, fill=0, anchor="ls")
        elif kind == "rule":
            draw.line((MARGIN, spec, width - MARGIN, spec), fill=0, width=2)
        elif kind == "image":
            img, top = spec
            image.paste(img, ((width - img.width) // 2, top))
    return image


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as CP1258: base letters (with ˆ ˘ ơ ư) plus combining tone-mark bytes.

    Characters CP1258 cannot hold become '?'.
    """
    out = bytearray()
    cluster = ""
    tones = bytearray()

    def flush() -> None:
        if cluster:
            out.extend(unicodedata.normalize("NFC", cluster).encode("cp1258", "replace"))
        out.extend(tones)

    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if ch in CP1258_TONES:
                tones.append(CP1258_TONES[ch])
            else:
                cluster += ch
            continue
        flush()
        cluster, tones = ch, bytearray()
    flush()
    return bytes(out)


def _wrap_chars(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if len(line) + len(word) + (1 if line else 0) <= width:
            line = f"{line} {word}" if line else word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _codepage_text(b: Block, profile: Profile) -> bytes:
    cpl = profile.chars_per_line
    if isinstance(b, Text):
        mag = min(b.size, 8) if b.size < 3 else 4
        head = escpos.ALIGN[b.align] + escpos.emphasis(b.bold) + escpos.char_size(mag, mag)
        body = b"".join(to_cp1258(line) + escpos.LF
                        for line in _wrap_chars(unicodedata.normalize("NFC", b.text), max(1, cpl // mag)))
        return head + body + escpos.char_size(1, 1) + escpos.emphasis(False) + escpos.ALIGN["left"]
    if isinstance(b, Field):
        text = unicodedata.normalize("NFC", f"{b.label}: {b.value}")
        return b"".join(to_cp1258(line) + escpos.LF for line in _wrap_chars(text, cpl))
    if isinstance(b, Rule):
        return b"-" * cpl + escpos.LF
    if isinstance(b, Space):
        return escpos.LF * b.lines
    raise TypeError(f"not a text block: {b!r}")


def encode(slip: Slip, profile: Profile) -> bytes:
    """The complete ESC/POS job for `slip`: initialise, content, feed, cut."""
    out = bytearray(escpos.INIT)
    if profile.text == "codepage":
        out += escpos.code_page(profile.codepage or 0)
    pending: list[Block] = []

    def flush() -> None:
        if pending:
            out.extend(escpos.ALIGN["left"] + escpos.raster(render_image(pending, profile.dots)))
            pending.clear()

    for b in slip.blocks:
        if isinstance(b, QR) and profile.qr == "native":
            flush()
            module = b.module if profile.width == 80 else min(b.module, 6)
            out += escpos.ALIGN["center"] + escpos.qr(b.data, module=module) + escpos.LF
            out += escpos.ALIGN["left"]
        elif profile.text == "codepage" and not isinstance(b, QR):
            flush()
            out += _codepage_text(b, profile)
        else:
            pending.append(b)
    flush()
    out += escpos.feed(profile.feed_before_cut)
    if profile.cut != "none":
        out += escpos.cut(partial=profile.cut == "partial")
    return bytes(out)
