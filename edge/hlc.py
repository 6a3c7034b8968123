"""Hybrid logical clock: wall-clock milliseconds plus a counter, packed in one integer.

`tick()` never returns a value lower than or equal to one it returned before, even when the
system clock jumps back (a Raspberry Pi 4 has no RTC and may boot in 1970 or in last week). The
store persists the high-water mark in the same transaction as each record, so it also survives
restarts, and merges the saved mark at the start of each write transaction, so two processes writing
one store never stamp out of order.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Callable

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1
#: how far the wall clock may lag the last stamp before the clock is reported untrustworthy
CLOCK_BEHIND_WARN_MS = 60_000
#: a wall clock before this moment (2025-01-01) is certainly wrong: a Pi that booted without time
PLAUSIBLE_SINCE_MS = 1_735_689_600_000


def pack(wall_ms: int, counter: int = 0) -> int:
    return (wall_ms << COUNTER_BITS) | counter


def unpack(stamp: int) -> tuple[int, int]:
    return stamp >> COUNTER_BITS, stamp & COUNTER_MASK


def to_text(stamp: int) -> str:
    """`2026-11-26T13:45:01.123Z/0004` — for people and logs."""
    ms, c = unpack(stamp)
    t = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return f"{t}Z/{c:04d}"


class HLC:
    """A hybrid logical clock. Thread-safe."""

    def __init__(self, last: int = 0, wall_ms: Callable[[], int] | None = None):
        self.last = int(last)
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()

    def tick(self) -> int:
        """A new stamp for a local event, greater than every stamp seen so far."""
        with self._lock:
            wall = self._wall_ms()
            l_ms, c = unpack(self.last)
            if wall > l_ms:
                new = pack(wall)
            elif c < COUNTER_MASK:
                new = pack(l_ms, c + 1)
            else:
                new = pack(l_ms + 1)
            self.last = new
            return new

    def observe(self, remote: int) -> int:
        """Merge a stamp received from elsewhere; the next tick is greater than both."""
        with self._lock:
            if remote > self.last:
                self.last = remote
            return self.last

    def behind_ms(self) -> int:
        """How far the wall clock is behind the last stamp (0 when it is not)."""
        return max(0, unpack(self.last)[0] - self._wall_ms())

    def clock_trusted(self) -> bool:
        """False when the wall clock went back noticeably or is implausibly old."""
        wall = self._wall_ms()
        return wall >= PLAUSIBLE_SINCE_MS and self.behind_ms() <= CLOCK_BEHIND_WARN_MS
