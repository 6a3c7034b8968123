"""The appliance's sync agent: ships the outbox up, applies what the province sends down.

One class owns the paho client (`Agent`); paho's network thread only turns callbacks into events on a
queue, and the agent's own thread does every store access. The rules (docs/protocol.md):

- outbox rows go up in seq order as batches, at most `window` batches unacknowledged at a time;
- rows are marked synced only by the receiver's cumulative ack (sent after its commit);
- anything unacked after `ack_timeout` seconds, or at a reconnect, is sent again from the last ack;
- after each connect a hello tells the province where the edge stands; its authoritative answer
  (`Ack.resume`) may move the edge back (a province restored from backup): acked rows are then
  un-acked with `edge.outbox.rewind` and sent again;
- down messages (decisions, online hand-overs, resume, config) are applied once each (the message
  id is remembered in the store with the change it made) and answered with a down-ack;
- documents (retained, versioned) go to `edge.catalogue/calendar/forms.import_document`; an older or
  repeated version changes nothing;
- a retained heartbeat on the health topic; the Last Will replaces it with "offline".

paho keeps nothing on disk: the durable state is the store (outbox, meta).
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from edge import outbox, status as edge_status
from edge.config import Section, read_secret
from edge.errors import EdgeError

from . import wire
from .config import BrokerUrl, parse_broker_url
from .errors import SyncError, SyncTimeout, WireError
from .mqtt import Endpoint, connect_properties, new_client

log = logging.getLogger("sync.agent")

# Timing and sizing defaults (module level so tests can shorten them; config keys override).
ACK_TIMEOUT = 30.0
HELLO_TIMEOUT = 10.0
HEARTBEAT_INTERVAL = 60.0
RECONNECT_MIN_DELAY = 1
RECONNECT_MAX_DELAY = 60
TICK = 0.05
STATUS_WRITE_INTERVAL = 2.0
BATCH_ROWS = 1000
BATCH_BYTES = 512_000
#: what a row adds to a batch besides its record text (its [seq, tbl, id, version, hlc] head)
ROW_OVERHEAD = 120
WINDOW = 8
SESSION_EXPIRY = 30 * 24 * 3600
ONCE_TIMEOUT = 300.0
DOWN_MARK = "sync.down."
STATUS_KEY = edge_status.SYNC_STATUS_KEY
LINK_KEY = edge_status.SYNC_LINK_KEY
#: link up/down changes kept in the status for the kiosk's sync screen
LINK_HISTORY = 20
DEVICE_KEY = "sync.device"
#: On a fast link bytes are cheap and compression is what holds a catch-up back: once acks come
#: back at more than FAST_LINK_BYTES_S of compressed batches per second, batches are compressed at
#: FAST_COMPRESSION_LEVEL instead of `compression_level` (which a new connection starts with).
FAST_LINK_BYTES_S = 1_000_000
FAST_COMPRESSION_LEVEL = 1
#: the link's rate is measured over acks of about this many seconds
RATE_WINDOW_S = 2.0


@dataclass(frozen=True)
class SyncSettings:
    """The `[sync]` table of commune.toml, validated."""
    broker: BrokerUrl
    username: str | None
    password_file: Path | None
    ca_file: Path | None
    cert_file: Path | None
    key_file: Path | None
    topic_prefix: str
    client_id: str | None
    session_expiry: int
    keepalive: int
    batch_rows: int
    batch_bytes: int
    window: int
    ack_timeout: float
    heartbeat_interval: float
    compression_level: int = wire.ZSTD_LEVEL
    source: str = ""

    KEYS = ("broker", "username", "password_file", "ca_file", "cert_file", "key_file", "topic_prefix",
            "client_id", "session_expiry", "keepalive", "batch_rows", "batch_bytes", "window", "ack_timeout_s",
            "heartbeat_s", "compression_level")

    @classmethod
    def from_section(cls, s: Section, *, province: str, commune: str, check_files: bool = True) -> "SyncSettings":
        """Validate `[sync]`. Raises ConfigError naming file and key."""
        s.known(*cls.KEYS)
        broker = parse_broker_url(s, "broker")
        password_file = s.path("password_file", None, must_exist=check_files)
        username = s.str("username", None)
        if password_file is not None and username is None:
            raise s.error("username", "the broker user name (the commune code) when password_file is set")
        cert = s.path("cert_file", None, must_exist=check_files)
        key = s.path("key_file", None, must_exist=check_files)
        if (cert is None) != (key is None):
            raise s.error("key_file" if key is None else "cert_file", "cert_file and key_file given together")
        if broker.tls is False and (cert is not None or s.path("ca_file", None) is not None):
            raise s.error("broker", "an mqtts:// URL when ca_file/cert_file are set", str(broker))
        prefix = s.str("topic_prefix", f"vn/{province}")
        if any(ch in prefix for ch in "+#$") or prefix.startswith("/") or prefix.endswith("/"):
            raise s.error("topic_prefix", "topic levels without +, #, $ or leading/trailing /", prefix)
        return cls(
            broker=broker, username=username, password_file=password_file,
            ca_file=s.path("ca_file", None, must_exist=check_files), cert_file=cert, key_file=key,
            topic_prefix=prefix, client_id=s.str("client_id", None),
            session_expiry=s.int("session_expiry", SESSION_EXPIRY, min=60, max=0xFFFFFFFF),
            keepalive=s.int("keepalive", 30, min=5, max=3600),
            batch_rows=s.int("batch_rows", BATCH_ROWS, min=1, max=20_000),
            batch_bytes=s.int("batch_bytes", BATCH_BYTES, min=1024, max=wire.MAX_RAW_BYTES // 2),
            window=s.int("window", WINDOW, min=1, max=64),
            ack_timeout=s.float("ack_timeout_s", ACK_TIMEOUT, min=0.1, max=3600),
            heartbeat_interval=s.float("heartbeat_s", HEARTBEAT_INTERVAL, min=0.1, max=86400),
            compression_level=s.int("compression_level", wire.ZSTD_LEVEL, min=wire.ZSTD_LEVELS[0],
                                    max=wire.ZSTD_LEVELS[-1]),
            source=s.source)

    def endpoint(self) -> Endpoint:
        """Connection details, reading the password file (must be mode 0600). Raises ConfigError."""
        password = None
        if self.password_file is not None:
            password = read_secret(Section(self.source, "sync", {"password_file": str(self.password_file)}),
                                   "password_file")
        return Endpoint(self.broker.host, self.broker.port, self.username, password, tls=self.broker.tls,
                        ca_file=self.ca_file, cert_file=self.cert_file, key_file=self.key_file,
                        keepalive=self.keepalive)


@dataclass
class AgentStats:
    batches_sent: int = 0
    rows_sent: int = 0
    bytes_sent: int = 0
    resends: int = 0
    acks: int = 0
    rewinds: int = 0
    connects: int = 0
    downs_applied: int = 0
    downs_refused: int = 0
    documents_installed: int = 0
    documents_refused: int = 0
    fast_batches: int = 0          # compressed at FAST_COMPRESSION_LEVEL (fast link)


@dataclass
class _InFlight:
    first: int
    last: int
    sent_at: float
    size: int              # compressed bytes on the wire


def _utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Agent:
    """Sync one store with the province. `run()` blocks until stopped (or drained, with once=True)."""

    def __init__(self, store: Any, settings: SyncSettings, *, software: str = ""):
        self.store = store
        self.settings = settings
        self.commune = store.commune.code
        self.topics = wire.Topics(settings.topic_prefix)
        self.software = software or _software_version()
        self.device = store.meta_get(DEVICE_KEY) or store.device_id
        self.client_id = settings.client_id or f"ce-{self.commune}-{self.device}"
        self.stats = AgentStats()
        self.events: "queue.Queue[tuple]" = queue.Queue()
        self.connected = False
        self._history: list[dict[str, Any]] = _prior_history(store)
        self._history_state: bool | None = None
        self._stop = threading.Event()
        self._acked = outbox.stats(store).last_acked_seq
        self._cursor = self._acked
        self._inflight: list[_InFlight] = []
        self._window = settings.window      # shrinks on timeouts, grows back on acks
        self._ack_to = self._acked          # highest ack received, applied once per loop turn
        self._acked_bytes: list[tuple[float, int]] = []   # (when, compressed bytes) of recent acks
        self._hello_sent_at: float | None = None
        self._ready = False
        self._last_heartbeat = 0.0
        self._last_status_write = 0.0
        self._last_contact: str | None = None
        self._last_error: str | None = None
        self._was_empty = False
        self._client = None

    # ---- the paho side (network thread: only enqueue)

    def _make_client(self):
        ep = self.settings.endpoint()
        c = new_client(self.client_id, ep)
        c.will_set(self.topics.health(self.commune), wire.encode(
            wire.Heartbeat(self.commune, self.device, False, software=self.software)), qos=1, retain=True)
        c.reconnect_delay_set(RECONNECT_MIN_DELAY, RECONNECT_MAX_DELAY)
        c.max_inflight_messages_set(max(20, self.settings.window * 2 + 4))
        c.on_connect = lambda cl, u, flags, rc, props: self.events.put(
            ("connect", rc, bool(getattr(flags, "session_present", False))))
        c.on_disconnect = lambda cl, u, flags, rc, props: self.events.put(("disconnect", rc))
        c.on_message = lambda cl, u, m: self.events.put(("message", m.topic, bytes(m.payload)))
        return c, ep

    def start(self) -> None:
        """Connect in the background (paho retries with backoff until the broker is reachable)."""
        self._client, ep = self._make_client()
        self._client.connect_async(ep.host, ep.port, ep.keepalive, clean_start=False,
                                   properties=connect_properties(self.settings.session_expiry))
        self._client.loop_start()

    def stop(self) -> None:
        self._stop.set()

    def _shutdown(self) -> None:
        c = self._client
        if c is None:
            return
        if self.connected:
            try:
                c.publish(self.topics.health(self.commune), wire.encode(
                    wire.Heartbeat(self.commune, self.device, False, at=_utc(), software=self.software)),
                    qos=1, retain=True).wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        c.disconnect()
        c.loop_stop()
        self.connected = False
        self._write_status(force=True)

    # ---- the agent's loop (its own thread)

    def run(self, *, once: bool = False, timeout: float | None = None) -> AgentStats:
        """Serve until `stop()`; with once=True return when every outbox row is acked.
        Raises SyncTimeout (once) when that does not happen within `timeout` seconds."""
        deadline = time.monotonic() + (timeout if timeout is not None else ONCE_TIMEOUT) if once else None
        self.start()
        try:
            while not self._stop.is_set():
                try:
                    ev = self.events.get(timeout=TICK)
                    self._event(ev)
                    while True:   # take what is queued before doing periodic work
                        self._event(self.events.get_nowait())
                except queue.Empty:
                    pass
                self._tick()
                if once and self._drained():
                    return self.stats
                if deadline is not None and time.monotonic() > deadline:
                    st = outbox.stats(self.store)
                    why = ("never connected to the broker" if self.stats.connects == 0 else
                           "connected but not all batches were acknowledged")
                    raise SyncTimeout(f"sync --once: {st.pending} record change(s) still unsynced after "
                                      f"{timeout if timeout is not None else ONCE_TIMEOUT:.0f} s ({why}; "
                                      f"broker {self.settings.broker}"
                                      + (f"; last error: {self._last_error}" if self._last_error else "") + ")")
            return self.stats
        finally:
            self._shutdown()

    def _drained(self) -> bool:
        return self._ready and not self._inflight and not outbox.pending(self.store, 0, limit=1)

    def _event(self, ev: tuple) -> None:
        kind = ev[0]
        if kind == "connect":
            rc = ev[1]
            if rc.is_failure:
                self._last_error = f"broker refused the connection: {rc}"
                log.error("%s", self._last_error)
                return
            self.connected = True
            self.stats.connects += 1
            self._last_error = None
            c = self._client
            c.subscribe([(self.topics.ack(self.commune), 1), (self.topics.down(self.commune), 1),
                         (self.topics.documents(), 1)])
            # Whatever was in flight is sent again from the last ack (after the hello's answer).
            self._inflight.clear()
            self._acked_bytes.clear()       # a new connection may be another link
            self._cursor = self._acked
            self._ready = False
            self._hello_sent_at = time.monotonic()
            st = outbox.stats(self.store)
            c.publish(self.topics.up(self.commune), wire.encode(wire.Hello(
                self.commune, self.device, self._acked, st.last_seq, self.software)), qos=1)
            self._heartbeat()
            self._write_status(force=True)
            log.info("connected to %s (session present: %s)", self.settings.broker, ev[2])
        elif kind == "disconnect":
            if self.connected:
                log.warning("disconnected: %s", ev[1])
            self.connected = False
            self._ready = False
            self._inflight.clear()
            self._last_error = f"disconnected: {ev[1]}"
            self._write_status(force=True)
        elif kind == "message":
            self._message(ev[1], ev[2])

    def _tick(self) -> None:
        if self._ack_to > self._acked:
            self._mark(self._ack_to)
        if not self.connected:
            return
        now = time.monotonic()
        if not self._ready and self._hello_sent_at is not None and now - self._hello_sent_at > HELLO_TIMEOUT:
            log.warning("no answer to hello in %.0f s: sending from the last ack (%d)", HELLO_TIMEOUT, self._acked)
            self._ready = True
        if self._ready:
            if self._inflight and now - self._inflight[0].sent_at > self.settings.ack_timeout:
                log.warning("no ack for seq %d..%d in %.1f s: sending again from %d", self._inflight[0].first,
                            self._inflight[0].last, self.settings.ack_timeout, self._acked)
                self.stats.resends += 1
                self._window = max(1, self._window // 2)
                self._inflight.clear()
                self._cursor = self._acked
            self._fill_window()
        if now - self._last_heartbeat > self.settings.heartbeat_interval:
            self._heartbeat()
        self._write_status()

    def _fill_window(self) -> None:
        while len(self._inflight) < self._window:
            take = outbox.pending_batch(self.store, self._cursor, self.settings.batch_rows,
                                        self.settings.batch_bytes, ROW_OVERHEAD)
            if not take:
                if not self._inflight and not self._was_empty:
                    self._was_empty = True
                    self._heartbeat()          # tell the province the backlog is gone
                return
            self._was_empty = False
            first = self._cursor + 1
            fast = self.link_rate() >= FAST_LINK_BYTES_S
            try:
                payload = wire.encode_batch_rows(self.commune, self.device, first, take,
                                                 FAST_COMPRESSION_LEVEL if fast else self.settings.compression_level)
            except WireError as e:
                # A row too large for the wire: never dropped, never skipped; stay stuck and say so.
                error = f"outbox seq {take[0][0]} cannot be sent: {e}"
                if error != self._last_error:
                    log.error("%s", error)
                self._last_error = error
                return
            self._client.publish(self.topics.up(self.commune), payload, qos=1)
            self._inflight.append(_InFlight(first, take[-1][0], time.monotonic(), len(payload)))
            self._cursor = take[-1][0]
            self.stats.fast_batches += fast
            self.stats.batches_sent += 1
            self.stats.rows_sent += len(take)
            self.stats.bytes_sent += len(payload)

    # ---- incoming messages

    def _message(self, topic: str, payload: bytes) -> None:
        if topic.startswith(self.topics.prefix + "/all/"):
            self._document(topic, payload)
            return
        try:
            msg = wire.decode(payload)
        except WireError as e:
            log.error("refused a message on %s: %s", topic, e)
            return
        if topic == self.topics.ack(self.commune) and isinstance(msg, wire.Ack):
            self._ack(msg)
        elif topic == self.topics.down(self.commune) and isinstance(msg, wire.Down):
            self._down(msg)
        else:
            log.error("refused an unexpected %s on %s", type(msg).__name__, topic)

    def _ack(self, ack: wire.Ack) -> None:
        if ack.device != self.device:
            return
        self._last_contact = _utc()
        self.stats.acks += 1
        if ack.resume:
            self._ack_to = 0
            if ack.codes:
                from edge import dossiers
                dossiers.raise_code_floors(self.store, ack.codes)
            self._resume(ack.upto)
            self._ready = True
            return
        self._ack_to = max(self._ack_to, ack.upto)

    def _mark(self, upto: int) -> None:
        outbox.ack_upto(self.store, upto)
        self._ack_to = max(self._ack_to, upto)
        self._window = min(self.settings.window, self._window + 1)
        self._acked = upto
        self._cursor = max(self._cursor, upto)
        done = sum(f.size for f in self._inflight if f.last <= upto)
        if done:
            now = time.monotonic()
            self._acked_bytes = [a for a in self._acked_bytes if now - a[0] <= RATE_WINDOW_S] + [(now, done)]
        self._inflight = [f for f in self._inflight if f.last > upto]

    def link_rate(self) -> float:
        """Compressed bytes per second acknowledged over the last RATE_WINDOW_S (0 until two acks
        of this connection say otherwise)."""
        now = time.monotonic()
        recent = [(t, n) for t, n in self._acked_bytes if now - t <= RATE_WINDOW_S]
        if len(recent) < 2:
            return 0.0
        span = max(now - recent[0][0], 0.05)
        return sum(n for _, n in recent[1:]) / span

    def _resume(self, upto: int) -> None:
        """The province says it holds everything up to `upto` (authoritative)."""
        last = outbox.last_seq(self.store)
        if upto > last:
            # The province holds seqs this store never issued: the store was restored from an older
            # backup. Its new rows would reuse seqs the province already has, so continue under a
            # fresh device identity (conflicting record versions then show up as conflicts).
            from edge import ids
            new = ids.uuid7()
            log.error("the province holds seq %d but this store's last seq is %d (restored from an older "
                      "backup?): continuing as device %s", upto, last, new)
            with self.store.atomic(check_disk=False):
                self.store.meta_set(DEVICE_KEY, new)
            self.device = new
            self._ack_to = 0
            outbox.rewind(self.store, 0)
            self._acked = 0
            self._cursor = 0
            self._inflight.clear()
            self.stats.rewinds += 1
            self._client.publish(self.topics.up(self.commune), wire.encode(wire.Hello(
                self.commune, self.device, 0, last, self.software)), qos=1)
            return
        if upto < self._acked:
            n = outbox.rewind(self.store, upto)
            log.warning("the province holds only up to seq %d (we had %d acked): %d row(s) to send again",
                        upto, self._acked, n)
            self.stats.rewinds += 1
            self._acked = upto
            self._cursor = upto
            self._inflight.clear()
        elif upto > self._acked:
            self._mark(upto)

    def _down(self, msg: wire.Down) -> None:
        if msg.device is not None and msg.device != self.device:
            return
        self._last_contact = _utc()
        mark = DOWN_MARK + msg.id
        done = self.store.meta_get(mark)
        if done is None:
            outcome, reason = self._apply(msg)
            if outcome == "applied":
                self.stats.downs_applied += 1
            else:
                self.stats.downs_refused += 1
        else:
            rec = json.loads(done)
            outcome, reason = rec["outcome"], rec.get("reason", "")
        self._client.publish(self.topics.up(self.commune), wire.encode(wire.DownAck(
            self.commune, self.device, (wire.DownResult(msg.id, outcome, reason[:500]),))), qos=1)

    def _apply(self, msg: wire.Down) -> tuple[str, str]:
        """Apply a down message and remember it, in one transaction. Returns (outcome, reason)."""
        mark = DOWN_MARK + msg.id
        try:
            with self.store.atomic():
                self._apply_body(msg)
                self.store.meta_set(mark, json.dumps({"outcome": "applied", "at": _utc()}))
            log.info("applied %s %s", msg.type, msg.id)
            return "applied", ""
        except EdgeError as e:
            reason = str(e)
            log.error("refused %s %s: %s", msg.type, msg.id, reason)
            try:
                with self.store.atomic(check_disk=False):
                    self.store.meta_set(mark, json.dumps({"outcome": "refused", "reason": reason[:500],
                                                          "at": _utc()}))
            except EdgeError:
                pass
            return "refused", reason

    def _apply_body(self, msg: wire.Down) -> None:
        b = msg.body
        if msg.type == "decision":
            from edge import dossiers
            dossiers.transition(self.store, b["dossier_id"], b["status"], actor=b.get("actor") or "province",
                                note=b.get("note") or None)
        elif msg.type == "hand_over":
            from edge import dossiers
            d = b["dossier"]
            kwargs = hand_over_arguments(d)
            dossiers.receive(self.store, actor="province", channel="online", portal_id=b["portal_id"], **kwargs)
        elif msg.type == "resume":
            self._resume(int(b["from_seq"]))
        elif msg.type == "config":
            self.store.meta_set("province_config", json.dumps(b["settings"], ensure_ascii=False, sort_keys=True))

    def _document(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        try:
            doc = wire.decode(payload)
            if not isinstance(doc, wire.Document) or topic != self.topics.document(doc.kind):
                raise WireError(f"expected a document for {topic}")
        except WireError as e:
            self.stats.documents_refused += 1
            log.error("refused a document on %s: %s", topic, e)
            return
        try:
            module = _document_module(doc.kind)
            version = module.import_document(self.store, doc.doc, source=f"province {topic} v{doc.version}")
            self.stats.documents_installed += 1
            log.info("installed %s version %s", doc.kind, version)
        except EdgeError as e:
            if type(e).__name__ == "StaleDocument":
                log.debug("%s version %s already installed", doc.kind, doc.version)
                return
            self.stats.documents_refused += 1
            log.error("refused %s version %s: %s", doc.kind, doc.version, e)

    # ---- heartbeat and status

    def _heartbeat(self) -> None:
        self._last_heartbeat = time.monotonic()
        if not self.connected:
            return
        self._client.publish(self.topics.health(self.commune), wire.encode(self.heartbeat()), qos=1, retain=True)

    def heartbeat(self) -> wire.Heartbeat:
        st = outbox.stats(self.store)
        age = None
        if st.oldest_pending_at:
            try:
                then = datetime.fromisoformat(st.oldest_pending_at.replace("Z", "+00:00"))
                age = round(max(0.0, (datetime.now(timezone.utc) - then).total_seconds()), 1)
            except ValueError:
                age = None
        try:
            free = shutil.disk_usage(Path(self.store.path).parent).free // (1024 * 1024)
        except OSError:
            free = None
        try:
            from edge import catalogue
            cat = catalogue.current_version(self.store)
        except Exception:  # noqa: BLE001 - a heartbeat must not fail on a missing part
            cat = None
        return wire.Heartbeat(self.commune, self.device, True, at=_utc(), backlog=st.pending,
                              oldest_pending_age_s=age, last_acked_seq=st.last_acked_seq, free_disk_mb=free,
                              hlc=int(getattr(self.store.hlc, "last", 0)), clock=_utc(), software=self.software,
                              catalogue_version=cat, extra=self._device_extra())

    def _write_status(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_status_write < STATUS_WRITE_INTERVAL:
            return
        self._last_status_write = now
        if self.connected != self._history_state:
            self._history_state = self.connected
            self._history.append({"at": _utc(), "state": "up" if self.connected else "down",
                                  "detail": "" if self.connected else (self._last_error or "")[:200]})
            del self._history[:-LINK_HISTORY]
        state = {"connected": self.connected, "broker": str(self.settings.broker), "device": self.device,
                 "acked_seq": self._acked, "last_contact_at": self._last_contact, "last_error": self._last_error,
                 "updated_at": _utc(), "history": self._history}
        try:
            with self.store.atomic(check_disk=False):
                self.store.meta_set(STATUS_KEY, json.dumps(state, ensure_ascii=False))
                self.store.meta_set(LINK_KEY, "1" if self.connected else "0")
        except EdgeError as e:
            log.warning("could not record the sync status: %s", e)

    def _device_extra(self) -> dict[str, Any]:
        """Printer, modem and backup state for the heartbeat, from what their services last wrote
        (the hardware status file, the backup supervisor's state); never opens a device."""
        extra: dict[str, Any] = {"commune_name": self.store.commune.name}
        config = getattr(self.store, "config", None)
        if config is None:
            return extra
        hw = edge_status.hardware_report(config.data_dir)
        if hw is not None:
            for d in hw.get("devices") or []:
                if isinstance(d, dict) and d.get("name") in ("printer", "modem", "scanner"):
                    state = ("ok" if d.get("ok") else "not configured" if not d.get("configured")
                             else (d.get("detail") or "fault"))
                    extra[d["name"]] = {"state": str(state)[:120]}
            modem = hw.get("modem")
            if isinstance(modem, dict):
                extra.setdefault("modem", {}).update(
                    {k: modem.get(k) for k in ("signal_dbm", "bars", "operator", "registered", "technology")})
        try:
            from edge import backup
            b = backup.replication_state(config, probe_replica=False)
            extra["backup"] = {k: b.get(k) for k in ("configured", "ok", "lag_txids", "last_replicated_at",
                                                      "error")}
        except Exception as e:  # noqa: BLE001 - a heartbeat must not fail on a missing part
            extra["backup"] = {"ok": False, "error": str(e)[:200]}
        return extra


def _prior_history(store: Any) -> list[dict[str, Any]]:
    """The link history recorded by an earlier run (it outlives restarts)."""
    history = edge_status.sync_state(store).get("history")
    return [h for h in history if isinstance(h, dict)][-LINK_HISTORY:] if isinstance(history, list) else []


def hand_over_arguments(d: dict[str, Any]) -> dict[str, Any]:
    """Turn a portal dossier ({procedure_code, applicant: {...}, documents, note}) into the keyword
    arguments of `edge.dossiers.receive`. Raises ValidationError naming a missing field."""
    from edge.citizens import Applicant
    from edge.errors import ValidationError
    if not isinstance(d.get("procedure_code"), str):
        raise ValidationError("hand-over: procedure_code is missing", {"procedure_code": "required"})
    a = d.get("applicant") if isinstance(d.get("applicant"), dict) else {
        k[len("applicant_"):]: v for k, v in d.items() if k.startswith("applicant_")}
    if "name" in a and "full_name" not in a:
        a["full_name"] = a.pop("name")
    dob = a.get("dob")
    if isinstance(dob, str) and dob:
        try:
            dob = date.fromisoformat(dob)
        except ValueError:
            raise ValidationError(f"hand-over: applicant dob {dob!r} is not YYYY-MM-DD", {"dob": dob}) from None
    applicant = Applicant(full_name=str(a.get("full_name") or ""), id_number=a.get("id_number"), dob=dob or None,
                          sex=a.get("sex"), address=a.get("address"), phone=a.get("phone"))
    docs = d.get("documents") or []
    if isinstance(docs, str):
        docs = json.loads(docs) if docs.startswith("[") else [docs]
    return {"procedure_code": d["procedure_code"], "applicant": applicant,
            "documents": [str(x) for x in docs], "note": d.get("note")}


def _document_module(kind: str):
    import importlib
    try:
        return importlib.import_module(f"edge.{kind}")
    except ImportError:
        raise SyncError(f"this software cannot install {kind} documents (edge.{kind} is missing)") from None


def _software_version() -> str:
    try:
        from edge import __version__
        return __version__
    except ImportError:
        return ""
