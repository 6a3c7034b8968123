"""`commune-edge`: the appliance's command line.

Each command calls one `edge` function and turns its errors into one readable line and a non-zero
exit. Front ends (kiosk, sync agent, hardware, image, backup) add their commands as plugins through
the `commune_edge.commands` entry-point group, so this package never imports them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata
from typing import Any, Callable, Sequence

from . import __version__, audit, config as config_mod, search
from .errors import EdgeError

EXIT_ERROR = 2
PLUGIN_GROUP = "commune_edge.commands"


def open_store(args: argparse.Namespace):
    """The store named by `--config` (or $COMMUNE_EDGE_CONFIG, or the system config)."""
    from .store import Store
    return Store.open(config_mod.load(getattr(args, "config", None)))


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


# -- commands --------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from . import demo
    cfg = config_mod.load(args.config)
    from .store import Store
    with Store.open(cfg) as store:
        if not args.no_reference_data:
            demo.ensure_reference_data(store)
        print(f"store ready: {store.path} (schema version {store.schema_version()}, "
              f"device {store.device_id})")
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    from . import demo
    with open_store(args) as store:
        made = demo.load(store, args.dossiers, args.seed, tickets=args.tickets)
    print(", ".join(f"{k}: {v}" for k, v in made.items()))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from . import status
    with open_store(args) as store:
        s = status.summary(store)
        for name, extra in _status_extras():
            try:
                s[name] = extra(store)
            except Exception as e:  # an extra section must never break status
                s[name] = {"error": str(e)}
    if args.json:
        _print_json(s)
    else:
        print(status.format_text(s))
    return 0


def _status_extras() -> list[tuple[str, Callable]]:
    """Sections other parts of the core add to `status` (backup replication state)."""
    from . import backup
    return [("backup", backup.status_section), ("hardware", _hardware_section)]


def _hardware_section(store) -> dict[str, Any]:
    """What the hardware service last reported, read from its status file (no device is opened)."""
    from .status import hardware_report
    doc = hardware_report(store.config.data_dir) if store.config is not None else None
    if doc is None:
        return {"reported": False, "detail": "the hardware service has not run (commune-edge hardware run)"}
    return {"reported": True, **doc}


def cmd_search(args: argparse.Namespace) -> int:
    from .dossiers import STATUSES
    with open_store(args) as store:
        rows = search.search_dossiers(store, args.text, limit=args.limit, status=args.status)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print(f"no dossier matches {args.text!r}")
        return 0
    for r in rows:
        print(f"{r['code']}  {r['applicant_name']}  {r['applicant_id_number'] or '-'}  "
              f"{STATUSES[r['status']][0]}  hẹn trả {r['due_date']}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        result = audit.verify(store)
    print(result)
    return 0 if result.ok else 1


# -- parser ----------------------------------------------------------------------------------
def _config_option(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument("--config", metavar="PATH", default=None if top else argparse.SUPPRESS,
                   help=f"appliance config (default: ${config_mod.ENV_VAR} or {config_mod.DEFAULT_PATH})")


class _SubParsers:
    """Wraps argparse's sub-parser action so every command (plugins too) accepts --config."""

    def __init__(self, action: Any):
        self._action = action

    def add_parser(self, name: str, **kw: Any) -> argparse.ArgumentParser:
        kw.setdefault("description", kw.get("help"))
        p = self._action.add_parser(name, **kw)
        _config_option(p)
        return p


def nested(p: argparse.ArgumentParser, dest: str) -> _SubParsers:
    """Sub-commands of `p` (stored in `dest`); each accepts --config like a first-level command."""
    sub = p.add_subparsers(dest=dest, metavar="COMMAND", required=True)
    return _SubParsers(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commune-edge",
        description="The commune office appliance: record store, kiosk, sync, hardware, backup.")
    parser.add_argument("--version", action="version", version=f"commune-edge {__version__}")
    _config_option(parser, top=True)
    sub = _SubParsers(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))

    p = sub.add_parser("init", help="create or migrate the store named by the config")
    p.add_argument("--no-reference-data", action="store_true",
                   help="do not import the bundled catalogue, calendar and report form")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo-load", help="fill the store with realistic demo data")
    p.add_argument("--dossiers", type=int, default=300, metavar="N", help="how many dossiers (default 300)")
    p.add_argument("--tickets", type=int, default=40, metavar="N", help="queue tickets for today (default 40)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.set_defaults(func=cmd_demo_load)

    p = sub.add_parser("status", help="counts, outbox, store size, free disk, schema version")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("search", help="accent-insensitive search over dossiers (name, code, ID number)")
    p.add_argument("text", help='what to look for, e.g. "nguyen van duc"')
    p.add_argument("--status", help="only dossiers in this status")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("audit", help="the hash-chained audit log")
    asub = nested(p, "audit_command")
    v = asub.add_parser("verify", help="check the chain; exit 1 naming the first bad row")
    v.set_defaults(func=cmd_audit_verify)

    from . import cli_documents, cli_staff
    cli_staff.register(sub)
    cli_documents.register(sub)
    load_plugins(sub, PLUGIN_GROUP)
    return parser


def load_plugins(sub: Any, group: str) -> None:
    """Add the sub-commands registered under entry-point `group` (each `register(subparsers)`).

    A plugin that cannot be imported shows up as an "unavailable" command saying why.
    """
    try:
        eps = metadata.entry_points(group=group)
    except Exception:  # pragma: no cover - broken installation metadata
        return
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            register = ep.load()
        except Exception as e:
            reason = f"{type(e).__name__}: {e}"
            p = sub.add_parser(ep.name, help=f"(unavailable: {reason})")
            p.add_argument("rest", nargs=argparse.REMAINDER)
            p.set_defaults(func=_unavailable(ep.name, reason))
            continue
        register(sub)


def _unavailable(name: str, reason: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise EdgeError(f"the '{name}' command is not available on this installation ({reason})")
    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EdgeError as e:
        print(f"commune-edge: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
