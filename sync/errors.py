"""The exceptions of the sync package. Each one carries a message a person can act on.

`SyncError` is an `edge.errors.EdgeError`, so the `commune-edge` CLI shows it as a one-line error.
"""

from __future__ import annotations

from edge.errors import EdgeError


class SyncError(EdgeError):
    """Root of every error the sync package raises on purpose."""


class WireError(SyncError, ValueError):
    """A message on the wire is malformed, too large, of an unknown version, or fails its checksum."""


class StoreUrlError(SyncError, ValueError):
    """The central store URL is neither `sqlite:///path` nor `postgresql://…`."""


class CentralStoreError(SyncError):
    """The central store could not do what was asked; its transaction was rolled back."""


class BrokerConfigError(SyncError):
    """The broker configuration or a commune's credential could not be written."""


class SyncTimeout(SyncError, TimeoutError):
    """`sync --once` could not drain the outbox in the time it was given."""
