"""The record store: one SQLite file, the single source of truth on the appliance.

Opened in WAL mode with `synchronous=FULL` (a citizen holding a printed receipt must never find the
dossier gone after a power cut), foreign keys on and a busy timeout. Every write goes through
`Store.atomic()`, which checks the disk floor first and leaves the file as it was when anything fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from . import ids
from .config import CommuneConfig, Config
from .errors import DiskFullError, StoreBusyError, StoreError
from .hlc import HLC

DEMO_COMMUNE = CommuneConfig(code="00001", name="Xã Demo", province="02", agency_code="000.00.19.H17")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds, the one timestamp format of the store."""
    dt = dt or utcnow()
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """One open record store.

    `Store(path)` opens (creating when missing) and migrates the file. Use `Store.open(config)` on the
    appliance. Raises StoreError when the file cannot be opened or is not a store.
    """

    def __init__(self, path: str | os.PathLike, *, commune: CommuneConfig = DEMO_COMMUNE,
                 min_free_mb: int = 64, busy_timeout_ms: int = 5000, config: Config | None = None,
                 migrate: bool = True):
        self.path = Path(path)
        self.commune = commune
        self.config = config
        self.min_free_bytes = min_free_mb * 1024 * 1024
        self._lock = threading.RLock()
        self._depth = 0
        #: work to do once, just before the outer COMMIT (e.g. persist the HLC high-water mark)
        self._before_commit: dict[str, Callable[[], None]] = {}
        #: facts valid only inside the current transaction while nothing was rolled back
        self.txn_cache: dict[str, Any] = {}
        #: the hybrid logical clock, set once migrations have made the meta table
        self.hlc: HLC | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                        timeout=busy_timeout_ms / 1000)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"{self.path}: cannot open the record store: {e}") from None
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: the store needs WAL mode but SQLite chose {mode!r}")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StoreError(f"{self.path}: not a record store ({e})") from None
        if migrate:
            from .migrations import migrate as run_migrations
            run_migrations(self)
        self.hlc = HLC(self._hlc_high_water())
        if self.meta_get("device_id") is None:
            with self.atomic(check_disk=False):
                self.meta_set("device_id", ids.uuid7())

    @classmethod
    def open(cls, config: Config) -> "Store":
        """Open the store named by an appliance config."""
        return cls(config.store.path, commune=config.commune, min_free_mb=config.store.min_free_mb,
                   busy_timeout_ms=config.store.busy_timeout_ms, config=config)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------
    def check_disk(self) -> None:
        """Raise DiskFullError when the store's filesystem has less free space than the floor."""
        if self.min_free_bytes <= 0:
            return
        free = shutil.disk_usage(self.path.parent).free
        if free < self.min_free_bytes:
            raise DiskFullError(
                f"Disk almost full: {free // (1024 * 1024)} MB free on {self.path.parent}, "
                f"at least {self.min_free_bytes // (1024 * 1024)} MB needed; nothing was saved. "
                "Free space or call the technician.")

    @contextmanager
    def atomic(self, *, check_disk: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE); nested calls become savepoints.

        Everything inside is committed together or not at all. Raises DiskFullError (floor reached
        or SQLITE_FULL), StoreBusyError (locked past the busy timeout) or StoreError.
        """
        with self._lock:
            outer = self._depth == 0
            name = f"sp{self._depth}"
            try:
                if outer:
                    if check_disk:
                        self.check_disk()
                    self.conn.execute("BEGIN IMMEDIATE")
                    self._before_commit.clear()
                    self.txn_cache.clear()
                else:
                    self.conn.execute(f"SAVEPOINT {name}")
            except sqlite3.Error as e:
                raise _translate(e, self.path) from None
            self._depth += 1
            try:
                if outer and self.hlc is not None:
                    self._merge_saved_hlc()
                yield self.conn
            except BaseException as exc:
                self._depth -= 1
                self.txn_cache.clear()
                if outer:
                    self._before_commit.clear()
                try:
                    if outer:
                        self.conn.execute("ROLLBACK")
                    else:
                        self.conn.execute(f"ROLLBACK TO {name}")
                        self.conn.execute(f"RELEASE {name}")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise _translate(exc, self.path) from None
                raise
            else:
                self._depth -= 1
                try:
                    if outer:
                        for hook in list(self._before_commit.values()):
                            hook()
                        self._before_commit.clear()
                        self.conn.execute("COMMIT")
                    else:
                        self.conn.execute(f"RELEASE {name}")
                except sqlite3.Error as e:
                    if outer:
                        try:
                            self.conn.execute("ROLLBACK")
                        except sqlite3.Error:
                            pass
                    raise _translate(e, self.path) from None

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- reading ------------------------------------------------------------------------------
    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        with self._lock:
            try:
                return [dict(r) for r in self.conn.execute(sql, params)]
            except sqlite3.Error as e:
                raise _translate(e, self.path) from None

    def scalar(self, sql: str, params: Any = ()) -> Any:
        with self._lock:
            try:
                row = self.conn.execute(sql, params).fetchone()
            except sqlite3.Error as e:
                raise _translate(e, self.path) from None
        return None if row is None else row[0]

    # -- small key/value state ----------------------------------------------------------------
    def meta_get(self, key: str, default: Any = None) -> Any:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def meta_set(self, key: str, value: Any) -> None:
        """Set a meta value; must run inside `atomic()` so it commits with what it describes."""
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))

    @property
    def device_id(self) -> str:
        return self.meta_get("device_id")

    def schema_version(self) -> int:
        return int(self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0)

    def _hlc_high_water(self) -> int:
        saved = int(self.meta_get("hlc", 0) or 0)
        in_outbox = int(self.scalar("SELECT COALESCE(MAX(hlc), 0) FROM outbox") or 0)
        return max(saved, in_outbox)

    def _merge_saved_hlc(self) -> None:
        """Catch up with the high-water mark another process (or Store) on this file has saved."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'hlc'").fetchone()
        if row is not None:
            self.hlc.observe(int(row[0] or 0))

    def before_commit(self, key: str, hook: Callable[[], None]) -> None:
        """Run `hook` once, inside the current transaction, just before it commits."""
        self._before_commit[key] = hook

    def tick(self) -> int:
        """A new HLC stamp; its high-water mark is saved with the current transaction."""
        stamp = self.hlc.tick()
        self.before_commit("hlc", lambda: self.meta_set("hlc", self.hlc.last))
        return stamp


def _translate(e: sqlite3.Error, path: Path) -> StoreError:
    code = getattr(e, "sqlite_errorcode", None)
    text = str(e)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return DiskFullError(f"Disk full while writing {path}; nothing was saved. Free space or call "
                             "the technician.")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return StoreBusyError(f"{path} is busy (locked by another process); try again in a moment.")
    return StoreError(f"{path}: {text}")
