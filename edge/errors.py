"""The exceptions of the core. Every one carries a message a person can act on."""

from __future__ import annotations


class EdgeError(Exception):
    """Root of every error the core raises on purpose."""


class ConfigError(EdgeError, ValueError):
    """A configuration file is missing, unreadable or holds a bad value (the message names it)."""


class StoreError(EdgeError):
    """The record store could not do what was asked; nothing was changed."""


class DiskFullError(StoreError):
    """Free space is under the configured floor (or the disk filled up); nothing was written."""


class StoreBusyError(StoreError):
    """The store stayed locked by another process for longer than the busy timeout."""


class NotFoundError(EdgeError, LookupError):
    """The record asked for does not exist."""


class ValidationError(EdgeError, ValueError):
    """Input failed validation. `errors` maps each bad field to a message about it."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        self.errors = dict(errors or {})
        if self.errors and message.endswith(":"):
            message = message + " " + "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(message)


class CCCDError(ValidationError):
    """A scanned citizen-ID QR string is not usable; `field` names the first bad field."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message, {field: message} if field else None)


class TransitionError(EdgeError, ValueError):
    """A dossier status change that the state machine does not allow."""


class DocumentError(EdgeError, ValueError):
    """A catalogue, calendar or form document is invalid, or older than what is installed."""


class AuthError(EdgeError, PermissionError):
    """Wrong user name or PIN, a disabled account, or a role that may not do this."""


class LockedOutError(AuthError):
    """Too many wrong PINs: the account is locked until `until` (ISO time)."""

    def __init__(self, message: str, until: str | None = None):
        self.until = until
        super().__init__(message)
