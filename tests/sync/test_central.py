"""The central store: the same cases on SQLite and on a real PostgreSQL database."""

from __future__ import annotations

import json

import pytest

from sync import wire
from sync.central import CentralStore, digest
from sync.errors import CentralStoreError, StoreUrlError
from tests.support.sync_records import batch as _batch, dossier as _dossier


@pytest.fixture
def central(store_url):
    s = CentralStore(store_url)
    yield s
    s.close()


def test_batch_commit_fills_typed_tables_field_for_field(central):
    recs = [_dossier(i) for i in range(1, 4)]
    res = central.commit_batch(_batch(recs, 1))
    assert (res.acked, res.inserted) == (3, 3)
    row = central.query("SELECT * FROM dossiers WHERE id = ?", ("d-000002",))[0]
    assert json.loads(row["data"]) == recs[1]
    assert (row["status"], row["due_date"], row["commune"], row["device"]) == ("received", "2026-01-08", "00001", "dev-1")


def test_same_batch_twice_changes_nothing(central):
    b = _batch([_dossier(1), _dossier(2)], 1)
    central.commit_batch(b)
    before = central.query("SELECT * FROM devices")
    res = central.commit_batch(b)
    assert res.duplicate_batch and res.inserted == 0 and res.acked == 2
    assert central.count("versions") == 2
    assert central.query("SELECT records, acked_seq FROM devices") == [
        {"records": before[0]["records"], "acked_seq": before[0]["acked_seq"]}]


def test_same_version_with_other_content_is_a_conflict_and_keeps_the_held_one(central):
    central.commit_batch(_batch([_dossier(1)], 1))
    other = _dossier(1)
    other["status"] = "done"
    res = central.commit_batch(_batch([other], 1, device="dev-2"))
    assert res.conflicts == 1
    assert central.scalar("SELECT status FROM dossiers WHERE id = 'd-000001'") == "received"
    c = central.query("SELECT tbl, record_id, version, device FROM conflicts")
    assert c == [{"tbl": "dossiers", "record_id": "d-000001", "version": 1, "device": "dev-2"}]


def test_conflict_delivered_twice_is_recorded_once(central):
    central.commit_batch(_batch([_dossier(1)], 1))
    other = _dossier(1)
    other["status"] = "done"
    central.commit_batch(_batch([other], 1, device="dev-2"))
    central.commit_batch(_batch([other], 1, device="dev-3"))
    assert central.count("conflicts") == 1


def test_newer_version_replaces_and_older_arriving_late_does_not(central):
    central.commit_batch(_batch([_dossier(1, 2, "processing")], 2))     # seq 2 first: gap at 1
    assert central.acked_seq("00001", "dev-1") == 0
    central.commit_batch(_batch([_dossier(1, 1, "received")], 1))
    assert central.acked_seq("00001", "dev-1") == 2
    assert central.scalar("SELECT status FROM dossiers") == "processing"
    assert central.count("versions") == 2


def test_ack_advances_only_over_contiguous_ranges(central):
    central.commit_batch(_batch([_dossier(1), _dossier(2)], 1))
    central.commit_batch(_batch([_dossier(6)], 6))
    assert central.acked_seq("00001", "dev-1") == 2
    res = central.commit_batch(_batch([_dossier(3), _dossier(4), _dossier(5)], 3))
    assert res.acked == 6


def test_overlapping_resend_counts_each_record_once(central):
    central.commit_batch(_batch([_dossier(i) for i in range(1, 6)], 1))
    res = central.commit_batch(_batch([_dossier(i) for i in range(3, 9)], 3))
    assert (res.acked, res.inserted) == (8, 3)
    assert central.count("dossiers") == 8
    assert central.scalar("SELECT records FROM devices") == 8


def test_devices_are_tracked_separately(central):
    central.commit_batch(_batch([_dossier(1)], 1, device="a"))
    central.commit_batch(_batch([_dossier(2)], 1, device="b"))
    assert central.acked_seq("00001", "a") == 1 and central.acked_seq("00001", "b") == 1


def test_quarantine_keeps_reason_and_payload(central):
    central.quarantine("vn/02/c/00001/up", "00001", "checksum mismatch", b"\x00garbage")
    q = central.query("SELECT topic, commune, reason, size, payload FROM quarantine")[0]
    assert (q["reason"], q["size"], bytes(q["payload"])) == ("checksum mismatch", 8, b"\x00garbage")


def test_heartbeat_and_last_will_set_online_flag(central):
    central.record_heartbeat(wire.Heartbeat("00001", "dev-1", True, backlog=7, oldest_pending_age_s=3.0))
    st = central.status()[0]
    assert (st.online, st.backlog, st.oldest_pending_age_s) == (True, 7, 3.0)
    central.record_heartbeat(wire.Heartbeat("00001", "dev-1", False))
    assert central.status()[0].online is False


def test_status_counts_records_conflicts_and_quarantine_per_commune(central):
    central.commit_batch(_batch([_dossier(1), _dossier(2)], 1))
    central.quarantine("vn/02/c/00002/up", "00002", "bad", b"x")
    st = {s.commune: s for s in central.status()}
    assert (st["00001"].records, st["00001"].quarantined) == (2, 0)
    assert (st["00002"].records, st["00002"].quarantined) == (0, 1)


def test_outbound_messages_stay_pending_until_answered(central):
    m = central.add_outbound("00001", "decision", {"dossier_id": "d-1", "status": "done"})
    assert [d.id for d in central.pending_outbound("00001", "dev-1")] == [m.id]
    central.record_down_results(wire.DownAck("00001", "dev-1", (wire.DownResult(m.id, "applied"),)))
    assert central.pending_outbound("00001", "dev-1") == []


def test_outbound_targeted_at_another_device_is_not_pending_for_this_one(central):
    central.add_outbound("00001", "decision", {"dossier_id": "d-1", "status": "done"}, device="dev-2")
    assert central.pending_outbound("00001", "dev-1") == []


def test_failed_commit_leaves_the_store_as_it_was(central):
    central.commit_batch(_batch([_dossier(1)], 1))
    bad = _batch([_dossier(2), _dossier(3)], 2)
    rows = list(bad.rows)
    rows[1] = wire.Row(3, "no_such_table", "x", 1, 1, "{}")
    with pytest.raises(CentralStoreError, match="seq 2..3 failed"):
        central.commit_batch(wire.Batch.of("00001", "dev-1", 2, 3, tuple(rows)))
    assert central.count("versions") == 1 and central.acked_seq("00001", "dev-1") == 1


def test_unknown_store_url_is_refused():
    with pytest.raises(StoreUrlError, match="expected sqlite"):
        CentralStore("mysql://x")


def test_unprojected_commit_keeps_the_log_and_projection_catches_up(central):
    central.commit_batch(_batch([_dossier(1, 1, "received"), _dossier(2)], 1), project=False)
    central.commit_batch(_batch([_dossier(1, 2, "processing")], 3), project=False)
    # committed and acked: every version is in the log, with its text; the typed tables wait
    assert central.acked_seq("00001", "dev-1") == 3
    assert central.count("dossiers") == 0 and central.pending_projection() == 3
    held = central.versions("dossiers", "d-000001")
    assert [(r["version"], r["hlc"], r["device"], json.loads(r["text"])["status"]) for r in held] == [
        (1, 101, "dev-1", "received"), (2, 102, "dev-1", "processing")]
    assert central.project(limit=2) == 2 and central.project() == 1 and central.project() == 0
    assert central.query("SELECT id, version, status FROM dossiers ORDER BY id") == [
        {"id": "d-000001", "version": 2, "status": "processing"},
        {"id": "d-000002", "version": 1, "status": "received"}]
    assert central.pending_projection() == 0


def test_projection_keeps_the_newest_version_whatever_the_order(central):
    central.commit_batch(_batch([_dossier(1, 2, "processing")], 2), project=False)
    assert central.project_all() == 1
    central.commit_batch(_batch([_dossier(1, 1, "received")], 1), project=False)
    assert central.project_all() == 1
    assert central.scalar("SELECT status FROM dossiers") == "processing"


def test_duplicates_and_conflicts_are_not_queued_for_projection(central):
    central.commit_batch(_batch([_dossier(1)], 1), project=False)
    other = _dossier(1)
    other["status"] = "done"
    res = central.commit_batch(_batch([_dossier(1), other], 1, device="dev-2"), project=False)
    assert (res.inserted, res.duplicates, res.conflicts) == (0, 1, 1)
    assert central.pending_projection() == 1
    central.project_all()
    assert central.scalar("SELECT status FROM dossiers") == "received"


def test_a_damaged_batch_in_the_log_is_named_not_projected(central):
    central.commit_batch(_batch([_dossier(1), _dossier(2)], 1), project=False)
    with central._lock, central.db.transaction():
        env = bytes(central.db.execute("SELECT envelope FROM batches").fetchone()[0])
        central.db.execute("UPDATE batches SET envelope = ?", (env[:-3] + bytes(b ^ 0xFF for b in env[-3:]),))
    with pytest.raises(CentralStoreError, match="batch 1 of the log is damaged: checksum mismatch"):
        central.project()
    assert central.pending_projection() == 2 and central.count("dossiers") == 0


def test_lookups_that_decide_catch_the_projection_up_first(central):
    central.commit_batch(_batch([_dossier(7)], 1), project=False)
    assert central.dossier_owner("000.00.19.H17-260105-0007") == ("d-000007", "00001", "dev-1")
    assert central.pending_projection() == 0


def test_a_schema_1_store_is_migrated_keeping_what_it_holds(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    held = _dossier(5)
    conn.executescript(f"""
        CREATE TABLE schema_info (version INTEGER NOT NULL); INSERT INTO schema_info VALUES (1);
        CREATE TABLE record_versions (tbl TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
            digest TEXT NOT NULL, commune TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
            received_at TEXT NOT NULL, PRIMARY KEY (id, tbl, version));
        INSERT INTO record_versions VALUES ('dossiers', 'd-000005', 1, '{digest(wire.canonical(held))}', '00001',
            'dev-0', 1, '2026-01-01');
    """)
    conn.close()
    with CentralStore(f"sqlite:///{path}") as central:
        assert central.scalar("SELECT version FROM schema_info") == 3
        # schema 1 kept no text, only its digest: still enough to tell a duplicate from a conflict
        assert central.versions("dossiers", "d-000005") == [
            {"version": 1, "hlc": None, "seq": 1, "device": None, "text": None}]
        res = central.commit_batch(_batch([held, _dossier(1)], 1, device="dev-1"))
        assert (res.inserted, res.duplicates, res.conflicts) == (1, 1, 0)
        res = central.commit_batch(_batch([dict(held, status="done")], 1, device="dev-2"))
        assert (res.inserted, res.duplicates, res.conflicts) == (0, 0, 1)
        assert central.query("SELECT held_device, held_seq FROM conflicts") == [{"held_device": None, "held_seq": 1}]
        assert central.count("versions") == 2 and central.count("dossiers") == 1


def test_a_schema_2_store_is_migrated_with_its_texts_and_its_queue(store_url):
    """Schema 2 kept each version's text in its row and queued versions one by one."""
    central = CentralStore(store_url)
    texts = {v: wire.canonical(_dossier(1, v, status)) for v, status in ((1, "received"), (2, "processing"))}
    with central._lock, central.db.transaction():
        for table in ("versions", "batches", "projection_queue"):
            central.db.execute(f"DROP TABLE {table}")
        central.db.execute("""CREATE TABLE record_versions (tbl TEXT NOT NULL, id TEXT NOT NULL,
            version BIGINT NOT NULL, digest TEXT NOT NULL, commune TEXT NOT NULL, device TEXT NOT NULL,
            seq BIGINT NOT NULL, received_at TEXT NOT NULL, hlc BIGINT, payload TEXT, PRIMARY KEY (id, tbl, version))""")
        central.db.execute("CREATE TABLE projection_queue (qid INTEGER, tbl TEXT NOT NULL, id TEXT NOT NULL, "
                           "version BIGINT NOT NULL)")
        for v, text in texts.items():
            central.db.execute("INSERT INTO record_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               ("dossiers", "d-000001", v, digest(text), "00001", "dev-0", v, "2026-01-01", 100 + v,
                                text))
        central.db.execute("INSERT INTO projection_queue VALUES (1, 'dossiers', 'd-000001', 2)")
        central.db.execute("UPDATE schema_info SET version = 2")
    central.close()
    with CentralStore(store_url) as central:
        assert central.scalar("SELECT version FROM schema_info") == 3
        assert [(r["version"], r["device"], r["text"]) for r in central.versions("dossiers", "d-000001")] == [
            (1, "dev-0", texts[1]), (2, "dev-0", texts[2])]
        assert central.scalar("SELECT status FROM dossiers WHERE id = 'd-000001'") == "processing"
        assert central.pending_projection() == 0
        res = central.commit_batch(_batch([_dossier(1, 1, "received"), _dossier(1, 2, "done")], 1, device="dev-1"))
        assert (res.inserted, res.duplicates, res.conflicts) == (0, 1, 1)


def test_a_store_from_newer_software_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    CentralStore(url).close()
    import sqlite3
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute("UPDATE schema_info SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(CentralStoreError, match="schema 99, newer than"):
        CentralStore(url)
