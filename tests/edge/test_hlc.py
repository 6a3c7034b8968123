"""Hybrid logical clock and UUIDv7."""

from __future__ import annotations

from hypothesis import given, strategies as st

from edge import ids, records
from edge.hlc import HLC, pack, to_text, unpack
from edge.store import Store


@given(st.lists(st.integers(min_value=0, max_value=2**41), min_size=1, max_size=200))
def test_ticks_strictly_increase_whatever_the_wall_clock_does(walls):
    it = iter(walls)
    clock = HLC(0, wall_ms=lambda: next(it))
    stamps = [clock.tick() for _ in walls]
    assert all(a < b for a, b in zip(stamps, stamps[1:]))


def test_clock_jumping_back_keeps_the_old_wall_time_and_counts():
    now = [1_800_000_000_000]
    clock = HLC(0, wall_ms=lambda: now[0])
    a = clock.tick()
    now[0] -= 3_600_000  # an hour back: no RTC, NTP not yet synced
    b, c = clock.tick(), clock.tick()
    assert unpack(b) == (unpack(a)[0], 1) and unpack(c) == (unpack(a)[0], 2)
    assert clock.behind_ms() == 3_600_000
    assert not clock.clock_trusted()


def test_counter_overflow_borrows_the_next_millisecond():
    clock = HLC(pack(1000, 0xFFFF), wall_ms=lambda: 5)
    assert clock.tick() == pack(1001, 0)


def test_observe_moves_past_a_remote_stamp():
    clock = HLC(0, wall_ms=lambda: 10)
    clock.observe(pack(500, 3))
    assert clock.tick() == pack(500, 4)


def test_hlc_survives_a_restart_with_the_clock_set_back(tmp_path):
    s = Store(tmp_path / "c.db")
    row = records.insert(s, "tickets", dict(day="d", service="s", number=1, label="A001", status="waiting",
                                            issued_at="x"), actor="t", action="a")
    s.close()
    s = Store(tmp_path / "c.db")
    s.hlc._wall_ms = lambda: 0  # the Pi booted in 1970
    row2 = records.insert(s, "tickets", dict(day="d", service="s", number=2, label="A002", status="waiting",
                                             issued_at="x"), actor="t", action="a")
    assert row2["hlc"] > row["hlc"]
    s.close()


def test_two_stores_on_one_file_stamp_in_order(tmp_path):
    """The kiosk and the hardware service write one file: each starts from the other's saved mark."""
    def ticket(s, n):
        return records.insert(s, "tickets", dict(day="d", service="s", number=n, label=f"A{n:03d}",
                                                  status="waiting", issued_at="x"), actor="t", action="a")
    kiosk, service = Store(tmp_path / "c.db"), Store(tmp_path / "c.db")
    try:
        kiosk.hlc.observe(pack(unpack(kiosk.hlc.tick())[0] + 3_600_000))  # a stamp from a clock ahead
        ahead = ticket(kiosk, 1)["hlc"]
        behind = ticket(service, 2)["hlc"]
        assert behind > ahead
        assert int(service.meta_get("hlc")) == behind
        assert ticket(kiosk, 3)["hlc"] > behind
    finally:
        kiosk.close()
        service.close()


def test_to_text_is_readable():
    assert to_text(pack(0, 7)) == "1970-01-01T00:00:00.000Z/0007"


def test_uuid7_is_version_7_and_ordered():
    values = [ids.uuid7() for _ in range(5000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert all(v[14] == "7" for v in values)
    assert abs(ids.uuid7_time_ms(values[0]) - ids.uuid7_time_ms(values[-1])) < 10_000
