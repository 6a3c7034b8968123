"""The provincial receiver: a member of an MQTT v5 shared subscription on every commune's `up`
and `health` topics. For each message it validates, commits, and only then acknowledges.

paho's network thread only hands each message to the database thread, which validates what is
waiting, commits the batches among it together and publishes the acks; so the network thread is
always free to send an ack the moment its commit is done.

- `up` + batch: commit in one transaction (`CentralStore.commit_batches` with project=False: the
  versions go to the log and the projection queue), then publish the device's cumulative ack on
  `P/c/C/ack`. The database thread projects queued versions into the typed tables
  (`CentralStore.project`) once no message has come for `PROJECT_IDLE` seconds, so a burst is
  acknowledged first and indexed right after; under load that never pauses, it projects between
  commits once the projection is `PROJECT_MAX_LAG` seconds behind, as much as it committed.
- `up` + hello: answer with an authoritative ack (`resume`), then re-send the commune's pending
  down messages.
- `up` + down-ack: mark those down messages answered.
- `health` + heartbeat (or Last Will): update the device's state.
- Anything else, or anything invalid (bad envelope, schema, a payload claiming another commune
  than its topic): a quarantine row with the reason. Nothing raises out of the handler; a
  database failure is logged and nothing is acked, so the edge sends the batch again.

Receivers connect with session expiry 0 (see DESIGN.md rule 6).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt

from . import wire
from .central import PROJECT_CHUNK, CentralStore
from .errors import CentralStoreError, WireError
from .mqtt import Endpoint, connect_properties, new_client

log = logging.getLogger("sync.receiver")

RECONNECT_MIN_DELAY = 1
RECONNECT_MAX_DELAY = 30
CONNECT_TIMEOUT = 10.0
#: Messages waiting for the database thread; when full, the network thread waits (the broker then
#: holds further messages). What is queued but not committed is never acked, so a receiver that
#: dies loses nothing: the edges send it again.
WORK_QUEUE = 32
#: Messages that arrived together are validated and their batches committed in one transaction,
#: up to this many.
GROUP_COMMIT = 16
#: With nothing to do, look at the projection queue this often (another receiver may have left some).
PROJECT_POLL = 5.0
#: Project once no message has come for this long...
PROJECT_IDLE = 0.2
#: ...or, when messages keep coming, once the typed tables are this many seconds behind.
PROJECT_MAX_LAG = 30.0


@dataclass
class ReceiverStats:
    messages: int = 0
    batches: int = 0
    records: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    heartbeats: int = 0
    hellos: int = 0
    db_errors: int = 0
    connects: int = 0
    projected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Receiver:
    """One receiver process's MQTT side. `start()` connects in the background; `stop()` ends it."""

    def __init__(self, endpoint: Endpoint, store: CentralStore, *, topics: wire.Topics,
                 group: str = "receivers", client_id: str | None = None,
                 max_wire: int = wire.MAX_WIRE_BYTES, max_raw: int = wire.MAX_RAW_BYTES):
        self.endpoint = endpoint
        self.store = store
        self.topics = topics
        self.group = group
        self.client_id = client_id or f"province-receiver-{socket.gethostname()}-{os.getpid()}"
        self.max_wire = max_wire
        self.max_raw = max_raw
        self.stats = ReceiverStats()
        self.connected = threading.Event()
        self._work: "queue.Queue[tuple[str, bytes] | None]" = queue.Queue(WORK_QUEUE)
        self._worker: threading.Thread | None = None
        self._client = new_client(self.client_id, endpoint)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.reconnect_delay_set(RECONNECT_MIN_DELAY, RECONNECT_MAX_DELAY)

    # ---- lifecycle

    def start(self) -> None:
        """Connect (retrying in the background until the broker is there) and serve."""
        self._worker = threading.Thread(target=self._work_loop, name="receiver-db", daemon=True)
        self._worker.start()
        self._client.connect_async(self.endpoint.host, self.endpoint.port, self.endpoint.keepalive,
                                   clean_start=True, properties=connect_properties(0))
        self._client.loop_start()

    def wait_connected(self, timeout: float = CONNECT_TIMEOUT) -> bool:
        return self.connected.wait(timeout)

    def stop(self) -> None:
        """Disconnect, then finish what was already queued for the database."""
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()
        if self._worker is not None:
            self._work.put(None)
            self._worker.join(30)
            self._worker = None

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Serve until `stop` is set (or forever)."""
        self.start()
        try:
            while not (stop and stop.is_set()):
                time.sleep(0.5)
        finally:
            self.stop()

    # ---- paho callbacks (paho's network thread)

    def _on_connect(self, client, userdata, flags, rc, props):  # noqa: ARG002
        if rc.is_failure:
            log.error("broker refused the receiver's connection: %s", rc)
            return
        share = f"$share/{self.group}/"
        client.subscribe([(share + self.topics.prefix + "/c/+/up", 1),
                          (share + self.topics.prefix + "/c/+/health", 1)])
        with self.stats.lock:
            self.stats.connects += 1
        self.connected.set()
        log.info("receiver %s connected, subscribed as group %s", self.client_id, self.group)

    def _on_disconnect(self, client, userdata, flags, rc, props):  # noqa: ARG002
        self.connected.clear()
        log.warning("receiver disconnected: %s", rc)

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:  # noqa: ARG002
        self._work.put((msg.topic, msg.payload))

    # ---- validation

    def validate(self, topic: str, payload: bytes) -> tuple[str, wire.Message] | None:
        """Decode and check one message: (commune, message) to act on, or None when it was
        quarantined. Never raises for bad input."""
        try:
            with self.stats.lock:
                self.stats.messages += 1
            return self._validate(topic, payload)
        except Exception:  # the last line of defence: the loop must survive anything
            log.error("unexpected error on %s:\n%s", topic, traceback.format_exc())
            self._quarantine(topic, None, "internal error: " + traceback.format_exc(limit=3)[-500:], payload)
            return None

    def _validate(self, topic: str, payload: bytes) -> tuple[str, wire.Message] | None:
        try:
            commune, leaf = self.topics.parse(topic)
        except WireError as e:
            self._quarantine(topic, None, str(e), payload)
            return None
        if leaf == "health" and not payload:
            return None  # a cleared retained message
        try:
            msg = wire.decode(payload, max_wire=self.max_wire, max_raw=self.max_raw)
        except WireError as e:
            self._quarantine(topic, commune, str(e), payload)
            return None
        claimed = getattr(msg, "commune", commune)
        if claimed != commune:
            self._quarantine(topic, commune, f"payload claims commune {claimed!r} on the topic of {commune!r}",
                             payload)
            return None
        if leaf == "up" and isinstance(msg, (wire.Batch, wire.Hello, wire.DownAck)):
            return commune, msg
        if leaf == "health" and isinstance(msg, wire.Heartbeat):
            return commune, msg
        self._quarantine(topic, commune, f"unexpected {type(msg).__name__} message on {leaf!r}", payload)
        return None

    # ---- the database thread

    def _work_loop(self) -> None:
        behind_since: float | None = time.monotonic()   # None: the typed tables are up to date
        while True:
            try:
                first = self._work.get(timeout=PROJECT_IDLE if behind_since is not None else PROJECT_POLL)
            except queue.Empty:
                if behind_since is None:
                    behind_since = time.monotonic()     # look again: another receiver may have left some
                elif not self._project_while_idle():
                    behind_since = None
                continue
            if first is None:
                return
            if behind_since is None:
                behind_since = time.monotonic()
            waiting = [first]
            while len(waiting) < GROUP_COMMIT:          # take what has already arrived too
                try:
                    nxt = self._work.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._work.put(None)
                    break
                waiting.append(nxt)
            items = [v for v in (self.validate(topic, payload) for topic, payload in waiting) if v is not None]
            batches = [(c, m) for c, m in items if isinstance(m, wire.Batch)]
            try:
                inserted = self._batches(batches) if batches else 0
                if time.monotonic() - behind_since > PROJECT_MAX_LAG:
                    # messages never pause: keep the lag where it is by projecting what came in
                    if not self._project_up_to(max(inserted, PROJECT_CHUNK)):
                        behind_since = None
                for commune, msg in items:
                    if isinstance(msg, wire.Hello):
                        self._hello(commune, msg)
                    elif isinstance(msg, wire.DownAck):
                        self._db(lambda: self.store.record_down_results(msg), "down-ack")
                    elif isinstance(msg, wire.Heartbeat):
                        if self._db(lambda: self.store.record_heartbeat(msg), "heartbeat"):
                            with self.stats.lock:
                                self.stats.heartbeats += 1
            except Exception:  # the thread must survive anything
                log.error("unexpected error in the database thread:\n%s", traceback.format_exc())

    def _project_while_idle(self) -> bool:
        """Project chunk after chunk while no message waits. False once nothing is left."""
        while self._work.empty():
            if not self._project():
                return False
        return True

    def _project_up_to(self, todo: int) -> bool:
        """Project about `todo` versions. False once nothing is left."""
        while todo > 0:
            n = self._project(todo)
            if not n:
                return False
            todo -= n
        return True

    def _project(self, limit: int = PROJECT_CHUNK) -> int:
        """Project one chunk of at most `limit` versions; returns how many (0: none left, or
        the database failed, which is logged)."""
        try:
            n = self.store.project(min(limit, PROJECT_CHUNK))
        except CentralStoreError as e:
            log.error("%s (retrying in %.0f s)", e, PROJECT_POLL)
            with self.stats.lock:
                self.stats.db_errors += 1
            return 0
        with self.stats.lock:
            self.stats.projected += n
        return n

    def _batches(self, items: list[tuple[str, wire.Batch]]) -> int:
        """Commit and ack; returns how many record versions were new."""
        results = self.store.commit_batches([b for _, b in items], project=False)
        inserted = 0
        for (commune, batch), res in zip(items, results):
            if isinstance(res, Exception):
                with self.stats.lock:
                    self.stats.db_errors += 1
                log.error("not acked (the edge will send again): %s", res)
                continue
            inserted += res.inserted
            self._acked(commune, batch, res)
        return inserted

    def _acked(self, commune: str, batch: wire.Batch, res) -> None:
        with self.stats.lock:
            self.stats.batches += 1
            self.stats.records += res.inserted
            self.stats.duplicates += res.duplicates
            self.stats.conflicts += res.conflicts
        if res.conflicts:
            log.warning("%s/%s: %d conflicting record version(s) kept in conflicts", commune, batch.device,
                        res.conflicts)
        self._client.publish(self.topics.ack(commune), wire.encode(wire.Ack(batch.device, res.acked)), qos=1)

    def _hello(self, commune: str, hello: wire.Hello) -> None:
        try:
            acked = self.store.record_hello(hello)
            pending = self.store.pending_outbound(commune, hello.device)
            codes = self.store.recent_codes(commune, hello.device)
        except CentralStoreError as e:
            log.error("hello from %s/%s not answered: %s", commune, hello.device, e)
            return
        with self.stats.lock:
            self.stats.hellos += 1
        self._client.publish(self.topics.ack(commune),
                             wire.encode(wire.Ack(hello.device, acked, resume=True, codes=codes)), qos=1)
        for down in pending:
            self._client.publish(self.topics.down(commune), wire.encode(down), qos=1)

    def _db(self, fn, what: str) -> bool:
        try:
            fn()
            return True
        except CentralStoreError as e:
            log.error("%s not recorded: %s", what, e)
        except Exception as e:  # driver errors
            log.error("%s not recorded: %s", what, e)
        with self.stats.lock:
            self.stats.db_errors += 1
        return False

    def _quarantine(self, topic: str, commune: str | None, reason: str, payload: bytes) -> None:
        log.warning("quarantined a message on %s: %s", topic, reason)
        with self.stats.lock:
            self.stats.quarantined += 1
        try:
            self.store.quarantine(topic, commune, reason, payload)
        except Exception as e:  # noqa: BLE001 - the database is down: say so loudly, keep running
            log.error("could not even quarantine a message on %s (%s): %s", topic, reason, e)
