"""`commune-edge hardware run|check` and `commune-edge print test|ticket|receipt|pending|retry|reprint`.

Registered through the `commune_edge.commands` entry point (`hardware = "hardware.cli:register"`).
Errors are `edge.errors.EdgeError` subclasses: the CLI prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from edge import config as config_mod
from edge.cli import nested

from . import status as status_file
from .base import DeviceState
from .config import HardwareConfig, from_config
from .devices import open_devices, open_printer, open_spool
from .modem import ModemStatus
from .printer import MissingPrinter, PrintQueue


def _load(args: argparse.Namespace) -> tuple[Any, HardwareConfig]:
    cfg = config_mod.load(getattr(args, "config", None))
    return cfg, from_config(cfg)


# -- hardware ----------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from .service import HardwareService
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    cfg = config_mod.load(getattr(args, "config", None))
    return HardwareService(cfg).run()


#: A status file younger than this means the hardware service is running (it owns the devices).
STATUS_FRESH_S = 60.0


def _service_states(cfg: Any) -> tuple[list[DeviceState], dict, float] | None:
    doc = status_file.read(cfg.data_dir)
    if not doc:
        return None
    try:
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(doc["updated_at"])).total_seconds()
        states = [DeviceState(**d) for d in doc["devices"]]
    except (KeyError, TypeError, ValueError):
        return None
    if not 0 <= age <= STATUS_FRESH_S:
        return None
    return states, doc, age


def cmd_check(args: argparse.Namespace) -> int:
    """List each device and its state. Exit 1 when a configured device is not ok.

    While the hardware service runs it owns the pins and ports, so its status file is shown.
    """
    cfg, hw = _load(args)
    spool = open_spool(hw, cfg)
    running = _service_states(cfg)
    if running:
        states, doc, age = running
        modem = doc.get("modem") or {}
        states.append(DeviceState("modem", hw.modem is not None, modem.get("signal_dbm") is not None,
                                  bool(modem.get("registered")), ModemStatus(**modem).summary()
                                  if hw.modem else "no [hardware.modem] in the config"))
        warnings = doc.get("warnings", [])
        source = f"from the running hardware service, {age:.0f} s ago"
    else:
        logging.disable(logging.WARNING)
        try:
            with open_devices(hw) as devices:
                devices.attach_buttons(on_ticket=lambda: None, on_priority=lambda: None,
                                       on_shutdown=lambda: None)
                states = devices.states()
                warnings = list(devices.warnings)
        finally:
            logging.disable(logging.NOTSET)
        source = "probed now (the hardware service is not running)"
    pending = len(spool.jobs("pending"))
    if args.json:
        print(json.dumps({"source": source, "devices": [asdict(s) for s in states],
                          "print_spool_pending": pending, "warnings": warnings},
                         ensure_ascii=False, indent=2))
    else:
        print(f"# {source}")
        for s in states:
            print(s.line())
        print(f"{'spool':<8} {pending} job(s) waiting to print")
    return 1 if any(s.configured and not s.ok for s in states) else 0


# -- print -------------------------------------------------------------------------------------
def _queue(cfg: Any, hw: HardwareConfig) -> tuple[PrintQueue, bool]:
    printer, profile, _ = open_printer(hw)
    spool = open_spool(hw, cfg)
    return PrintQueue(printer, spool, profile), not isinstance(printer, MissingPrinter)


def _pump(queue: PrintQueue) -> int:
    logging.disable(logging.WARNING)       # the command says itself what happened
    try:
        return queue.pump()
    finally:
        logging.disable(logging.NOTSET)
        queue.printer.close()


def _print(cfg: Any, hw: HardwareConfig, slip: Any, what: str) -> int:
    queue, has_printer = _queue(cfg, hw)
    job = queue.submit(slip)
    _pump(queue)
    job = queue.spool.get(job.id) or job
    if job.state == "done":
        print(f"printed {what}")
        return 0
    reason = (job.last_error or (str(queue.last_error) if queue.last_error else None)
              or ("no printer configured" if not has_printer else "the printer is in use"))
    print(f"{what} kept in the print spool: {reason}\n"
          "it prints when the printer is back (the hardware service retries; or run "
          "`commune-edge print retry`)", file=sys.stderr)
    return 1


def cmd_print_test(args: argparse.Namespace) -> int:
    from .receipts import test_page
    cfg, hw = _load(args)
    _, profile, _ = open_printer(hw)
    return _print(cfg, hw, test_page(cfg.commune.name, profile), "the test page")


def cmd_print_ticket(args: argparse.Namespace) -> int:
    from edge import tickets
    from edge.store import Store

    from .service import ticket_slip
    cfg, hw = _load(args)
    with Store.open(cfg) as store:
        t = tickets.issue(store, service=args.service, priority=args.priority, actor="cli")
        slip = ticket_slip(store, t)
    print(f"ticket {t.label} issued ({t.service_name})")
    return _print(cfg, hw, slip, f"ticket {t.label}")


def cmd_print_receipt(args: argparse.Namespace) -> int:
    from edge.store import Store

    from .receipts import receipt_for_code
    cfg, hw = _load(args)
    with Store.open(cfg) as store:
        slip = receipt_for_code(store, args.code)
    return _print(cfg, hw, slip, f"the receipt of {args.code}")


def cmd_print_pending(args: argparse.Namespace) -> int:
    cfg, hw = _load(args)
    jobs = open_spool(hw, cfg).jobs("pending")
    for j in jobs:
        print(f"{j.id}  {j.kind:<10} {j.ref:<28} tries {j.attempts}  {j.last_error or ''}")
    print(f"{len(jobs)} job(s) waiting to print")
    return 0


def cmd_print_retry(args: argparse.Namespace) -> int:
    cfg, hw = _load(args)
    queue, _ = _queue(cfg, hw)
    printed = _pump(queue)
    left = len(queue.spool.jobs("pending"))
    print(f"printed {printed} job(s); {left} still waiting"
          + (f" ({queue.last_error})" if queue.last_error else ""))
    return 0 if left == 0 else 1


def cmd_print_reprint(args: argparse.Namespace) -> int:
    cfg, hw = _load(args)
    queue, _ = _queue(cfg, hw)
    job = queue.reprint(args.ref)
    _pump(queue)
    job = queue.spool.get(job.id) or job
    if job.state == "done":
        print(f"reprinted {job.kind} {job.ref}")
        return 0
    print(f"{job.kind} {job.ref} kept in the print spool: {job.last_error}", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    """Add `hardware` and `print` to the `commune-edge` command line."""
    p = subparsers.add_parser("hardware", help="LEDs, buttons, printer, scanner, modem")
    sub = nested(p, "hardware_command")
    r = sub.add_parser("run", help="run the hardware service until stopped (systemd unit)")
    r.add_argument("--verbose", action="store_true", help="log debug messages")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("check", help="list each configured device and its state (exit 1 on a fault)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=cmd_check)

    p = subparsers.add_parser("print", help="print a test page, a queue ticket or a dossier receipt")
    sub = nested(p, "print_command")
    t = sub.add_parser("test", help="print a test page (Vietnamese text, sizes, QR)")
    t.set_defaults(func=cmd_print_test)
    t = sub.add_parser("ticket", help="issue a queue ticket in the store and print it (the ticket button)")
    t.add_argument("--priority", action="store_true", help="a priority ticket (elderly, disabled, pregnant)")
    t.add_argument("--service", default="general", help="the queue (default: general)")
    t.set_defaults(func=cmd_print_ticket)
    t = sub.add_parser("receipt", help="print the receipt of a dossier")
    t.add_argument("code", metavar="CODE", help="the dossier code, e.g. 000.00.19.H17-261126-0001")
    t.set_defaults(func=cmd_print_receipt)
    t = sub.add_parser("pending", help="list the jobs waiting in the print spool")
    t.set_defaults(func=cmd_print_pending)
    t = sub.add_parser("retry", help="try to print the waiting jobs now")
    t.set_defaults(func=cmd_print_retry)
    t = sub.add_parser("reprint", help="print the last printed slip again")
    t.add_argument("ref", nargs="?", metavar="REF", help="a ticket label or dossier code (default: the last slip)")
    t.set_defaults(func=cmd_print_reprint)
