"""The receiver against a real broker: commit-then-ack, quarantine, hello/resume, health."""

from __future__ import annotations

import socket
import time
import zlib

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings, strategies as st

from sync import wire
from sync.central import CentralStore
from tests.support.mqtt_clients import Client

from tests.support.sync_records import batch as _batch, dossier as _dossier
from tests.support import sync_env, waiting


def wait_for(cond, timeout=10.0, step=0.02):
    return waiting.wait_for(cond, timeout, step)


@pytest.fixture
def hub(broker, store_url):
    store = CentralStore(store_url)
    r = sync_env.start_receiver(broker, store)
    time.sleep(0.1)
    yield r
    r.stop()
    store.close()


@pytest.fixture
def commune(broker):
    pw = broker.add_commune("00001")
    c = Client(broker.port, "00001", pw)
    assert c.ok
    c.subscribe(f"{broker.prefix}/c/00001/ack")
    yield c
    c.close()


def _ack(c: Client) -> wire.Ack:
    topic, payload = c.get()
    msg = wire.decode(payload)
    assert isinstance(msg, wire.Ack)
    return msg


def test_batch_is_committed_then_acked(hub, commune, broker):
    commune.publish(f"{broker.prefix}/c/00001/up", wire.encode(_batch([_dossier(1), _dossier(2)], 1)))
    ack = _ack(commune)
    assert (ack.device, ack.upto, ack.resume) == ("dev-1", 2, False)
    assert hub.store.count("versions") == 2      # in the log when acked...
    sync_env.wait_projected(hub.store)                  # ...and in the typed tables once messages pause
    assert hub.store.count("dossiers") == 2 and hub.store.pending_projection() == 0


def _bomb() -> bytes:
    """10 MB of zeros in a 300-byte zstd frame, the envelope declaring 10 kB."""
    frame = zstandard.ZstdCompressor(level=3).compress(b"\0" * 10_000_000)
    return wire.HEADER.pack(b"CE", wire.FORMAT_VERSION, wire.KIND_BATCH, wire.CODEC_ZSTD, 0, 10_000,
                            zlib.crc32(frame)) + frame


def test_receiver_sends_without_nagles_delay(hub):
    """An ack must leave the moment its commit is done, not wait for the TCP ACK of what went
    before it (with Nagle's algorithm on, a commune's window of batches stalls)."""
    assert hub.wait_connected()
    assert hub._client.socket().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_garbage_is_quarantined_and_the_receiver_keeps_working(hub, commune, broker):
    up = f"{broker.prefix}/c/00001/up"
    for bad in (b"", b"garbage", wire.encode(_batch([_dossier(1)], 1))[:20],
                _bomb()):
        commune.publish(up, bad)
    assert wait_for(lambda: hub.store.count("quarantine") == 4)
    commune.publish(up, wire.encode(_batch([_dossier(1)], 1)))
    assert _ack(commune).upto == 1


def test_payload_claiming_another_commune_is_quarantined(hub, commune, broker):
    commune.publish(f"{broker.prefix}/c/00001/up", wire.encode(_batch([_dossier(1, commune="00002")], 1,
                                                                      commune="00002")))
    assert wait_for(lambda: hub.store.count("quarantine") == 1)
    reason = hub.store.query("SELECT reason FROM quarantine")[0]["reason"]
    assert "claims commune '00002'" in reason
    assert hub.store.count("dossiers") == 0


def test_unexpected_kind_on_up_is_quarantined(hub, commune, broker):
    commune.publish(f"{broker.prefix}/c/00001/up", wire.encode(wire.Ack("dev-1", 5)))
    assert wait_for(lambda: hub.store.count("quarantine") == 1)


def test_hello_gets_authoritative_ack_and_pending_down_messages(hub, commune, broker):
    commune.subscribe(f"{broker.prefix}/c/00001/down")
    hub.store.commit_batch(_batch([_dossier(1)], 1))
    m = hub.store.add_outbound("00001", "decision", {"dossier_id": "d-000001", "status": "done"})
    commune.publish(f"{broker.prefix}/c/00001/up", wire.encode(wire.Hello("00001", "dev-1", 5, 9)))
    got = {}
    for _ in range(2):
        topic, payload = commune.get()
        got[topic.rsplit("/", 1)[1]] = wire.decode(payload)
    assert got["ack"] == wire.Ack("dev-1", 1, resume=True)
    assert got["down"].id == m.id


def test_heartbeat_and_last_will_update_device_state(hub, commune, broker):
    health = f"{broker.prefix}/c/00001/health"
    commune.publish(health, wire.encode(wire.Heartbeat("00001", "dev-1", True, backlog=4)))
    assert wait_for(lambda: [s.online for s in hub.store.status()] == [True])
    commune.publish(health, wire.encode(wire.Heartbeat("00001", "dev-1", False)))
    assert wait_for(lambda: [s.online for s in hub.store.status()] == [False])


def test_down_ack_marks_down_message_done(hub, commune, broker):
    m = hub.store.add_outbound("00001", "decision", {"dossier_id": "d-1", "status": "done"})
    commune.publish(f"{broker.prefix}/c/00001/up", wire.encode(
        wire.DownAck("00001", "dev-1", (wire.DownResult(m.id, "refused", "no such dossier"),))))
    assert wait_for(lambda: hub.store.pending_outbound("00001") == [])
    assert hub.store.query("SELECT outcome, reason FROM outbound") == [
        {"outcome": "refused", "reason": "no such dossier"}]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaf=st.sampled_from(["up", "health", "ack", "x"]), data=st.binary(min_size=1, max_size=300))
def test_random_payloads_are_quarantined_and_never_raise(hub, leaf, data):
    before = hub.store.count("quarantine")
    assert hub.validate(f"vn/02/c/00001/{leaf}", data) is None
    assert hub.store.count("quarantine") == before + 1
