"""The frame every kiosk screen shares: a one-line title bar, a notice line, and the footer with the
V/E typing indicator (Unikey style)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Static

from .vninput import TypingIndicator


class TitleBar(Static):
    """Commune name, screen title, who is logged in and the local time (HH:MM, from the app clock)."""

    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    title: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.watch(self.app, "language", self._redraw, init=False)
        self.set_interval(30, self._redraw)
        self._redraw()

    def watch_title(self) -> None:
        self._redraw()

    def _redraw(self, *_: object) -> None:
        app = self.app
        describe = getattr(app, "title_line", None)
        self.update(describe(self.title) if describe else self.title)


class Notice(Static):
    """A message line in the screen: errors in red, confirmations in green, never a pop-up."""

    DEFAULT_CSS = """
    Notice { height: auto; max-height: 6; padding: 0 1; display: none; }
    Notice.-error { display: block; background: $error 30%; color: $text; }
    Notice.-ok { display: block; background: $success 30%; color: $text; }
    Notice.-info { display: block; background: $primary 20%; color: $text; }
    """

    def show(self, text: str, kind: str = "info") -> None:
        """Show `text` as "error", "ok" or "info"."""
        for k in ("error", "ok", "info"):
            self.set_class(k == kind, f"-{k}")
        self.update(text)

    def clear(self) -> None:
        for k in ("error", "ok", "info"):
            self.remove_class(f"-{k}")
        self.update("")

    @property
    def kind(self) -> str | None:
        for k in ("error", "ok", "info"):
            if self.has_class(f"-{k}"):
                return k
        return None


class FooterBar(Horizontal):
    """Footer with the key bindings, and the typing indicator at the right."""

    DEFAULT_CSS = """
    FooterBar { dock: bottom; height: 1; }
    FooterBar Footer { dock: none; width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Footer(show_command_palette=False)
        yield TypingIndicator()
