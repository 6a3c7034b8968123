"""An Input with Vietnamese typing built in (Telex or VNI through `tui.telex`), and its V/E indicator.

The typing method is app-wide, like Unikey: the app holds `input_method` ("telex", "vni") and
`vietnamese` (on/off, toggled with one key) and every `VietInput` follows it, unless the field sets
`method="off"` (codes, ID numbers, PINs). The value is always NFC.
"""

from __future__ import annotations

import unicodedata

from textual import events
from textual.reactive import reactive
from textual.widgets import Input, Static

from .. import telex


class VietInput(Input):
    """A text input that composes Vietnamese as keys are typed."""

    method: reactive[str | None] = reactive(None)
    """None: follow the app's setting; "off": never compose; "telex"/"vni": always that method."""

    def __init__(self, *args, method: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_reactive(VietInput.method, method)
        self._composition = telex.EMPTY

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))

    @property
    def effective_method(self) -> str:
        """The method in force for the next key: "telex", "vni" or "off"."""
        if self.method is not None:
            return self.method
        app = self.app
        if not getattr(app, "vietnamese", True):
            return "off"
        return getattr(app, "input_method", "telex")

    @property
    def text(self) -> str:
        """The value, NFC and stripped: what a form should store."""
        return unicodedata.normalize("NFC", self.value).strip()

    async def _on_key(self, event: events.Key) -> None:
        method = self.effective_method
        character = event.character
        if (event.is_printable and character and self.selection.is_empty
                and telex.is_composing_key(character, method)):
            event.stop()
            event.prevent_default()
            self._restart_blink()
            cursor = self.cursor_position
            before = self.value[:cursor]
            new_before, self._composition = telex.type_key(before, character, method,
                                                           self._composition)
            # Replace only the changed tail so max_length/restrict still apply.
            common = 0
            limit = min(len(before), len(new_before))
            while common < limit and before[common] == new_before[common]:
                common += 1
            self.replace(new_before[common:], common, cursor)
            return
        # Anything else: Textual goes on to Input._on_key (handlers run along the class hierarchy).
        if event.is_printable or event.key in ("backspace", "delete", "left", "right", "home", "end"):
            self._composition = telex.EMPTY

    def _on_paste(self, event: events.Paste) -> None:
        # Insert the NFC text here and stop Input._on_paste from inserting the raw text again.
        self._composition = telex.EMPTY
        event.stop()
        event.prevent_default()
        if event.text:
            line = unicodedata.normalize("NFC", event.text).splitlines()[0]
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(line)
            else:
                self.replace(line, *selection)


class TypingIndicator(Static):
    """Shows "V" (Vietnamese typing on, with its method) or "E" (off), like Unikey's tray icon."""

    DEFAULT_CSS = """
    TypingIndicator { width: 9; height: 1; content-align: center middle; text-style: bold; }
    TypingIndicator.-on { background: $success; color: $text; }
    TypingIndicator.-off { background: $warning; color: $text; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "vietnamese", self._update, init=False)
        self.watch(self.app, "input_method", self._update, init=False)
        self._update()

    def _update(self, *_: object) -> None:
        on = bool(getattr(self.app, "vietnamese", True))
        method = str(getattr(self.app, "input_method", "telex"))
        self.set_class(on, "-on")
        self.set_class(not on, "-off")
        self.update(f"V {method.upper()}" if on else "E")

    def on_click(self) -> None:
        toggle = getattr(self.app, "action_toggle_typing", None)
        if toggle is not None:
            toggle()
