"""Small helpers around paho-mqtt 2.x (callback API version 2, MQTT v5) shared by the agent,
the receiver and the `province-hub` commands."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .errors import SyncError

CONNECT_TIMEOUT = 10.0
PUBLISH_TIMEOUT = 10.0


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect."""
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive: int = 30


def no_delay(client, userdata, sock) -> None:  # noqa: ARG001
    """Send each packet at once. paho leaves Nagle's algorithm on, which holds a small packet
    (an ack) back until the peer has acknowledged what went before it, and TCP's delayed ACK can
    make that wait tens of milliseconds: on a batch pipeline, time the sender sits idle."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass   # not a TCP socket (a test double, a Unix socket)


def new_client(client_id: str, ep: Endpoint) -> mqtt.Client:
    """A paho client for MQTT v5 with credentials and TLS set from `ep` (not yet connected),
    sending each packet without delay."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.on_socket_open = no_delay
    if ep.username:
        c.username_pw_set(ep.username, ep.password)
    if ep.tls:
        c.tls_set(ca_certs=str(ep.ca_file) if ep.ca_file else None,
                  certfile=str(ep.cert_file) if ep.cert_file else None,
                  keyfile=str(ep.key_file) if ep.key_file else None,
                  cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return c


def connect_properties(session_expiry: int) -> Properties:
    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = session_expiry
    return p


def publish_once(ep: Endpoint, client_id: str, messages: list[tuple[str, bytes, bool]],
                 timeout: float = PUBLISH_TIMEOUT) -> None:
    """Connect, publish each (topic, payload, retain) at QoS 1, wait for the broker's PUBACKs,
    disconnect. Raises SyncError naming what failed."""
    c = new_client(client_id, ep)
    connected = threading.Event()
    result: dict[str, object] = {}

    def on_connect(client, userdata, flags, rc, props):  # noqa: ARG001
        result["rc"] = rc
        connected.set()

    c.on_connect = on_connect
    try:
        c.connect(ep.host, ep.port, ep.keepalive, clean_start=True, properties=connect_properties(0))
    except (OSError, ssl.SSLError) as e:
        raise SyncError(f"cannot reach the broker at {ep.host}:{ep.port}: {e}") from None
    c.loop_start()
    try:
        if not connected.wait(timeout):
            raise SyncError(f"the broker at {ep.host}:{ep.port} did not answer in {timeout:.0f} s")
        rc = result["rc"]
        if getattr(rc, "is_failure", False):
            raise SyncError(f"the broker at {ep.host}:{ep.port} refused the connection: {rc}")
        infos = [c.publish(t, p, qos=1, retain=r) for t, p, r in messages]
        for info in infos:
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise SyncError(f"the broker did not confirm a publish within {timeout:.0f} s")
    finally:
        c.disconnect()
        c.loop_stop()
