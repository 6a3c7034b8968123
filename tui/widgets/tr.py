"""Labels that follow the app's language: tag a widget with a table key, `relabel` re-reads them all.

`tr(widget, key, **values)` remembers the key on the widget (for a Label/Static its content, for a
Button its label, for an Input its placeholder, for anything else its border title) and sets the text
now; `relabel(root, lang)` sets every tagged widget under `root` again after a language switch.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from ..i18n import t

W = TypeVar("W", bound=Widget)


def _lang(widget: Widget) -> str:
    try:
        return str(getattr(widget.app, "language", "vi"))
    except Exception:  # not attached to an app yet
        return "vi"


def set_text(widget: Widget, text: str) -> None:
    if isinstance(widget, Button):
        widget.label = text
    elif isinstance(widget, Input):
        widget.placeholder = text
    elif isinstance(widget, Static):
        widget.update(text)
    else:
        widget.border_title = text


def tr(widget: W, key: str, lang: str | None = None, **values: Any) -> W:
    """Tag `widget` with `key` (and format values) and give it the text now."""
    widget._i18n = (key, values)  # type: ignore[attr-defined]
    set_text(widget, t(key, lang or _lang(widget), **values))
    return widget


def relabel(root: DOMNode, lang: str) -> None:
    """Give every tagged widget under `root` its text in `lang`."""
    for widget in root.query("*"):
        tag = getattr(widget, "_i18n", None)
        if tag:
            key, values = tag
            set_text(widget, t(key, lang, **values))
