"""`make demo`: a demo appliance with demo data, a local province when Mosquitto is installed, and the
kiosk in the foreground. Everything lives under .demo/ in the checkout; delete it to start afresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("COMMUNE_EDGE_DEMO_DIR", ROOT / ".demo")) / "appliance"


def main() -> int:
    from edge import demo
    from edge.config import load
    print("commune-edge demo: preparing the demo store (first time: a few seconds)…")
    cfg = demo.ensure_demo(DATA)
    config_path = Path(cfg.path)
    agent = None
    province = None
    try:
        from sync import demo as province
        from sync.config import render_toml
        section = province.start(DATA)
    except Exception as e:  # the kiosk must open even if the local province cannot start
        print(f"commune-edge demo: the local province did not start ({e}); the kiosk runs offline")
        section = None
    base = demo.DEMO_CONFIG.format(store=cfg.store.path)
    if section:
        config_path.write_text(base + "\n" + render_toml({"sync": section}), encoding="utf-8")
        load(config_path)  # validate what we wrote
        log = open(DATA / "sync.log", "ab")
        agent = subprocess.Popen([sys.executable, "-m", "edge.cli", "--config", str(config_path), "sync"],
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=ROOT, start_new_session=True)
        province_cfg = DATA / "province" / "province.toml"
        print("commune-edge demo: a local province runs on this machine; in another terminal:\n"
              f"  .venv/bin/province-hub --config {province_cfg} status")
    else:
        config_path.write_text(base, encoding="utf-8")
        print("commune-edge demo: Mosquitto is not installed, so the kiosk runs offline "
              "(install it and run `make demo` again to see sync)")
    print("Demo staff: canbo / 1111 (officer), lanhdao / 2222 (leader), quantri / 9999 (admin)")
    try:
        return subprocess.call([sys.executable, "-m", "edge.cli", "--config", str(config_path), "kiosk", "--demo"],
                               cwd=ROOT)
    except KeyboardInterrupt:
        return 130
    finally:
        if agent is not None:
            agent.terminate()
            try:
                agent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
        if section and province is not None:
            province.stop(DATA)


if __name__ == "__main__":
    sys.exit(main())
