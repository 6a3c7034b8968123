"""The hardware status file: what the service last saw, for the kiosk's sync screen and the
heartbeat, which run in other processes.

`<data_dir>/hardware-status.json` (written atomically) holds `updated_at`, `devices` (one entry per
device: name, configured, present, ok, detail), `modem` (signal_dbm, bars, registration,
registered, technology, operator, checked_at, error), `print_spool` (pending, last_error) and
`warnings`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edge.status import HARDWARE_STATUS_FILE as FILE_NAME, hardware_report


def path_for(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / FILE_NAME


def write(data_dir: str | os.PathLike, status: dict[str, Any]) -> Path:
    """Replace the status file atomically (readers never see half a file)."""
    path = path_for(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **status}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read(data_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The last status written, or None when the service has not run (or the file is unreadable)."""
    return hardware_report(data_dir)
