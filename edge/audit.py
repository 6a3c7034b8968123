"""The audit log: who did what to which record, when — hash-chained.

Each row's hash covers its own fields and the previous row's hash, and the chain's head (last seq and
hash) is kept in `meta`, so an edited, deleted or truncated row is detected by `verify()`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Store

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "action", "tbl", "record_id", "version", "detail")


def _digest(prev_hash: str, row: dict[str, Any]) -> str:
    body = json.dumps([row[f] for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(store: "Store", actor: str, action: str, *, tbl: str | None = None,
           record_id: str | None = None, version: int | None = None,
           detail: dict[str, Any] | str | None = None, at: str | None = None) -> int:
    """Append one audit row inside the current transaction. Returns its seq."""
    from .store import iso
    if not store.in_transaction:
        with store.atomic():
            return append(store, actor, action, tbl=tbl, record_id=record_id, version=version,
                          detail=detail, at=at)
    head = store.txn_cache.get("audit_head")
    if head is None:
        row = store.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        head = (row["seq"], row["hash"]) if row else (0, GENESIS)
    seq, prev_hash = head[0] + 1, head[1]
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = {"seq": seq, "at": at or iso(), "actor": actor, "action": action, "tbl": tbl,
           "record_id": record_id, "version": version, "detail": detail}
    digest = _digest(prev_hash, row)
    store.conn.execute(
        "INSERT INTO audit(seq, at, actor, action, tbl, record_id, version, detail, prev_hash, hash) "
        "VALUES (:seq, :at, :actor, :action, :tbl, :record_id, :version, :detail, :prev, :hash)",
        {**row, "prev": prev_hash, "hash": digest})
    store.txn_cache["audit_head"] = (seq, digest)
    store.before_commit("audit_head", lambda: _save_head(store))
    return seq


def _save_head(store: "Store") -> None:
    """Record the chain's head (read back, so a rolled-back savepoint cannot mislead it)."""
    row = store.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if row:
        store.meta_set("audit_head", f"{row['seq']}:{row['hash']}")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    bad_seq: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.rows} rows"
        return f"audit chain broken at row {self.bad_seq}: {self.reason}"


def verify(store: "Store") -> VerifyResult:
    """Walk the chain from the start. Names the first row that was edited, deleted or inserted."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for r in store.conn.execute("SELECT * FROM audit ORDER BY seq"):
        row = dict(r)
        if row["seq"] != expected_seq:
            return VerifyResult(False, count, expected_seq,
                                f"row {expected_seq} is missing (next present row is {row['seq']})")
        if row["prev_hash"] != prev_hash:
            return VerifyResult(False, count, row["seq"],
                                "its link to the previous row does not match (a row before it was "
                                "changed or removed)")
        if _digest(prev_hash, row) != row["hash"]:
            return VerifyResult(False, count, row["seq"], "its content was changed after it was written")
        prev_hash = row["hash"]
        expected_seq += 1
        count += 1
    head = store.meta_get("audit_head")
    if head:
        head_seq, head_hash = head.split(":", 1)
        if int(head_seq) != count or head_hash != prev_hash:
            return VerifyResult(False, count, int(head_seq),
                                f"the log ends at row {count} but row {head_seq} was the last written "
                                "(rows at the end were removed or replaced)")
    elif count:
        return VerifyResult(False, count, 1, "the chain head record is missing")
    return VerifyResult(True, count)


def history(store: "Store", tbl: str, record_id: str) -> list[dict[str, Any]]:
    """The audit rows about one record, oldest first."""
    return store.query("SELECT seq, at, actor, action, version, detail FROM audit "
                       "WHERE record_id = ? AND tbl = ? ORDER BY seq", (record_id, tbl))
