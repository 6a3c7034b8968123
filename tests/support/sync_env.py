"""A small province and its communes for tests and benchmarks: real broker, real stores.

    b = start_broker(tmp)
    prov = province_toml(tmp, b, "sqlite:///…")          # a province.toml for `province-hub --config`
    cfg_path = commune_toml(tmp / "c1", b, "00001")       # commune.toml with [sync], credential added
    store = open_store(cfg_path)
"""

from __future__ import annotations

import threading
from pathlib import Path

from edge import config as edge_config
from edge.store import Store

from sync import agent, wire
from sync.agent import Agent, SyncSettings
from sync.broker import ensure_secret, write_private
from sync.config import render_toml
from sync.mqtt import Endpoint
from sync.receiver import Receiver


def province_toml(dir: Path, broker, store_url: str, *, group: str = "receivers") -> Path:
    """Write province.toml for `broker` (a tests.support.broker.Broker) and a central store URL."""
    dir = Path(dir)
    pw = dir / "province-mqtt.secret"
    write_private(pw, broker.receiver_password + "\n")
    path = dir / "province.toml"
    path.write_text(render_toml({
        "province": {"code": "02", "name": "Hà Giang (demo)", "topic_prefix": broker.prefix},
        "store": {"url": store_url},
        "broker": {"url": f"mqtt://127.0.0.1:{broker.port}", "username": broker.receiver_user,
                   "password_file": str(pw), "config_dir": str(broker.dir)},
        "receiver": {"group": group},
    }), encoding="utf-8")
    return path


def commune_toml(dir: Path, broker, code: str = "00001", *, port: int | None = None, name: str = "Xã Thử",
                 ack_timeout_s: float = 2.0, heartbeat_s: float = 1.0, desk: int = 1,
                 **sync_extra) -> Path:
    """Write commune.toml with a [sync] table for `broker` (via `port` if given, e.g. a proxy) and
    give the commune a broker credential."""
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    pw_path = dir / "mqtt.secret"
    if not pw_path.exists():
        broker.add_commune(code, ensure_secret(pw_path))
    path = dir / "commune.toml"
    path.write_text(render_toml({
        "commune": {"code": code, "name": name, "province": "02", "agency_code": "000.00.19.H17", "desk": desk},
        "store": {"path": str(dir / "commune.db"), "min_free_mb": 0},
        "sync": {"broker": f"mqtt://127.0.0.1:{port or broker.port}", "username": code,
                 "password_file": str(pw_path), "topic_prefix": broker.prefix,
                 "ack_timeout_s": ack_timeout_s, "heartbeat_s": heartbeat_s, **sync_extra},
    }), encoding="utf-8")
    return path


def open_store(cfg_path: Path) -> Store:
    from edge import demo
    store = Store.open(edge_config.load(cfg_path))
    demo.ensure_reference_data(store)
    return store


def settings(cfg_path: Path) -> SyncSettings:
    cfg = edge_config.load(cfg_path)
    return SyncSettings.from_section(cfg.section("sync"), province=cfg.commune.province, commune=cfg.commune.code)


def make_tickets(store: Store, n: int) -> None:
    """n queue tickets (one outbox row each), in one transaction."""
    from edge import tickets
    with store.atomic():
        for _ in range(n):
            tickets.issue(store, service="general", actor="test")


NAMES = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nam")


def make_dossiers(store: Store, n: int) -> list:
    """n counter dossiers (two outbox rows each: dossier + history)."""
    from edge import catalogue, dossiers
    from edge.citizens import Applicant
    code = catalogue.procedures(store)[0].code
    out = []
    with store.atomic():
        for i in range(n):
            out.append(dossiers.receive(store, procedure_code=code, applicant=Applicant(
                full_name="Nguyễn Văn " + NAMES[i % len(NAMES)]), documents=["Tờ khai"], actor="canbo"))
    return out


def wait_projected(central, timeout: float = 20.0) -> None:
    """Wait until the receiver has projected every committed record version into the typed tables
    (it does so once messages pause; see sync.receiver)."""
    from tests.support.waiting import wait_until
    wait_until(lambda: central.pending_projection() == 0, timeout, "the receiver's projection")


def received(central, tbl: str) -> int:
    """Record versions of `tbl` committed to the central store's log (projected or not)."""
    return int(central.scalar("SELECT COUNT(*) FROM versions WHERE tbl = ?", (tbl,)))


def start_receiver(broker, central, **kw):
    """An in-process receiver of `broker`'s province committing into `central`, connected."""
    r = Receiver(Endpoint("127.0.0.1", broker.port, broker.receiver_user, broker.receiver_password), central,
                 topics=wire.Topics(broker.prefix), **kw)
    r.start()
    assert r.wait_connected()
    return r


def short_agent_timing(monkeypatch) -> None:
    """Shorten the agent's timing so that reconnects and hellos happen within a test."""
    monkeypatch.setattr(agent, "HELLO_TIMEOUT", 1.0)
    monkeypatch.setattr(agent, "RECONNECT_MIN_DELAY", 0.2)
    monkeypatch.setattr(agent, "RECONNECT_MAX_DELAY", 1)


class AgentThread:
    """An agent serving in a thread for the length of a `with` block; an error it raised fails
    the block."""

    def __init__(self, store, cfg):
        self.agent = Agent(store, settings(cfg))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error = None

    def _run(self):
        try:
            self.agent.run()
        except Exception as e:  # noqa: BLE001 - reported by __exit__
            self.error = e

    def __enter__(self):
        self.thread.start()
        return self.agent

    def __exit__(self, *exc):
        self.agent.stop()
        self.thread.join(10)
        assert self.error is None, f"the agent failed: {self.error!r}"
