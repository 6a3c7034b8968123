"""`commune-edge kiosk [--config PATH] [--demo]`: start the kiosk on this appliance's store.

With `--demo` and no config, a demo appliance is made (or reused) under the demo folder
(`$COMMUNE_EDGE_DEMO_DIR`, default `~/.local/share/commune-edge/demo`) so the kiosk opens on demo data.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEMO_DIR_ENV = "COMMUNE_EDGE_DEMO_DIR"


def demo_dir() -> Path:
    default = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "commune-edge" / "demo"
    return Path(os.environ.get(DEMO_DIR_ENV) or default)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `kiosk` sub-command (the commune_edge.commands plugin entry point)."""
    p = subparsers.add_parser(
        "kiosk", help="start the commune kiosk (Textual, full screen)",
        description="Start the commune kiosk: citizen mode by default, staff mode after a PIN. "
                    "F1 switches Tiếng Việt/English, F2 Vietnamese typing on/off, F10 staff login, "
                    "Ctrl+P the command palette.")
    p.add_argument("--demo", action="store_true",
                   help="without --config: open a demo store with demo data (made on first use)")
    p.set_defaults(func=run)


def _log_to_file(path: Path) -> None:
    """Send log records to a file: the kiosk owns the terminal, a stray line would garble it."""
    import logging
    root = logging.getLogger()
    if root.handlers:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def run(args: argparse.Namespace) -> int:
    """Open the store and run the kiosk until it quits. EdgeError → one-line error (exit 2)."""
    from edge import config as config_mod
    from edge.store import Store

    config_path = getattr(args, "config", None)
    demo = bool(getattr(args, "demo", False))
    if demo and not config_path and not os.environ.get(config_mod.ENV_VAR):
        from edge import demo as demo_mod
        cfg = demo_mod.ensure_demo(demo_dir())
    else:
        cfg = config_mod.load(config_path)
    _log_to_file(cfg.data_dir / "kiosk.log")
    store = Store.open(cfg)
    try:
        from .app import KioskApp
        from .printing import open_printer
        from .scanning import listen
        app = KioskApp(cfg, store, printer=open_printer(cfg), demo=demo)
        scans = listen(cfg, app)
        try:
            app.run()
        finally:
            if scans is not None:
                scans.close()
        return int(app.return_code or 0)
    finally:
        store.close()
