"""A plain MQTT v5 test client that records what it receives (for tests of several parts)."""

from __future__ import annotations

import queue
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sync.mqtt import no_delay


class Client:
    """Connects as `username` and collects (topic, payload) of every message in `messages`."""

    def __init__(self, port: int, username: str | None, password: str | None, client_id: str | None = None,
                 host: str = "127.0.0.1"):
        self.messages: "queue.Queue[tuple[str, bytes]]" = queue.Queue()
        self.connected = threading.Event()
        self.rc = None
        self.granted: list = []
        self._sub = threading.Event()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"test-{id(self)}",
                             protocol=mqtt.MQTTv5)
        if username:
            self.c.username_pw_set(username, password)
        self.c.on_connect = self._on_connect
        self.c.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.c.on_subscribe = self._on_subscribe
        self.c.on_socket_open = no_delay      # as the product's clients do
        self.c.connect(host, port, 30)
        self.c.loop_start()
        self.connected.wait(5)

    def _on_connect(self, c, u, flags, rc, props):
        self.rc = rc
        self.connected.set()

    def _on_subscribe(self, c, u, mid, rcs, props):
        self.granted = rcs
        self._sub.set()

    @property
    def ok(self) -> bool:
        return self.rc is not None and not self.rc.is_failure

    def subscribe(self, topic: str) -> list:
        self._sub.clear()
        self.c.subscribe(topic, qos=1)
        self._sub.wait(5)
        return self.granted

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.c.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def get(self, timeout: float = 5.0) -> tuple[str, bytes]:
        return self.messages.get(timeout=timeout)

    def drain(self, wait: float = 0.5) -> list[tuple[str, bytes]]:
        time.sleep(wait)
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait())
        return out

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()
