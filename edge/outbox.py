"""The transactional outbox: every change to a synced record, in a strictly increasing `seq`.

Rows are appended in the same transaction as the change (see `edge.records`). The sync agent reads
`pending()`, ships the rows, and calls `ack_upto()` only when the province says it has committed
them. Acknowledgement is a mark, not a change to the rows: `outbox_acks` holds one row per ack,
(upto, at) = "every row with seq ≤ upto was acknowledged by `at`", and the highest `upto` is the
watermark above which rows are pending. So an ack of a thousand rows writes one small row instead
of rewriting a thousand payloads. Acknowledged rows stay for a retention window so a province
restored from backup can ask for them again (`rewind()`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .store import Store

RETENTION_DAYS = 30
_WATERMARK = "(SELECT COALESCE(MAX(upto), 0) FROM outbox_acks)"


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


def acked_upto(store: "Store") -> int:
    """The watermark: every row with seq ≤ this is acknowledged."""
    return int(store.scalar(f"SELECT {_WATERMARK}"))


def _unacked(store: "Store", columns: str, after_seq: int, limit: int) -> list:
    return store.conn.execute(f"SELECT {columns} FROM outbox WHERE seq > MAX(?, {_WATERMARK}) "
                              "ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()


def pending(store: "Store", after_seq: int = 0, limit: int = 500) -> list[OutboxRow]:
    """Unacknowledged rows with seq > after_seq, in seq order, at most `limit`."""
    return list(map(OutboxRow._make, _unacked(
        store, "seq, tbl, record_id, version, hlc, payload, created_at", after_seq, limit)))


def pending_batch(store: "Store", after_seq: int, limit: int, max_bytes: int,
                  row_overhead: int = 0) -> list[tuple[int, str, str, int, int, bytes]]:
    """What the sync agent sends next: like `pending`, as plain tuples (seq, tbl, record_id,
    version, hlc, payload) with the payload as UTF-8 bytes, at most `limit` rows and — except for
    the first row — at most `max_bytes` of payload plus `row_overhead` per row."""
    rows = _unacked(store, "seq, tbl, record_id, version, hlc, CAST(payload AS BLOB)", after_seq, limit)
    sizes = accumulate(len(r[5]) + row_overhead for r in rows)
    return rows[:max(1, bisect_right(list(sizes), max_bytes))]


def ack_upto(store: "Store", seq: int) -> int:
    """Mark every row with seq ≤ `seq` as acknowledged. Returns how many rows that newly covers."""
    from .store import iso
    with store.atomic(check_disk=False):
        mark = acked_upto(store)
        if seq <= mark:
            return 0
        store.conn.execute("INSERT INTO outbox_acks(upto, at) VALUES (?, ?)", (seq, iso()))
        return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE seq > ? AND seq <= ?", (mark, seq)))


def rewind(store: "Store", from_seq: int) -> int:
    """Un-acknowledge retained rows with seq > from_seq (the province lost them). Returns the count."""
    with store.atomic(check_disk=False):
        mark = acked_upto(store)
        if from_seq >= mark:
            return 0
        # rows up to from_seq stay acknowledged, as of the first mark that covered them
        first = store.scalar("SELECT at FROM outbox_acks WHERE upto >= ? ORDER BY upto LIMIT 1", (from_seq,))
        store.conn.execute("DELETE FROM outbox_acks WHERE upto >= ?", (from_seq,))
        if from_seq > 0:
            store.conn.execute("INSERT INTO outbox_acks(upto, at) VALUES (?, ?)", (from_seq, first))
        return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE seq > ? AND seq <= ?", (from_seq, mark)))


def last_seq(store: "Store") -> int:
    """The highest seq ever issued (purged rows included)."""
    return int(store.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") or 0)


def first_retained_seq(store: "Store") -> int:
    return int(store.scalar("SELECT COALESCE(MIN(seq), 0) FROM outbox") or 0)


def stats(store: "Store") -> OutboxStats:
    mark = store.query("SELECT upto, at FROM outbox_acks ORDER BY upto DESC LIMIT 1")
    upto, at = (mark[0]["upto"], mark[0]["at"]) if mark else (0, None)
    pending_rows = store.query("SELECT tbl, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox "
                               "WHERE seq > ? GROUP BY tbl", (upto,))
    return OutboxStats(
        pending=sum(r["n"] for r in pending_rows),
        oldest_pending_at=min((r["oldest"] for r in pending_rows), default=None),
        last_acked_seq=upto, last_acked_at=at, last_seq=last_seq(store),
        by_table={r["tbl"]: r["n"] for r in pending_rows})


def purge(store: "Store", retention_days: int = RETENTION_DAYS) -> int:
    """Delete rows acknowledged longer ago than the retention window. Returns how many went."""
    from .store import iso, utcnow
    cutoff = iso(utcnow() - timedelta(days=retention_days))
    with store.atomic(check_disk=False):
        old = store.scalar("SELECT MAX(upto) FROM outbox_acks WHERE at < ?", (cutoff,))
        if old is None:
            return 0
        # the marks below it go too; the one at `old` stays, as it may be the watermark
        store.conn.execute("DELETE FROM outbox_acks WHERE upto < ?", (old,))
        return store.conn.execute("DELETE FROM outbox WHERE seq <= ?", (old,)).rowcount
