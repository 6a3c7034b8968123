"""`commune-edge hardware …` and `commune-edge print …` end to end, printer on a real pty."""

from __future__ import annotations

import json

import pytest

from edge import cli, config as config_mod, dossiers, tickets
from edge.citizens import parse_cccd
from edge.store import Store
from hardware import status as status_file

from .fakes import qr_data
from ..conftest import write_config

GOOD = "002090001234|123456789|Nguyễn Văn Đức|15031990|Nam|Thôn Tha, xã Phương Độ, Hà Giang|20042021"


@pytest.fixture
def setup(tmp_path, fake_printer):
    fp = fake_printer("printer")
    path = write_config(tmp_path / "appliance", extra=f"""
[hardware]
gpio = false
[hardware.printer]
port = "{fp.pty.link}"
timeout_s = 0.5
""")
    return str(path), fp


def run(*argv: str) -> int:
    return cli.main(list(argv))


def test_print_ticket_issues_and_prints(setup, capsys):
    path, fp = setup
    assert run("--config", path, "print", "ticket", "--priority") == 0
    assert "ticket U001 issued" in capsys.readouterr().out
    assert qr_data(fp.wait_jobs(1)[0]) == ["U001"]


def test_print_receipt_prints_the_dossier_code_as_qr(setup):
    path, fp = setup
    cfg = config_mod.load(path)
    from edge import demo
    with Store.open(cfg) as store:
        demo.ensure_reference_data(store)
        d = dossiers.receive(store, procedure_code="HT-KS", applicant=parse_cccd(GOOD),
                             documents=["Tờ khai"], actor="canbo")
    assert run("print", "receipt", d.code, "--config", path) == 0
    assert qr_data(fp.wait_jobs(1)[0]) == [d.code]


def test_print_receipt_of_unknown_code_is_a_one_line_error(setup, capsys):
    path, _ = setup
    assert run("--config", path, "print", "receipt", "NOPE-1") == 2
    assert "no dossier with this code" in capsys.readouterr().err


def test_ticket_is_kept_when_the_printer_is_off_and_retry_prints_it(setup, capsys):
    path, fp = setup
    fp.silent = True
    assert run("--config", path, "print", "ticket") == 1
    err = capsys.readouterr().err
    assert "ticket A001 kept in the print spool" in err and "does not answer" in err
    with Store.open(config_mod.load(path)) as store:
        assert [t.label for t in tickets.today(store)] == ["A001"]
    fp.silent = False
    assert run("--config", path, "print", "retry") == 0
    assert qr_data(fp.wait_jobs(1)[0]) == ["A001"]


def test_print_test_page(setup):
    path, fp = setup
    assert run("--config", path, "print", "test") == 0
    assert qr_data(fp.wait_jobs(1)[0]) == ["TEST Xã Demo"]


def test_check_probes_devices_when_the_service_is_not_running(setup, capsys):
    path, _ = setup
    assert run("--config", path, "hardware", "check", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in doc["devices"]}
    assert by_name["printer"]["ok"] and "probed now" in doc["source"]
    assert by_name["leds"]["detail"].startswith("GPIO switched off")


def test_check_shows_the_running_service_view(setup, capsys):
    path, _ = setup
    cfg = config_mod.load(path)
    status_file.write(cfg.data_dir, {"devices": [
        {"name": "printer", "configured": True, "present": True, "ok": False, "detail": "out of paper"}],
        "modem": {}, "warnings": []})
    assert run("--config", path, "hardware", "check") == 1
    out = capsys.readouterr().out
    assert "from the running hardware service" in out and "out of paper" in out


@pytest.mark.parametrize("argv", [["hardware", "--help"], ["print", "--help"], ["print", "ticket", "--help"],
                                  ["hardware", "check", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        run(*argv)
    assert e.value.code == 0 and "usage: commune-edge" in capsys.readouterr().out


def test_unknown_printer_profile_is_a_one_line_error(tmp_path, capsys):
    path = write_config(tmp_path / "appliance", extra='[hardware.printer]\nport = "/dev/null"\nprofile = "nope"\n')
    assert run("--config", str(path), "hardware", "check") == 2
    assert "printer profile 'nope' not found; bundled profiles: epson-cp1258-80" in capsys.readouterr().err
