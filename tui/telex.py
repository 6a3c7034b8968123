"""Vietnamese typing without an operating-system input method: Telex and VNI, on top of `bogo`.

`type_key(before, key, method, state)` takes the text left of the cursor and one typed character and
returns the new text left of the cursor, the way Unikey does it: "Nguyeenx" becomes "Nguyễn" as it
is typed, a doubled modifier undoes it ("aaa" → "aa"). The word being composed is the run of letters
just left of the cursor; when the cursor moved or text was deleted, composing restarts from what is
on screen, so editing in the middle of a line works too. Output is always NFC.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import bogo

METHODS = ("telex", "vni")
"""Input methods the kiosk offers; "off" means characters go in as typed."""

# Telex without the bracket shorthands: "[" and "]" must stay brackets in addresses.
_RULES = {
    "telex": bogo.get_telex_definition(w_shorthand=True, brackets_shorthand=False),
    "vni": bogo.get_vni_definition(),
}


@dataclass(frozen=True)
class Composition:
    """What was composed last: the word on screen and the raw keys that made it."""

    word: str = ""
    raw: str = ""


EMPTY = Composition()


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def is_composing_key(key: str, method: str) -> bool:
    """True when `key` may change the word before it under `method` (letters; VNI digits too)."""
    if method not in _RULES or len(key) != 1 or not key.isascii():
        return False
    if key.isalpha():
        return True
    return method == "vni" and key.isdigit()


def current_word(before: str) -> str:
    """The run of letters that ends at the cursor."""
    i = len(before)
    while i > 0 and _is_letter(before[i - 1]):
        i -= 1
    return before[i:]


def type_key(before: str, key: str, method: str,
             state: Composition = EMPTY) -> tuple[str, Composition]:
    """Type one character; returns (new text left of the cursor, new composition state).

    `method` is "telex", "vni" or anything else for plain typing. Never raises for any input.
    """
    if not is_composing_key(key, method):
        return unicodedata.normalize("NFC", before + key), EMPTY
    word = current_word(before)
    if not word and not key.isalpha():
        # A VNI digit with no word before it is just a digit ("Số 12").
        return before + key, EMPTY
    raw = state.raw if (state.word and state.word == word) else word
    try:
        new_word, new_raw = bogo.process_key(word, key, fallback_sequence=raw, rules=_RULES[method])
    except Exception:  # bogo is a pure function over odd input; never lose a keystroke to it
        new_word, new_raw = word + key, raw + key
    new_word = unicodedata.normalize("NFC", new_word)
    return before[: len(before) - len(word)] + new_word, Composition(new_word, new_raw)


def convert(keys: str, method: str = "telex") -> str:
    """The text that typing `keys` one by one produces (handy for tests and pasted raw Telex)."""
    text, state = "", EMPTY
    for key in keys:
        text, state = type_key(text, key, method, state)
    return text
