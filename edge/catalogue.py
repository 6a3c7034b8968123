"""The procedure catalogue: what the commune's one-stop shop handles, with deadlines and fees.

The catalogue is data pushed by the province as a versioned document (docs/documents.md); a DEMO
catalogue is bundled for stores that have none. Every installed version stays queryable, because a
dossier keeps the catalogue version it was received under.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import documents
from .documents import Problems, describe
from .errors import DocumentError, NotFoundError
from .search import tokens  # accent folding via edge.search.fold

if TYPE_CHECKING:
    from .store import Store

BUNDLED = "catalogue-demo.json"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_PROCEDURES = 2000
MAX_DAYS = 365
KEYS = {"code", "name", "name_en", "field", "deadline_days", "verification_days", "fee", "fee_note",
        "documents"}


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure as a given catalogue version describes it.

    `deadline_days` are working days (0 = same day); `verification_days` are added when the dossier
    needs verification; `fee` is in VND.
    """

    code: str
    name: str
    name_en: str | None
    field: str
    deadline_days: int
    verification_days: int
    fee: int
    fee_note: str | None
    documents: tuple[str, ...]
    catalogue_version: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Procedure":
        return cls(code=row["code"], name=row["name"], name_en=row["name_en"], field=row["field"],
                   deadline_days=row["deadline_days"], verification_days=row["verification_days"],
                   fee=row["fee"], fee_note=row["fee_note"],
                   documents=tuple(json.loads(row["documents"])),
                   catalogue_version=row["catalogue_version"])


def current_version(store: "Store") -> int:
    """The installed catalogue version; 0 when none, or when only the bundled demo (version 0) is."""
    return documents.installed_version(store, "catalogue")


def _resolve(store: "Store", version: int | None) -> int:
    if version is None:
        latest = documents.latest_version(store, "catalogue")
        if latest is None:
            raise NotFoundError("Chưa có danh mục thủ tục (no procedure catalogue is installed; "
                                "run `commune-edge catalogue import FILE`)")
        return latest
    if not store.scalar("SELECT 1 FROM documents WHERE kind = 'catalogue' AND version = ?", (version,)):
        raise NotFoundError(f"Không có danh mục thủ tục phiên bản {version} "
                            f"(catalogue version {version} is not installed)")
    return version


def procedures(store: "Store", version: int | None = None) -> list[Procedure]:
    """Every procedure of a catalogue version (the current one by default), by field then code.

    Raises NotFoundError when that version (or any catalogue) is not installed.
    """
    version = _resolve(store, version)
    rows = store.query("SELECT * FROM procedures WHERE catalogue_version = ? ORDER BY field, code",
                       (version,))
    return [Procedure.from_row(r) for r in rows]


def get(store: "Store", code: str, version: int | None = None) -> Procedure:
    """One procedure by code, as catalogue `version` (the current one by default) describes it.

    Raises NotFoundError naming the code and version.
    """
    version = _resolve(store, version)
    rows = store.query("SELECT * FROM procedures WHERE catalogue_version = ? AND code = ?",
                       (version, code))
    if not rows:
        raise NotFoundError(f"Không có thủ tục mã {code!r} trong danh mục phiên bản {version} "
                            f"(procedure {code!r} is not in catalogue version {version})")
    return Procedure.from_row(rows[0])


def search(store: "Store", text: str) -> list[Procedure]:
    """Procedures of the current catalogue where every word of `text` starts a word of the code,
    name, English name or field, ignoring case and Vietnamese accents ("khai sinh" finds
    "Đăng ký khai sinh"). Empty text lists all.
    """
    version = documents.latest_version(store, "catalogue")
    if version is None:
        return []
    words = tokens(text)
    sql = "SELECT * FROM procedures WHERE catalogue_version = ?"
    params: list[Any] = [version]
    for w in words:
        sql += " AND instr(' ' || search_text, ?) > 0"  # a word starting with w
        params.append(" " + w)
    sql += " ORDER BY field, code"
    return [Procedure.from_row(r) for r in store.query(sql, params)]


# -- documents -----------------------------------------------------------------------------------
def _int(problems: Problems, entry: dict, key: str, where: str, *, default: int | None,
         high: int | None) -> int | None:
    value = entry.get(key, default)
    bounds = f"0–{high}" if high is not None else "≥ 0"
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (
            high is not None and value > high):
        problems.add(f"{where}.{key}", f"must be a whole number {bounds}, got {describe(value)}")
        return None
    return value


def _parse(doc: dict[str, Any], version: int) -> list[dict[str, Any]]:
    problems = Problems("catalogue")
    entries = doc.get("procedures")
    if not isinstance(entries, list) or not entries:
        problems.add("procedures", f"must be a non-empty list, got {describe(entries)}")
        problems.raise_if_any()
    if len(entries) > MAX_PROCEDURES:
        problems.add("procedures", f"at most {MAX_PROCEDURES} entries, got {len(entries)}")
        problems.raise_if_any()
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"procedures[{i}]"
        if not problems.object(entry, where, KEYS):
            continue
        code = entry.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            problems.add(f"{where}.code", "must be 1–40 letters, digits, '.', '_' or '-', "
                                          f"got {describe(code)}")
            code = None
        elif code in seen:
            problems.add(f"{where}.code", f"{code!r} is listed twice (also procedures[{seen[code]}])")
        else:
            seen[code] = i
        row = {
            "catalogue_version": version, "code": code,
            "name": problems.text(entry, "name", where, required=True),
            "name_en": problems.text(entry, "name_en", where, required=False),
            "field": problems.text(entry, "field", where, required=True, limit=100),
            "deadline_days": _int(problems, entry, "deadline_days", where, default=None, high=MAX_DAYS),
            "verification_days": _int(problems, entry, "verification_days", where, default=0,
                                      high=MAX_DAYS),
            "fee": _int(problems, entry, "fee", where, default=0, high=None),
            "fee_note": problems.text(entry, "fee_note", where, required=False, limit=500),
        }
        docs = entry.get("documents", [])
        if not isinstance(docs, list):
            problems.add(f"{where}.documents", f"must be a list of texts, got {describe(docs)}")
            docs = []
        clean = []
        for j, text in enumerate(docs):
            if not isinstance(text, str) or not text.strip() or len(text) > 500:
                problems.add(f"{where}.documents[{j}]", "must be a non-empty text of at most 500 "
                                                        f"characters, got {describe(text)}")
            else:
                clean.append(text.strip())
        row["documents"] = json.dumps(clean, ensure_ascii=False)
        if not problems:
            row["search_text"] = " ".join(
                " ".join(tokens(row[k])) for k in ("code", "name", "field", "name_en") if row[k])
            rows.append(row)
    problems.raise_if_any()
    return rows


def import_document(store: "Store", doc: dict[str, Any], source: str, *, actor: str = "system",
                    bundled: bool = False) -> int:
    """Install a catalogue document as a new version; returns the version.

    Earlier versions stay (dossiers refer to them). `bundled` is for the bundled demo (version 0)
    only. Raises DocumentError naming every bad entry
    (nothing is changed) and StaleDocument when the version is not newer than the installed one.
    """
    version = documents.check_header(doc, "catalogue", bundled=bundled)
    if not isinstance(source, str) or not source.strip():
        raise DocumentError("catalogue document: the source must be named")
    rows = _parse(doc, version)
    columns = list(rows[0])
    with store.atomic():
        documents.check_newer(store, "catalogue", version)
        store.conn.executemany(
            f"INSERT INTO procedures ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [[r[c] for c in columns] for r in rows])
        documents.record(store, "catalogue", version, source.strip(), doc, actor=actor)
    return version


def ensure_bundled(store: "Store") -> int:
    """Install the bundled DEMO catalogue (edge/data/catalogue-demo.json, version 0) when none is
    installed; any catalogue the province sends (version ≥ 1) supersedes it. Returns the installed
    catalogue version.
    """
    return documents.ensure_bundled(store, "catalogue", BUNDLED, import_document)

