"""A province filled by a real sync run, shared by the dashboard tests (built once per session):

real Mosquitto (the project's generated config, free port) → three communes with demo data in their
own stores → sync agents (two in threads that keep running, one the real `commune-edge sync`
command in a subprocess, SIGKILLed so the broker publishes its Last Will) → a receiver → the central
SQLite store. The dashboard opens its own connection to that store, read-only.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from edge import staff
from edge.clock import LOCAL_TZ
from sync import wire
from sync.agent import Agent
from sync.central import CentralStore
from sync.mqtt import Endpoint
from sync.receiver import Receiver
from tests.support.pilot import settle  # noqa: F401 (used by the tests)
from tests.support import sync_env, waiting
from tests.support.broker import have_mosquitto, start_broker

ROOT = Path(__file__).resolve().parents[2]
#: (commune code, demo dossiers, seed); the last one's agent is killed (Last Will)
COMMUNES = (("00001", 50, 11), ("00002", 35, 12), ("00003", 20, 13))
KILLED = "00003"
SYNC_TIMEOUT = 45.0
#: `tests.support.waiting.wait_for`, waiting as long as a sync may take
wait_for = functools.partial(waiting.wait_for, timeout=SYNC_TIMEOUT)


@dataclass
class Commune:
    code: str
    cfg: Path
    store: object
    agent: Agent | None = None
    thread: threading.Thread | None = None

    def edge_rows(self, table: str) -> list[dict]:
        """The appliance's own rows (read through a fresh connection, the test's independent view)."""
        from edge import config as edge_config
        from edge.store import Store
        with Store.open(edge_config.load(self.cfg)) as s:
            return s.query(f"SELECT * FROM {table}")


@dataclass
class Province:
    dir: Path
    broker: object
    url: str
    config: Path
    receiver: Receiver
    receiver_store: CentralStore
    communes: dict[str, Commune] = field(default_factory=dict)

    def open_central(self) -> CentralStore:
        """The dashboard's own connection to the central store."""
        return CentralStore(self.url)

    def synced(self, code: str) -> bool:
        """Every dossier, history row and ticket of a commune is in the central store."""
        c = self.communes[code]
        with self.open_central() as central:
            for tbl in ("dossiers", "dossier_history", "tickets"):
                edge = {(r["id"], r["version"]) for r in c.edge_rows(tbl)}
                held = {(r["id"], r["version"]) for r in central.query(
                    f"SELECT id, version FROM {tbl} WHERE commune = ?", (code,))}
                if edge != held:
                    return False
        return True

    def data_month(self) -> str:
        """The latest local month in which the communes received dossiers. The demo data lies on
        past working days, so on the first days of a month the current month may hold none;
        tests that compare a month's figures look at this one."""
        return max(local_month(d["received_at"]) for c in self.communes.values() for d in c.edge_rows("dossiers"))

    def online(self, code: str) -> bool:
        with self.open_central() as central:
            return bool(central.scalar("SELECT MAX(online) FROM devices WHERE commune = ?", (code,)))


def _spawn_agent(cfg: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log, "wb") as f:
        return subprocess.Popen([sys.executable, "-m", "sync.edge_cli", "--config", str(cfg), "sync"], cwd=ROOT,
                                env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="session")
def province(tmp_path_factory):
    if not have_mosquitto():
        pytest.skip("mosquitto is not installed")
    saved = (staff.SCRYPT_N, staff.SCRYPT_R)
    staff.SCRYPT_N, staff.SCRYPT_R = 16, 1   # real scrypt, cheap, for the demo staff accounts
    tmp = tmp_path_factory.mktemp("province")
    broker = start_broker(tmp)
    url = f"sqlite:///{tmp}/central.db"
    rstore = CentralStore(url)
    receiver = Receiver(Endpoint("127.0.0.1", broker.port, broker.receiver_user, broker.receiver_password),
                        rstore, topics=wire.Topics(broker.prefix))
    receiver.start()
    assert receiver.wait_connected()
    prov = Province(tmp, broker, url, sync_env.province_toml(tmp, broker, url), receiver, rstore)
    proc = None
    try:
        from edge import demo
        for code, n, seed in COMMUNES:
            cfg = sync_env.commune_toml(tmp / code, broker, code, heartbeat_s=0.5, name=f"Xã {code}")
            store = sync_env.open_store(cfg)
            demo.load(store, n, seed, tickets=12)
            prov.communes[code] = Commune(code, cfg, store)
        staff.SCRYPT_N, staff.SCRYPT_R = saved   # the session fixture must not lower it for other tests
        for code, c in prov.communes.items():
            if code == KILLED:
                c.store.close()
                proc = _spawn_agent(c.cfg, tmp / f"agent-{code}.log")
                continue
            c.agent = Agent(c.store, sync_env.settings(c.cfg))
            c.thread = threading.Thread(target=c.agent.run, daemon=True)
            c.thread.start()
        for code, _, _ in COMMUNES:
            assert wait_for(lambda: prov.synced(code) and prov.online(code)), f"commune {code} did not sync"
        proc.send_signal(signal.SIGKILL)   # no DISCONNECT: the broker publishes the Last Will
        proc.wait(10)
        assert wait_for(lambda: not prov.online(KILLED)), "the Last Will did not reach the central store"
        yield prov
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for c in prov.communes.values():
            if c.agent is not None:
                c.agent.stop()
                c.thread.join(10)
                c.store.close()
        receiver.stop()
        rstore.close()
        broker.stop()
        staff.SCRYPT_N, staff.SCRYPT_R = saved


@pytest.fixture
def central(province):
    store = province.open_central()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def make_app(central):
    """A DashboardApp on the province's central store (no periodic refresh unless asked)."""
    from tui.dashboard.app import DashboardApp

    def make(**kwargs):
        kwargs.setdefault("refresh_seconds", 0)
        return DashboardApp(central, **kwargs)
    return make


def local_month(ts: str) -> str:
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m")
