"""Bad requests get clear 4xx answers with {"code", "vi", "en"} — never a 5xx or a stack trace."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.server.client import Station, new_person
from tests.support.server import RunningServer


def assert_error(r: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["vi"] and body["en"] and body["code"]
    if code:
        assert body["code"] == code, body
    assert "Traceback" not in r.text
    return dict(body)


@pytest.fixture(scope="module")
def station(server: RunningServer) -> Station:
    return Station.enroll(server, "06811")


def raw_post(station: Station, data: bytes, **headers: str) -> requests.Response:
    h = {**station.headers, "Content-Type": "application/json", **headers}
    return requests.post(station.server.url + "/v1/sync", data=data, headers=h, timeout=60)


def test_bad_json(station: Station) -> None:
    assert_error(raw_post(station, b'{"cursor": 0, "changes": ['), 400, "body.json")


@pytest.mark.parametrize("body", [
    {"cursor": "zero"},
    {"cursor": -1},
    {"limit": 0},
    {"limit": 100000},
    {"changes": "none"},
    {"changes": [{"change_id": "x", "kind": "person", "id": "y", "op": "merge"}]},
    {"changes": [{"change_id": "x", "kind": "person", "id": "y", "base_version": "one"}]},
    {"changes": [{"kind": "person", "id": "y"}]},
    {"protocol": 2},
    {"digest": {"count": 1, "sum": "not-hex"}},
])
def test_wrong_types(station: Station, body: dict[str, Any]) -> None:
    data = assert_error(raw_post(station, json.dumps(body).encode()), 422, "body.invalid")
    assert data["errors"] and all("loc" in e for e in data["errors"])


def test_unknown_fields(station: Station) -> None:
    data = assert_error(raw_post(station, json.dumps({"cursor": 0, "commune": "00001"}).encode()), 422)
    assert data["errors"][0]["loc"][-1] == "commune"
    change = dict(new_person(), commune_code="00001")
    assert_error(raw_post(station, json.dumps({"changes": [change]}).encode()), 422, "body.invalid")


def test_body_not_an_object(station: Station) -> None:
    assert_error(raw_post(station, b"[1, 2, 3]"), 422)


def test_too_many_changes(station: Station) -> None:
    from province_server.models import MAX_CHANGES
    from station_client.sync.engine import MAX_CHANGES as STATION_BATCH

    assert STATION_BATCH == MAX_CHANGES  # a station of this version fills a request to the province's limit
    changes = [new_person() for _ in range(MAX_CHANGES + 1)]
    data = assert_error(raw_post(station, json.dumps({"changes": changes}).encode()), 413, "batch.too_large")
    assert data["limit"] == MAX_CHANGES


def test_huge_declared_body_refused_before_reading(station: Station) -> None:
    """Content-Length above the limit is answered at once, without sending (or reading) the body."""
    host, port = station.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall((f"POST /v1/sync HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {station.token}\r\n"
                   "Content-Type: application/json\r\nContent-Length: 900000000\r\n\r\n").encode())
        reply = b""
        while not _complete(reply):  # the head and the JSON body may come in separate segments
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert json.loads(body)["code"] == "body.too_large"


def _complete(reply: bytes) -> bool:
    head, sep, body = reply.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    return bool(length) and len(body) >= length[0]


def test_huge_body(station: Station) -> None:
    data = b'{"changes": [], "epoch": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    assert_error(raw_post(station, data), 413, "body.too_large")


def test_gzip_bomb(station: Station) -> None:
    bomb = gzip.compress(b'{"epoch": "' + b"a" * (64 * 1024 * 1024) + b'"}')
    assert len(bomb) < 200_000
    assert_error(raw_post(station, bomb, **{"Content-Encoding": "gzip"}), 413, "body.too_large")


def test_corrupt_gzip(station: Station) -> None:
    assert_error(raw_post(station, b"\x1f\x8b not gzip at all", **{"Content-Encoding": "gzip"}), 400, "body.gzip")


def test_unsupported_encoding(station: Station) -> None:
    assert_error(raw_post(station, b"{}", **{"Content-Encoding": "br"}), 415, "body.encoding")


def test_bad_values_inside_fields_are_rejected_not_crashing(station: Station) -> None:
    weird = [
        new_person(full_name={"nested": ["x"]}),
        new_person(birth_date="31/12/1990"),
        new_person(full_name="\ud800 lone surrogate"),
        new_person(note="nul \u0000 inside"),
    ]
    raw = json.dumps({"changes": weird}).encode()
    r = raw_post(station, raw)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert res[0]["status"] == "rejected" and res[1]["status"] == "rejected"
    assert all(isinstance(x, int) or x["status"] == "rejected" for x in res)
    nan = b'{"changes": [{"change_id": "n1", "kind": "household", "id": "h1", "fields": {"note": NaN}}]}'
    r = raw_post(station, nan)
    assert r.status_code in (200, 400, 422), r.text
    # Inside a JSON field, not a number in the open: refused before anything is stored.
    deep = b'{"changes": [{"change_id": "n2", "kind": "dossier", "id": "d1", "fields": {"documents": [1.5, NaN]}}]}'
    r = raw_post(station, deep)
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    assert res["status"] == "rejected" and [p["code"] for p in res["problems"]] == ["value.not_finite"], res


def test_unknown_path_and_method(server: RunningServer, new_commune: Callable[[], str]) -> None:
    assert_error(requests.get(server.url + "/v1/nothing-here"), 404)
    assert_error(requests.get(server.url + "/v1/sync"), 405)
