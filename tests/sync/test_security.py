"""The generated broker configuration, checked against a real Mosquitto."""

from __future__ import annotations

import pytest

from sync import broker as broker_mod
from sync.mqtt import Endpoint, new_client
from tests.support.broker import have_mosquitto, start_broker
from tests.support.mqtt_clients import Client
from tests.support.waiting import wait_until


@pytest.fixture
def two(broker):
    """(receiver-side watcher, commune A, password of B) on the running broker."""
    pa, pb = broker.add_commune("00001"), broker.add_commune("00002")
    watcher = Client(broker.port, broker.receiver_user, broker.receiver_password)
    a = Client(broker.port, "00001", pa)
    yield watcher, a, pb
    watcher.close()
    a.close()


def test_anonymous_client_is_refused(broker):
    c = Client(broker.port, None, None)
    assert c.rc is not None and c.rc.is_failure
    c.close()


def test_wrong_password_is_refused(broker):
    broker.add_commune("00001")
    c = Client(broker.port, "00001", "not-the-password")
    assert c.rc.is_failure
    c.close()


def test_commune_cannot_publish_to_another_communes_up(broker, two):
    watcher, a, _ = two
    watcher.subscribe(f"{broker.prefix}/c/+/up")
    a.publish(f"{broker.prefix}/c/00002/up", b"forged")
    a.publish(f"{broker.prefix}/c/00001/up", b"own")
    assert [t for t, _ in watcher.drain(0.5)] == [f"{broker.prefix}/c/00001/up"]


def test_commune_cannot_read_another_communes_ack_or_down(broker, two):
    watcher, a, _ = two
    a.subscribe(f"{broker.prefix}/c/00002/ack")
    a.subscribe(f"{broker.prefix}/c/00002/down")
    a.subscribe(f"{broker.prefix}/c/00001/ack")
    for leaf in ("ack", "down"):
        watcher.publish(f"{broker.prefix}/c/00002/{leaf}", b"secret")
    watcher.publish(f"{broker.prefix}/c/00001/ack", b"mine")
    assert [t for t, _ in a.drain(0.5)] == [f"{broker.prefix}/c/00001/ack"]


def test_commune_cannot_read_other_communes_up_with_a_wildcard(broker, two):
    watcher, a, pb = two
    a.subscribe(f"{broker.prefix}/c/+/up")
    b = Client(broker.port, "00002", pb)
    b.publish(f"{broker.prefix}/c/00002/up", b"data")
    assert a.drain(0.5) == []
    b.close()


def test_commune_cannot_publish_documents_but_reads_them(broker, two):
    watcher, a, _ = two
    a.subscribe(f"{broker.prefix}/all/+")
    a.publish(f"{broker.prefix}/all/catalogue", b"forged")
    watcher.publish(f"{broker.prefix}/all/calendar", b"real")
    assert [t for t, _ in a.drain(0.5)] == [f"{broker.prefix}/all/calendar"]


def test_generated_password_hash_is_accepted_by_mosquitto(broker):
    pw = broker_mod.new_password()
    broker_mod.set_password(broker.dir / "passwd", "00042", pw)
    broker.restart()
    c = Client(broker.port, "00042", pw)
    assert c.ok
    c.close()


def test_tls_listener_verifies_with_the_provincial_ca(tmp_path):
    if not have_mosquitto():
        pytest.skip("mosquitto is not installed")
    b = start_broker(tmp_path, tls=True)
    try:
        pw = b.add_commune("00001")
        res = {}
        # the agent's own client set-up (sync.mqtt.new_client) against the TLS listener
        c = new_client("tls-test", Endpoint("localhost", b.tls_port, "00001", pw, tls=True, ca_file=b.ca))
        c.on_connect = lambda cl, u, f, rc, p: res.setdefault("rc", rc)
        c.connect("localhost", b.tls_port)
        c.loop_start()
        try:
            wait_until(lambda: "rc" in res, 5, "the TLS connection's answer")
        finally:
            c.disconnect()
            c.loop_stop()
        assert res["rc"].value == 0
    finally:
        b.stop()


def test_plain_listener_is_bound_to_loopback_only(tmp_path):
    text = broker_mod.conf_text(tmp_path, port=1883, tls_port=8883, tls=True)
    assert "listener 1883 127.0.0.1\n" in text and "listener 8883\n" in text
    assert "allow_anonymous false" in text
    assert "set_tcp_nodelay true\n" in text      # acks go out at once (docs/benchmarks.md)
