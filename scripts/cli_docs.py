"""Write docs/cli.md from the command-line parsers, so every command and option is documented.

Run after changing a command: `.venv/bin/python scripts/cli_docs.py`.
"""

from __future__ import annotations

import argparse
import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INTRO = """# Command line reference

Generated from the parsers by `scripts/cli_docs.py`; `tests/edge/test_cli.py` fails when a command
is missing here. Every `commune-edge` command takes `--config PATH` (else `$COMMUNE_EDGE_CONFIG`, else
`/etc/commune-edge/commune.toml`); every `province-hub` command takes `--config PATH` (else
`$PROVINCE_HUB_CONFIG`, else `/etc/province-hub/province.toml`). Errors are one line on stderr and
a non-zero exit status (2).
"""


def walk(parser: argparse.ArgumentParser, prog: str, out: list[str], level: int = 2) -> None:
    buf = io.StringIO()
    with redirect_stdout(buf):
        parser.print_help()
    out.append(f"{'#' * level} `{prog}`\n\n```text\n{buf.getvalue().rstrip()}\n```\n")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                walk(sub, f"{prog} {name}", out, min(level + 1, 4))


def main() -> None:
    import os
    os.environ["COLUMNS"] = "100"
    from edge import cli
    out = [INTRO]
    walk(cli.build_parser(), "commune-edge", out)
    try:
        from sync import hub_cli
        walk(hub_cli.build_parser(), "province-hub", out)
    except (ImportError, AttributeError) as e:
        print(f"province-hub not documented: {e}", file=sys.stderr)
    (ROOT / "docs" / "cli.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
