"""A local province for the demo: Mosquitto from the generated config on free ports, a receiver,
a SQLite central store — all under `<data_dir>/province/`, running in the background.

    from sync import demo
    section = demo.start(data_dir)          # None when Mosquitto is not installed
    # write `section` as the [sync] table of the demo's commune.toml
    demo.stop(data_dir)

From a shell: `python -m sync.demo start DATA_DIR` prints the `[sync]` table (exit 3 without
Mosquitto); `python -m sync.demo stop DATA_DIR`; `python -m sync.demo status DATA_DIR`.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import broker as broker_mod
from .config import render_toml

START_TIMEOUT = 10.0
PREFIX = "vn/02"


def mosquitto_path() -> str | None:
    return shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
                                              if os.path.exists(p)), None)


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def _state(home: Path) -> dict[str, Any]:
    try:
        return json.loads((home / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _section(data_dir: Path, state: dict[str, Any], commune: str) -> dict[str, Any]:
    return {"broker": f"mqtt://127.0.0.1:{state['port']}", "username": commune,
            "password_file": str(data_dir / "mqtt.secret"), "topic_prefix": PREFIX, "heartbeat_s": 15}


def start(data_dir: str | os.PathLike, *, commune: str = "00001") -> dict[str, Any] | None:
    """Start (or find running) the local province. Returns the commune's `[sync]` table, or None
    when Mosquitto is not installed. Raises SyncError if something fails to start."""
    from .errors import SyncError
    mosquitto = mosquitto_path()
    if mosquitto is None:
        return None
    data_dir = Path(data_dir).resolve()
    home = data_dir / "province"
    home.mkdir(parents=True, exist_ok=True)
    state = _state(home)
    if _alive(state.get("broker_pid")) and _alive(state.get("receiver_pid")) and _listening(state.get("port", 0)):
        return _section(data_dir, state, commune)
    stop(data_dir)
    port = free_port()
    pw_file = home / "mqtt.secret"
    receiver_pw = broker_mod.ensure_secret(pw_file)
    files = broker_mod.write_config(home / "broker", prefix=PREFIX, province="02", receiver_user="province-receiver",
                                    receiver_password=receiver_pw, port=port, tls=False, tls_port=None,
                                    autosave_interval=5, run_as=getpass.getuser())
    broker_mod.set_password(files.passwd, commune, broker_mod.ensure_secret(data_dir / "mqtt.secret"))
    config = home / "province.toml"
    config.write_text("# The demo's local province (made by sync/demo.py).\n" + render_toml({
        "province": {"code": "02", "name": "Hà Giang (demo)", "topic_prefix": PREFIX},
        "store": {"url": f"sqlite:///{home / 'central.db'}"},
        "broker": {"url": f"mqtt://127.0.0.1:{port}", "username": "province-receiver",
                   "password_file": str(pw_file), "config_dir": str(files.dir)},
    }), encoding="utf-8")
    with open(home / "mosquitto.log", "ab") as log:
        b = subprocess.Popen([mosquitto, "-c", str(files.conf)], stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    (files.dir / "mosquitto.pid").write_text(str(b.pid))
    deadline = time.monotonic() + START_TIMEOUT
    while not _listening(port):
        if b.poll() is not None or time.monotonic() > deadline:
            raise SyncError(f"the demo broker did not start; see {home / 'mosquitto.log'}")
        time.sleep(0.05)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                       os.environ.get("PYTHONPATH", "")]))
    log_start = (home / "receiver.log").stat().st_size if (home / "receiver.log").exists() else 0
    with open(home / "receiver.log", "ab") as log:
        r = subprocess.Popen([sys.executable, "-m", "sync.hub_cli", "--config", str(config), "receive"],
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while b"subscribed as group" not in (home / "receiver.log").read_bytes()[log_start:]:
        if r.poll() is not None or time.monotonic() > deadline:
            raise SyncError(f"the demo receiver did not start; see {home / 'receiver.log'}")
        time.sleep(0.05)
    state = {"port": port, "broker_pid": b.pid, "receiver_pid": r.pid, "config": str(config)}
    (home / "state.json").write_text(json.dumps(state))
    return _section(data_dir, state, commune)


def stop(data_dir: str | os.PathLike) -> None:
    """Stop the local province's receiver and broker if they run."""
    home = Path(data_dir).resolve() / "province"
    state = _state(home)
    for key in ("receiver_pid", "broker_pid"):
        pid = state.get(key)
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                time.sleep(0.05)
    if (home / "state.json").exists():
        (home / "state.json").unlink()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "stop", "status"):
        print("usage: python -m sync.demo start|stop|status DATA_DIR", file=sys.stderr)
        return 2
    action, data_dir = args
    if action == "stop":
        stop(data_dir)
        return 0
    if action == "status":
        state = _state(Path(data_dir).resolve() / "province")
        running = _alive(state.get("broker_pid")) and _alive(state.get("receiver_pid"))
        print(json.dumps({"running": running, **state}))
        return 0 if running else 1
    section = start(data_dir)
    if section is None:
        print("mosquitto is not installed: the demo runs offline", file=sys.stderr)
        return 3
    print(render_toml({"sync": section}), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
