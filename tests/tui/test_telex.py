"""Vietnamese typing: the Telex/VNI engine and the input widget that uses it."""

from __future__ import annotations

import unicodedata

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.reactive import reactive

from tui import telex
from tui.widgets.vninput import TypingIndicator, VietInput

from tests.tui.conftest import type_keys


@pytest.mark.parametrize("keys, text", [
    ("Nguyeenx Vaawn Dduwcs", "Nguyễn Văn Đức"),
    ("Thoon 3, xax Phuwowng Thieenj", "Thôn 3, xã Phương Thiện"),
    ("Hoaf Binhf", "Hòa Bình"),
    ("DDoongf Vawn", "Đồng Văn"),
])
def test_telex_composes_words_as_typed(keys, text):
    assert telex.convert(keys, "telex") == text


def test_vni_composes_with_digits_and_keeps_plain_numbers():
    assert telex.convert("Nguye6n4 Va8n D9u7c1 so61 12", "vni") == "Nguyễn Văn Đức số 12"


def test_doubled_modifier_undoes_the_mark():
    assert telex.convert("aaa", "telex") == "aa"


def test_brackets_stay_brackets_in_telex():
    assert telex.convert("[1] (a)", "telex") == "[1] (a)"


def test_output_is_nfc():
    text = telex.convert("Nguyeenx Thij Hoaf", "telex")
    assert unicodedata.is_normalized("NFC", text)


def test_composing_resumes_on_a_word_already_on_screen():
    before, _ = telex.type_key("Nguyên", "x", "telex")
    assert before == "Nguyễn"


def test_off_method_types_keys_as_they_are():
    assert telex.convert("Nguyeenx", "off") == "Nguyeenx"


class _TypingApp(App):
    vietnamese: reactive[bool] = reactive(True)
    input_method: reactive[str] = reactive("telex")
    cursor_blink = False

    def compose(self) -> ComposeResult:
        yield VietInput(id="name")
        yield VietInput(id="code", method="off")
        yield TypingIndicator()

    def action_toggle_typing(self) -> None:
        self.vietnamese = not self.vietnamese


async def test_input_composes_telex_key_by_key():
    app = _TypingApp()
    async with app.run_test() as pilot:
        await type_keys(pilot, "Nguyeenx Vaawn Dduwcs")
        assert app.query_one("#name", VietInput).value == "Nguyễn Văn Đức"


async def test_input_typed_in_the_middle_of_a_line_composes_that_word():
    app = _TypingApp()
    async with app.run_test() as pilot:
        await type_keys(pilot, "Vaawn Ducw")
        await pilot.press("left", "left", "left", "left", "left")
        await type_keys(pilot, "s")
        assert app.query_one("#name", VietInput).value == "Vắn Dưc"


async def test_switching_typing_off_shows_e_and_types_plain():
    app = _TypingApp()
    async with app.run_test() as pilot:
        indicator = app.query_one(TypingIndicator)
        assert str(indicator.render()).startswith("V")
        app.action_toggle_typing()
        await pilot.pause()
        assert str(indicator.render()) == "E"
        await type_keys(pilot, "Dduwcs")
        assert app.query_one("#name", VietInput).value == "Dduwcs"


async def test_vni_method_on_the_app_applies_to_inputs():
    app = _TypingApp()
    async with app.run_test() as pilot:
        app.input_method = "vni"
        await pilot.pause()
        await type_keys(pilot, "D9u7c1")
        assert app.query_one("#name", VietInput).value == "Đức"


async def test_field_with_method_off_never_composes():
    app = _TypingApp()
    async with app.run_test() as pilot:
        app.query_one("#code", VietInput).focus()
        await type_keys(pilot, "H17aa")
        assert app.query_one("#code", VietInput).value == "H17aa"


async def test_pasted_text_is_stored_nfc():
    app = _TypingApp()
    async with app.run_test() as pilot:
        field = app.query_one("#name", VietInput)
        field.post_message(events.Paste(unicodedata.normalize("NFD", "Đức")))
        await pilot.pause()
        assert field.value == "Đức" and unicodedata.is_normalized("NFC", field.value)
