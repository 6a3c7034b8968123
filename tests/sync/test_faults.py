"""Faults: each one ends with every record in the central store exactly once.

A writer keeps making tickets on the appliance (as the kiosk would) while the fault happens; the
test then lets the agent drain and compares the two stores record for record.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edge import outbox
from sync import wire
from sync.agent import Agent
from sync.central import CentralStore
from tests.support import sync_env, waiting
from tests.support.broker import have_mosquitto, start_broker
from tests.support.mqtt_clients import Client
from tests.support.proxy import Proxy

ROOT = Path(__file__).resolve().parents[2]


def wait_for(cond, timeout=30.0, step=0.05):
    return waiting.wait_for(cond, timeout, step)


class Writer:
    """Makes a ticket every `every` seconds on its own store connection until stopped."""

    def __init__(self, cfg: Path, every: float = 0.01, per_tx: int = 3):
        self.store = sync_env.open_store(cfg)
        self.every, self.per_tx = every, per_tx
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            sync_env.make_tickets(self.store, self.per_tx)
            time.sleep(self.every)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(10)
        self.store.close()


def receiver(broker, url, group="receivers", client_id=None):
    return sync_env.start_receiver(broker, CentralStore(url), group=group, client_id=client_id)


def assert_exactly_once(edge_store, central: CentralStore) -> None:
    sync_env.wait_projected(central)
    for tbl in ("tickets", "dossiers", "dossier_history"):
        edge_rows = {r["id"]: r["version"] for r in edge_store.query(f"SELECT id, version FROM {tbl}")}
        got = {r["id"]: r["version"] for r in central.query(f"SELECT id, version FROM {tbl}")}
        assert got == edge_rows, f"{tbl}: central differs from the appliance"
    sent = edge_store.scalar("SELECT COUNT(*) FROM outbox")
    assert central.count("versions") == sent
    assert central.count("conflicts") == 0 and central.count("quarantine") == 0


def drain(store, cfg, timeout=40.0):
    Agent(store, sync_env.settings(cfg)).run(once=True, timeout=timeout)
    assert outbox.stats(store).pending == 0


@pytest.fixture
def setup(broker, tmp_path):
    url = f"sqlite:///{tmp_path}/central.db"
    cfg = sync_env.commune_toml(tmp_path / "c1", broker, "00001", ack_timeout_s=1.0, batch_rows=20, window=4)
    store = sync_env.open_store(cfg)
    sync_env.make_dossiers(store, 10)
    yield broker, url, cfg, store
    store.close()


def test_broker_killed_and_restarted_mid_sync(setup):
    broker, url, cfg, store = setup
    r = receiver(broker, url)
    try:
        with sync_env.AgentThread(store, cfg) as a, Writer(cfg):
            assert wait_for(lambda: sync_env.received(r.store, "tickets") > 20)
            broker.kill()
            time.sleep(0.5)
            broker.start()
            assert wait_for(lambda: a.stats.connects >= 2 and r.connected.is_set())
        drain(store, cfg)
        assert_exactly_once(store, r.store)
    finally:
        r.stop()


def test_link_cut_and_restored_by_a_proxy(setup):
    broker, url, cfg, store = setup
    proxy = Proxy(broker.port).start()
    cfg_p = sync_env.commune_toml(cfg.parent, broker, "00001", port=proxy.port, ack_timeout_s=1.0,
                                  batch_rows=20, window=4)
    r = receiver(broker, url)
    try:
        with sync_env.AgentThread(store, cfg_p) as a, Writer(cfg):
            assert wait_for(lambda: sync_env.received(r.store, "tickets") > 20)
            proxy.cut()
            time.sleep(1.0)
            proxy.restore()
            assert wait_for(lambda: a.stats.connects >= 2)
        drain(store, cfg_p)
        assert_exactly_once(store, r.store)
    finally:
        r.stop()
        proxy.stop()


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log, "ab") as f:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)


def test_receiver_killed_mid_batch(setup, tmp_path):
    broker, url, cfg, store = setup
    prov = sync_env.province_toml(tmp_path, broker, url)
    central = CentralStore(url)
    procs = [_spawn(["-m", "sync.hub_cli", "--config", str(prov), "receive", "--quiet"], tmp_path / "r1.log")]
    try:
        with sync_env.AgentThread(store, cfg), Writer(cfg):
            assert wait_for(lambda: sync_env.received(central, "tickets") > 20)
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            at_kill = sync_env.received(central, "tickets")
            time.sleep(0.5)
            procs.append(_spawn(["-m", "sync.hub_cli", "--config", str(prov), "receive", "--quiet"],
                                tmp_path / "r2.log"))
            assert wait_for(lambda: sync_env.received(central, "tickets") > at_kill + 20)
        drain(store, cfg)
        assert_exactly_once(store, central)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(10)
        central.close()


def test_agent_killed_with_sigkill_mid_batch(setup, tmp_path):
    broker, url, cfg, store = setup
    r = receiver(broker, url)
    sync_env.make_tickets(store, 3000)
    try:
        p = _spawn(["-m", "sync.edge_cli", "--config", str(cfg), "sync"], tmp_path / "agent.log")
        assert wait_for(lambda: sync_env.received(r.store, "tickets") > 100)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert sync_env.received(r.store, "tickets") < 3000, "the agent finished before it could be killed"
        # The Last Will marks the appliance offline once the broker notices the dead connection.
        drain(store, cfg)
        assert_exactly_once(store, r.store)
    finally:
        r.stop()


def _slow_disk(central: CentralStore, seconds: float) -> threading.Thread:
    """Hold the central store busy for a while, as a slow disk would: the receiver's database
    thread waits, its queue fills, and it stops taking messages from the broker."""
    held = threading.Event()

    def hold():
        with central._lock:
            held.set()
            time.sleep(seconds)
    t = threading.Thread(target=hold, daemon=True)
    t.start()
    held.wait(5)
    return t


def test_tiny_broker_queue_drops_messages_and_nothing_is_lost(tmp_path, monkeypatch):
    if not have_mosquitto():
        pytest.skip("mosquitto is not installed")
    from sync import receiver as receiver_mod
    monkeypatch.setattr(receiver_mod, "WORK_QUEUE", 1)
    broker = start_broker(tmp_path, max_queued_messages=1, max_inflight_messages=1)
    try:
        url = f"sqlite:///{tmp_path}/central.db"
        cfg = sync_env.commune_toml(tmp_path / "c1", broker, "00001", ack_timeout_s=0.5, batch_rows=20, window=16)
        store = sync_env.open_store(cfg)
        sync_env.make_tickets(store, 600)
        r = receiver(broker, url)
        try:
            a = Agent(store, sync_env.settings(cfg))
            slow = _slow_disk(r.store, 1.5)
            a.run(once=True, timeout=60)
            slow.join()
            # every batch sent either reached the receiver (committed, maybe as a duplicate) or was
            # dropped by the broker; the agent sent more than arrived
            assert a.stats.batches_sent > r.stats.batches, "the broker dropped nothing: the test tested nothing"
            assert a.stats.resends > 0
            assert_exactly_once(store, r.store)
        finally:
            r.stop()
            store.close()
    finally:
        broker.stop()


def test_same_batch_delivered_twice_is_committed_once(setup):
    broker, url, cfg, store = setup
    r = receiver(broker, url)
    c = Client(broker.port, "00001", Path(cfg.parent / "mqtt.secret").read_text().strip())
    c.subscribe(f"{broker.prefix}/c/00001/ack")
    try:
        rows = outbox.pending_batch(store, 0, 10, wire.MAX_RAW_BYTES)
        payload = wire.encode_batch_rows("00001", store.device_id, 1, rows)
        c.publish(f"{broker.prefix}/c/00001/up", payload)
        c.publish(f"{broker.prefix}/c/00001/up", payload)
        acks = [wire.decode(c.get()[1]) for _ in range(2)]
        assert [a.upto for a in acks] == [10, 10]
        assert r.store.count("versions") == 10 and r.store.scalar("SELECT records FROM devices") == 10
    finally:
        c.close()
        r.stop()


def test_two_receivers_share_the_load(setup, tmp_path):
    broker, url, cfg, store = setup
    sync_env.make_tickets(store, 1500)
    r1, r2 = receiver(broker, url, client_id="r1"), receiver(broker, url, client_id="r2")
    try:
        drain(store, cfg)
        assert r1.stats.batches > 0 and r2.stats.batches > 0
        assert_exactly_once(store, r1.store)
    finally:
        r1.stop()
        r2.stop()
