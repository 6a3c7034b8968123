"""Staff accounts: PIN hashing, login, lock-out, roles, audit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from edge import audit, outbox, staff
from edge.clock import LOCAL_TZ
from edge.errors import AuthError, LockedOutError, NotFoundError, ValidationError

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=LOCAL_TZ)
PIN = "2580"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """Real scrypt, at a cost that keeps the suite fast."""
    monkeypatch.setattr(staff, "SCRYPT_N", 16)
    monkeypatch.setattr(staff, "SCRYPT_R", 1)


@pytest.fixture
def lan(store):
    staff.add(store, "lan", "Nguyễn Thị Lan", "officer", PIN, actor="setup")
    return store


def audit_actions(store, username):
    return [r["action"] for r in store.query("SELECT action FROM audit WHERE record_id = ? ORDER BY seq",
                                             (username,))]


def fail(store, n, *, start=T0):
    for i in range(n):
        with pytest.raises(AuthError):
            staff.login(store, "lan", "9999", now=start + timedelta(seconds=i))


# -- accounts ----------------------------------------------------------------------------------
def test_add_returns_the_account_without_its_hash(store):
    account = staff.add(store, "Lan", "Nguyễn Thị Lan", "officer", PIN, actor="admin")
    assert account["username"] == "lan" and account["role"] == "officer"
    assert "pin_hash" not in account and account["disabled"] is False


def test_pin_is_stored_as_a_salted_scrypt_hash(lan):
    stored = lan.scalar("SELECT pin_hash FROM staff WHERE username = 'lan'")
    assert re.fullmatch(r"scrypt\$16\$1\$1\$[0-9a-f]{32}\$[0-9a-f]{64}", stored)
    assert staff.verify_pin(PIN, stored) and not staff.verify_pin("2581", stored)


def test_same_pin_gets_different_hashes(lan):
    staff.add(lan, "hoa", "Lò Thị Hoa", "officer", PIN, actor="setup")
    hashes = {r["pin_hash"] for r in lan.query("SELECT pin_hash FROM staff")}
    assert len(hashes) == 2


def test_default_cost_hash_verifies(monkeypatch):
    monkeypatch.undo()
    stored = staff.hash_pin("4826")
    assert stored.startswith(f"scrypt${2 ** 14}$8$1$") and staff.verify_pin("4826", stored)


def test_malformed_hash_never_verifies():
    assert not staff.verify_pin(PIN, "scrypt$16$1$1$zz$00")


def test_add_names_every_bad_field_and_stores_nothing(store):
    with pytest.raises(ValidationError) as e:
        staff.add(store, "x", "Lan 2", "boss", "12", actor="admin")
    assert set(e.value.errors) == {"username", "full_name", "role", "pin"}
    assert staff.list_staff(store) == []


def test_taken_username_is_refused(lan):
    with pytest.raises(ValidationError) as e:
        staff.add(lan, "LAN", "Nguyễn Thị Lan", "officer", "4826", actor="admin")
    assert "username" in e.value.errors
    assert len(staff.list_staff(lan)) == 1


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", " 4826", "４８２６"])
def test_pin_that_is_not_4_to_8_digits_is_refused(store, pin):
    with pytest.raises(ValidationError) as e:
        staff.add(store, "lan", "Nguyễn Thị Lan", "officer", pin, actor="admin")
    assert "pin" in e.value.errors


def test_staff_changes_are_audited_but_never_synced(lan):
    staff.disable(lan, "lan", "admin")
    staff.enable(lan, "lan", "admin")
    assert audit_actions(lan, "lan") == ["staff.add", "staff.disable", "staff.enable"]
    assert outbox.last_seq(lan) == 0


def test_unknown_account_is_not_found(store):
    with pytest.raises(NotFoundError):
        staff.disable(store, "ghost", "admin")


def test_last_active_admin_cannot_be_disabled(store):
    staff.add(store, "root", "Quản Trị", "admin", "4826", actor="setup")
    with pytest.raises(ValidationError):
        staff.disable(store, "root", "root")
    assert staff.get(store, "root")["disabled"] is False


def test_an_admin_can_be_disabled_when_another_remains(store):
    staff.add(store, "root", "Quản Trị", "admin", "4826", actor="setup")
    staff.add(store, "root2", "Quản Trị Hai", "admin", "4826", actor="setup")
    assert staff.disable(store, "root", "root2")["disabled"] is True


@pytest.mark.parametrize("pin, trivial", [("0000", True), ("1234", True), ("98765", True),
                                          ("2580", False), ("1357", False), ("12345679", False)])
def test_trivial_pins_are_recognised(pin, trivial):
    assert staff.is_trivial_pin(pin) is trivial


# -- login -------------------------------------------------------------------------------------
def test_login_returns_the_member_and_audits_it(lan):
    member = staff.login(lan, "lan", PIN, now=T0)
    assert member == staff.StaffMember("lan", "Nguyễn Thị Lan", "officer")
    assert audit_actions(lan, "lan")[-1] == "staff.login.ok"
    assert staff.get(lan, "lan")["last_login_at"] == "2026-11-26T01:00:00.000Z"


def test_wrong_pin_says_how_many_attempts_remain(lan):
    with pytest.raises(AuthError) as e:
        staff.login(lan, "lan", "9999", now=T0)
    assert "4 attempts left" in str(e.value) and "còn 4 lần" in str(e.value)
    assert not isinstance(e.value, LockedOutError)
    assert audit_actions(lan, "lan")[-1] == "staff.login.failed"


def test_fifth_wrong_pin_locks_for_fifteen_minutes(lan):
    fail(lan, 4)
    with pytest.raises(LockedOutError) as e:
        staff.login(lan, "lan", "9999", now=T0 + timedelta(minutes=1))
    assert e.value.until == "2026-11-26T01:16:00.000Z"


def test_locked_account_refuses_the_right_pin(lan):
    fail(lan, 5)
    with pytest.raises(LockedOutError):
        staff.login(lan, "lan", PIN, now=T0 + timedelta(minutes=14))
    assert audit_actions(lan, "lan")[-1] == "staff.login.locked"


def test_lock_expires_after_lockout_minutes(lan):
    fail(lan, 5)
    assert staff.login(lan, "lan", PIN, now=T0 + timedelta(minutes=16)).username == "lan"


def test_after_a_lock_expires_the_count_starts_again(lan):
    fail(lan, 5)
    with pytest.raises(AuthError) as e:
        staff.login(lan, "lan", "9999", now=T0 + timedelta(minutes=16))
    assert "4 attempts left" in str(e.value)


def test_success_resets_the_failure_count(lan):
    fail(lan, 4)
    staff.login(lan, "lan", PIN, now=T0 + timedelta(minutes=1))
    fail(lan, 4, start=T0 + timedelta(minutes=2))
    assert staff.get(lan, "lan")["locked_until"] is None


def test_clock_jumping_back_never_lengthens_a_lock(lan):
    fail(lan, 5)
    earlier = T0 - timedelta(days=3)
    with pytest.raises(LockedOutError) as e:
        staff.login(lan, "lan", PIN, now=earlier)
    assert e.value.until == "2026-11-23T01:15:00.000Z"


def test_unlock_lifts_a_lock(lan):
    fail(lan, 5)
    staff.unlock(lan, "lan", "admin")
    assert staff.login(lan, "lan", PIN, now=T0 + timedelta(minutes=1)).username == "lan"


def test_disabled_account_cannot_log_in(lan):
    staff.disable(lan, "lan", "admin")
    with pytest.raises(AuthError) as e:
        staff.login(lan, "lan", PIN, now=T0)
    assert "disabled" in str(e.value)
    assert audit_actions(lan, "lan")[-1] == "staff.login.disabled"


def test_set_pin_replaces_the_pin(lan):
    staff.set_pin(lan, "lan", "4826", "admin")
    assert staff.login(lan, "lan", "4826", now=T0).username == "lan"
    with pytest.raises(AuthError):
        staff.login(lan, "lan", PIN, now=T0)


def test_unknown_user_fails_like_a_wrong_pin_and_is_audited(lan):
    with pytest.raises(AuthError) as e:
        staff.login(lan, "ghost", PIN, now=T0)
    assert "wrong username or PIN" in str(e.value)
    assert audit_actions(lan, "ghost") == ["staff.login.failed"]
    assert [a["username"] for a in staff.list_staff(lan)] == ["lan"]


def test_audit_never_holds_a_pin(lan):
    staff.login(lan, "lan", PIN, now=T0)
    with pytest.raises(AuthError):
        staff.login(lan, "lan", "7391", now=T0)
    with pytest.raises(AuthError):
        staff.login(lan, "73915", "7391", now=T0)   # a PIN typed into the username box
    staff.set_pin(lan, "lan", "8642", "admin")
    text = " ".join(str(v) for r in lan.query("SELECT actor, action, record_id, detail FROM audit")
                    for v in r.values())
    assert PIN not in text and "7391" not in text and "8642" not in text


def test_login_attempts_keep_the_audit_chain_intact(lan):
    fail(lan, 6)
    staff.unlock(lan, "lan", "admin")
    staff.login(lan, "lan", PIN, now=T0)
    assert audit.verify(lan).ok


# -- roles -------------------------------------------------------------------------------------
def test_require_role_passes_a_member_with_the_role():
    member = staff.StaffMember("an", "Hoàng Văn An", "leader")
    assert staff.require_role(member, "leader", "admin") is member


def test_require_role_refuses_other_roles():
    with pytest.raises(AuthError) as e:
        staff.require_role(staff.StaffMember("lan", "Nguyễn Thị Lan", "officer"), "admin")
    assert "requires role admin" in str(e.value)


# -- the `staff` CLI ---------------------------------------------------------------------------
def run_cli(argv, capsys, stdin=None, monkeypatch=None):
    import argparse
    import io
    from edge import cli_staff
    parser = argparse.ArgumentParser(prog="commune-edge")
    parser.add_argument("--config")
    cli_staff.register(parser.add_subparsers(dest="command", required=True))
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr().out


def test_cli_add_with_pin_then_list_json(config_path, capsys):
    import json
    run_cli(["--config", str(config_path), "staff", "add", "lan", "--name", "Nguyễn Thị Lan",
             "--role", "officer", "--pin", PIN], capsys)
    code, out = run_cli(["staff", "list", "--json", "--config", str(config_path)], capsys)
    assert code == 0
    assert [(a["username"], a["role"]) for a in json.loads(out)] == [("lan", "officer")]


def test_cli_add_reads_the_pin_from_stdin(config_path, config, capsys, monkeypatch):
    code, out = run_cli(["--config", str(config_path), "staff", "add", "hoa", "--name", "Lò Thị Hoa",
                         "--role", "leader"], capsys, stdin="4826\n", monkeypatch=monkeypatch)
    from edge.store import Store
    with Store.open(config) as store:
        assert staff.login(store, "hoa", "4826").role == "leader"
    assert code == 0 and "4826" not in out


def test_cli_refuses_a_trivial_pin_and_stores_nothing(config_path, config, capsys):
    with pytest.raises(ValidationError) as e:
        run_cli(["--config", str(config_path), "staff", "add", "lan", "--name", "Nguyễn Thị Lan",
                 "--role", "officer", "--pin", "1111"], capsys)
    assert "pin" in e.value.errors
    from edge.store import Store
    with Store.open(config) as store:
        assert staff.list_staff(store) == []


def test_cli_disable_and_unlock(config_path, config, capsys):
    base = ["--config", str(config_path), "staff"]
    run_cli(base + ["add", "lan", "--name", "Nguyễn Thị Lan", "--role", "officer", "--pin", PIN], capsys)
    from edge.store import Store
    from edge.clock import local_now
    with Store.open(config) as store:
        fail(store, 5, start=local_now())
    assert "locked until" in run_cli(base + ["list"], capsys)[1]
    code, out = run_cli(base + ["unlock", "lan"], capsys)
    assert (code, out.strip()) == (0, "lan: active")
    code, out = run_cli(base + ["disable", "lan"], capsys)
    assert out.strip() == "lan: disabled"
    code, out = run_cli(base + ["list"], capsys)
    assert "lan" in out and "disabled" in out


def test_cli_unknown_role_is_an_argparse_error(config_path, capsys):
    with pytest.raises(SystemExit) as e:
        run_cli(["staff", "add", "lan", "--name", "Lan", "--role", "boss", "--pin", PIN], capsys)
    assert e.value.code == 2


def test_cli_staff_help_lists_its_commands(capsys):
    with pytest.raises(SystemExit):
        run_cli(["staff", "--help"], capsys)
    out = capsys.readouterr().out
    assert all(c in out for c in ("add", "list", "disable", "enable", "unlock", "set-pin"))
