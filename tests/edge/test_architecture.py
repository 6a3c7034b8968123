"""edge/ is a headless core: importing all of it loads no UI, MQTT, GPIO or serial library."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("textual", "paho", "gpiozero", "serial", "tui", "sync", "hardware")


def test_importing_every_edge_module_loads_no_front_end_library():
    import edge
    names = sorted(f"edge.{m.name}" for m in pkgutil.iter_modules(edge.__path__))
    code = ("import importlib, json, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = json.loads(out.stdout)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert not bad, f"edge imported {bad}"
    assert len(names) > 10
