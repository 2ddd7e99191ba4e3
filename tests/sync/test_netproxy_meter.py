"""The shaping proxy's per-endpoint count (what bench/sync_link.py reports): every byte of a connection is given to
the request path it belongs to, heads included, whatever the pieces the bytes arrive in."""

from __future__ import annotations

from collections import deque

from tests.sync.netproxy import _HttpMeter


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def test_bytes_go_to_their_request_path() -> None:
    req1 = b"POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    req2 = b"POST /v1/audit?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    resp1 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    resp2 = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
    for size in (1, 3, 7, 1000):
        paths: deque[str] = deque()
        up, down = _HttpMeter(paths, requests=True), _HttpMeter(paths, requests=False)
        got: dict[str, list[int]] = {}
        for piece in _split(req1 + req2, size):
            for path, n, starts in up.feed(piece):
                got.setdefault(path, [0, 0, 0])[0] += n
                got[path][2] += starts
        for piece in _split(resp1 + resp2, size):
            for path, n, _ in down.feed(piece):
                got.setdefault(path, [0, 0, 0])[1] += n
        assert got == {"/v1/sync": [len(req1), len(resp1), 1], "/v1/audit": [len(req2), len(resp2), 1]}, size
