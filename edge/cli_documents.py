"""`commune-edge catalogue|calendar|forms …`: import the province's documents, compute due dates.

`register(subparsers)` adds the commands; each handler takes the parsed args and returns the exit
code. Errors are EdgeError subclasses (the CLI prints one line and exits 2); a document that is not
newer than the installed one prints "nothing changed" and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from . import calendar, catalogue, documents, dossiers, forms
from .cli import nested, open_store
from .clock import parse_iso
from .documents import StaleDocument
from .errors import ValidationError

EXIT_STALE = 1


def _import(module: Any, kind: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        path = Path(args.file)
        doc = documents.load_file(path)
        with open_store(args) as store:
            try:
                version = module.import_document(store, doc, f"file {path.resolve()}",
                                                 actor=args.actor)
            except StaleDocument as e:
                print(f"commune-edge: {e}", file=sys.stderr)
                return EXIT_STALE
        print(f"{kind} version {version} installed from {path}")
        return 0
    return handler


def cmd_calendar_due(args: argparse.Namespace) -> int:
    """Print the due date of a dossier of --procedure received at --received."""
    try:
        received = parse_iso(args.received)
    except ValueError:
        raise ValidationError(f"--received: {args.received!r} is not an ISO date-time such as "
                              "2026-11-26T14:30 (local time) or 2026-11-26T07:30Z") from None
    with open_store(args) as store:
        due = dossiers.preview_due_date(store, args.procedure, received, verification=args.verification)
    print(due.isoformat())
    return 0


def cmd_calendar_days(args: argparse.Namespace) -> int:
    """List the year's days off and make-up working days with their provenance."""
    with open_store(args) as store:
        cal = calendar.WorkCalendar.load(store)
    days = cal.special_days(args.year)
    if args.json:
        print(json.dumps([{"day": d.day.isoformat(), "working": d.working, "name": d.name,
                           "provenance": d.provenance} for d in days], ensure_ascii=False, indent=2))
        return 0
    for d in days:
        print(f"{d.day.isoformat()}  {'làm việc' if d.working else 'nghỉ    '}  {d.name}  [{d.provenance}]")
    return 0


def cmd_catalogue_list(args: argparse.Namespace) -> int:
    """List the procedures of the current (or a given) catalogue version."""
    with open_store(args) as store:
        procs = catalogue.procedures(store, args.version)
    if args.json:
        print(json.dumps([{**p.__dict__, "documents": list(p.documents)} for p in procs],
                         ensure_ascii=False, indent=2))
        return 0
    for p in procs:
        extra = f" (+{p.verification_days} xác minh)" if p.verification_days else ""
        fee = f"{p.fee:,}".replace(",", ".")
        print(f"{p.code:10} {p.deadline_days} ngày{extra:16} {fee:>8} đ  {p.name}")
    return 0


def cmd_forms_list(args: argparse.Namespace) -> int:
    """List the current report forms."""
    with open_store(args) as store:
        defs = forms.definitions(store)
    for d in defs:
        print(f"{d.code:14} v{d.version}  {d.period:9}  {d.title}  ({len(d.fields)} trường)")
    return 0


def _actor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", default="technician", help="who imports, for the audit log (default technician)")


def register(subparsers: Any) -> None:
    """Add the `catalogue`, `calendar` and `forms` commands to the `commune-edge` parser."""
    cat = subparsers.add_parser("catalogue", help="the procedure catalogue")
    cat_sub = nested(cat, "catalogue_command")
    p = cat_sub.add_parser("import", help="install a catalogue document (JSON, see docs/documents.md)")
    p.add_argument("file", metavar="FILE", help="the catalogue document")
    _actor(p)
    p.set_defaults(func=_import(catalogue, "catalogue"))
    p = cat_sub.add_parser("list", help="list the procedures of the current catalogue")
    p.add_argument("--version", type=int, default=None, help="an older catalogue version")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_catalogue_list)

    cal = subparsers.add_parser("calendar", help="the working-day calendar")
    cal_sub = nested(cal, "calendar_command")
    p = cal_sub.add_parser("import", help="install a province calendar document (JSON, see docs/documents.md)")
    p.add_argument("file", metavar="FILE", help="the calendar document")
    _actor(p)
    p.set_defaults(func=_import(calendar, "calendar"))
    p = cal_sub.add_parser("due", help="print the due date of a dossier (YYYY-MM-DD)")
    p.add_argument("--procedure", required=True, metavar="CODE", help="procedure code in the current catalogue")
    p.add_argument("--received", required=True, metavar="ISO-DATETIME",
                   help="reception time, e.g. 2026-11-26T14:30 (local time unless it has an offset)")
    p.add_argument("--verification", action="store_true", help="add the procedure's verification days")
    p.set_defaults(func=cmd_calendar_due)
    p = cal_sub.add_parser("days", help="list a year's days off and make-up working days with provenance")
    p.add_argument("year", type=int, metavar="YEAR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_calendar_days)

    frm = subparsers.add_parser("forms", help="the province's report forms")
    frm_sub = nested(frm, "forms_command")
    p = frm_sub.add_parser("import", help="install a forms document (JSON, see docs/documents.md)")
    p.add_argument("file", metavar="FILE", help="the forms document")
    _actor(p)
    p.set_defaults(func=_import(forms, "forms"))
    p = frm_sub.add_parser("list", help="list the current report forms")
    p.set_defaults(func=cmd_forms_list)
