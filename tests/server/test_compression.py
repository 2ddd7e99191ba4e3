"""zstd negotiated both ways, gzip kept for older peers (docs/sync-protocol.md, "Compression").

The real server over HTTP (SQLite: the codings do not depend on the backend), and the station's ``SyncClient``
against it and against a stand-in for an older province that refuses zstd bodies with 415.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import zstandard

from station_client.sync import codings
from station_client.sync.client import SyncClient
from tests.server.client import Station, new_person
from tests.support.server import RunningServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = start_server(tmp_path_factory.mktemp("zstd"))
    yield srv
    srv.stop()


def post(station: Station, data: bytes, **headers: str) -> requests.Response:
    h = {**station.headers, "Content-Type": "application/json", **headers}
    return requests.post(station.server.url + "/v1/sync", data=data, headers=h, timeout=60, stream=True)


def assert_error(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["code"] == code and body["vi"] and body["en"], body
    assert "Traceback" not in r.text
    return dict(body)


def test_old_gzip_client_unchanged(server: RunningServer) -> None:
    """A station of an older release (gzip only) is answered as before: gzip, and no word about zstd."""
    a, b = Station.enroll(server, "06811"), Station.enroll(server, "06811")
    body = json.dumps({"cursor": 0, "changes": [new_person() for _ in range(40)]}).encode()
    r = post(a, gzip.compress(body), **{"Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["results"] == [1] * 40
    assert "accept-encoding" not in {k.lower() for k in r.headers}
    r = post(b, b'{"cursor": 0}', **{"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert len(json.loads(gzip.decompress(r.raw.read(decode_content=False)))["feed"]) == 40


def test_zstd_both_ways(server: RunningServer) -> None:
    a, b = Station.enroll(server, "00004"), Station.enroll(server, "00004")
    body = json.dumps({"cursor": 0, "changes": [new_person() for _ in range(40)]}).encode()
    r = post(a, zstandard.ZstdCompressor(level=19).compress(body),
             **{"Content-Encoding": "zstd", "Accept-Encoding": "zstd, gzip"})
    assert r.status_code == 200, r.text
    assert "Accept-Encoding" not in r.headers  # it sent zstd: it knows
    r = post(b, b'{"cursor": 0}', **{"Accept-Encoding": "zstd, gzip"})
    assert r.headers["Accept-Encoding"] == "zstd, gzip"  # RFC 7694: what the server decodes in requests
    assert r.headers["Content-Encoding"] == "zstd"
    raw = r.raw.read(decode_content=False)
    plain = codings.zstd_decompress(raw, 1 << 24)
    assert len(raw) < len(plain) / 2
    assert len(json.loads(plain)["feed"]) == 40
    # q-values are honoured: zstd refused, gzip taken
    r = post(b, b'{"cursor": 0}', **{"Accept-Encoding": "zstd;q=0, gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    # several frames in one body are one body (RFC 8878)
    half = len(body) // 2
    frames = codings.zstd_compress(body[:half]) + codings.zstd_compress(body[half:])
    assert post(a, frames, **{"Content-Encoding": "zstd"}).json()["results"][0]["status"] == "duplicate"


def test_zstd_bomb_refused(server: RunningServer) -> None:
    station = Station.enroll(server, "00008")
    bomb = zstandard.ZstdCompressor(level=3).compress(b'{"epoch": "' + b"a" * (64 * 1024 * 1024) + b'"}')
    assert len(bomb) < 200_000
    assert_error(post(station, bomb, **{"Content-Encoding": "zstd"}), 413, "body.too_large")
    # a frame with no declared size, streamed: bounded all the same
    streamed = zstandard.ZstdCompressor(level=3, write_content_size=False).compress(b" " * (9 * 1024 * 1024))
    assert_error(post(station, streamed, **{"Content-Encoding": "zstd"}), 413, "body.too_large")
    # a frame asking for a huge window (decoder memory) is refused as corrupt, not allocated
    params = zstandard.ZstdCompressionParameters.from_level(19, window_log=27, write_content_size=False)
    wide = zstandard.ZstdCompressor(compression_params=params).compress(bytes(range(256)) * 2 ** 16)
    assert_error(post(station, wide, **{"Content-Encoding": "zstd"}), 400, "body.zstd")


def test_corrupt_zstd(server: RunningServer) -> None:
    station = Station.enroll(server, "00025")
    body = assert_error(post(station, codings.ZSTD_MAGIC + b" not zstd at all", **{"Content-Encoding": "zstd"}),
                        400, "body.zstd")
    assert "zstd" in body["vi"] and "zstd" in body["en"] and body["vi"] != body["en"]
    whole = codings.zstd_compress(json.dumps({"cursor": 0, "changes": [new_person() for _ in range(10)]}).encode())
    assert_error(post(station, whole[: len(whole) // 2], **{"Content-Encoding": "zstd"}), 400, "body.zstd")
    assert_error(post(station, b"", **{"Content-Encoding": "zstd"}), 400, "body.zstd")


def test_unknown_coding_says_what_is_accepted(server: RunningServer) -> None:
    station = Station.enroll(server, "00070")
    r = post(station, b"xx", **{"Content-Encoding": "br"})
    assert_error(r, 415, "body.encoding")
    assert r.headers["Accept-Encoding"] == "zstd, gzip"


def test_station_client_learns_zstd(server: RunningServer) -> None:
    """The station's client sends gzip until an answer says zstd is decoded, then zstd; it reads zstd answers."""
    info = server.enroll("00073")
    learned: list[bool] = []
    client = SyncClient(server.url, info["token"], on_zstd_up=learned.append)
    assert not client.zstd_up
    answer = client.exchange({"protocol": 1, "cursor": 0, "changes": [new_person() for _ in range(20)]})
    assert answer["results"] == [1] * 20 and client.zstd_up and learned == [True]
    sent = client.stats.body_bytes_up
    answer = client.exchange({"protocol": 1, "cursor": 0, "changes": [new_person() for _ in range(20)]})
    assert answer["results"] == [1] * 20
    other = SyncClient(server.url, server.enroll("00073")["token"], zstd_up=True)
    page = other.exchange({"protocol": 1, "cursor": 0, "limit": 1000, "changes": []})
    assert len(page["feed"]) == 40  # a zstd answer, decoded
    assert client.stats.body_bytes_up - sent < sent  # the zstd body is smaller than the gzip one
    client.close()
    other.close()


class _OldProvince(BaseHTTPRequestHandler):
    """An older province: gzip only, 415 for anything else (no Accept-Encoding in its answers)."""

    seen: list[str] = []

    def do_POST(self) -> None:
        coding = self.headers.get("Content-Encoding", "identity")
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).seen.append(coding)
        if coding not in ("gzip", "identity"):
            status, body = 415, {"code": "body.encoding", "vi": "Kiểu nén không được hỗ trợ.", "en": "Unsupported."}
        else:
            status, body = 200, {"ok": True}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_station_client_falls_back_to_gzip(tmp_path: Path) -> None:
    """A station that remembered zstd meets a province that no longer decodes it: the body goes again in gzip,
    and the station forgets zstd (no request is lost, none is refused)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _OldProvince)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        learned: list[bool] = []
        client = SyncClient(f"http://127.0.0.1:{httpd.server_address[1]}", "st_token", zstd_up=True,
                            on_zstd_up=learned.append)
        big = {"changes": [new_person() for _ in range(20)]}
        assert client.exchange(big) == {"ok": True}
        assert client.exchange(big) == {"ok": True}
        assert _OldProvince.seen == ["zstd", "gzip", "gzip"] and learned == [False] and not client.zstd_up
        client.close()
    finally:
        httpd.shutdown()
