"""Start a real Mosquitto with the project's generated configuration on free ports.

    from tests.support.broker import start_broker
    b = start_broker(tmp_path)            # b.port, b.tls_port, b.prefix, b.receiver_user/password
    pw = b.add_commune("00001")           # a commune credential, broker reloaded
    ...
    b.stop()

Any test suite may use it (the dashboard's too). Nothing here is mocked: it is `mosquitto -c`
on the file `sync.broker.write_config` wrote.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sync import broker as broker_config
from sync.demo import free_port, mosquitto_path

START_TIMEOUT = 10.0
MOSQUITTO = mosquitto_path() or "/usr/sbin/mosquitto"


def have_mosquitto() -> bool:
    return mosquitto_path() is not None


def wait_listening(port: int, timeout: float = START_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass
class Broker:
    dir: Path
    port: int
    tls_port: int | None
    prefix: str
    receiver_user: str
    receiver_password: str
    proc: subprocess.Popen | None = None
    log: Path = field(default=None)  # type: ignore[assignment]

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def ca(self) -> Path:
        return self.dir / "ca.pem"

    def start(self) -> "Broker":
        """Start (or restart) mosquitto on the generated config and wait until it listens."""
        self.log = self.dir / "mosquitto.log"
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
                                     stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()
        (self.dir / "mosquitto.pid").write_text(str(self.proc.pid))
        wait_listening(self.port, proc=self.proc)
        if self.tls_port:
            wait_listening(self.tls_port, proc=self.proc)
        return self

    def stop(self) -> None:
        """Stop gracefully (the broker saves its persistence file)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: whatever was not autosaved is gone, as after a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def add_commune(self, code: str, password: str | None = None) -> str:
        """Give commune `code` a credential and reload the broker. Returns the password."""
        password = password or broker_config.new_password()
        broker_config.set_password(self.dir / "passwd", code, password)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGHUP)
            self._wait_accepts(code, password)
        return password

    def _wait_accepts(self, user: str, password: str, timeout: float = START_TIMEOUT) -> None:
        """Until the reloaded broker lets `user` in (its listeners stay briefly closed while it
        reloads, and a loaded machine may take a while to get to the signal)."""
        from tests.support.mqtt_clients import Client
        deadline = time.monotonic() + timeout
        while True:
            try:
                c = Client(self.port, user, password, client_id=f"reload-check-{user}")
                ok = c.ok
                c.close()
            except OSError:
                ok = False
            if ok:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the broker does not accept {user} {timeout}s after reloading: "
                                   f"{self.log_text()[-500:]}")
            time.sleep(0.05)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""


def start_broker(tmp_dir: str | os.PathLike, *, prefix: str = "vn/02", tls: bool = False,
                 max_queued_messages: int = broker_config.DEFAULT_MAX_QUEUED,
                 max_inflight_messages: int = 20, autosave_interval: int = 1, start: bool = True) -> Broker:
    """Write the province's broker config into tmp_dir/broker on free ports and start mosquitto."""
    d = Path(tmp_dir) / "broker"
    port = free_port()
    tls_port = free_port() if tls else None
    password = broker_config.new_password()
    broker_config.write_config(d, prefix=prefix, province="02", receiver_user="province-receiver",
                               receiver_password=password, port=port, tls_port=tls_port, tls=tls,
                               max_queued_messages=max_queued_messages, max_inflight_messages=max_inflight_messages,
                               autosave_interval=autosave_interval, run_as=getpass.getuser())
    b = Broker(d, port, tls_port, prefix, "province-receiver", password)
    return b.start() if start else b
