"""`commune-edge kiosk`: the plugin command, its options and its documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kiosk.md"


def test_kiosk_command_is_registered_with_config_and_demo():
    from tui.cli import run
    args = cli.build_parser().parse_args(["kiosk", "--demo", "--config", "/tmp/x.toml"])
    assert args.func is run and args.demo is True and args.config == "/tmp/x.toml"


def test_kiosk_help_names_the_keys(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(["kiosk", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out and "F10" in out


def test_kiosk_with_a_bad_config_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "commune.toml"
    bad.write_text("[commune]\ncode = 'x'\n", encoding="utf-8")
    assert cli.main(["kiosk", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "commune.toml" in err and "Traceback" not in err


def test_every_kiosk_option_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for option in ("--config", "--demo", "staff_lock_seconds", "idle_seconds", "input_method"):
        assert option in text


def test_kiosk_demo_opens_the_citizen_screen_in_a_real_terminal_and_quits(tmp_path):
    """The README's first command: a real pty, the real command, demo data made on first use."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import sys
    import termios
    import time

    env = dict(os.environ, COMMUNE_EDGE_DEMO_DIR=str(tmp_path / "demo"), TERM="xterm-256color")
    env.pop("COMMUNE_EDGE_CONFIG", None)
    argv = [sys.executable, "-c", "import sys; from edge.cli import main; sys.exit(main())", "kiosk", "--demo"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the kiosk
        os.execve(sys.executable, argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def read_until(marker: bytes | None, seconds: float) -> bytes:
        out = b""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if marker and marker in out:
                    break
        return out

    try:
        screen = read_until("F10".encode(), 60)
        text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", screen).decode("utf-8", "replace").replace(" ", "")
        assert "Dùngphímsốhoặcchạmđểchọn" in text  # the citizen start screen
        os.write(fd, b"\x11")  # Ctrl+Q (allowed in citizen mode of the demo only)
        read_until(None, 15)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.close(fd)
    assert (tmp_path / "demo" / "commune.db").exists()
