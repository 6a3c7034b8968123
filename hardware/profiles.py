"""Printer profiles: what a model can do (paper width, dots, code page, native QR, status, cut).

A profile is a small TOML file in `hardware/profiles/` (named by its stem, e.g. `generic-58`) or any
path to such a file. docs/hardware.md says how to add one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ProfileError

PROFILE_DIR = Path(__file__).with_name("profiles")


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    width: int                 # paper width, mm: 58 or 80
    dots: int                  # printable dots a line
    text: str = "raster"       # "raster" (image, any printer) or "codepage" (characters in CP1258)
    codepage: int | None = None
    chars_per_line: int = 32
    qr: str = "native"         # "native" or "raster"
    cut: str = "partial"       # "partial", "full" or "none"
    status: bool = True        # answers DLE EOT
    feed_before_cut: int = 3

    def with_width(self, width: int | None) -> "Profile":
        """The same profile for another paper width (dots and characters scaled)."""
        if width is None or width == self.width:
            return self
        dots = 384 if width == 58 else 576
        chars = 32 if width == 58 else 48
        return Profile(**{**self.__dict__, "width": width, "dots": dots, "chars_per_line": chars})


_KEYS = {"name", "width", "dots", "text", "codepage", "chars_per_line", "qr", "cut", "status",
         "feed_before_cut"}


def available() -> list[str]:
    """Names of the bundled profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load(name: str) -> Profile:
    """Load a bundled profile by name, or a profile file by path. Raises ProfileError."""
    path = Path(name) if name.endswith(".toml") else PROFILE_DIR / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"printer profile {name!r} not found; bundled profiles: "
                           + ", ".join(available())) from None
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ProfileError(f"{path}: cannot read printer profile: {e}") from None

    def bad(key: str, expected: str) -> ProfileError:
        return ProfileError(f"{path}: {key}: expected {expected}, got {data.get(key)!r}")

    for key in data:
        if key not in _KEYS:
            raise ProfileError(f"{path}: {key}: unknown key; known keys are " + ", ".join(sorted(_KEYS)))
    if data.get("width") not in (58, 80):
        raise bad("width", "58 or 80")
    dots = data.get("dots", 384 if data["width"] == 58 else 576)
    if not isinstance(dots, int) or isinstance(dots, bool) or not 96 <= dots <= 1024 or dots % 8:
        raise bad("dots", "a multiple of 8 from 96 to 1024")
    text = data.get("text", "raster")
    if text not in ("raster", "codepage"):
        raise bad("text", "'raster' or 'codepage'")
    codepage = data.get("codepage")
    if text == "codepage" and (not isinstance(codepage, int) or not 0 <= codepage <= 255):
        raise bad("codepage", "the printer's page number (0..255) of its CP1258 table")
    for key, choices in (("qr", ("native", "raster")), ("cut", ("partial", "full", "none"))):
        if data.get(key, choices[0]) not in choices:
            raise bad(key, " or ".join(repr(c) for c in choices))
    if not isinstance(data.get("status", True), bool):
        raise bad("status", "true or false")
    chars = data.get("chars_per_line", 32 if data["width"] == 58 else 48)
    if not isinstance(chars, int) or not 16 <= chars <= 96:
        raise bad("chars_per_line", "a whole number from 16 to 96")
    feed = data.get("feed_before_cut", 3)
    if not isinstance(feed, int) or not 0 <= feed <= 20:
        raise bad("feed_before_cut", "a whole number from 0 to 20")
    return Profile(key=path.stem, name=str(data.get("name", path.stem)), width=data["width"], dots=dots,
                   text=text, codepage=codepage, chars_per_line=chars, qr=data.get("qr", "native"),
                   cut=data.get("cut", "partial"), status=data.get("status", True), feed_before_cut=feed)
