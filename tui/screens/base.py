"""What every kiosk screen has: the title bar, a notice line, the footer, and store calls in threads.

`run_store(tag, fn, *args)` runs `fn` in a thread worker (exclusive per tag, never crashing the app)
and posts `StoreDone`/`StoreFailed`; the screen's `on_<tag>_done(result)` / `on_<tag>_failed(error)`
get them. A failure without a handler is shown in the notice line, in the screen's language.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from .. import errors, i18n
from ..widgets.chrome import FooterBar, Notice, TitleBar


class KioskScreen(Screen):
    """Base of the kiosk's screens. Subclasses set TITLE_KEY and implement `compose_body`."""

    TITLE_KEY = "app.title"
    TITLE_VALUES: dict[str, Any] = {}

    BINDINGS = [Binding("escape", "back", "Quay lại", id="app.back")]

    class StoreDone(Message):
        def __init__(self, tag: str, result: Any):
            super().__init__()
            self.tag = tag
            self.result = result

    class StoreFailed(Message):
        def __init__(self, tag: str, error: BaseException):
            super().__init__()
            self.tag = tag
            self.error = error

    # -- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield from self.compose_body()
        yield Notice()
        yield FooterBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def notice(self) -> Notice:
        return self.query_one(Notice)

    @property
    def lang(self) -> str:
        return str(getattr(self.app, "language", "vi"))

    def t(self, key: str, **values: Any) -> str:
        return i18n.t(key, self.lang, **values)

    def screen_title(self) -> str:
        return self.t(self.TITLE_KEY, **self.TITLE_VALUES)

    def on_mount(self) -> None:
        i18n.localize_bindings(self, self.lang)
        self.query_one(TitleBar).title = self.screen_title()

    def on_language(self, lang: str) -> None:
        """Called after a language switch, once tagged labels are updated; refresh the rest."""
        self.query_one(TitleBar).title = self.screen_title()

    def on_screen_resume(self) -> None:
        self.query_one(TitleBar).title = self.screen_title()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    # -- errors --------------------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        self.notice.show(errors.describe(exc, self.lang), "error")

    def show_ok(self, text: str) -> None:
        self.notice.show(text, "ok")

    # -- store work in threads -----------------------------------------------------------------
    def run_store(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        """Run `fn(*args, **kwargs)` in a thread; the result comes back as a message."""

        def job() -> None:
            worker = get_current_worker()
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # shown in the screen, never a crash
                if not worker.is_cancelled:
                    self.post_message(self.StoreFailed(tag, exc))
                return
            if not worker.is_cancelled:
                self.post_message(self.StoreDone(tag, result))

        return self.run_worker(job, name=tag, group=tag, thread=True, exclusive=True,
                               exit_on_error=False)

    def on_kiosk_screen_store_done(self, message: "KioskScreen.StoreDone") -> None:
        message.stop()
        handler = getattr(self, f"on_{message.tag}_done", None)
        if handler is not None:
            handler(message.result)

    def on_kiosk_screen_store_failed(self, message: "KioskScreen.StoreFailed") -> None:
        message.stop()
        handler = getattr(self, f"on_{message.tag}_failed", None)
        if handler is not None:
            handler(message.error)
        else:
            self.show_error(message.error)
