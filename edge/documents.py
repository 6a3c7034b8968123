"""Versioned reference documents pushed by the province (catalogue, calendar, forms).

Each document is a JSON object with `kind` and an integer `version`; it is kept whole in the
`documents` table beside the rows it was unpacked into. A document is only ever installed when its
version is higher than the installed one, and always in one transaction with what it changes.
The formats are described in docs/documents.md.

The DEMO documents bundled in edge/data/ have version 0 (BUNDLED_VERSION), which only a bundled
document may use: the province's first document (version 1) always supersedes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import audit
from .errors import DocumentError

if TYPE_CHECKING:
    from .store import Store

KINDS = ("catalogue", "calendar", "forms")
BUNDLED_VERSION = 0
MAX_ERRORS_SHOWN = 10


class StaleDocument(DocumentError):
    """The document's version is not newer than the installed one: installing it changes nothing."""

    def __init__(self, message: str, kind: str, version: int, installed: int):
        self.kind = kind
        self.version = version
        self.installed = installed
        super().__init__(message)


class Problems:
    """Collects "where: what" problems while checking a document, then raises them together."""

    def __init__(self, kind: str):
        self.kind = kind
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def object(self, entry: Any, where: str, keys: Iterable[str]) -> bool:
        """True when `entry` is an object (noting any key not in `keys`); otherwise False, noted."""
        if not isinstance(entry, dict):
            self.add(where, f"must be an object, got {describe(entry)}")
            return False
        unknown = set(entry) - set(keys)
        if unknown:
            self.add(where, f"unknown key(s) {', '.join(sorted(unknown))}")
        return True

    def text(self, entry: dict, key: str, where: str, *, required: bool = True,
             limit: int = 300) -> str | None:
        """`entry[key]` stripped, when it is a non-empty text of at most `limit` characters (or absent
        and not required); otherwise None, with the problem noted."""
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.add(f"{where}.{key}", f"must be a non-empty text of at most {limit} characters, "
                                       f"got {describe(value)}")
            return None
        return value.strip()

    def raise_if_any(self) -> None:
        """Raise DocumentError naming the first problems (and how many more there are)."""
        if not self.items:
            return
        shown = self.items[:MAX_ERRORS_SHOWN]
        more = len(self.items) - len(shown)
        tail = f"; and {more} more" if more > 0 else ""
        raise DocumentError(f"invalid {self.kind} document ({len(self.items)} problem"
                            f"{'s' if len(self.items) != 1 else ''}): " + "; ".join(shown) + tail)


def describe(value: Any) -> str:
    """A short repr of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_header(doc: Any, kind: str, *, bundled: bool = False) -> int:
    """Check that `doc` is a `kind` document with a valid version; return the version.

    Versions start at 1; a bundled document has version 0. Raises DocumentError naming what is wrong.
    """
    if kind not in KINDS:
        raise DocumentError(f"unknown document kind {kind!r}; known: {', '.join(KINDS)}")
    if not isinstance(doc, dict):
        raise DocumentError(f"a {kind} document must be a JSON object, got {type(doc).__name__}")
    if doc.get("kind") != kind:
        raise DocumentError(f"not a {kind} document: 'kind' is {describe(doc.get('kind'))}, "
                            f"expected {kind!r}")
    version = doc.get("version")
    if bundled:
        if version != BUNDLED_VERSION or isinstance(version, bool):
            raise DocumentError(f"bundled {kind} document: 'version' must be {BUNDLED_VERSION}, "
                                f"got {describe(version)}")
        return version
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DocumentError(f"{kind} document: 'version' must be a whole number ≥ 1, "
                            f"got {describe(version)}")
    return version


def latest_version(store: "Store", kind: str) -> int | None:
    """The highest installed version of `kind` documents (0 for the bundled demo); None when none."""
    version = store.scalar("SELECT MAX(version) FROM documents WHERE kind = ?", (kind,))
    return None if version is None else int(version)


def installed_version(store: "Store", kind: str) -> int:
    """The highest installed version of `kind` documents; 0 when none (or only the bundled demo)."""
    return latest_version(store, kind) or 0


def has_any(store: "Store", kind: str) -> bool:
    """True when some `kind` document (the bundled demo included) is installed."""
    return latest_version(store, kind) is not None


def check_newer(store: "Store", kind: str, version: int) -> None:
    """Raise StaleDocument when `version` is not newer than the installed `kind` document."""
    have = latest_version(store, kind)
    if have is not None and version <= have:
        raise StaleDocument(f"{kind} document version {version} is not newer than the installed "
                            f"version {have}; nothing changed", kind, version, have)


def record(store: "Store", kind: str, version: int, source: str, doc: dict[str, Any], *,
           actor: str = "system") -> None:
    """Keep the whole document and an audit row. Call inside the transaction that unpacks it."""
    from .store import iso
    now = iso()
    store.conn.execute(
        "INSERT INTO documents(kind, version, source, imported_at, body) VALUES (?, ?, ?, ?, ?)",
        (kind, version, source, now,
         json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))))
    audit.append(store, actor, f"{kind}.import", version=version,
                 detail={"kind": kind, "version": version, "source": source}, at=now)


def body(store: "Store", kind: str, version: int | None = None) -> dict[str, Any] | None:
    """The stored document (latest when `version` is None), or None."""
    if version is None:
        version = installed_version(store, kind)
    text = store.scalar("SELECT body FROM documents WHERE kind = ? AND version = ?", (kind, version))
    return None if text is None else json.loads(text)


def history(store: "Store", kind: str) -> list[dict[str, Any]]:
    """Installed versions of `kind`, newest first: version, source, imported_at."""
    return store.query("SELECT version, source, imported_at FROM documents WHERE kind = ? "
                       "ORDER BY version DESC", (kind,))


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON document from a file. Raises DocumentError naming the file (and line) on failure."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DocumentError(f"{p}: cannot read the file ({e})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DocumentError(f"{p}: not valid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise DocumentError(f"{p}: a document must be a JSON object")
    return doc


def bundled_path(name: str) -> Path:
    """Path of a JSON file bundled in edge/data/."""
    return Path(__file__).with_name("data") / name


def ensure_bundled(store: "Store", kind: str, name: str, install: Callable[..., int]) -> int:
    """Install the bundled `kind` document edge/data/`name` with `install` (the kind's
    `import_document`) when no `kind` document is installed. Returns the installed version."""
    latest = latest_version(store, kind)
    if latest is not None:
        return latest
    path = bundled_path(name)
    return install(store, load_file(path), f"bundled {path.name}", bundled=True)
