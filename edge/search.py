"""Accent-insensitive Vietnamese search.

`fold()` lowers case, removes tone and vowel marks and turns đ/Đ into d, so "nguyen van duc" finds
"Nguyễn Văn Đức". Dossiers are indexed in an FTS5 table holding folded text (name, code, ID number),
kept in step by the dossier service in the same transaction as the record.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from .store import Store

_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})
_TOKEN = re.compile(r"[0-9a-z]+")
_CODE = re.compile(r"^\S+-\d{6}-\d{4}$")  # <agency code>-<YYMMDD>-<XXXX>


def fold(text: str | None) -> str:
    """Lower-case, accent-free, đ→d. Keeps letters, digits and separators."""
    if not text:
        return ""
    text = text.translate(_EXTRA)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(fold(text))


def dossier_body(row: dict[str, Any]) -> str:
    parts = [row.get("applicant_name"), row.get("code"), row.get("applicant_id_number"),
             row.get("procedure_code"), row.get("applicant_phone")]
    return " ".join(" ".join(tokens(p)) for p in parts if p)


def index_dossier(store: "Store", row: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Index one dossier inside the transaction that wrote it; `old` is the row as it was indexed
    before, when re-indexing (the index keeps no copy of the text, so removal needs it)."""
    if old is not None:
        store.conn.execute("INSERT INTO dossier_search(dossier_search, rowid, body) "
                           "SELECT 'delete', rowid, ? FROM dossiers WHERE id = ?",
                           (dossier_body(old), row["id"]))
    store.conn.execute("INSERT INTO dossier_search(rowid, body) SELECT rowid, ? FROM dossiers WHERE id = ?",
                       (dossier_body(row), row["id"]))


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a person typed: every word must match, the last as a prefix."""
    words = tokens(text)
    if not words:
        return None
    parts = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    return " AND ".join(parts)


def _due_clause(due: str | None, today: "date | None") -> tuple[str, list[Any]]:
    """The `due` filter of `edge.dossiers.list_dossiers`, as " AND (...)" (or "") for `dossiers d`."""
    if due is None:
        return "", []
    from .clock import local_now
    from .dossiers import _filter  # edge.dossiers imports this module
    where, params = _filter(None, due, today or local_now().date())
    # its columns (status, due_date) are unqualified: unambiguous, as the FTS table has only `body`
    return f" AND ({where.removeprefix(' WHERE ')})", params


def search_dossiers(store: "Store", text: str, *, limit: int = 50, status: str | None = None,
                    due: str | None = None, today: "date | None" = None) -> list[dict[str, Any]]:
    """Dossiers matching `text` (name, code, ID number, phone), newest first; `due` ("today" or
    "overdue", relative to `today`, default the local date) filters as `list_dossiers` does."""
    typed = (text or "").strip()
    due_sql, due_params = _due_clause(due, today)
    if _CODE.search(typed):  # a whole dossier code (typed or scanned from a receipt): that dossier
        exact = store.query("SELECT * FROM dossiers WHERE code IN (?, ?)", (typed, typed.upper()))
        if exact and (not status or exact[0]["status"] == status):
            if due_sql:
                exact = store.query(f"SELECT d.* FROM dossiers d WHERE d.code IN (?, ?){due_sql}",
                                    [typed, typed.upper()] + due_params)
            return exact
    expr = match_expression(typed)
    if expr is None:
        return []
    sql = ("SELECT d.* FROM dossier_search s JOIN dossiers d ON d.rowid = s.rowid "
           "WHERE dossier_search MATCH ?")
    params: list[Any] = [expr]
    if status:
        sql += " AND d.status = ?"
        params.append(status)
    sql += due_sql
    params.extend(due_params)
    sql += " ORDER BY s.rowid DESC LIMIT ?"
    params.append(limit)
    return store.query(sql, params)
