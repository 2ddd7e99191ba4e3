"""Issue 14, item 12: the API's edges.

- the OpenAPI schema declares the error responses of every route, with one shared error model;
- booleans (and integers) are strict: ``"resync": 0`` is a 422, not ``False``;
- OPTIONS is answered with a complete ``Allow``, and a 405 carries the same complete list;
- another commune's record id is answered exactly like an unknown id (404, same body): no existence leak;
- wrong enrollment codes are rate-limited per client address (429 with ``Retry-After``), while good ones are not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.server.client import Station, new_person
from tests.support.server import RunningServer, start_server


def test_openapi_declares_the_error_responses_with_a_shared_model(server: RunningServer) -> None:
    schema = requests.get(server.url + "/openapi.json", timeout=30).json()
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "vi", "en"}
    expected = {
        ("/v1/sync", "post"): {"400", "401", "409", "413", "422", "429"},
        ("/v1/enroll", "post"): {"400", "410", "422", "429"},
        ("/v1/records/{kind}/{record_id}", "get"): {"401", "404", "422", "429"},
        ("/v1/admin/records/{kind}/{record_id}", "get"): {"401", "403", "404"},
        ("/v1/admin/records/{kind}/{record_id}", "put"): {"400", "401", "403", "422"},
        ("/v1/admin/stations/{station_id}/revoke", "post"): {"401", "403", "404"},
        ("/v1/audit", "post"): {"401", "409", "422", "429"},
        ("/v1/lookup/{code}", "get"): {"400", "404"},
    }
    for (path, method), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, method, sorted(responses))
        for status in statuses:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut", (path, status, ref)
    # Every operation but the health probe declares at least one error response.
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if path != "/healthz":
                assert any(s.startswith("4") for s in op["responses"]), (path, method)


def test_booleans_and_integers_are_strict(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune(), "A")
    for extra in ({"resync": 0}, {"resync": "true"}, {"cursor": True}, {"cursor": "5"}, {"limit": 10.0}):
        r = a.post("/v1/sync", {"protocol": 1, "cursor": 0, "changes": []} | extra)
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["code"] == "body.invalid"
    assert a.post("/v1/sync", {"protocol": 1, "cursor": 0, "changes": [], "resync": False}).status_code == 200
    change = new_person()
    r = a.post("/v1/sync", {"protocol": 1, "changes": [change | {"base_version": False}]})
    assert r.status_code == 422
    r = server.admin("PUT", f"/v1/admin/records/person/{uuid.uuid4()}", {"fields": {}, "deleted": 1})
    assert r.status_code == 422 and r.json()["code"] == "body.invalid"


def test_options_and_405_carry_the_complete_allow(server: RunningServer) -> None:
    path = f"/v1/admin/records/person/{uuid.uuid4()}"  # GET and PUT are two routes on one path
    r = requests.options(server.url + path, timeout=30)
    assert r.status_code == 204, r.text
    assert set(r.headers["Allow"].split(", ")) == {"GET", "PUT", "OPTIONS"}
    r = requests.delete(server.url + path, headers={"Authorization": f"Bearer {server.admin_token}"}, timeout=30)
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "PUT", "OPTIONS"}
    assert r.json()["code"] == "http.405" and r.json()["vi"] and r.json()["en"]
    r = requests.options(server.url + "/v1/sync", timeout=30)
    assert r.status_code == 204 and set(r.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    r = requests.get(server.url + "/v1/sync", timeout=30)
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert requests.options(server.url + "/v1/no-such-thing", timeout=30).status_code == 404


def test_another_communes_record_is_answered_like_an_unknown_one(server: RunningServer,
                                                               new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune(), "A")
    b = Station.enroll(server, new_commune(), "B")
    c = new_person()
    assert a.push([c]) == [1]
    assert a.session.get(server.url + f"/v1/records/person/{c['id']}", headers=a.headers, timeout=30).status_code \
        == 200
    theirs = b.session.get(server.url + f"/v1/records/person/{c['id']}", headers=b.headers, timeout=30)
    unknown = b.session.get(server.url + f"/v1/records/person/{uuid.uuid4()}", headers=b.headers, timeout=30)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.headers.get("content-length") == unknown.headers.get("content-length")


@pytest.fixture
def lone_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own: the enrollment buckets are per server process."""
    srv = start_server(tmp_path, quiet=True)
    yield srv
    srv.stop()


def test_wrong_enrollment_codes_are_rate_limited(lone_server: RunningServer) -> None:
    server = lone_server
    statuses = []
    retry_after = None
    for i in range(40):
        r = requests.post(server.url + "/v1/enroll", json={"code": f"AAAA-BBBB-{i:04d}", "device": "x"}, timeout=30)
        statuses.append(r.status_code)
        if r.status_code == 429:
            retry_after = r.headers.get("Retry-After")
            assert r.json()["code"] == "rate_limited" and r.json()["retry_after"] >= 1
    assert set(statuses[:10]) == {400}
    assert statuses[10:] == [429] * 30, statuses
    assert retry_after is not None and int(retry_after) >= 1
    log = server.log_path.read_text()
    assert '"code": "rate_limited"' in log


def test_good_enrollments_are_never_held_up(lone_server: RunningServer) -> None:
    """A province office enrolling many stations from one address: only refused attempts count."""
    server = lone_server
    for _ in range(15):
        code = server.add_station("07069", "")
        r = requests.post(server.url + "/v1/enroll", json={"code": code, "device": "office"}, timeout=30)
        assert r.status_code == 200, r.text
