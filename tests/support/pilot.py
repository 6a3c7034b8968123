"""Helpers for driving Textual apps with Pilot (kiosk and dashboard tests)."""

from __future__ import annotations


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled (never sleeps for a fixed time)."""
    from textual.worker import WorkerCancelled
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer exclusive worker replaced the one being waited for
            pass
        await pilot.pause()
