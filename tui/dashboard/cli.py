"""`province-hub dashboard`: the provincial dashboard on the central store of province.toml.

    province-hub [--config PROVINCE.TOML] dashboard [--lang vi|en] [--refresh SECONDS] [--month YYYY-MM]

`register(subparsers)` adds the sub-command to the `province-hub` parser; the handler returns the
exit code. The re-request action publishes to the province's broker with the province account.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .app import REFRESH_SECONDS


def make_publisher(cfg: Any):
    """publish(commune, down message): one QoS-1 publish on the commune's down topic with the
    province's account (as `province-hub decide` does). Raises SyncError when unreachable."""
    from sync import wire
    from sync.hub_cli import endpoint
    from sync.mqtt import publish_once

    def publish(commune: str, msg: Any) -> None:
        publish_once(endpoint(cfg), f"province-dashboard-{os.getpid()}",
                     [(cfg.topics.down(commune), wire.encode(msg), False)])
    return publish


def handle(args: argparse.Namespace) -> int:
    from sync import kpi
    from sync.central import CentralStore
    from sync.config import load

    from .app import DashboardApp
    cfg = load(args.config)
    if args.month:
        kpi.check_month(args.month)
    if args.refresh < 0:
        raise kpi.KpiError(f"--refresh {args.refresh}: expected seconds ≥ 0")
    with CentralStore(cfg.store_url) as store:
        kpi.ensure_indexes(store)
        DashboardApp(store, lang=args.lang, refresh_seconds=args.refresh, month=args.month,
                     publisher=make_publisher(cfg), province=f"{cfg.code} {cfg.name}").run()
    return 0


def register(subparsers: Any) -> None:
    """Add `dashboard` to the `province-hub` sub-commands."""
    p = subparsers.add_parser("dashboard", help="the provincial dashboard: fleet health, KPIs, drill-down",
                              description="Fleet health, the plan's KPIs and a drill-down per commune, "
                              "refreshed live from the central store.")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the screens (default vi)")
    p.add_argument("--refresh", type=float, default=REFRESH_SECONDS,
                   help=f"seconds between refreshes (default {REFRESH_SECONDS:g}; 0: only on F5)")
    p.add_argument("--month", help="the month shown first, YYYY-MM (default: this month)")
    p.set_defaults(func=handle)
