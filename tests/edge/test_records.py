"""The one writer of synced records: outbox and audit rows in the same transaction."""

from __future__ import annotations

import json

import pytest

from edge import audit, outbox, records
from edge.errors import NotFoundError, StoreError


def new_ticket(store, n=1):
    return records.insert(store, "tickets", dict(day="2026-11-26", service="general", number=n,
                                                 label=f"A{n:03d}", status="waiting",
                                                 issued_at="2026-11-26T01:00:00.000Z"),
                          actor="canbo", action="ticket.issue")


def test_insert_stamps_identity_version_hlc_and_author(store):
    row = new_ticket(store)
    assert len(row["id"]) == 36 and row["version"] == 1 and row["commune"] == "00001"
    assert row["updated_by"] == "canbo" and row["hlc"] > 0


def test_every_change_appends_one_outbox_row_with_the_whole_record(store):
    row = new_ticket(store)
    changed = records.update(store, "tickets", row["id"], {"status": "called"}, actor="canbo",
                             action="ticket.call")
    rows = outbox.pending(store)
    assert [(r.tbl, r.record_id, r.version) for r in rows] == [("tickets", row["id"], 1),
                                                               ("tickets", row["id"], 2)]
    assert json.loads(rows[1].payload) == changed
    assert rows[1].hlc == changed["hlc"] > rows[0].hlc


def test_every_change_appends_one_audit_row(store):
    row = new_ticket(store)
    records.update(store, "tickets", row["id"], {"status": "called"}, actor="lanhdao", action="ticket.call")
    trail = audit.history(store, "tickets", row["id"])
    assert [(a["actor"], a["action"], a["version"]) for a in trail] == [
        ("canbo", "ticket.issue", 1), ("lanhdao", "ticket.call", 2)]


def test_update_with_the_row_already_read_stores_the_same_and_leaves_it_alone(store):
    row = new_ticket(store)
    with store.atomic():
        current = records.get(store, "tickets", row["id"])
        seen = dict(current)
        changed = records.update(store, "tickets", row["id"], {"status": "called"}, actor="canbo",
                                 action="ticket.call", current=current)
    assert current == seen
    assert changed == records.get(store, "tickets", row["id"])
    assert changed["status"] == "called" and changed["version"] == 2
    assert json.loads(outbox.pending(store)[-1].payload) == changed


def test_identity_columns_cannot_be_changed(store):
    row = new_ticket(store)
    with pytest.raises(StoreError, match="cannot be changed"):
        records.update(store, "tickets", row["id"], {"version": 9}, actor="x", action="y")


def test_updating_a_missing_record_names_it(store):
    with pytest.raises(NotFoundError, match="no tickets record"):
        records.update(store, "tickets", "nope", {"status": "done"}, actor="x", action="y")


def test_only_synced_tables_are_written(store):
    with pytest.raises(StoreError, match="not a synced table"):
        records.insert(store, "staff", {}, actor="x", action="y")


def test_ack_marks_rows_and_keeps_them(store):
    for n in range(1, 6):
        new_ticket(store, n)
    assert outbox.ack_upto(store, 3) == 3
    assert [r.seq for r in outbox.pending(store)] == [4, 5]
    st = outbox.stats(store)
    assert (st.pending, st.last_acked_seq, st.last_seq) == (2, 3, 5)
    assert store.scalar("SELECT COUNT(*) FROM outbox") == 5


def test_rewind_resends_what_a_restored_province_lost(store):
    for n in range(1, 6):
        new_ticket(store, n)
    outbox.ack_upto(store, 5)
    assert outbox.rewind(store, 2) == 3
    assert [r.seq for r in outbox.pending(store)] == [3, 4, 5]


def test_purge_drops_only_old_acknowledged_rows_and_seq_keeps_rising(store):
    for n in range(1, 4):
        new_ticket(store, n)
    outbox.ack_upto(store, 1)
    store.conn.execute("UPDATE outbox_acks SET at = '2000-01-01T00:00:00.000Z' WHERE upto = 1")
    outbox.ack_upto(store, 2)
    assert outbox.purge(store, retention_days=30) == 1
    assert outbox.first_retained_seq(store) == 2
    row = new_ticket(store, 4)
    assert outbox.pending(store)[-1].seq == 4 and outbox.last_seq(store) == 4
    assert row["version"] == 1


def test_ack_rewind_and_purge_count_rows_once(store):
    for n in range(1, 8):
        new_ticket(store, n)
    assert outbox.ack_upto(store, 4) == 4 and outbox.ack_upto(store, 4) == 0 and outbox.ack_upto(store, 2) == 0
    assert outbox.ack_upto(store, 7) == 3
    assert outbox.rewind(store, 5) == 2 and outbox.rewind(store, 6) == 0
    assert [r.seq for r in outbox.pending(store)] == [6, 7]
    assert outbox.pending(store, after_seq=6) == [outbox.pending(store)[1]]
    st = outbox.stats(store)
    assert (st.pending, st.last_acked_seq, st.by_table) == (2, 5, {"tickets": 2})
    assert outbox.purge(store, retention_days=30) == 0 and store.scalar("SELECT COUNT(*) FROM outbox") == 7


def test_acks_of_a_store_from_before_ack_marks_are_kept(tmp_path):
    """A store whose acknowledged rows carried their own ack time keeps them acknowledged, and the
    retention window still counts from those times."""
    from edge.migrations import MIGRATIONS
    from edge.store import Store
    s = Store(tmp_path / "c.db")
    for n in range(1, 6):
        new_ticket(s, n)
    with s.atomic():  # the outbox as the previous schema kept it
        s.conn.execute("DELETE FROM schema_migrations WHERE version = ?", (len(MIGRATIONS),))
        s.conn.execute("DROP TABLE outbox_acks")
        s.conn.execute("ALTER TABLE outbox ADD COLUMN acked_at TEXT")
        s.conn.execute("CREATE INDEX outbox_pending ON outbox(seq) WHERE acked_at IS NULL")
        s.conn.execute("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z' WHERE seq <= 2")
        s.conn.execute("UPDATE outbox SET acked_at = '2999-01-01T00:00:00.000Z' WHERE seq = 3")
    s.close()
    s = Store(tmp_path / "c.db")
    try:
        assert [r.seq for r in outbox.pending(s)] == [4, 5]
        assert outbox.stats(s).last_acked_seq == 3
        assert outbox.purge(s, retention_days=30) == 2 and outbox.first_retained_seq(s) == 3
        assert "acked_at" not in {r["name"] for r in s.query("PRAGMA table_info(outbox)")}
    finally:
        s.close()


def test_pending_pages_in_seq_order(store):
    for n in range(1, 11):
        new_ticket(store, n)
    first = outbox.pending(store, limit=4)
    second = outbox.pending(store, after_seq=first[-1].seq, limit=4)
    assert [r.seq for r in first + second] == list(range(1, 9))
