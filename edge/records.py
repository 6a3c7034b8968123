"""The one writer of synced records.

`insert()` and `update()` change a record, append its outbox row and its audit row in one
transaction, stamping `id` (UUIDv7), `commune`, `version`, `hlc` and `updated_by`. Nothing else
writes to a synced table.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import audit, ids, outbox
from .errors import NotFoundError, StoreError

if TYPE_CHECKING:
    from .store import Store

SYNCED_TABLES = ("dossiers", "dossier_history", "tickets", "form_submissions")
_columns: dict[str, tuple[str, ...]] = {}


def columns(store: "Store", table: str) -> tuple[str, ...]:
    if table not in SYNCED_TABLES:
        raise StoreError(f"{table!r} is not a synced table")
    if table not in _columns:
        _columns[table] = tuple(r["name"] for r in store.conn.execute(f"PRAGMA table_info({table})"))
    return _columns[table]


def payload(row: dict[str, Any]) -> str:
    """The outbox payload of a record: compact JSON, keys sorted, text kept as UTF-8."""
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _quote(name: str) -> str:
    return '"' + name + '"'


def insert(store: "Store", table: str, values: dict[str, Any], *, actor: str, action: str,
           detail: dict[str, Any] | str | None = None, at: str | None = None) -> dict[str, Any]:
    """Create a record (version 1). Returns the whole stored row."""
    from .store import iso
    cols = columns(store, table)
    unknown = set(values) - set(cols)
    if unknown:
        raise StoreError(f"{table}: unknown column(s) {', '.join(sorted(unknown))}")
    with store.atomic():
        now = at or iso()
        given = dict(values)
        given.update(id=values.get("id") or ids.uuid7(), commune=store.commune.code, version=1,
                     hlc=store.tick(), updated_by=actor, created_at=now, updated_at=now)
        names = ", ".join(_quote(c) for c in given)
        marks = ", ".join("?" for _ in given)
        store.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(given.values()))
        # read back so the payload carries the column defaults too
        row = dict(store.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (given["id"],)).fetchone())
        outbox.append(store, table, row["id"], 1, row["hlc"], payload(row), now)
        audit.append(store, actor, action, tbl=table, record_id=row["id"], version=1, detail=detail,
                     at=now)
        return row


def get(store: "Store", table: str, record_id: str) -> dict[str, Any]:
    columns(store, table)
    rows = store.query(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
    if not rows:
        raise NotFoundError(f"no {table} record with id {record_id}")
    return rows[0]


def update(store: "Store", table: str, record_id: str, changes: dict[str, Any], *, actor: str,
           action: str, detail: dict[str, Any] | str | None = None,
           at: str | None = None, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Change fields of a record (version + 1). Returns the whole stored row.

    `current` is the whole row as the caller read it inside its own (enclosing) transaction; it
    saves reading it again and is not modified. Raises NotFoundError when the record does not exist.
    """
    from .store import iso
    cols = columns(store, table)
    frozen = {"id", "commune", "version", "hlc", "updated_by", "created_at", "updated_at"}
    bad = (set(changes) - set(cols)) | (set(changes) & frozen)
    if bad:
        raise StoreError(f"{table}: column(s) {', '.join(sorted(bad))} cannot be changed this way")
    with store.atomic():
        row = dict(current) if current is not None else get(store, table, record_id)
        now = at or iso()
        row.update(changes)
        row.update(version=row["version"] + 1, hlc=store.tick(), updated_by=actor, updated_at=now)
        sets = [c for c in cols if c != "id"]
        store.conn.execute(
            f"UPDATE {table} SET {', '.join(_quote(c) + ' = ?' for c in sets)} WHERE id = ?",
            [row[c] for c in sets] + [record_id])
        outbox.append(store, table, record_id, row["version"], row["hlc"], payload(row), now)
        audit.append(store, actor, action, tbl=table, record_id=record_id, version=row["version"],
                     detail=detail if detail is not None else {"changed": sorted(changes)}, at=now)
        return row
