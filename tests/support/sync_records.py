"""Record and batch builders for tests of the sync protocol and the central store."""

from __future__ import annotations

from sync import wire


def dossier(n: int, version: int = 1, status: str = "received", commune: str = "00001") -> dict:
    """A dossier row shaped like the appliance's `dossiers` table."""
    return {"id": f"d-{n:06d}", "commune": commune, "version": version, "hlc": 100 + version,
            "updated_by": "officer1", "created_at": "2026-01-05T02:00:00Z", "updated_at": "2026-01-05T02:00:00Z",
            "code": f"000.00.19.H17-260105-{n:04d}", "procedure_code": "1.001", "catalogue_version": 1,
            "applicant_name": "Nguyễn Văn A", "channel": "counter", "portal_id": None, "documents": "[]",
            "status": status, "received_at": "2026-01-05T02:00:00Z", "due_date": "2026-01-08",
            "officer": "officer1"}


def batch(recs: list[dict], first: int, device: str = "dev-1", commune: str = "00001",
          tbl: str = "dossiers") -> wire.Batch:
    """A batch of `recs` with seqs first, first+1, …"""
    rows = tuple(wire.Row(first + i, tbl, r["id"], r["version"], r["hlc"], wire.canonical(r))
                 for i, r in enumerate(recs))
    return wire.Batch.of(commune, device, first, first + len(recs) - 1, rows)
