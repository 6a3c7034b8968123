"""Fixtures for the hardware tests: ptys with fake devices, a MockFactory reset in finally, short
timing constants."""

from __future__ import annotations

import pytest
from gpiozero import Device as GpioDevice
from gpiozero.pins.mock import MockFactory

from hardware import modem, printer, scanner

from .fakes import FakeModem, FakePrinter, Pty


@pytest.fixture(autouse=True)
def _fast_timing(monkeypatch):
    monkeypatch.setattr(printer, "RETRY_S", 0.2)
    monkeypatch.setattr(scanner, "REOPEN_S", 0.05)
    monkeypatch.setattr(modem, "JOIN_S", 3.0)


@pytest.fixture
def pin_factory():
    factory = MockFactory()
    try:
        yield factory
    finally:
        factory.reset()
        GpioDevice.pin_factory = None


@pytest.fixture
def make_pty(tmp_path):
    made: list[Pty] = []

    def make(name: str = "ttyFAKE") -> Pty:
        p = Pty(tmp_path / name)
        made.append(p)
        return p

    try:
        yield make
    finally:
        for p in made:
            p.close()


@pytest.fixture
def fake_printer(make_pty):
    made: list[FakePrinter] = []

    def make(name: str = "printer", **kw) -> FakePrinter:
        fp = FakePrinter(make_pty(name), **kw)
        made.append(fp)
        return fp

    try:
        yield make
    finally:
        for fp in made:
            fp.close()


@pytest.fixture
def fake_modem(make_pty):
    made: list[FakeModem] = []

    def make(mode: str = "answer", **kw) -> FakeModem:
        fm = FakeModem(make_pty("modem"), mode, **kw)
        made.append(fm)
        return fm

    try:
        yield make
    finally:
        for fm in made:
            fm.close()
