"""A TCP proxy for tests and benchmarks: cut and restore a link, or make it slow.

    p = Proxy(target_port, bandwidth_bps=50_000, latency_s=0.5).start()   # p.port to connect to
    p.cut()        # drop every connection, refuse new ones (as a dead 3G link does)
    p.restore()
    p.stop()
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque

CHUNK = 1024


class _Pipe:
    """One direction of one connection: delivers chunks after the link's serialisation + latency."""

    def __init__(self, src: socket.socket, dst: socket.socket, proxy: "Proxy"):
        self.src, self.dst, self.proxy = src, dst, proxy
        self.q: deque = deque()
        self.cv = threading.Condition()
        self.closed = False
        self.link_free = 0.0

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

    def _read(self) -> None:
        p = self.proxy
        try:
            while True:
                data = self.src.recv(CHUNK)
                if not data:
                    break
                now = time.monotonic()
                if p.bandwidth_bps:
                    start = max(now, self.link_free)
                    self.link_free = start + len(data) * 8 / p.bandwidth_bps
                    at = self.link_free + p.latency_s
                else:
                    at = now + p.latency_s
                with self.cv:
                    self.q.append((at, data))
                    self.cv.notify()
                p.bytes += len(data)
        except OSError:
            pass
        with self.cv:
            self.closed = True
            self.cv.notify()

    def _write(self) -> None:
        try:
            while True:
                with self.cv:
                    while not self.q and not self.closed:
                        self.cv.wait()
                    if not self.q:
                        break
                    at, data = self.q.popleft()
                delay = at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.dst.sendall(data)
        except OSError:
            pass
        for s in (self.dst, self.src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Proxy:
    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1", bandwidth_bps: float = 0,
                 latency_s: float = 0.0):
        self.target = (target_host, target_port)
        self.bandwidth_bps = bandwidth_bps
        self.latency_s = latency_s
        self.bytes = 0
        self._up = threading.Event()
        self._up.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stopped = False

    def start(self) -> "Proxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns += [client, upstream]
            _Pipe(client, upstream, self).start()
            _Pipe(upstream, client, self).start()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore()`."""
        self._up.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def restore(self) -> None:
        self._up.set()

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        self._sock.close()
