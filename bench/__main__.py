"""`python -m bench [NAME ...]`: run every benchmark module (or the named ones) and print figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)])
                  if not m.name.startswith("_") and m.name != "common")


def main(argv: list[str]) -> int:
    names = argv or modules()
    unknown = [n for n in names if n not in modules()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(modules())}")
        return 2
    failed = []
    for name in names:
        print(f"\n=== bench/{name}.py")
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as e:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"!!! {name} failed: {type(e).__name__}: {e}")
        print(f"(took {time.perf_counter() - t0:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
