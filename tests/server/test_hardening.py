"""Sync hardening at the province: per-station rate limits (429 + Retry-After), oversized bodies refused early
(declared or streamed), every station request and refusal logged with the station id and no personal data, a
station token kept away from admin endpoints and other communes, and the cached token lookup still honouring a
revocation or rotation at once (also across the PostgreSQL server's two workers and from the CLI)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.server.client import Station, new_person
from tests.support.server import RunningServer, start_server


def _log_entries(server: RunningServer) -> list[dict]:
    return [json.loads(x) for x in server.log_path.read_text().splitlines() if x.startswith('{"ts"')]


def _whoami(server: RunningServer, token: str) -> requests.Response:
    return requests.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=30)


ADMIN_CALLS = [("GET", "/v1/admin/stations", None), ("POST", "/v1/admin/stations", {"commune_code": "07069"}),
               ("POST", "/v1/admin/stations/07069-01/revoke", None), ("GET", "/v1/admin/stats", None),
               ("GET", "/v1/admin/records/person/x", None), ("PUT", "/v1/admin/records/person/x", {"fields": {}}),
               ("POST", "/v1/admin/reference/procedure", {"records": []}), ("POST", "/v1/bundles/import", {})]


def test_station_token_reaches_no_admin_endpoint_nor_another_commune(server: RunningServer,
                                                                     new_commune: Callable[[], str]) -> None:
    mine, other = Station.enroll(server, new_commune()), Station.enroll(server, new_commune())
    theirs = new_person(full_name="Người Xã Khác")
    assert other.push([theirs]) == [1]
    for method, path, body in ADMIN_CALLS:
        r = requests.request(method, server.url + path, headers=mine.headers, json=body, timeout=30)
        assert r.status_code == 403 and r.json()["code"] == "auth.admin_required", (method, path, r.text)
    assert mine.get_record("person", theirs["id"]).status_code == 404  # like an unknown id
    # a whole pull from the start: the other commune's record is never in this station's feed
    feed = mine.post("/v1/sync", {"cursor": 0, "resync": True, "limit": 5000}).json()["feed"]
    assert theirs["id"] not in {e["id"] for e in feed}
    assert _whoami(server, mine.token).json()["commune_code"] == mine.commune_code


def test_revocation_by_cli_takes_effect_at_once(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    for _ in range(6):  # warm the token cache of every worker (PostgreSQL serves from two)
        assert _whoami(server, a.token).status_code == 200
    server.cli("station", "revoke", a.station_id)  # another process, straight on the database
    for _ in range(6):
        r = _whoami(server, a.token)
        assert r.status_code == 401 and r.json()["code"] == "auth.invalid"


def test_rotation_retires_the_old_token_in_every_worker(server: RunningServer,
                                                         new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    old = a.token
    for _ in range(6):
        assert _whoami(server, old).status_code == 200
    new = a.post("/v1/token/rotate", {}).json()["token"]
    assert _whoami(server, old).status_code == 200  # the answer may be lost: the old token works until ...
    assert _whoami(server, new).json()["station_id"] == a.station_id  # ... the new one is used
    for _ in range(6):
        assert _whoami(server, old).status_code == 401
        assert _whoami(server, new).status_code == 200


def test_refusals_are_logged_with_the_station_id(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    p = new_person(full_name="Đỗ Thị Kín Đáo", phone="0977666555")
    assert a.push([p]) == [1]
    requests.get(server.url + "/v1/admin/stats", headers=a.headers, timeout=30)  # 403
    requests.post(server.url + "/v1/sync", headers={**a.headers, "Content-Type": "application/json"},
                  data=b'{"changes": [{"kind": 1}]}', timeout=30)  # 422
    _declare_huge_body(server, a.token)  # 413 before the body
    requests.get(server.url + "/v1/whoami", headers={"Authorization": "Bearer st_nope"}, timeout=30)  # 401
    wanted = {(403, "auth.admin_required"), (422, "body.invalid"), (413, "body.too_large")}
    deadline = time.monotonic() + 10
    while True:  # a request's line is written just after its answer has gone out: wait for the last ones
        entries = _log_entries(server)
        mine = [e for e in entries if e["station"] == a.station_id]
        unknown = [e for e in entries if e["status"] == 401 and e.get("code") == "auth.invalid"]
        if (wanted <= {(e["status"], e.get("code")) for e in mine} and unknown) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert wanted <= {(e["status"], e.get("code")) for e in mine}
    assert any(e["status"] == 200 and e["path"] == "/v1/sync" and "code" not in e for e in mine)
    assert unknown and all(e["station"] is None for e in unknown)
    text = server.log_path.read_text()
    assert "Kín Đáo" not in text and "0977666555" not in text and p["fields"]["personal_id"] not in text
    assert a.token not in text


def _declare_huge_body(server: RunningServer, token: str) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall((f"POST /v1/sync HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                   "Content-Type: application/json\r\nContent-Length: 900000000\r\n\r\n").encode())
        return _read_reply(s)


def _read_reply(s: socket.socket) -> bytes:
    reply = b""
    s.settimeout(30)
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        reply += chunk
    return reply


def test_chunked_body_refused_while_streaming(server: RunningServer, new_commune: Callable[[], str]) -> None:
    """No Content-Length: the body is counted as it arrives and refused once it passes 8 MiB — the answer comes
    while the body is still open (its last chunk is never sent), so it cannot have waited for the end."""
    a = Station.enroll(server, new_commune())
    host, port = server.url.removeprefix("http://").split(":")
    chunk = b"x" * (1 << 20)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall((f"POST /v1/sync HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {a.token}\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        try:
            for _ in range(9):
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = _read_reply(s)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["code"] == "body.too_large"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = start_server(tmp_path_factory.mktemp("limited"), serve_args=("--rate", "0.5", "--burst", "5"))
    yield srv
    srv.stop()


def test_rate_limit_per_station(limited_server: RunningServer, tmp_path: Path) -> None:
    server = limited_server
    a, b = Station.enroll(server, "07069"), Station.enroll(server, "07069")
    for _ in range(5):
        assert _whoami(server, a.token).status_code == 200
    r = _whoami(server, a.token)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1 and r.json()["vi"]
    assert _whoami(server, b.token).status_code == 200  # one bucket per station
    wait = int(r.headers["Retry-After"])
    time.sleep(wait)
    assert _whoami(server, a.token).status_code == 200  # back after Retry-After (the 429's log line is out)
    assert any(e["station"] == a.station_id and e["status"] == 429 and e["code"] == "rate_limited"
               for e in _log_entries(server))
