"""The print spool: a folder of jobs, so nothing waits on the printer and nothing is lost.

```
<spool>/pending/<id>.bin   ready ESC/POS bytes, printed in id order
<spool>/pending/<id>.json  kind, ref, created_at, attempts, last_error
<spool>/printing/<id>.*    claimed by one printer worker (a rename, so two processes never print a job twice)
<spool>/done/<id>.*        printed; the last KEEP_DONE are kept for reprinting
```
Writes are atomic (temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import HardwareError

KEEP_DONE = 100
STATES = ("pending", "printing", "done")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    ref: str
    state: str
    created_at: str
    attempts: int = 0
    last_error: str | None = None
    printed_at: str | None = None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:40] or "x"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Spool:
    """A spool folder. Every method is safe against a concurrent process using the same folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        try:
            for state in STATES:
                (self.root / state).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HardwareError(f"print spool {self.root}: cannot create it: {e}") from None

    def _meta(self, state: str, job_id: str) -> Job:
        data = json.loads((self.root / state / f"{job_id}.json").read_text(encoding="utf-8"))
        return Job(id=job_id, state=state, **data)

    def _save_meta(self, job: Job) -> None:
        data = {k: v for k, v in job.__dict__.items() if k not in ("id", "state")}
        _write(self.root / job.state / f"{job.id}.json", json.dumps(data, ensure_ascii=False).encode())

    def add(self, kind: str, ref: str, data: bytes) -> Job:
        """Store a job as pending and return it."""
        job_id = f"{time.time_ns():020d}-{_safe(kind)}-{_safe(ref)}"
        job = Job(id=job_id, kind=kind, ref=ref, state="pending", created_at=_now())
        _write(self.root / "pending" / f"{job_id}.bin", data)
        self._save_meta(job)
        return job

    def jobs(self, state: str = "pending") -> list[Job]:
        """Jobs in `state`, oldest first (jobs being written are skipped)."""
        out = []
        for meta in sorted((self.root / state).glob("*.json")):
            try:
                out.append(self._meta(state, meta.stem))
            except (OSError, ValueError, TypeError):
                continue
        return out

    def get(self, job_id: str) -> Job | None:
        """The job with this id wherever it is now, or None. A job moving between folders while
        we look is looked for again."""
        for _ in range(5):
            for state in STATES:
                try:
                    return self._meta(state, job_id)
                except FileNotFoundError:
                    continue
        return None

    def data(self, job: Job) -> bytes:
        return (self.root / job.state / f"{job.id}.bin").read_bytes()

    def _move(self, job: Job, to: str) -> Job:
        src, dst = self.root / job.state, self.root / to
        os.rename(src / f"{job.id}.bin", dst / f"{job.id}.bin")    # the claim: fails if taken
        os.rename(src / f"{job.id}.json", dst / f"{job.id}.json")
        return Job(**{**job.__dict__, "state": to})

    def claim(self, job: Job) -> Job | None:
        """Move a pending job to printing; None when another worker took it first."""
        try:
            return self._move(job, "printing")
        except FileNotFoundError:
            return None

    def finish(self, job: Job) -> Job:
        """A claimed job printed: move it to done and prune old done jobs."""
        done = self._move(job, "done")
        done = Job(**{**done.__dict__, "printed_at": _now(), "last_error": None})
        self._save_meta(done)
        for old in self.jobs("done")[:-KEEP_DONE]:
            for ext in (".bin", ".json"):
                (self.root / "done" / f"{old.id}{ext}").unlink(missing_ok=True)
        return done

    def fail(self, job: Job, error: str) -> Job:
        """A claimed job could not print: back to pending with the error, to retry later."""
        back = self._move(job, "pending")
        back = Job(**{**back.__dict__, "attempts": job.attempts + 1, "last_error": error})
        self._save_meta(back)
        return back

    def requeue(self, job_id: str) -> Job:
        """Print a done job again (a reprint): copies it into pending as a new job."""
        job = self.get(job_id)
        if job is None:
            raise HardwareError(f"print spool: no job {job_id!r}")
        return self.add(job.kind, job.ref, self.data(job))

    def recover(self) -> int:
        """After a crash: put jobs left in printing back to pending. Returns how many."""
        n = 0
        for job in self.jobs("printing"):
            try:
                self._move(job, "pending")
                n += 1
            except FileNotFoundError:
                continue
        return n

    def last_done(self, ref: str | None = None) -> Job | None:
        """The newest printed job (for `ref`, when given)."""
        for job in reversed(self.jobs("done")):
            if ref is None or job.ref == ref:
                return job
        return None
