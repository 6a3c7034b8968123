"""The record store: pragmas, migrations, transactions, the disk floor."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from edge import outbox, records
from edge.errors import DiskFullError, StoreError
from edge.store import Store


def ticket_values(n: int) -> dict:
    return dict(day="2026-11-26", service="general", number=n, label=f"A{n:03d}", status="waiting",
                issued_at="2026-11-26T01:00:00.000Z")


def test_store_opens_in_wal_with_full_sync_and_foreign_keys(store):
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") == 5000


def test_migrations_are_recorded_and_not_run_twice(tmp_path):
    path = tmp_path / "c.db"
    first = Store(path)
    version = first.schema_version()
    device = first.device_id
    first.close()
    again = Store(path)
    assert again.schema_version() == version >= 1
    assert again.scalar("SELECT COUNT(*) FROM schema_migrations") == version
    assert again.device_id == device
    again.close()


def test_a_store_newer_than_the_software_is_refused(tmp_path):
    path = tmp_path / "c.db"
    s = Store(path)
    with s.atomic():
        s.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    s.close()
    with pytest.raises(StoreError, match="newer than this software"):
        Store(path)


def test_a_file_that_is_not_sqlite_is_refused_with_its_path(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="garbage.db"):
        Store(path)


def test_failed_transaction_leaves_the_store_as_it_was(store):
    records.insert(store, "tickets", ticket_values(1), actor="t", action="ticket.issue")
    before = (store.scalar("SELECT COUNT(*) FROM tickets"), outbox.last_seq(store),
              store.scalar("SELECT COUNT(*) FROM audit"))
    with pytest.raises(RuntimeError):
        with store.atomic():
            records.insert(store, "tickets", ticket_values(2), actor="t", action="ticket.issue")
            raise RuntimeError("boom")
    after = (store.scalar("SELECT COUNT(*) FROM tickets"), outbox.last_seq(store),
             store.scalar("SELECT COUNT(*) FROM audit"))
    assert after == before


def test_nested_atomic_rolls_back_only_the_inner_part(store):
    with store.atomic():
        records.insert(store, "tickets", ticket_values(1), actor="t", action="ticket.issue")
        with pytest.raises(ValueError):
            with store.atomic():
                records.insert(store, "tickets", ticket_values(2), actor="t", action="ticket.issue")
                raise ValueError("inner")
    assert [r["number"] for r in store.query("SELECT number FROM tickets")] == [1]
    assert store.scalar("SELECT COUNT(*) FROM outbox") == 1


def test_write_under_the_disk_floor_is_refused_and_changes_nothing(tmp_path):
    s = Store(tmp_path / "c.db", min_free_mb=10**9)
    with pytest.raises(DiskFullError, match="nothing was saved"):
        records.insert(s, "tickets", ticket_values(1), actor="t", action="ticket.issue")
    assert s.scalar("SELECT COUNT(*) FROM tickets") == 0
    assert s.scalar("SELECT COUNT(*) FROM outbox") == 0
    s.close()


def test_sqlite_full_is_reported_as_disk_full_and_rolled_back(store):
    records.insert(store, "tickets", ticket_values(1), actor="t", action="ticket.issue")
    pages = store.scalar("PRAGMA page_count")
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    big = {**ticket_values(2), "label": "x" * 200_000}
    with pytest.raises(DiskFullError):
        records.insert(store, "tickets", big, actor="t", action="ticket.issue")
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.scalar("SELECT COUNT(*) FROM tickets") == 1
    assert store.scalar("SELECT COUNT(*) FROM outbox") == 1
    records.insert(store, "tickets", ticket_values(3), actor="t", action="ticket.issue")
    assert store.scalar("SELECT COUNT(*) FROM tickets") == 2


def test_three_connections_writing_at_once_from_threads_all_succeed(tmp_path):
    path = tmp_path / "c.db"
    Store(path).close()

    def writer(start: int) -> None:
        s = Store(path)
        for n in range(start, start + 50):
            records.insert(s, "tickets", ticket_values(n), actor="t", action="ticket.issue")
        s.close()

    threads = [threading.Thread(target=writer, args=(i * 100,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = Store(path)
    assert s.scalar("SELECT COUNT(*) FROM tickets") == 150
    seqs = [r["seq"] for r in s.query("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, 151))
    assert s.scalar("PRAGMA integrity_check") == "ok"
    s.close()


def test_meta_values_commit_with_their_transaction(store):
    with pytest.raises(KeyError):
        with store.atomic():
            store.meta_set("probe", "1")
            raise KeyError("x")
    assert store.meta_get("probe") is None
    with store.atomic():
        store.meta_set("probe", "2")
    assert store.meta_get("probe") == "2"


def test_sqlite_version_supports_what_the_store_needs():
    assert sqlite3.sqlite_version_info >= (3, 35)
