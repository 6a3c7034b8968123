"""Numbered schema migrations, applied at open, each in its own transaction and recorded.

A migration is a function `(conn) -> None`; append new ones to MIGRATIONS, never edit a released one.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

from .errors import StoreError

if TYPE_CHECKING:
    from .store import Store

# Columns every synced record carries (DESIGN.md, "Records and identity").
RECORD_COLUMNS = """
    id TEXT PRIMARY KEY,
    commune TEXT NOT NULL,
    version INTEGER NOT NULL,
    hlc INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL"""


def m001_core(conn: sqlite3.Connection) -> None:
    conn.executescript(f"""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);

    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL,
        record_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        hlc INTEGER NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        acked_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox(seq) WHERE acked_at IS NULL;
    CREATE INDEX outbox_acked_at ON outbox(acked_at) WHERE acked_at IS NOT NULL;

    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        tbl TEXT,
        record_id TEXT,
        version INTEGER,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_record ON audit(tbl, record_id);

    -- Reference documents pushed by the province (or bundled for the demo): kept whole, versioned.
    CREATE TABLE documents (
        kind TEXT NOT NULL,          -- catalogue | calendar | forms
        version INTEGER NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, version)
    );
    CREATE TABLE procedures (
        catalogue_version INTEGER NOT NULL,
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        name_en TEXT,
        field TEXT NOT NULL,
        deadline_days INTEGER NOT NULL,      -- working days; 0 = same day
        verification_days INTEGER NOT NULL DEFAULT 0,
        fee INTEGER NOT NULL DEFAULT 0,      -- VND
        fee_note TEXT,
        documents TEXT NOT NULL,             -- JSON list of required documents
        search_text TEXT NOT NULL,
        PRIMARY KEY (catalogue_version, code)
    );
    CREATE TABLE calendar_days (
        day TEXT PRIMARY KEY,               -- YYYY-MM-DD
        kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
        name TEXT NOT NULL,
        provenance TEXT NOT NULL,
        document_version INTEGER NOT NULL
    );
    CREATE TABLE form_definitions (
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        period TEXT NOT NULL,               -- monthly | quarterly | yearly | once
        body TEXT NOT NULL,                 -- the whole definition, JSON
        PRIMARY KEY (code, version)
    );

    CREATE TABLE staff (
        username TEXT PRIMARY KEY,
        full_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('officer', 'leader', 'admin')),
        pin_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    );

    -- Synced records -------------------------------------------------------------------------
    CREATE TABLE dossiers ({RECORD_COLUMNS},
        code TEXT NOT NULL UNIQUE,
        procedure_code TEXT NOT NULL,
        catalogue_version INTEGER NOT NULL,
        applicant_name TEXT NOT NULL,
        applicant_id_number TEXT,
        applicant_dob TEXT,
        applicant_sex TEXT,
        applicant_address TEXT,
        applicant_phone TEXT,
        channel TEXT NOT NULL CHECK (channel IN ('counter', 'online', 'post')),
        portal_id TEXT UNIQUE,
        documents TEXT NOT NULL,             -- JSON list of documents received
        status TEXT NOT NULL,
        received_at TEXT NOT NULL,
        due_date TEXT NOT NULL,              -- YYYY-MM-DD (ngày hẹn trả)
        paused_at TEXT,                      -- set while a supplement is requested
        paused_working_days INTEGER NOT NULL DEFAULT 0,
        finished_at TEXT,
        ticket_id TEXT,
        officer TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX dossiers_status_due ON dossiers(status, due_date);
    CREATE INDEX dossiers_received ON dossiers(received_at);
    CREATE INDEX dossiers_id_number ON dossiers(applicant_id_number);

    CREATE TABLE dossier_history ({RECORD_COLUMNS},
        dossier_id TEXT NOT NULL REFERENCES dossiers(id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX dossier_history_dossier ON dossier_history(dossier_id, at);

    CREATE TABLE tickets ({RECORD_COLUMNS},
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'done', 'skipped')),
        issued_at TEXT NOT NULL,
        called_at TEXT,
        finished_at TEXT,
        counter TEXT,
        recalls INTEGER NOT NULL DEFAULT 0,
        dossier_id TEXT,
        UNIQUE (day, service, priority, number)
    );
    CREATE INDEX tickets_day_status ON tickets(day, status);

    CREATE TABLE form_submissions ({RECORD_COLUMNS},
        form_code TEXT NOT NULL,
        form_version INTEGER NOT NULL,
        period TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
        "values" TEXT NOT NULL,
        submitted_at TEXT,
        UNIQUE (form_code, period)
    );

    -- Accent-folded search over dossiers (see edge/search.py); rowid = dossiers.rowid.
    CREATE VIRTUAL TABLE dossier_search USING fts5(
        body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
    );
    """)


def m002_ticket_queue(conn: sqlite3.Connection) -> None:
    # The queue a ticket waits in now; NULL = the service that numbered it (`service`). A transfer
    # changes `queue` only, so the ticket keeps its label and (day, service, priority, number) stays unique.
    conn.execute("ALTER TABLE tickets ADD COLUMN queue TEXT")


def m003_leaner_intake(conn: sqlite3.Connection) -> None:
    """Fewer pages written per intake: drop indexes no query needs (public look-up goes by code,
    ID-number search goes through the search index, purge may scan), index audit rows by record id
    alone, and make the search index
    contentless without per-row sizes (nothing ranks by bm25). The index is rebuilt from dossiers."""
    from .search import dossier_body
    conn.execute("DROP INDEX IF EXISTS dossiers_id_number")
    conn.execute("DROP INDEX IF EXISTS outbox_acked_at")
    # record ids are UUIDv7, so an index on them alone grows at one end (tbl first splits it in two)
    conn.execute("DROP INDEX IF EXISTS audit_record")
    conn.execute("CREATE INDEX IF NOT EXISTS audit_record_id ON audit(record_id)")
    conn.execute("DROP TABLE IF EXISTS dossier_search")
    conn.execute("CREATE VIRTUAL TABLE dossier_search USING fts5(body, content = '', columnsize = 0, "
                 "tokenize = 'unicode61 remove_diacritics 0')")
    rows = conn.execute("SELECT rowid, applicant_name, code, applicant_id_number, procedure_code, "
                        "applicant_phone FROM dossiers").fetchall()
    for r in rows:
        conn.execute("INSERT INTO dossier_search(rowid, body) VALUES (?, ?)", (r[0], dossier_body(dict(r))))


def m004_outbox_ack_marks(conn: sqlite3.Connection) -> None:
    """Acknowledgement as marks (`edge.outbox`): one row per ack instead of a timestamp written
    into every acknowledged outbox row. Each distinct ack time of the old rows becomes a mark at
    the highest seq it covered, so the retention window keeps counting from the same moments."""
    conn.execute("CREATE TABLE outbox_acks (upto INTEGER PRIMARY KEY, at TEXT NOT NULL)")
    conn.execute("INSERT INTO outbox_acks(upto, at) SELECT MAX(seq), acked_at FROM outbox "
                 "WHERE acked_at IS NOT NULL GROUP BY acked_at")
    conn.execute("DROP INDEX IF EXISTS outbox_pending")
    conn.execute("DROP INDEX IF EXISTS outbox_acked_at")
    conn.execute("ALTER TABLE outbox DROP COLUMN acked_at")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_core, m002_ticket_queue, m003_leaner_intake,
                                                          m004_outbox_ack_marks]


def migrate(store: "Store") -> int:
    """Apply every migration the file has not had yet. Returns the schema version.

    Raises StoreError when the file is newer than this software.
    """
    conn = store.conn
    with store.atomic(check_disk=False):
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    have = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
    if have > len(MIGRATIONS):
        raise StoreError(f"{store.path}: schema version {have} is newer than this software "
                         f"({len(MIGRATIONS)}); update commune-edge")
    from .store import iso
    for number, fn in enumerate(MIGRATIONS, start=1):
        if number <= have:
            continue
        with store.atomic(check_disk=False):
            # executescript would commit our transaction; run statements one by one instead.
            _run_in_transaction(conn, fn)
            conn.execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                         (number, fn.__name__, iso()))
    return len(MIGRATIONS)


class _NoScript:
    """A connection stand-in whose executescript splits into execute calls (keeps one transaction)."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, *a, **k):
        return self._conn.execute(*a, **k)

    def executescript(self, script: str) -> None:
        buf = ""
        for line in script.splitlines(keepends=True):
            stripped = line.strip()
            if stripped.startswith("--"):
                continue
            buf += line
            if sqlite3.complete_statement(buf):
                self._conn.execute(buf)
                buf = ""
        if buf.strip():
            self._conn.execute(buf)


def _run_in_transaction(conn: sqlite3.Connection, fn: Callable) -> None:
    fn(_NoScript(conn))
