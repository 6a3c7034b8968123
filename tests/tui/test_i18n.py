"""One translation table: every key the kiosk uses exists in Vietnamese and English; F1 switches."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tui import i18n
from tui.app import STAFF_SCREENS, KioskApp

TUI = Path(__file__).resolve().parents[2] / "tui"
KEY_USE = re.compile(r"""(?:\btr\([^()]*(?:\([^()]*\))?[^()]*,\s*|\bt\(|\.t\()(?:f?)["']([a-z_]+\.[a-z_.{}]+)["']""")


def _screen_classes():
    classes = [KioskApp]
    for module, name in STAFF_SCREENS.values():
        classes.append(getattr(importlib.import_module(module), name))
    from tui.screens import citizen, dossiers, forms, login, receipt
    classes += [citizen.CitizenHomeScreen, citizen.LookupScreen, citizen.TicketScreen, login.LoginScreen,
                receipt.SlipScreen, receipt.ReceiptScreen, dossiers.DossierDetailScreen, forms.FormFillScreen]
    return classes


def test_every_entry_has_vietnamese_and_english():
    for key, pair in i18n.STRINGS.items():
        assert len(pair) == 2 and all(p.strip() for p in pair), key


@pytest.mark.parametrize("cls", _screen_classes(), ids=lambda c: c.__name__)
def test_every_binding_has_an_id_in_the_table(cls):
    for binding in cls.BINDINGS:
        assert binding.id, f"{cls.__name__}: {binding.key} has no id"
        assert binding.id in i18n.STRINGS, f"{cls.__name__}: {binding.id} is not in the table"


def test_every_key_used_in_the_code_is_in_the_table():
    missing = set()
    for path in TUI.rglob("*.py"):
        if "dashboard" in path.relative_to(TUI).parts:  # the provincial dashboard has its own table
            continue
        for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            if "{" not in key and key not in i18n.STRINGS:
                missing.add(f"{path.name}: {key}")
    assert not missing, sorted(missing)


def test_unknown_key_shows_the_key_instead_of_failing():
    assert i18n.t("no.such.key", "en") == "no.such.key"


async def test_f1_switches_labels_and_footer_to_english_and_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        button = app.screen.query_one("#go-lookup")
        assert str(button.label) == "1 Tra cứu hồ sơ"
        await pilot.press("f1")
        await pilot.pause()
        assert str(button.label) == "1 Look up a dossier"
        assert app.active_bindings["f1"].binding.description == "Tiếng Việt"
        await pilot.press("f1")
        await pilot.pause()
        assert str(button.label) == "1 Tra cứu hồ sơ"
