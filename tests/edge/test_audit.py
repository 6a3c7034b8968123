"""The hash-chained audit log detects edited, deleted and truncated rows."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from edge import audit
from edge.store import Store


def fill(store, n):
    for i in range(n):
        audit.append(store, f"user{i % 3}", "test.event", tbl="tickets", record_id=f"r{i}", version=1,
                     detail={"i": i, "tên": "Đức"})


def test_an_untouched_chain_verifies(store):
    fill(store, 10)
    result = audit.verify(store)
    assert result.ok and result.rows == 10


def test_an_edited_row_is_named(store):
    fill(store, 10)
    store.conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")
    result = audit.verify(store)
    assert not result.ok and result.bad_seq == 4 and "changed" in result.reason


def test_a_deleted_row_is_named(store):
    fill(store, 10)
    store.conn.execute("DELETE FROM audit WHERE seq = 6")
    result = audit.verify(store)
    assert not result.ok and result.bad_seq == 6 and "missing" in result.reason


def test_removing_the_last_rows_is_detected(store):
    fill(store, 10)
    store.conn.execute("DELETE FROM audit WHERE seq > 8")
    result = audit.verify(store)
    assert not result.ok and result.bad_seq == 10


def test_a_rewritten_tail_with_fresh_hashes_is_detected(store):
    fill(store, 5)
    store.conn.execute("DELETE FROM audit WHERE seq = 5")
    store.conn.execute("DELETE FROM sqlite_sequence WHERE name = 'audit'")
    # a forger appends a replacement row with a correct hash, but the head record disagrees
    row = dict(store.conn.execute("SELECT * FROM audit WHERE seq = 4").fetchone())
    forged = {"seq": 5, "at": row["at"], "actor": "mallory", "action": "x", "tbl": None,
              "record_id": None, "version": None, "detail": None}
    digest = audit._digest(row["hash"], forged)
    store.conn.execute("INSERT INTO audit VALUES (5, ?, 'mallory', 'x', NULL, NULL, NULL, NULL, ?, ?)",
                       (row["at"], row["hash"], digest))
    assert not audit.verify(store).ok


@settings(max_examples=30, deadline=None)
@given(n=st.integers(min_value=1, max_value=12), victim=st.integers(min_value=1, max_value=12),
       field=st.sampled_from(["at", "actor", "action", "tbl", "record_id", "version", "detail"]))
def test_any_single_field_edit_is_detected(tmp_path_factory, n, victim, field):
    victim = min(victim, n)
    s = Store(tmp_path_factory.mktemp("audit") / "c.db")
    fill(s, n)
    value = 99 if field == "version" else "tampered"
    s.conn.execute(f"UPDATE audit SET {field} = ? WHERE seq = ?", (value, victim))
    result = audit.verify(s)
    s.close()
    assert not result.ok and result.bad_seq == victim
