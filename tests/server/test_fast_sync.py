"""``POST /v1/sync``'s fast path (province_server/fast_sync.py): it takes the common case past FastAPI's layers and
hands everything else to the route, so an answer never depends on which of the two served it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import requests
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from province_server.errors import ApiError
from province_server.fast_sync import SyncFastPath
from province_server.models import SyncIn
from province_server.stations import Station as ServerStation
from tests.server.client import Station, new_person
from tests.support.server import RunningServer

STATION = ServerStation(id="st-1", name="Trạm thử", commune_code="06811", province_code="01", status="active")


class _Route:
    """The app behind the fast path: it notes what reached it (the body as the route would read it)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"route"})


def _call(layer: SyncFastPath, body: bytes, headers: list[tuple[bytes, bytes]], path: str = "/v1/sync",
          method: str = "POST") -> tuple[int, bytes]:
    scope = {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b"",
             "root_path": "", "scheme": "http", "server": ("127.0.0.1", 80), "http_version": "1.1"}
    # The body in two parts, as a client may send it.
    messages = [{"type": "http.request", "body": body[:5], "more_body": True},
                {"type": "http.request", "body": body[5:], "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(layer(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def _layer(route: _Route, served: list[SyncIn], raise_error: bool = False) -> SyncFastPath:
    def identify(token: str, agent: str) -> ServerStation | None:
        return STATION if token == "known" else None

    def serve(body: SyncIn, request: Request, station: ServerStation) -> Response:
        if raise_error:
            raise ApiError(413, "batch.too_large", "Quá nhiều.", "Too many.")
        served.append(body)
        assert request.scope["state"]["station_id"] == station.id
        return JSONResponse({"served": len(body.changes)})

    async def on_error(request: Request, exc: ApiError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    return SyncFastPath(route, identify=identify, serve=serve, on_error=on_error)


def _headers(token: str = "known", content_type: str = "application/json") -> list[tuple[bytes, bytes]]:
    return [(b"authorization", b"Bearer " + token.encode()), (b"content-type", content_type.encode())]


def test_the_common_case_is_served_without_the_route() -> None:
    route, served = _Route(), []
    body = json.dumps({"cursor": 3, "changes": [new_person()]}).encode()
    assert _call(_layer(route, served), body, _headers()) == (200, b'{"served":1}')
    assert route.bodies == [] and served[0].cursor == 3
    # (a JSON media type FastAPI reads as JSON, and no Content-Type at all)
    assert _call(_layer(route, served), body, _headers(content_type="application/x.sync+json; charset=utf-8"))[0] == 200
    assert _call(_layer(route, served), body, [(b"authorization", b"Bearer known")])[0] == 200
    assert route.bodies == []


def test_everything_else_reaches_the_route_with_its_body_as_sent() -> None:
    valid = json.dumps({"changes": [new_person()]}).encode()
    cases: list[tuple[bytes, list[tuple[bytes, bytes]], dict[str, str]]] = [
        (b'{"cursor": 0, "changes": [', _headers(), {}),  # not JSON: 400 body.json
        (b'{"cursor": "zero"}', _headers(), {}),  # 422 body.invalid
        # JSON that ``json`` reads and pydantic's parser does not: the route answers it as before.
        (b'{"changes": [{"change_id": "a", "kind": "person", "id": "x", "fields": {"n": "\\ud800"}}]}',
         _headers(), {}),
        (json.dumps({"cursor": 1}).encode("utf-16"), _headers(content_type="application/json; charset=utf-16"), {}),
        (valid, _headers(token="unknown"), {}),  # the dependency reads the database (or refuses: 401)
        (valid, [(b"authorization", b"Bearer ")], {}),
        (valid, [(b"authorization", b"Basic known")], {}),
        (valid, [], {}),
        (valid, _headers(content_type="text/plain"), {}),
        (valid, _headers(), {"path": "/v1/audit"}),
        (valid, _headers(), {"method": "PUT"}),
    ]
    for body, headers, where in cases:
        route, served = _Route(), []
        assert _call(_layer(route, served), body, headers, **where) == (299, b"route"), (body, headers, where)
        assert route.bodies == [body] and served == []


def test_a_refusal_from_the_endpoint_is_answered_by_the_apps_handler() -> None:
    route: _Route = _Route()
    status, body = _call(_layer(route, [], raise_error=True), b"{}", _headers())
    assert status == 413 and json.loads(body)["code"] == "batch.too_large" and route.bodies == []


def _sync_answer(station: Station, changes: list[dict[str, Any]], encode: Callable[[bytes], bytes],
                 content_type: str) -> dict[str, Any]:
    body = json.dumps({"protocol": 1, "epoch": station.epoch, "cursor": station.cursor, "changes": changes})
    r = requests.post(station.server.url + "/v1/sync", data=encode(body.encode()), timeout=60,
                      headers={**station.headers, "Content-Type": content_type})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    station.cursor = out["cursor"]
    return out


def test_the_fast_path_and_the_route_answer_alike(server: RunningServer, new_commune: Callable[[], str]) -> None:
    """Two stations of two new communes send the same exchanges: one as UTF-8 JSON (after its first request the
    fast path takes it: its token is cached), the other as UTF-16 JSON, which only the route reads."""
    fast, routed = Station.enroll(server, new_commune()), Station.enroll(server, new_commune())
    person = new_person()
    exchanges: list[list[dict[str, Any]]] = [
        [],
        [{"change_id": "c1-{}", "kind": "person", "id": "p-{}", "fields": person["fields"]},
         {"change_id": "c2-{}", "kind": "person", "id": "q-{}", "fields": {"full_name": ""}},  # rejected
         {"change_id": "c3-{}", "kind": "nothing", "id": "r-{}", "fields": {}}],
        [{"change_id": "c1-{}", "kind": "person", "id": "p-{}", "fields": person["fields"]},  # a duplicate
         {"change_id": "c4-{}", "kind": "person", "id": "p-{}", "base_version": 1,
          "fields": {"full_name": "Đặng Thị Ánh Tuyết"}}],
    ]
    for changes in exchanges:
        answers = []
        for station, encode, content_type in ((fast, lambda b: b, "application/json"),
                                              (routed, lambda b: b.decode().encode("utf-16"),
                                               "application/json; charset=utf-16")):
            mine = [{k: v.format(station.station_id) if isinstance(v, str) else v for k, v in c.items()}
                    for c in changes]
            answers.append(_sync_answer(station, mine, encode, content_type))
        a, b = answers
        assert a.keys() == b.keys()
        assert a["results"] == b["results"], (a["results"], b["results"])
        assert (a["epoch"], len(a["feed"]), a["more"], a["digest"]) == (b["epoch"], len(b["feed"]), b["more"],
                                                                        b["digest"])
