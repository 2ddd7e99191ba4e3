"""User-space network faults and shaping between a station and the province server (this kernel has no netem).

``FaultProxy`` understands just enough HTTP/1.1 (Content-Length or chunked bodies, keep-alive) to act per
request: pass it, reset the connection while the request is half sent (the server never sees it whole), reset
it while the response is half delivered (the server committed, the station never heard), hold the response
past the client's read timeout, answer 500/503 itself before or after forwarding, or swallow a request forever
(a black hole, for the watchdog). A ``policy`` callable picks the fault for each request.

``ShapingProxy`` is a TCP relay with a bandwidth cap and one-way delay per direction, counting bytes on the wire
(HTTP heads included) in total and per request path (``by_path``: it reads each request line and pairs each
response with the request it answers, in order on its connection; HTTP/1.1 without pipelining is all we speak).
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

FAULTS = ("pass", "reset_request", "reset_response", "delay", "503_before", "500_after", "blackhole")
Policy = Callable[[bytes], str]  # request head -> fault name


def _listen() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def _hard_close(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a broken link or a crashed middlebox would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Reader:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def head(self) -> bytes | None:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        i = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:i], self.buf[i:]
        return head

    def exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("eof in body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError("eof in chunk")
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def body(self, head: bytes, *, response_to_head: bool = False) -> bytes:
        lower = head.lower()
        if response_to_head:
            return b""
        if b"transfer-encoding: chunked" in lower:
            out = b""
            while True:
                size_line = self.line()
                out += size_line
                size = int(size_line.split(b";")[0].strip(), 16)
                out += self.exact(size + 2)
                if size == 0:
                    return out
        for line in lower.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                return self.exact(int(line.split(b":")[1].strip()))
        return b""


@dataclass
class FaultStats:
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)


class FaultProxy:
    def __init__(self, upstream_port: int, policy: Policy | None = None, *, delay_s: float = 2.0):
        self.upstream_port = upstream_port
        self.policy: Policy = policy or (lambda head: "pass")
        self.delay_s = delay_s
        self.stats = FaultStats()
        self._lock = threading.Lock()
        self._sock = _listen()
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        self._conns: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True, name="faultproxy").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        for s in list(self._conns):
            _hard_close(s)

    def link_down(self) -> None:
        """The link goes away: connections are cut and new ones refused (as when the cable is out)."""
        self.close()

    def link_up(self) -> None:
        """The link returns on the same address."""
        self._closed = threading.Event()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self._sock = s
        threading.Thread(target=self._accept, daemon=True, name="faultproxy").start()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _count(self, fault: str) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._conns.add(client)
        try:
            creader = _Reader(client)
            ureader: _Reader | None = None
            while not self._closed.is_set():
                head = creader.head()
                if head is None:
                    return
                fault = self.policy(head)
                self._count(fault)
                if fault == "reset_request":
                    # Forward only part of the request, then break both sides.
                    if upstream is None:
                        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    upstream.sendall(head[: max(1, len(head) // 2)])
                    _hard_close(upstream)
                    _hard_close(client)
                    return
                body = creader.body(head)
                if fault == "503_before":
                    msg = b'{"code":"http.503","vi":"","en":"injected"}'
                    client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: " + str(len(msg)).encode() + b"\r\n\r\n" + msg)
                    continue
                if fault == "413_limit_500":  # a province older than 2,000 changes per request
                    msg = (b'{"code":"batch.too_large","vi":"T\xe1\xbb\x91i \xc4\x91a 500","en":"At most 500",'
                           b'"limit":500}')
                    client.sendall(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: " + str(len(msg)).encode() + b"\r\n\r\n" + msg)
                    continue
                if fault == "blackhole":
                    self._closed.wait(3600)  # hold the connection open, answer nothing
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    ureader = _Reader(upstream)
                assert ureader is not None
                upstream.sendall(head + body)
                rhead = ureader.head()
                if rhead is None:
                    _hard_close(client)
                    return
                rbody = ureader.body(rhead, response_to_head=head.startswith(b"HEAD "))
                if fault == "reset_response":
                    whole = rhead + rbody
                    client.sendall(whole[: random.randint(0, max(0, len(whole) - 1))])
                    _hard_close(client)
                    _hard_close(upstream)
                    return
                if fault == "500_after":
                    msg = b'{"code":"http.500","vi":"","en":"injected"}'
                    client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: " + str(len(msg)).encode() + b"\r\n\r\n" + msg)
                    continue
                if fault == "delay":
                    time.sleep(self.delay_s)
                client.sendall(rhead + rbody)
        except OSError:
            return
        finally:
            self._conns.discard(client)
            _hard_close(client)
            if upstream is not None:
                _hard_close(upstream)


def random_policy(rng: random.Random, fault_rate: float, faults: tuple[str, ...] = FAULTS[1:-1],
                  only_sync: bool = True) -> Policy:
    """Each request gets a random fault with probability ``fault_rate`` (``/v1/sync`` only, by default)."""
    lock = threading.Lock()

    def policy(head: bytes) -> str:
        if only_sync and b" /v1/sync " not in head.split(b"\r\n", 1)[0] + b" ":
            return "pass"
        with lock:
            return rng.choice(faults) if rng.random() < fault_rate else "pass"
    return policy


class _HttpMeter:
    """Splits one direction of an HTTP/1.1 connection into messages as its bytes pass (never holding them up) and
    tells which request path each byte belongs to. Requests name their path in the request line; a response
    belongs to the oldest request on the connection not answered yet (``paths``, shared by both directions)."""

    def __init__(self, paths: deque[str], *, requests: bool):
        self.paths = paths
        self.requests = requests
        self.buf = b""
        self.state = "head"  # head | body | chunk_size | chunk_data | trailer
        self.left = 0
        self.current = "?"

    def feed(self, data: bytes) -> list[tuple[str, int, bool]]:
        """Returns ``(path, bytes, starts_a_message)`` for ``data``, in order."""
        out: list[tuple[str, int, bool]] = []
        self.buf += data
        while self.buf:
            if self.state == "head":
                i = self.buf.find(b"\r\n\r\n")
                if i < 0:
                    if len(self.buf) > 65536:  # not HTTP: count it to the last path and stop parsing
                        out.append((self.current, len(self.buf), False))
                        self.buf = b""
                    break
                head, self.buf = self.buf[: i + 4], self.buf[i + 4:]
                first = head.split(b"\r\n", 1)[0].decode("latin-1")
                if self.requests:
                    parts = first.split(" ")
                    self.current = parts[1].split("?", 1)[0] if len(parts) > 1 else "?"
                    self.paths.append(self.current)
                else:
                    self.current = self.paths.popleft() if self.paths else "?"
                out.append((self.current, len(head), True))
                lower = head.lower()
                self.left = 0
                self.state = "head"
                if b"transfer-encoding: chunked" in lower:
                    self.state = "chunk_size"
                else:
                    for line in lower.split(b"\r\n"):
                        if line.startswith(b"content-length:"):
                            self.left = int(line.split(b":", 1)[1].strip())
                    if self.left:
                        self.state = "body"
            elif self.state in ("body", "chunk_data"):
                n = min(self.left, len(self.buf))
                out.append((self.current, n, False))
                self.buf, self.left = self.buf[n:], self.left - n
                if self.left == 0:
                    self.state = "head" if self.state == "body" else "chunk_size"
            else:  # chunk_size or trailer: one line at a time
                i = self.buf.find(b"\r\n")
                if i < 0:
                    break
                line, self.buf = self.buf[: i + 2], self.buf[i + 2:]
                out.append((self.current, len(line), False))
                if self.state == "trailer":
                    if line == b"\r\n":
                        self.state = "head"
                elif line.strip():
                    size = int(line.split(b";")[0].strip(), 16)
                    if size == 0:
                        self.state = "trailer"
                    else:
                        self.state, self.left = "chunk_data", size + 2  # the data and its CRLF
        return out


@dataclass
class PathTraffic:
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


class ShapingProxy:
    """TCP relay with ``kbps`` bandwidth per direction and ``rtt_ms / 2`` one-way delay; counts bytes."""

    def __init__(self, upstream_port: int, kbps: float, rtt_ms: float, chunk: int = 1460):
        self.upstream_port = upstream_port
        self.bytes_per_s = kbps * 1000 / 8
        self.one_way = rtt_ms / 2000
        self.chunk = chunk
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.by_path: dict[str, PathTraffic] = {}
        self._sock = _listen()
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        # One link shared by all connections, per direction: when the next byte may start.
        self._free_at = {"up": 0.0, "down": 0.0}
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="shaper").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.close()

    def reset_counts(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = self.connections = 0
            self.by_path = {}

    def counts(self) -> dict[str, object]:
        """Totals and the split by request path, as plain data (for a bench's JSON line)."""
        with self._lock:
            return {"bytes_up": self.bytes_up, "bytes_down": self.bytes_down, "connections": self.connections,
                    "requests": sum(t.requests for t in self.by_path.values()),
                    "by_path": {path: {"requests": t.requests, "bytes_up": t.bytes_up, "bytes_down": t.bytes_down}
                                for path, t in sorted(self.by_path.items())}}

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # A new TCP connection costs one round trip before the first byte (SYN, SYN-ACK).
            time.sleep(2 * self.one_way)
            paths: deque[str] = deque()
            for src, dst, direction in ((client, upstream, "up"), (upstream, client, "down")):
                queue: deque[tuple[float, bytes]] = deque()
                cond = threading.Condition()
                meter = _HttpMeter(paths, requests=direction == "up")
                threading.Thread(target=self._pump_in, args=(src, queue, cond, direction, meter),
                                 daemon=True).start()
                threading.Thread(target=self._pump_out, args=(dst, queue, cond), daemon=True).start()

    def _pump_in(self, src: socket.socket, queue: deque[tuple[float, bytes]], cond: threading.Condition,
                 direction: str, meter: _HttpMeter) -> None:
        while True:
            try:
                data = src.recv(self.chunk)
            except OSError:
                data = b""
            now = time.monotonic()
            if data:
                with self._lock:
                    start = max(now, self._free_at[direction])
                    done = start + len(data) / self.bytes_per_s
                    self._free_at[direction] = done
                    if direction == "up":
                        self.bytes_up += len(data)
                    else:
                        self.bytes_down += len(data)
                    for path, n, starts in meter.feed(data):
                        traffic = self.by_path.setdefault(path, PathTraffic())
                        if direction == "up":
                            traffic.bytes_up += n
                            traffic.requests += starts
                        else:
                            traffic.bytes_down += n
                deliver = done + self.one_way
            else:
                deliver = now + self.one_way
            with cond:
                queue.append((deliver, data))
                cond.notify()
            if not data:
                return

    def _pump_out(self, dst: socket.socket, queue: deque[tuple[float, bytes]], cond: threading.Condition) -> None:
        while True:
            with cond:
                while not queue:
                    cond.wait()
                deliver, data = queue.popleft()
            delay = deliver - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            try:
                dst.sendall(data)
            except OSError:
                return
