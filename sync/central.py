"""The provincial central store: SQLite (`sqlite:///path`) or PostgreSQL (`postgresql://…`).

Both backends run the same SQL (placeholders written `?`, translated for psycopg) and behave the
same. `commit_batch` is the heart of the "exactly once" promise:

- the whole batch commits in one transaction, or nothing does;
- the same (commune, device, seq) twice changes nothing (a batch entirely at or below the
  device's acked seq is a duplicate; rows already held with the same content are skipped);
- the same (table, id, version) with different content becomes a `conflicts` row, the stored
  version is kept;
- `devices.acked_seq` advances only over contiguous seq ranges, and is what the receiver acks.

What a commit writes is the log: `batches` keeps each batch exactly as it came over the wire
(compressed, with its checksum), and `versions` indexes every record version the province holds,
(table, id, version) → the batch and line that carry its text. `versions(tbl, id)` reads a
record's history back. The typed tables (`dossiers`, `dossier_history`, `tickets`,
`form_submissions`) are a projection of that log for the dashboard: the columns it queries plus
`data` (the latest version's JSON), `device` and `synced_at`; a newer version replaces the typed
row, an older one arriving late does not.

`commit_batch(batch)` projects in the same transaction. The receiver instead commits with
`project=False`, which queues the batch in `projection_queue` (one row per batch, naming the lines
that were new), and acks at once; `project()` applies the queue when the receiver has nothing else
to do, so a commune's backlog is acknowledged at the speed of the log and the dashboard's indexes
catch up behind it (within seconds; `pending_projection()` says how far behind). Anything that
reads the typed tables for a decision (`recent_codes`, `dossier_owner`) catches the projection up
first.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from . import wire
from .errors import CentralStoreError, StoreUrlError, WireError

#: 2: record_versions keeps each version's hlc and JSON text; projection_queue
#: 3: the log is `batches` (as received) indexed by `versions`; one projection_queue row per batch
SCHEMA_VERSION = 3
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KB = 65_536
QUARANTINE_KEEP_BYTES = 65_536      # of a payload over the wire limit, keep this much (and its size)
IN_CHUNK = 400                      # ids per `IN (...)` lookup
#: PostgreSQL: refresh planner statistics every this many batch transactions. A fast-growing table
#: whose statistics say "empty" gets sequential scans for the id lookups of every batch.
ANALYZE_EVERY = 100
#: record versions projected into the typed tables per transaction by `project()`
PROJECT_CHUNK = 1000
#: rows of an earlier schema's log carried into one batch of the new one by the migration
LEGACY_BATCH_ROWS = 1000

RECORD_COLUMNS = ("id", "commune", "version", "hlc", "updated_by", "created_at", "updated_at")
TYPED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "dossiers": (("code", "TEXT"), ("procedure_code", "TEXT"), ("catalogue_version", "INTEGER"),
                 ("channel", "TEXT"), ("portal_id", "TEXT"), ("status", "TEXT"), ("received_at", "TEXT"),
                 ("due_date", "TEXT"), ("paused_at", "TEXT"), ("paused_working_days", "INTEGER"),
                 ("finished_at", "TEXT"), ("ticket_id", "TEXT"), ("officer", "TEXT")),
    "dossier_history": (("dossier_id", "TEXT"), ("from_status", "TEXT"), ("to_status", "TEXT"),
                        ("at", "TEXT"), ("actor", "TEXT"), ("note", "TEXT")),
    "tickets": (("day", "TEXT"), ("service", "TEXT"), ("number", "INTEGER"), ("label", "TEXT"),
                ("priority", "INTEGER"), ("status", "TEXT"), ("issued_at", "TEXT"), ("called_at", "TEXT"),
                ("finished_at", "TEXT"), ("counter", "TEXT"), ("recalls", "INTEGER"), ("dossier_id", "TEXT")),
    "form_submissions": (("form_code", "TEXT"), ("form_version", "INTEGER"), ("period", "TEXT"),
                         ("status", "TEXT"), ("submitted_at", "TEXT")),
}
#: what the dashboard's KPI queries read (sync/kpi.py), covering the monthly scans
KPI_INDEXES = (
    "CREATE INDEX IF NOT EXISTS kpi_dossiers_received ON dossiers(received_at, commune, status, channel, "
    "due_date, finished_at, procedure_code)",
    "CREATE INDEX IF NOT EXISTS kpi_dossiers_synced ON dossiers(synced_at)",
    "CREATE INDEX IF NOT EXISTS kpi_tickets_day ON tickets(day, commune)",
)
#: Every index costs each incoming record a b-tree insertion, so there is one per query shape:
#: a commune's dossiers newest first (drill-down, export, `recent_codes`), a dossier's history.
INDEXES = KPI_INDEXES + (
    "CREATE INDEX IF NOT EXISTS dossiers_commune_received ON dossiers(commune, received_at)",
    "CREATE INDEX IF NOT EXISTS dossier_history_dossier ON dossier_history(dossier_id, at)",
    "CREATE INDEX IF NOT EXISTS tickets_commune_day ON tickets(commune, day)",
    "CREATE INDEX IF NOT EXISTS form_submissions_commune ON form_submissions(commune, form_code, period)",
    "CREATE INDEX IF NOT EXISTS conflicts_commune ON conflicts(commune)",
    "CREATE INDEX IF NOT EXISTS quarantine_commune ON quarantine(commune)",
    "CREATE INDEX IF NOT EXISTS outbound_pending ON outbound(commune, done_at)",
)
#: indexes of earlier versions that no query needs any more (each slowed every commit)
DROPPED_INDEXES = ("dossiers_commune_status", "dossiers_status_due", "dossiers_received",
                   "dossier_history_commune_at")
#: typed-table values that go into a column as they are; anything else through `_scalar`
_PLAIN_TYPES = frozenset((str, int, float, type(None)))


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def digest(payload: str | bytes) -> str:
    """The content digest of a record version's JSON text (kept with conflicts, and in place of
    the text for versions an early schema held without it)."""
    data = payload.encode() if isinstance(payload, str) else payload
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class CommitResult:
    acked: int            # the device's contiguous acked seq after this commit
    inserted: int         # record versions new to the province
    duplicates: int       # rows already held with the same content
    conflicts: int        # rows whose (table, id, version) was held with other content
    duplicate_batch: bool = False


@dataclass(frozen=True)
class CommuneStatus:
    commune: str
    devices: int
    last_seen: str | None
    online: bool
    backlog: int
    oldest_pending_age_s: float | None
    records: int
    acked_seq: int
    conflicts: int
    quarantined: int
    pending_down: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- backends

class _Backend:
    kind = ""
    serial = ""
    blob = ""
    bigint = "INTEGER"
    for_update = ""
    #: projectors running side by side take different queue rows (SQLite: the write lock does it)
    skip_locked = ""
    #: tables looked up only by their primary key keep their rows in it
    without_rowid = ""

    def sql(self, q: str) -> str:
        return q

    def columns(self, table: str) -> set[str]:
        """The column names of `table` (empty when there is no such table)."""
        raise NotImplementedError


class _Sqlite(_Backend):
    kind = "sqlite"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    blob = "BLOB"
    without_rowid = " WITHOUT ROWID"

    def __init__(self, path: str):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                    timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        self.conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def execute(self, q: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(q, params)

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}

    def executemany(self, q: str, rows: list[Sequence[Any]]) -> int:
        """Run `q` for each row; returns how many rows it changed."""
        return self.conn.executemany(q, rows).rowcount

    def close(self) -> None:
        self.conn.close()


class _Postgres(_Backend):
    kind = "postgresql"
    serial = "BIGSERIAL PRIMARY KEY"
    blob = "BYTEA"
    bigint = "BIGINT"
    for_update = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str):
        import psycopg
        try:
            self.conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
            self._column_types: dict[str, dict[str, str]] = {}
        except psycopg.Error as e:
            raise CentralStoreError(f"cannot connect to the central store {_redact(url)}: "
                                    f"{str(e).strip().splitlines()[0] if str(e).strip() else e}") from None

    def sql(self, q: str) -> str:
        return q.replace("?", "%s")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def execute(self, q: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(q), params)

    def columns(self, table: str) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s", (table,))}

    def executemany(self, q: str, rows: list[Sequence[Any]]) -> int:
        """An INSERT … VALUES runs once for all rows, each column passed as one array
        (`INSERT … SELECT * FROM unnest(…)`): one statement for the server to plan and one set of
        parameters to send. Anything else runs per row in a pipeline. Returns the rows changed."""
        if not rows:
            return 0
        m = _INSERT_RE.match(q)
        if m is None:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(q), rows)
                return max(cur.rowcount, 0)
        table, cols, rest = m.group(1), [c.strip() for c in m.group(2).split(",")], m.group(3)
        types = self._types(table)
        arrays = ", ".join(f"%b::{types[c]}[]" for c in cols)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM unnest({arrays}){self.sql(rest)}"
        return max(self.conn.execute(sql, [list(col) for col in zip(*rows)]).rowcount, 0)

    def _types(self, table: str) -> dict[str, str]:
        if table not in self._column_types:
            self._column_types[table] = {r[0]: r[1] for r in self.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s", (table,))}
        return self._column_types[table]

    def close(self) -> None:
        self.conn.close()


_INSERT_RE = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) VALUES \(\?(?:, \?)*\)(.*)$", re.S)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}:***@{host}" if ":" in cred else url
    return url


def open_backend(url: str) -> _Backend:
    """A backend for a store URL. Raises StoreUrlError for an unknown scheme."""
    if url.startswith("sqlite:///"):
        return _Sqlite(url[len("sqlite:///"):])
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return _Postgres(url)
    raise StoreUrlError(f"unknown central store URL {url!r}: expected sqlite:///PATH or postgresql://…")


# --------------------------------------------------------------------------- the store

class CentralStore:
    """The province's record store. Thread-safe for one writer thread plus readers (a lock
    serialises use of the single connection); several processes may share it."""

    def __init__(self, url: str):
        self.url = url
        self.db = open_backend(url)
        self._lock = threading.RLock()
        self._commits = 0
        self._migrate()
        self._analyze()

    @classmethod
    def open(cls, url: str) -> "CentralStore":
        return cls(url)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "CentralStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- schema

    def _migrate(self) -> None:
        b = self.db
        big = b.bigint
        tables = [
            "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)",
            # each batch as it came over the wire (its envelope: compressed, checksummed)
            f"""CREATE TABLE IF NOT EXISTS batches (
                bid {b.serial}, commune TEXT NOT NULL, device TEXT NOT NULL, first_seq {big} NOT NULL,
                last_seq {big} NOT NULL, received_at TEXT NOT NULL, envelope {b.blob} NOT NULL)""",
            # every record version held: which batch line carries its text. `digest` (and no line)
            # only for versions a schema-1 store held without their text
            f"""CREATE TABLE IF NOT EXISTS versions (
                id TEXT NOT NULL, tbl TEXT NOT NULL, version {big} NOT NULL, bid {big}, line INTEGER,
                seq {big} NOT NULL, hlc {big}, digest TEXT,
                PRIMARY KEY (id, tbl, version)){b.without_rowid}""",
            # batches committed but not yet in the typed tables; `lines` lists the lines that were
            # new (JSON), NULL when all were; `n` how many versions that is
            f"""CREATE TABLE IF NOT EXISTS projection_queue (
                qid {b.serial}, bid {big} NOT NULL, n {big} NOT NULL, lines TEXT)""",
            f"""CREATE TABLE IF NOT EXISTS conflicts (
                cid {b.serial}, detected_at TEXT NOT NULL, tbl TEXT NOT NULL, record_id TEXT NOT NULL,
                version {big} NOT NULL, commune TEXT NOT NULL, device TEXT NOT NULL, seq {big} NOT NULL,
                held_digest TEXT NOT NULL, held_device TEXT, held_seq {big},
                incoming_digest TEXT NOT NULL, payload TEXT NOT NULL,
                UNIQUE (tbl, record_id, version, incoming_digest))""",
            f"""CREATE TABLE IF NOT EXISTS quarantine (
                qid {b.serial}, received_at TEXT NOT NULL, topic TEXT NOT NULL, commune TEXT,
                reason TEXT NOT NULL, size {big} NOT NULL, payload {b.blob})""",
            f"""CREATE TABLE IF NOT EXISTS devices (
                commune TEXT NOT NULL, device TEXT NOT NULL, acked_seq {big} NOT NULL DEFAULT 0,
                records {big} NOT NULL DEFAULT 0, last_seen TEXT, online INTEGER NOT NULL DEFAULT 0,
                heartbeat TEXT, heartbeat_at TEXT, backlog {big}, software TEXT, hello_at TEXT,
                PRIMARY KEY (commune, device))""",
            f"""CREATE TABLE IF NOT EXISTS seq_ranges (
                commune TEXT NOT NULL, device TEXT NOT NULL, first_seq {big} NOT NULL, last_seq {big} NOT NULL,
                PRIMARY KEY (commune, device, first_seq))""",
            """CREATE TABLE IF NOT EXISTS outbound (
                id TEXT PRIMARY KEY, commune TEXT NOT NULL, device TEXT, type TEXT NOT NULL, body TEXT NOT NULL,
                created_at TEXT NOT NULL, done_at TEXT, done_by TEXT, outcome TEXT, reason TEXT)""",
            f"""CREATE TABLE IF NOT EXISTS documents (
                kind TEXT NOT NULL, version {big} NOT NULL, body TEXT NOT NULL, published_at TEXT NOT NULL,
                PRIMARY KEY (kind, version))""",
        ]
        for tbl, cols in TYPED_COLUMNS.items():
            typed = ", ".join(f"{name} {big if t == 'INTEGER' else t}" for name, t in cols)
            tables.append(f"""CREATE TABLE IF NOT EXISTS {tbl} (
                id TEXT PRIMARY KEY, commune TEXT NOT NULL, version {big} NOT NULL, hlc {big} NOT NULL,
                updated_by TEXT, created_at TEXT, updated_at TEXT, {typed},
                device TEXT NOT NULL, data TEXT NOT NULL, synced_at TEXT NOT NULL)""")
        with self._lock, self.db.transaction():
            b.execute(tables[0])
            version = b.execute("SELECT MAX(version) FROM schema_info").fetchone()[0]
            if version is not None and version > SCHEMA_VERSION:
                raise CentralStoreError(f"central store {_redact(self.url)} has schema {version}, newer than "
                                        f"this software's {SCHEMA_VERSION}: upgrade province-hub")
            legacy = version is not None and version < 3
            if legacy:
                self._project_legacy_queue()
            for q in tables[1:] + list(INDEXES):
                b.execute(q)
            for name in DROPPED_INDEXES:
                b.execute(f"DROP INDEX IF EXISTS {name}")
            if legacy:
                self._move_legacy_log()
            if version is None:
                b.execute("INSERT INTO schema_info (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:
                b.execute("UPDATE schema_info SET version = ?", (SCHEMA_VERSION,))

    # ---- migration from schema 1 and 2 (one row of `record_versions` per version)

    def _project_legacy_queue(self) -> None:
        """Schema 2 queued versions for the typed tables one by one: project what is still queued
        and drop that queue (the new one has one row per batch)."""
        b = self.db
        if "tbl" not in b.columns("projection_queue"):
            return
        queued = b.execute(
            "SELECT q.tbl, q.id, q.version, v.hlc, v.device, v.payload FROM projection_queue q "
            "JOIN record_versions v ON v.id = q.id AND v.tbl = q.tbl AND v.version = q.version "
            "WHERE v.payload IS NOT NULL").fetchall()
        self._project_rows([(tbl, rid, int(version), hlc, device, payload)
                            for tbl, rid, version, hlc, device, payload in queued], utcnow())
        b.execute("DROP TABLE projection_queue")

    def _move_legacy_log(self) -> None:
        """Carry `record_versions` of schema 1/2 into `batches` + `versions`, then drop it.

        Versions with their text (schema 2) are re-framed per device, in seq order, into batches of
        LEGACY_BATCH_ROWS lines; versions held without text (schema 1) keep their digest only."""
        b = self.db
        cols = b.columns("record_versions")
        if "commune" not in cols:
            return
        rows = b.execute(
            "SELECT commune, device, seq, tbl, id, version, " + ("hlc" if "hlc" in cols else "NULL")
            + ", digest, received_at, " + ("payload" if "payload" in cols else "NULL")
            + " FROM record_versions ORDER BY commune, device, seq").fetchall()
        texted: list[tuple] = []
        size = 0

        def flush() -> None:
            if not texted:
                return
            commune, device, received = texted[0][0], texted[0][1], texted[-1][8]
            batch = wire.Batch.of(commune, device, texted[0][2], texted[-1][2], [
                wire.Row(int(r[2]), r[3], r[4], int(r[5]), int(r[6] or 0), r[9]) for r in texted])
            bid = self._insert_batch(batch, received)
            b.executemany(self._INSERT_VERSIONS, [(r[4], r[3], int(r[5]), bid, i, int(r[2]), r[6])
                                                  for i, r in enumerate(texted)])
            texted.clear()

        bare = []
        for r in rows:
            if r[9] is None:
                bare.append((r[4], r[3], int(r[5]), int(r[2]), r[6], r[7]))
                continue
            if texted and (texted[0][:2] != r[:2] or len(texted) >= LEGACY_BATCH_ROWS
                           or size + len(r[9]) > wire.MAX_RAW_BYTES // 2):
                flush()
                size = 0
            texted.append(r)
            size += len(r[9]) + 100
        flush()
        if bare:
            b.executemany("INSERT INTO versions (id, tbl, version, seq, hlc, digest) VALUES (?, ?, ?, ?, ?, ?)", bare)
        b.execute("DROP TABLE record_versions")

    # ---- reading

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a read query (placeholders `?`) and return rows as dicts."""
        with self._lock:
            cur = self.db.execute(sql, params)
            names = [d[0] for d in cur.description] if cur.description else []
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            row = self.db.execute(sql, params).fetchone()
            return row[0] if row else None

    def acked_seq(self, commune: str, device: str) -> int:
        return int(self.scalar("SELECT acked_seq FROM devices WHERE commune = ? AND device = ?",
                               (commune, device)) or 0)

    def count(self, table: str) -> int:
        if table not in ("versions", "batches", "conflicts", "quarantine", "devices", "outbound", "documents",
                         "projection_queue", *TYPED_COLUMNS):
            raise CentralStoreError(f"unknown table {table!r}")
        return int(self.scalar(f"SELECT COUNT(*) FROM {table}"))

    # ---- the batch commit

    def commit_batch(self, batch: wire.Batch, *, project: bool = True) -> CommitResult:
        """Commit a batch idempotently in one transaction. Returns the new acked seq and counts.
        With project=False the typed tables are left to `project()`. Raises CentralStoreError if
        the database fails (nothing is then committed)."""
        try:
            with self._lock, self.db.transaction():
                res = self._commit(batch, project)
            self._counted()
            return res
        except CentralStoreError:
            raise
        except Exception as e:  # database driver errors of either backend
            raise CentralStoreError(f"commit of {batch.commune}/{batch.device} "
                                    f"seq {batch.first_seq}..{batch.last_seq} failed: {e}") from e

    def _analyze(self) -> None:
        if self.db.kind != "postgresql":
            return
        with self._lock:
            for table in ("versions", "batches", "devices", "seq_ranges", "projection_queue", *TYPED_COLUMNS):
                self.db.execute(f"ANALYZE {table}")

    def _counted(self) -> None:
        self._commits += 1
        if self._commits % ANALYZE_EVERY == 0:
            try:
                self._analyze()
            except Exception as e:  # noqa: BLE001 - statistics are an optimisation only
                import logging
                logging.getLogger("sync.central").warning("ANALYZE failed: %s", e)

    def commit_batches(self, batches: list[wire.Batch], *,
                       project: bool = True) -> list[CommitResult | CentralStoreError]:
        """Commit several batches in one transaction (one disk sync instead of many). If that fails,
        each batch is committed alone; the result for a batch that still fails is its error."""
        if len(batches) == 1:
            try:
                return [self.commit_batch(batches[0], project=project)]
            except CentralStoreError as e:
                return [e]
        try:
            with self._lock, self.db.transaction():
                out = [self._commit(b, project) for b in batches]
            self._counted()
            return out
        except Exception:  # noqa: BLE001 - fall back to one transaction per batch
            out: list[CommitResult | CentralStoreError] = []
            for b in batches:
                try:
                    out.append(self.commit_batch(b, project=project))
                except CentralStoreError as e:
                    out.append(e)
            return out

    def _lock_device(self, commune: str, device: str) -> int:
        b = self.db
        b.execute("INSERT INTO devices (commune, device) VALUES (?, ?) ON CONFLICT (commune, device) DO NOTHING",
                  (commune, device))
        return int(b.execute("SELECT acked_seq FROM devices WHERE commune = ? AND device = ?" + b.for_update,
                             (commune, device)).fetchone()[0])

    _INSERT_VERSIONS = "INSERT INTO versions (id, tbl, version, bid, line, seq, hlc) VALUES (?, ?, ?, ?, ?, ?, ?)"

    def _insert_batch(self, batch: wire.Batch, now: str) -> int:
        return int(self.db.execute(
            "INSERT INTO batches (commune, device, first_seq, last_seq, received_at, envelope) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING bid",
            (batch.commune, batch.device, batch.first_seq, batch.last_seq, now, batch.envelope)).fetchone()[0])

    def _commit(self, batch: wire.Batch, project: bool) -> CommitResult:
        b = self.db
        now = utcnow()
        commune, device = batch.commune, batch.device
        acked = self._lock_device(commune, device)
        if batch.last_seq <= acked:
            b.execute("UPDATE devices SET last_seen = ? WHERE commune = ? AND device = ?", (now, commune, device))
            return CommitResult(acked, 0, len(batch), 0, duplicate_batch=True)
        heads = batch.heads
        if heads[0][0] > acked:
            todo = list(range(len(heads)))
        else:
            todo = [i for i, h in enumerate(heads) if h[0] > acked]
        # The common case: every version is new. Try that; if some key is already held, undo and
        # sort duplicates from conflicts.
        b.execute("SAVEPOINT new_versions")
        bid = self._insert_batch(batch, now)
        if b.executemany(self._INSERT_VERSIONS + " ON CONFLICT (id, tbl, version) DO NOTHING",
                         _version_rows(heads, todo, bid)) == len(todo):
            b.execute("RELEASE SAVEPOINT new_versions")
            new, duplicates, conflicts = todo, 0, []
        else:
            b.execute("ROLLBACK TO SAVEPOINT new_versions")
            b.execute("RELEASE SAVEPOINT new_versions")
            new, duplicates, conflicts = self._sort_held(batch, todo, now)
            if new:
                bid = self._insert_batch(batch, now)
                b.executemany(self._INSERT_VERSIONS, _version_rows(heads, new, bid))
        if conflicts:
            b.executemany(
                "INSERT INTO conflicts (detected_at, tbl, record_id, version, commune, device, seq, held_digest, "
                "held_device, held_seq, incoming_digest, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (tbl, record_id, version, incoming_digest) DO NOTHING", conflicts)
        if new and project:
            self._project_rows(_projected(heads, batch.texts, new, device), now)
        elif new:
            b.execute("INSERT INTO projection_queue (bid, n, lines) VALUES (?, ?, ?)",
                      (bid, len(new), None if len(new) == len(heads) else json.dumps(new)))
        b.execute("INSERT INTO seq_ranges (commune, device, first_seq, last_seq) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (commune, device, first_seq) DO UPDATE SET last_seq = "
                  "CASE WHEN excluded.last_seq > seq_ranges.last_seq THEN excluded.last_seq "
                  "ELSE seq_ranges.last_seq END",
                  (commune, device, max(batch.first_seq, acked + 1), batch.last_seq))
        new_acked = acked
        for first, last in b.execute("SELECT first_seq, last_seq FROM seq_ranges WHERE commune = ? AND device = ? "
                                     "ORDER BY first_seq", (commune, device)).fetchall():
            if first > new_acked + 1:
                break
            new_acked = max(new_acked, int(last))
        if new_acked > acked:
            b.execute("DELETE FROM seq_ranges WHERE commune = ? AND device = ? AND last_seq <= ?",
                      (commune, device, new_acked))
        b.execute("UPDATE devices SET acked_seq = ?, records = records + ?, last_seen = ? "
                  "WHERE commune = ? AND device = ?", (new_acked, len(new), now, commune, device))
        return CommitResult(new_acked, len(new), duplicates, len(conflicts))

    def _sort_held(self, batch: wire.Batch, todo: list[int], now: str) -> tuple[list[int], int, list[tuple]]:
        """Split a batch's rows (indexes `todo`) into new versions, duplicates (held with the same
        text) and conflicts (held with other text), looking at what the store holds."""
        heads, texts = batch.heads, batch.texts
        held: dict[tuple[str, str, int], tuple] = {}
        ids = sorted({heads[i][2] for i in todo})
        for i in range(0, len(ids), IN_CHUNK):
            chunk = ids[i:i + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for tbl, rid, version, bid, line, seq, dig in self.db.execute(
                    f"SELECT tbl, id, version, bid, line, seq, digest FROM versions WHERE id IN ({marks})",
                    chunk).fetchall():
                held[(tbl, rid, int(version))] = (bid, line, int(seq), dig)
        logged = _LoggedTexts(self.db)
        mine: dict[tuple[str, str, int], int] = {}     # new in this very batch: key -> row index
        new, conflicts = [], []
        duplicates = 0
        for i in todo:
            seq, tbl, rid, version, _ = heads[i]
            key, text = (tbl, rid, version), texts[i]
            if key in mine:
                held_text, held_dig = texts[mine[key]], None
                held_device, held_seq = batch.device, heads[mine[key]][0]
            elif key in held:
                bid, line, held_seq, held_dig = held[key]
                held_device, held_text = logged.line(bid, line) if line is not None else (None, None)
            else:
                mine[key] = i
                new.append(i)
                continue
            same = text == held_text if held_text is not None else digest(text) == held_dig
            if same:
                duplicates += 1
            else:
                conflicts.append((now, tbl, rid, version, batch.commune, batch.device, seq,
                                  held_dig or digest(held_text), held_device, held_seq, digest(text),
                                  text.decode()))
        return new, duplicates, conflicts

    # ---- the log, read back

    def versions(self, tbl: str, record_id: str) -> list[dict[str, Any]]:
        """Every version of a record the province holds, oldest first: version, hlc, the device and
        seq it came with, and its JSON text (None for a version an early schema kept without it)."""
        logged = _LoggedTexts(self.db)
        with self._lock:
            rows = self.db.execute("SELECT version, hlc, seq, bid, line FROM versions WHERE tbl = ? AND id = ? "
                                   "ORDER BY version", (tbl, record_id)).fetchall()
            out = []
            for version, hlc, seq, bid, line in rows:
                device, text = logged.line(bid, line) if line is not None else (None, None)
                out.append({"version": int(version), "hlc": hlc, "seq": int(seq), "device": device,
                            "text": text.decode() if text is not None else None})
        return out

    # ---- the typed tables (a projection of the log)

    def _project_rows(self, rows: list[tuple], now: str) -> None:
        """Upsert (tbl, id, version, hlc, device, payload text) into the typed tables:
        per table and id the newest version wins, here and against what the table holds."""
        latest: dict[str, dict[str, tuple]] = {t: {} for t in TYPED_COLUMNS}
        for row in rows:
            by_id = latest[row[0]]
            prev = by_id.get(row[1])
            if prev is None or prev[2] < row[2]:
                by_id[row[1]] = row
        for tbl, recs in latest.items():
            if recs:
                self._upsert(tbl, list(recs.values()), now)

    def _upsert(self, tbl: str, recs: list[tuple], now: str) -> None:
        typed = [name for name, _ in TYPED_COLUMNS[tbl]]
        cols = list(RECORD_COLUMNS) + typed + ["device", "data", "synced_at"]
        values = []
        extra = RECORD_COLUMNS[4:] + tuple(typed)
        plain = _PLAIN_TYPES.issuperset
        for _, rid, version, hlc, device, payload in recs:
            data = wire.loads(payload)
            vals = list(map(data.get, extra))
            if not plain(map(type, vals)):
                vals = [_scalar(v) for v in vals]
            values.append((rid, data.get("commune"), version, hlc, *vals, device, payload, now))
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        self.db.executemany(
            f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT (id) DO UPDATE SET {sets} WHERE excluded.version > {tbl}.version", values)

    def project(self, limit: int = PROJECT_CHUNK) -> int:
        """Apply queued batches to the typed tables, oldest first, in one transaction: at least one,
        then more while they keep within `limit` versions. Returns how many versions it applied
        (0: the typed tables are up to date). Several processes may project side by side."""
        try:
            with self._lock, self.db.transaction():
                queued = self.db.execute("SELECT qid, bid, n, lines FROM projection_queue ORDER BY qid LIMIT ?"
                                         + self.db.skip_locked, (max(1, limit),)).fetchall()
                take, total = [], 0
                for qid, bid, n, lines in queued:
                    if take and total + n > limit:
                        break
                    take.append((qid, bid, lines))
                    total += int(n)
                if not take:
                    return 0
                logged = _LoggedTexts(self.db)
                rows = []
                for _, bid, lines in take:
                    device, heads, texts = logged.batch(bid)
                    rows += _projected(heads, texts, json.loads(lines) if lines else range(len(heads)), device)
                self._project_rows(rows, utcnow())
                self.db.executemany("DELETE FROM projection_queue WHERE qid = ?", [(q[0],) for q in take])
            return total
        except Exception as e:  # driver errors of either backend
            raise CentralStoreError(f"projection into the typed tables failed: {e}") from e

    def project_all(self) -> int:
        """Project until the queue is empty. Returns how many versions were applied."""
        total = 0
        while n := self.project():
            total += n
        return total

    def pending_projection(self) -> int:
        """Record versions committed but not yet in the typed tables."""
        return int(self.scalar("SELECT COALESCE(SUM(n), 0) FROM projection_queue"))

    # ---- quarantine, health, hello

    def quarantine(self, topic: str, commune: str | None, reason: str, payload: bytes) -> None:
        """Keep a refused payload with the reason (at most QUARANTINE_KEEP_BYTES of it)."""
        data = bytes(payload)
        with self._lock, self.db.transaction():
            self.db.execute("INSERT INTO quarantine (received_at, topic, commune, reason, size, payload) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (utcnow(), topic[:500], commune, reason[:2000], len(data),
                             data[:QUARANTINE_KEEP_BYTES]))

    def record_heartbeat(self, hb: wire.Heartbeat) -> None:
        """Store a device's heartbeat (or Last Will: online false)."""
        now = utcnow()
        body = json.dumps({k: getattr(hb, k) for k in wire.Heartbeat.__dataclass_fields__},
                          ensure_ascii=False, sort_keys=True)
        with self._lock, self.db.transaction():
            self.db.execute("INSERT INTO devices (commune, device) VALUES (?, ?) "
                            "ON CONFLICT (commune, device) DO NOTHING", (hb.commune, hb.device))
            if hb.online:
                self.db.execute("UPDATE devices SET online = 1, heartbeat = ?, heartbeat_at = ?, backlog = ?, "
                                "software = ?, last_seen = ? WHERE commune = ? AND device = ?",
                                (body, now, hb.backlog, hb.software, now, hb.commune, hb.device))
            else:
                self.db.execute("UPDATE devices SET online = 0 WHERE commune = ? AND device = ?",
                                (hb.commune, hb.device))

    def record_hello(self, hello: wire.Hello) -> int:
        """Note a device's hello; returns the province's acked seq for it."""
        now = utcnow()
        with self._lock, self.db.transaction():
            acked = self._lock_device(hello.commune, hello.device)
            self.db.execute("UPDATE devices SET hello_at = ?, last_seen = ?, online = 1, software = ? "
                            "WHERE commune = ? AND device = ?",
                            (now, now, hello.software, hello.commune, hello.device))
        return acked

    def recent_codes(self, commune: str, device: str, days: int = 60) -> dict[str, int]:
        """Per reception-day code prefix, the highest dossier number held from `device` (recent days)."""
        self.project_all()
        since = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
        out: dict[str, int] = {}
        for r in self.query("SELECT code FROM dossiers WHERE commune = ? AND device = ? AND received_at >= ?",
                            (commune, device, since)):
            prefix, _, number = (r["code"] or "").rpartition("-")
            if prefix and number.isdigit():
                key = prefix + "-"
                out[key] = max(out.get(key, 0), int(number))
        return out

    # ---- down messages and documents

    def add_outbound(self, commune: str, type: str, body: dict[str, Any], device: str | None = None) -> wire.Down:
        """Record a down message to deliver (it is re-sent on each hello until the edge answers)."""
        msg = wire.Down(uuid.uuid4().hex, type, body, device)
        wire.decode(wire.encode(msg))   # validate before storing; raises WireError
        with self._lock, self.db.transaction():
            self.db.execute("INSERT INTO outbound (id, commune, device, type, body, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (msg.id, commune, device, type, json.dumps(body, ensure_ascii=False), utcnow()))
        return msg

    def pending_outbound(self, commune: str, device: str | None = None) -> list[wire.Down]:
        """Down messages not answered yet, for `device` (or untargeted), oldest first."""
        rows = self.query("SELECT id, type, body, device FROM outbound WHERE commune = ? AND done_at IS NULL "
                          "ORDER BY created_at, id", (commune,))
        return [wire.Down(r["id"], r["type"], json.loads(r["body"]), r["device"]) for r in rows
                if device is None or r["device"] in (None, device)]

    def record_down_results(self, ack: wire.DownAck) -> int:
        """Mark down messages answered by a device. Returns how many changed."""
        n = 0
        with self._lock, self.db.transaction():
            for r in ack.results:
                cur = self.db.execute("UPDATE outbound SET done_at = ?, done_by = ?, outcome = ?, reason = ? "
                                      "WHERE id = ? AND commune = ? AND done_at IS NULL",
                                      (utcnow(), ack.device, r.outcome, r.reason[:2000], r.id, ack.commune))
                n += cur.rowcount or 0
        return n

    def record_document(self, doc: wire.Document) -> None:
        with self._lock, self.db.transaction():
            self.db.execute("INSERT INTO documents (kind, version, body, published_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (kind, version) DO UPDATE SET body = excluded.body, "
                            "published_at = excluded.published_at",
                            (doc.kind, doc.version, json.dumps(doc.doc, ensure_ascii=False), utcnow()))

    def dossier_owner(self, id_or_code: str) -> tuple[str, str, str] | None:
        """(dossier id, commune, device that last sent it) for a dossier's id or code, or None."""
        self.project_all()
        rows = self.query("SELECT id, commune, device FROM dossiers WHERE id = ? OR code = ?",
                          (id_or_code, id_or_code))
        return (rows[0]["id"], rows[0]["commune"], rows[0]["device"]) if rows else None

    def latest_device(self, commune: str) -> str | None:
        return self.scalar("SELECT device FROM devices WHERE commune = ? ORDER BY last_seen DESC LIMIT 1",
                           (commune,))

    # ---- status

    def status(self) -> list[CommuneStatus]:
        """Per commune: devices, last seen, online, backlog, records, conflicts, quarantined, down pending."""
        devs = self.query("SELECT commune, COUNT(*) AS devices, MAX(last_seen) AS last_seen, MAX(online) AS online, "
                          "SUM(COALESCE(backlog, 0)) AS backlog, SUM(records) AS records, "
                          "SUM(acked_seq) AS acked FROM devices GROUP BY commune")
        conf = {r["commune"]: r["n"] for r in self.query("SELECT commune, COUNT(*) AS n FROM conflicts GROUP BY commune")}
        quar = {r["commune"]: r["n"] for r in self.query(
            "SELECT commune, COUNT(*) AS n FROM quarantine GROUP BY commune")}
        down = {r["commune"]: r["n"] for r in self.query(
            "SELECT commune, COUNT(*) AS n FROM outbound WHERE done_at IS NULL GROUP BY commune")}
        ages: dict[str, float] = {}
        for r in self.query("SELECT commune, heartbeat FROM devices WHERE online = 1 AND heartbeat IS NOT NULL"):
            age = json.loads(r["heartbeat"]).get("oldest_pending_age_s")
            if age is not None:
                ages[r["commune"]] = max(ages.get(r["commune"], 0.0), float(age))
        out = {r["commune"]: CommuneStatus(
            r["commune"], int(r["devices"]), r["last_seen"], bool(r["online"]), int(r["backlog"] or 0),
            ages.get(r["commune"]), int(r["records"] or 0), int(r["acked"] or 0), conf.get(r["commune"], 0),
            quar.get(r["commune"], 0), down.get(r["commune"], 0)) for r in devs}
        for c in set(quar) | set(down) | set(conf):
            if c and c not in out:
                out[c] = CommuneStatus(c, 0, None, False, 0, None, 0, 0, conf.get(c, 0), quar.get(c, 0),
                                       down.get(c, 0))
        return [out[c] for c in sorted(out)]


def _version_rows(heads: Sequence[Sequence[Any]], lines: list[int], bid: int) -> list[tuple]:
    """`versions` rows (id, tbl, version, bid, line, seq, hlc) for lines of batch `bid`."""
    return [(h[2], h[1], h[3], bid, i, h[0], h[4]) for i in lines for h in (heads[i],)]


def _projected(heads: Sequence[Sequence[Any]], texts: Sequence[bytes], lines: Iterable[int],
               device: str) -> list[tuple]:
    """`_project_rows` input (tbl, id, version, hlc, device, text) for lines of a batch."""
    return [(h[1], h[2], h[3], h[4], device, texts[i].decode()) for i in lines for h in (heads[i],)]


class _LoggedTexts:
    """Batches read back from `batches`, each opened once (for one transaction's use)."""

    def __init__(self, db: _Backend):
        self.db = db
        self._open: dict[int, tuple[str, list, list[bytes]]] = {}

    def batch(self, bid: int) -> tuple[str, list, list[bytes]]:
        """(device, heads, record texts) of batch `bid`. Raises CentralStoreError if it is missing
        or its bytes no longer pass the checksum."""
        if bid not in self._open:
            row = self.db.execute("SELECT device, envelope FROM batches WHERE bid = ?", (bid,)).fetchone()
            if row is None:
                raise CentralStoreError(f"batch {bid} of the log is missing")
            try:
                heads, texts = wire.batch_records(bytes(row[1]))
            except WireError as e:
                raise CentralStoreError(f"batch {bid} of the log is damaged: {e}") from None
            self._open[bid] = (row[0], heads, texts)
        return self._open[bid]

    def line(self, bid: int, line: int) -> tuple[str, bytes]:
        """(device, text) of one line of a logged batch."""
        device, _, texts = self.batch(bid)
        return device, texts[line]


def _scalar(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return int(v)
    return v


def open_store(url: str) -> CentralStore:
    """Open (and create or migrate) the central store at `url`. Raises StoreUrlError/CentralStoreError."""
    return CentralStore(url)
