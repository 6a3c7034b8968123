"""How the kiosk tells a person what went wrong: every exception becomes a message in Vietnamese
(or English), shown in the screen where it happened. Nothing here raises."""

from __future__ import annotations

from edge import errors as E

from .i18n import t


def field_label(field: str, lang: str) -> str:
    """The person-facing name of a field of a record or form."""
    text = t(f"field.{field}", lang)
    return field if text.startswith("field.") else text


def describe(exc: BaseException, lang: str = "vi") -> str:
    """One or a few lines that say what went wrong and that nothing was lost."""
    if isinstance(exc, E.DiskFullError):
        return t("error.disk_full", lang)
    if isinstance(exc, E.StoreBusyError):
        return t("error.busy", lang)
    if isinstance(exc, E.CCCDError):
        return t("error.cccd", lang, field=field_label(exc.field or "?", lang)) + "\n" + str(exc)
    if isinstance(exc, E.ValidationError):
        if exc.errors:
            lines = [t("error.validation", lang)]
            lines += [f"• {field_label(k, lang)}: {v}" for k, v in exc.errors.items()]
            return "\n".join(lines)
        return t("error.validation", lang) + " " + str(exc)
    if isinstance(exc, E.StoreError):
        return t("error.store", lang, detail=str(exc))
    if isinstance(exc, E.EdgeError):
        return str(exc)
    return t("error.unexpected", lang, detail=f"{type(exc).__name__}: {exc}")
