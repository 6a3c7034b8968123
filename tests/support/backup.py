"""Helpers of the backup tests: tickets on an appliance store, one replication with the real Litestream."""

from __future__ import annotations

import subprocess

from edge import backup, records


def issue_tickets(store, numbers, issued_at: str = "2026-11-26T08:00:00.000Z") -> None:
    """Issue waiting tickets HT<n> for each n in `numbers` (each a synced record with its outbox row)."""
    for n in numbers:
        records.insert(store, "tickets", {"day": "2026-11-26", "service": "HT", "number": n, "label": f"HT{n}",
                                          "status": "waiting", "issued_at": issued_at},
                       actor="t", action="ticket.issue")


def replicate_once(config) -> None:
    """One synchronous replication of the store to its replica (litestream replicate -once)."""
    yml = backup.write_litestream_config(backup.settings(config))
    proc = subprocess.run([backup.litestream_binary(), "replicate", "-config", str(yml), "-no-expand-env",
                           "-once"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
