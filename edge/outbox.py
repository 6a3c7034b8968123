"""The transactional outbox: every change to a synced record, in a strictly increasing `seq`.

Rows are appended in the same transaction as the change (see `edge.records`). The sync agent reads
`pending()`, ships the rows, and marks them with `ack_upto()` only when the province says it has
committed them. Acknowledged rows stay for a retention window so a province restored from backup can
ask for them again (`rewind()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .store import Store

RETENTION_DAYS = 30


class OutboxRow(NamedTuple):
    """One outbox row (a named tuple: the agent reads a thousand at a time)."""
    seq: int
    tbl: str
    record_id: str
    version: int
    hlc: int
    payload: str
    created_at: str


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    oldest_pending_at: str | None
    last_acked_seq: int
    last_acked_at: str | None
    last_seq: int
    by_table: dict[str, int]


def append(store: "Store", tbl: str, record_id: str, version: int, hlc: int, payload: str,
           created_at: str) -> int:
    """Append one row inside the current transaction; returns its seq."""
    cur = store.conn.execute(
        "INSERT INTO outbox(tbl, record_id, version, hlc, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (tbl, record_id, version, hlc, payload, created_at))
    return cur.lastrowid


def pending(store: "Store", after_seq: int = 0, limit: int = 500) -> list[OutboxRow]:
    """Unacknowledged rows with seq > after_seq, in seq order, at most `limit`."""
    rows = store.conn.execute(
        "SELECT seq, tbl, record_id, version, hlc, payload, created_at FROM outbox "
        "WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()
    return list(map(OutboxRow._make, rows))


def ack_upto(store: "Store", seq: int) -> int:
    """Mark every row with seq ≤ `seq` as acknowledged. Returns how many rows changed."""
    from .store import iso
    with store.atomic(check_disk=False):
        cur = store.conn.execute("UPDATE outbox SET acked_at = ? WHERE acked_at IS NULL AND seq <= ?",
                                 (iso(), seq))
        if cur.rowcount:
            store.meta_set("outbox_last_ack", f"{seq}")
        return cur.rowcount


def rewind(store: "Store", from_seq: int) -> int:
    """Un-acknowledge retained rows with seq > from_seq (the province lost them). Returns the count."""
    with store.atomic(check_disk=False):
        cur = store.conn.execute("UPDATE outbox SET acked_at = NULL WHERE acked_at IS NOT NULL AND seq > ?",
                                 (from_seq,))
        return cur.rowcount


def last_seq(store: "Store") -> int:
    """The highest seq ever issued (purged rows included)."""
    return int(store.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") or 0)


def first_retained_seq(store: "Store") -> int:
    return int(store.scalar("SELECT COALESCE(MIN(seq), 0) FROM outbox") or 0)


def stats(store: "Store") -> OutboxStats:
    pending_rows = store.query("SELECT tbl, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox "
                               "WHERE acked_at IS NULL GROUP BY tbl")
    oldest = min((r["oldest"] for r in pending_rows), default=None)
    last_ack = store.query("SELECT seq, acked_at FROM outbox WHERE acked_at IS NOT NULL "
                           "ORDER BY seq DESC LIMIT 1")
    return OutboxStats(
        pending=sum(r["n"] for r in pending_rows), oldest_pending_at=oldest,
        last_acked_seq=last_ack[0]["seq"] if last_ack else 0,
        last_acked_at=last_ack[0]["acked_at"] if last_ack else None,
        last_seq=last_seq(store), by_table={r["tbl"]: r["n"] for r in pending_rows})


def purge(store: "Store", retention_days: int = RETENTION_DAYS) -> int:
    """Delete acknowledged rows older than the retention window. Returns how many went."""
    from .store import iso, utcnow
    cutoff = iso(utcnow() - timedelta(days=retention_days))
    with store.atomic(check_disk=False):
        return store.conn.execute("DELETE FROM outbox WHERE acked_at IS NOT NULL AND acked_at < ?",
                                  (cutoff,)).rowcount
