"""A summary of the appliance's state, for `commune-edge status`, the kiosk and the heartbeat."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import hlc as hlc_mod, outbox
from .clock import local_now

if TYPE_CHECKING:
    from .store import Store

#: meta key where the sync agent records its connection state (JSON: connected, last_contact_at,
#: last_error, updated_at, history), read by the kiosk's Home and Sync screens
SYNC_STATUS_KEY = "sync.status"
#: meta key, "1" while the broker is reachable and "0" when not (the hardware service's link LED)
SYNC_LINK_KEY = "sync_connected"
#: written atomically under the data directory by the hardware service (hardware/status.py)
HARDWARE_STATUS_FILE = "hardware-status.json"

COUNTED_TABLES = ("dossiers", "dossier_history", "tickets", "form_submissions", "staff", "audit",
                  "outbox", "procedures", "form_definitions")


def sync_state(store: "Store") -> dict[str, Any]:
    """What the sync agent last recorded about its link ({} when it never ran: offline only)."""
    try:
        value = json.loads(store.meta_get(SYNC_STATUS_KEY) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def link_up(store: "Store") -> bool:
    """True while the sync agent reports the broker reachable."""
    return store.meta_get(SYNC_LINK_KEY, "0") == "1"


def hardware_report(data_dir: str | os.PathLike) -> dict[str, Any] | None:
    """What the hardware service last wrote, or None when it has not run (or the file is unreadable)."""
    try:
        value = json.loads((Path(data_dir) / HARDWARE_STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def store_size(store: "Store") -> int:
    """Bytes on disk: the database file with its WAL."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += os.path.getsize(str(store.path) + suffix)
        except OSError:
            pass
    return total


def summary(store: "Store") -> dict[str, Any]:
    """Counts by table and status, outbox state, size, free disk, schema, clock."""
    from . import catalogue, dossiers
    st = outbox.stats(store)
    today = local_now().date().isoformat()
    return {
        "commune": {"code": store.commune.code, "name": store.commune.name,
                    "agency_code": store.commune.agency_code, "desk": store.commune.desk},
        "device_id": store.device_id,
        "schema_version": store.schema_version(),
        "store": {"path": str(store.path), "bytes": store_size(store),
                  "free_disk_bytes": shutil.disk_usage(store.path.parent).free,
                  "min_free_bytes": store.min_free_bytes},
        "tables": {t: store.scalar(f"SELECT COUNT(*) FROM {t}") for t in COUNTED_TABLES},
        "dossiers_by_status": dossiers.counts_by_status(store),
        "tickets_today": {r["status"]: r["n"] for r in store.query(
            "SELECT status, COUNT(*) AS n FROM tickets WHERE day = ? GROUP BY status", (today,))},
        "outbox": {"pending": st.pending, "acked": store.scalar(
            "SELECT COUNT(*) FROM outbox WHERE seq <= ?", (st.last_acked_seq,)), "last_seq": st.last_seq,
            "last_acked_seq": st.last_acked_seq, "last_acked_at": st.last_acked_at,
            "oldest_pending_at": st.oldest_pending_at, "pending_by_table": st.by_table},
        "catalogue_version": catalogue.current_version(store),
        "clock": {"hlc": hlc_mod.to_text(store.hlc.last) if store.hlc.last else None,
                  "trusted": store.hlc.clock_trusted(), "behind_ms": store.hlc.behind_ms()},
    }


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def format_text(s: dict[str, Any]) -> str:
    """The summary for people, one fact per line."""
    c = s["commune"]
    lines = [f"{c['name']} ({c['code']}), agency {c['agency_code']}, desk {c['desk']}",
             f"device {s['device_id']}, schema version {s['schema_version']}, "
             f"catalogue version {s['catalogue_version']}",
             f"store {s['store']['path']}: {_mb(s['store']['bytes'])}; "
             f"free disk {_mb(s['store']['free_disk_bytes'])} (floor {_mb(s['store']['min_free_bytes'])})",
             "records: " + ", ".join(f"{t} {n}" for t, n in s["tables"].items())]
    if s["dossiers_by_status"]:
        lines.append("dossiers by status: " + ", ".join(f"{k} {v}" for k, v in s["dossiers_by_status"].items()))
    if s["tickets_today"]:
        lines.append("tickets today: " + ", ".join(f"{k} {v}" for k, v in s["tickets_today"].items()))
    o = s["outbox"]
    lines.append(f"outbox: {o['pending']} pending, {o['acked']} acknowledged, last seq {o['last_seq']}, "
                 f"last ack {o['last_acked_seq']} at {o['last_acked_at'] or 'never'}")
    if o["oldest_pending_at"]:
        lines.append(f"oldest unsynced record: {o['oldest_pending_at']}")
    clk = s["clock"]
    lines.append(f"clock: hlc {clk['hlc'] or '-'}, " + ("trusted" if clk["trusted"] else
                 f"NOT TRUSTED (wall clock {clk['behind_ms']} ms behind the last stamp or unset)"))
    b = s.get("backup")
    if b is not None:
        lines.append("backup: " + _backup_line(b))
    h = s.get("hardware")
    if h is not None:
        lines.append("hardware: " + _hardware_line(h))
    return "\n".join(lines)


def _hardware_line(h: dict[str, Any]) -> str:
    if not h.get("reported"):
        return h.get("detail", "no report")
    parts = []
    for d in h.get("devices") or []:
        state = "ok" if d.get("ok") else ("not configured" if not d.get("configured") else
                                         f"PROBLEM ({d.get('detail') or 'not present'})")
        parts.append(f"{d.get('name')} {state}")
    modem = h.get("modem") or {}
    if modem.get("signal_dbm") is not None:
        parts.append(f"signal {modem['signal_dbm']} dBm ({modem.get('operator') or '?'})")
    spool = h.get("print_spool") or {}
    if spool.get("pending"):
        parts.append(f"{spool['pending']} slip(s) waiting to print")
    return ", ".join(parts) + f" (as of {h.get('updated_at')})"


def _backup_line(b: dict[str, Any]) -> str:
    if not b.get("configured"):
        return "not configured" if not b.get("error") else f"PROBLEM: {b['error']}"
    sup = b.get("supervisor") or {}
    parts = [f"replica {b.get('replica')}",
             "running" if sup.get("running") else "NOT running",
             f"restarts {sup.get('restarts', 0)}"]
    if b.get("lag_txids") is not None:
        parts.append(f"lag {b['lag_txids']} transactions")
    if b.get("last_replicated_at"):
        parts.append(f"last replicated {b['last_replicated_at']}")
    if b.get("error"):
        parts.append(f"PROBLEM: {b['error']}")
    return ", ".join(parts)
