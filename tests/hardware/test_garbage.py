"""Whatever arrives on a serial line, the readers neither crash nor depend on how it was chunked."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from hardware.modem import parse_cops, parse_csq, parse_reg
from hardware.scanner import LineSplitter, classify


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_classify_never_raises(text):
    assert classify(text).kind in ("cccd", "cccd_invalid", "dossier", "ticket", "unknown")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(min_value=1, max_value=50), max_size=20))
def test_line_splitting_does_not_depend_on_chunking(data, cuts):
    whole = LineSplitter().feed(data)
    splitter, pos, lines = LineSplitter(), 0, []
    for n in cuts:
        lines += splitter.feed(data[pos:pos + n])
        pos += n
    lines += splitter.feed(data[pos:])
    assert lines == whole


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_modem_parsers_only_raise_value_error(line):
    for parse in (parse_csq, parse_reg, parse_cops):
        try:
            result = parse(line)
        except ValueError:
            continue
        assert isinstance(result, tuple) and len(result) in (2, 3)
