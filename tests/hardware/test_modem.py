"""The modem's AT port over a real pty: answering, silent, garbage, ERROR."""

from __future__ import annotations

import time

import pytest

from hardware.config import ModemConfig
from hardware.modem import ModemPoller, SerialModem, csq_to_dbm, dbm_to_bars, parse_cops, parse_csq, parse_reg


def _modem(fm, timeout: float = 0.5) -> SerialModem:
    return SerialModem(ModemConfig(port=str(fm.pty.link), timeout_s=timeout))


def test_answering_modem_reports_signal_registration_and_operator(fake_modem):
    fm = fake_modem("answer")
    with _modem(fm) as m:
        st = m.query()
    assert (st.signal_dbm, st.bars, st.registration, st.registered) == (-73, 4, "home", True)
    assert (st.operator, st.technology, st.error) == ("Viettel", "4G", None)


def test_modem_without_lte_registration_falls_back_to_creg(fake_modem):
    fm = fake_modem("answer", answers={"AT+CSQ": "+CSQ: 9,99", "AT+CREG?": "+CREG: 0,5",
                                       "AT+COPS?": '+COPS: 0,0,"Vinaphone",2'})
    with _modem(fm) as m:
        st = m.query()
    assert (st.registration, st.registered, st.technology, st.bars) == ("roaming", True, "3G", 1)
    assert "ERROR" in st.error and fm.asked == ["AT+CSQ", "AT+CEREG?", "AT+CREG?", "AT+COPS?"]


def test_silent_modem_gives_up_after_one_timeout(fake_modem):
    fm = fake_modem("silent")
    with _modem(fm, timeout=0.3) as m:
        st = m.query()
        state = m.state()
    assert st.signal_dbm is None and "no answer to AT+CSQ" in st.error
    assert fm.asked[:1] == ["AT+CSQ"] and len(fm.asked) == 2     # one query, then state()'s one
    assert not state.ok and not state.present


def test_garbage_from_the_modem_is_tolerated(fake_modem):
    fm = fake_modem("garbage")
    with _modem(fm, timeout=0.3) as m:
        st = m.query()
    assert st.signal_dbm is None and st.registration is None and st.error


def test_missing_modem_port_is_reported_not_raised(tmp_path):
    with SerialModem(ModemConfig(port=str(tmp_path / "ttyUSB2"), timeout_s=0.2)) as m:
        st = m.query()
    assert "not found" in st.error


def test_poller_with_a_silent_modem_closes_promptly(fake_modem):
    fm = fake_modem("silent")
    with _modem(fm, timeout=0.2) as m:
        seen = []
        poller = ModemPoller(m, interval=0.05, on_status=seen.append).start()
        try:
            deadline = time.monotonic() + 5
            while not seen and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            poller.close()
    assert seen and seen[0].error and poller._thread is None


@pytest.mark.parametrize("rssi,dbm,bars", [(0, -113, 0), (5, -103, 1), (12, -89, 2), (16, -81, 3),
                                           (31, -51, 4), (99, None, 0)])
def test_csq_maps_to_dbm_and_bars(rssi, dbm, bars):
    assert (csq_to_dbm(rssi), dbm_to_bars(csq_to_dbm(rssi))) == (dbm, bars)


def test_parsers_reject_lines_that_are_not_their_answer():
    for parse in (parse_csq, parse_reg, parse_cops):
        with pytest.raises(ValueError):
            parse("+CME ERROR: 10")


def test_cereg_with_location_and_access_technology():
    assert parse_reg('+CEREG: 2,1,"1A2B","01C3D4E5",7') == ("home", True, "4G")
    assert parse_cops("+COPS: 0") == (None, None)
