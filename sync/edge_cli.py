"""`commune-edge sync [--once] [--timeout S]`: the appliance's sync agent as a command.

Registered as a plugin of the `commune-edge` CLI (entry point group `commune_edge.commands`); also
runnable alone as `python -m sync.edge_cli [--config PATH] sync …`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Sequence

from edge.errors import EdgeError

from .errors import SyncError

EXIT_ERROR = 2


def register(subparsers) -> None:
    """Add the `sync` sub-command to the `commune-edge` parser."""
    p = subparsers.add_parser("sync", help="sync the outbox with the province and apply what it sends down",
                              description="Ship every outbox change to the province over MQTT and apply "
                              "decisions, online dossiers and documents that come down. Needs [sync] "
                              "in commune.toml.")
    p.add_argument("--once", action="store_true",
                   help="drain the outbox (everything acknowledged) and exit 0; exit 2 on timeout")
    p.add_argument("--timeout", type=float, default=None, help="with --once: give up after this many seconds "
                   "(default 300)")
    p.add_argument("--verbose", "-v", action="store_true", help="log every connect, batch and message")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from edge import config as config_mod
    from edge.store import Store

    from .agent import Agent, SyncSettings
    cfg = config_mod.load(getattr(args, "config", None))
    if not cfg.has("sync"):
        raise SyncError(f"{cfg.path}: no [sync] table: this appliance is set up to work offline only")
    settings = SyncSettings.from_section(cfg.section("sync"), province=cfg.commune.province,
                                         commune=cfg.commune.code)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with Store.open(cfg) as store:
        agent = Agent(store, settings)
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: agent.stop())
        stats = agent.run(once=args.once, timeout=args.timeout)
    if args.once:
        print(f"synced: {stats.rows_sent} record change(s) in {stats.batches_sent} batch(es); outbox empty")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="commune-edge")
    parser.add_argument("--config", help="commune.toml (default: $COMMUNE_EDGE_CONFIG or /etc/commune-edge/commune.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EdgeError as e:
        print(f"commune-edge: error: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
