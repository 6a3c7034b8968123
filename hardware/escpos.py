"""ESC/POS command bytes: pure functions, no I/O.

Only the commands this product uses: initialise, alignment, character size and emphasis, code page,
feed, cut, raster bit image (`GS v 0`), native QR code (`GS ( k`) and real-time status
(`DLE EOT n`). References: Epson ESC/POS command reference (public), which most 58/80 mm receipt
printers follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

ESC, GS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x10", b"\x04", b"\n"

INIT = ESC + b"@"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
#: Largest raster block sent in one `GS v 0` command (some printers have small input buffers).
RASTER_BAND_ROWS = 128


def emphasis(on: bool) -> bytes:
    """`ESC E n`: bold on/off."""
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def char_size(width: int = 1, height: int = 1) -> bytes:
    """`GS ! n`: character magnification 1..8 in each direction."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size must be 1..8, got {width}x{height}")
    return GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])


def code_page(n: int) -> bytes:
    """`ESC t n`: select the character code table (page numbers are printer-specific)."""
    if not 0 <= n <= 255:
        raise ValueError(f"code page must be 0..255, got {n}")
    return ESC + b"t" + bytes([n])


def feed(lines: int = 1) -> bytes:
    """`ESC d n`: print and feed n lines."""
    return ESC + b"d" + bytes([max(0, min(255, lines))])


def cut(partial: bool = True, feed_dots: int = 0) -> bytes:
    """`GS V m n` (function B): feed `feed_dots` then cut (partial leaves a hinge)."""
    return GS + b"V" + (b"B" if partial else b"A") + bytes([max(0, min(255, feed_dots))])


def raster(image: Image.Image) -> bytes:
    """`GS v 0`: a 1-bit image (black = printed), split into bands of RASTER_BAND_ROWS rows.

    The image width is padded to a whole number of bytes; its height can be anything.
    """
    img = image.convert("1")
    width_bytes = (img.width + 7) // 8
    if img.width % 8:
        padded = Image.new("1", (width_bytes * 8, img.height), 1)
        padded.paste(img, (0, 0))
        img = padded
    # PIL "1" packs 8 pixels a byte, MSB first, 1 = white; ESC/POS wants 1 = black.
    data = bytes(b ^ 0xFF for b in img.tobytes())
    out = bytearray()
    for top in range(0, img.height, RASTER_BAND_ROWS):
        rows = min(RASTER_BAND_ROWS, img.height - top)
        out += GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
        out += data[top * width_bytes:(top + rows) * width_bytes]
    return bytes(out)


def _qr_fn(fn: int, payload: bytes) -> bytes:
    # GS ( k pL pH cn=49 fn [params]
    body = bytes([49, fn]) + payload
    return GS + b"(k" + len(body).to_bytes(2, "little") + body


QR_ECC = {"L": 48, "M": 49, "Q": 50, "H": 51}


def qr(data: str, module: int = 6, ecc: str = "M") -> bytes:
    """Native QR (`GS ( k`): model 2, module size 1..16 dots, error correction L/M/Q/H, then print.

    Raises ValueError when the data is empty or too long for one symbol.
    """
    raw = data.encode("utf-8")
    if not raw or len(raw) > 7089:
        raise ValueError(f"QR data must be 1..7089 bytes, got {len(raw)}")
    if not 1 <= module <= 16:
        raise ValueError(f"QR module size must be 1..16, got {module}")
    return (_qr_fn(65, b"\x32\x00")                 # fn 165: model 2
            + _qr_fn(67, bytes([module]))           # fn 167: module size
            + _qr_fn(69, bytes([QR_ECC[ecc]]))      # fn 169: error correction
            + _qr_fn(80, b"\x30" + raw)             # fn 180: store data
            + _qr_fn(81, b"\x30"))                  # fn 181: print


#: `DLE EOT n` status requests: 1 printer, 2 offline cause, 4 paper roll sensor.
STATUS_PRINTER, STATUS_OFFLINE, STATUS_PAPER = 1, 2, 4


def status_request(n: int) -> bytes:
    """`DLE EOT n`: the printer answers at once with one status byte, even while busy."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n must be 1..4, got {n}")
    return DLE + EOT + bytes([n])


@dataclass(frozen=True)
class Status:
    """What the status bytes say; `problem` is None when the printer can print."""

    online: bool = True
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    error: bool = False

    @property
    def problem(self) -> str | None:
        if self.paper_out:
            return "paper_out"
        if self.cover_open:
            return "cover_open"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        return None


def _valid(byte: int) -> bool:
    # Every status byte has bit 1 and bit 4 set, bits 0 and 7 clear.
    return byte & 0b1001_0011 == 0b0001_0010


def parse_status(printer: int | None, offline: int | None = None, paper: int | None = None) -> Status:
    """Decode the answers to DLE EOT 1, 2 and 4 (None when not asked).

    Raises ValueError for a byte that is not a status byte (noise on the line).
    """
    for b in (printer, offline, paper):
        if b is not None and not _valid(b):
            raise ValueError(f"not an ESC/POS status byte: 0x{b:02x}")
    online = not (printer is not None and printer & 0x08)
    cover = bool(offline is not None and offline & 0x04)
    paper_out = bool((offline is not None and offline & 0x20) or (paper is not None and paper & 0x60))
    near_end = bool(paper is not None and paper & 0x0C)
    error = bool(offline is not None and offline & 0x40)
    return Status(online=online, cover_open=cover, paper_out=paper_out, paper_near_end=near_end,
                  error=error)
