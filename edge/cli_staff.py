"""`commune-edge staff …`: create and manage the office's staff accounts.

`staff add USERNAME --name NAME --role ROLE` reads the PIN from `--pin`, else from standard input
(one line, for scripts) or a hidden prompt asked twice (at a terminal). Prefer stdin or the prompt:
a PIN on the command line is visible to other users of the machine and in the shell history.
Accounts made here are real appliance accounts, so trivially guessable PINs (0000, 1234) are refused.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from . import staff
from .cli import nested, open_store
from .errors import ValidationError

ACTOR = "cli"


def _read_pin(args: argparse.Namespace) -> str:
    """The new PIN from --pin, a terminal prompt (asked twice) or one line of stdin."""
    if args.pin is not None:
        pin = args.pin
    elif sys.stdin is not None and sys.stdin.isatty():
        pin = getpass.getpass("Mã PIN mới (new PIN, 4–8 digits): ")
        if getpass.getpass("Nhập lại mã PIN (PIN again): ") != pin:
            raise ValidationError("Hai lần nhập mã PIN không khớp (pin: the two entries differ)",
                                  {"pin": "entries differ"})
    else:
        pin = (sys.stdin.readline() if sys.stdin is not None else "").strip()
    staff.check_pin(pin)
    if staff.is_trivial_pin(pin):
        raise ValidationError("Mã PIN quá dễ đoán (như 0000, 1234) (pin: all-same or sequential digits "
                              "are not allowed)", {"pin": "too easy to guess"})
    return pin


def _state(account: dict[str, Any]) -> str:
    if account["disabled"]:
        return "disabled"
    if account["locked"]:
        return f"locked until {account['locked_until']}"
    return "active"


def cmd_add(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with open_store(args) as store:
        account = staff.add(store, args.username, args.name, args.role, pin, actor=ACTOR)
    print(f"added {account['username']} ({account['role']}): {account['full_name']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        accounts = staff.list_staff(store)
    if args.json:
        print(json.dumps(accounts, ensure_ascii=False, indent=2))
        return 0
    if not accounts:
        print("no staff accounts (add one with: commune-edge staff add USERNAME --name NAME --role ROLE)")
        return 0
    width = max(len(a["username"]) for a in accounts)
    for a in accounts:
        print(f"{a['username']:<{width}}  {a['role']:<7}  {_state(a):<10}  {a['full_name']}  "
              f"last login: {a['last_login_at'] or 'never'}")
    return 0


def _simple(action):
    def run(args: argparse.Namespace) -> int:
        with open_store(args) as store:
            account = action(store, args.username, ACTOR)
        print(f"{account['username']}: {_state(account)}")
        return 0
    return run


def cmd_set_pin(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with open_store(args) as store:
        account = staff.set_pin(store, args.username, pin, ACTOR)
    print(f"{account['username']}: new PIN set")
    return 0


def register(subparsers: Any) -> None:
    """Add `staff add|list|disable|enable|unlock|set-pin` to the `commune-edge` parser."""
    p = subparsers.add_parser("staff", help="staff accounts: add, list, disable, enable, unlock, set-pin",
                              description="Staff accounts of this appliance (local, audited, never synced).")
    sub = nested(p, "staff_command")

    def command(name: str, help: str, func) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help)
        c.set_defaults(func=func)
        return c

    roles = ", ".join(staff.ROLES)
    c = command("add", "create an account (PIN from --pin, stdin, or a prompt)", cmd_add)
    c.add_argument("username", help="2–32 characters: a-z 0-9 . _ -")
    c.add_argument("--name", required=True, help="full name, e.g. \"Nguyễn Thị Lan\"")
    c.add_argument("--role", required=True, choices=tuple(staff.ROLES), help=f"one of {roles}")
    c.add_argument("--pin", help="4–8 digits (prefer stdin or the prompt: visible in the process list)")

    c = command("list", "list the accounts", cmd_list)
    c.add_argument("--json", action="store_true", help="print JSON")

    for name, action, text in (("disable", staff.disable, "disable an account"),
                               ("enable", staff.enable, "enable a disabled account"),
                               ("unlock", staff.unlock, "lift a lock-out after wrong PINs")):
        c = command(name, text, _simple(action))
        c.add_argument("username")

    c = command("set-pin", "give an account a new PIN (also lifts a lock-out)", cmd_set_pin)
    c.add_argument("username")
    c.add_argument("--pin", help="4–8 digits (prefer stdin or the prompt)")
