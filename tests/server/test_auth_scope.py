"""Enrollment, tokens, admin separation and commune scoping."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import requests

from tests.server.client import Station, change, new_person
from tests.support.server import RunningServer


def test_enrollment_code_works_once(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    info = server.add_station_info(commune, "Trạm thử")
    assert info["station_id"].startswith(commune)
    r = requests.post(server.url + "/v1/enroll", json={"code": info["enrollment_code"].lower(), "device": "pc"})
    assert r.status_code == 200
    body = r.json()
    assert body["commune_code"] == commune and body["token"] and body["epoch"]
    assert body["province_code"] and body["commune_name"]
    again = requests.post(server.url + "/v1/enroll", json={"code": info["enrollment_code"], "device": "pc"})
    assert again.status_code in (400, 410) and again.json()["code"].startswith("enroll.")
    wrong = requests.post(server.url + "/v1/enroll", json={"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400 and wrong.json()["vi"]


def test_unknown_commune_refused(server: RunningServer) -> None:
    r = server.admin("POST", "/v1/admin/stations", {"commune_code": "99999", "name": "x"})
    assert r.status_code == 400 and r.json()["code"] == "commune.unknown"


def test_revoked_token_refused_at_once(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    a.sync()
    server.revoke(a.station_id)
    data = a.sync(expect=401)
    assert data["code"] == "auth.invalid" and data["vi"] and data["en"]
    assert a.get_record("person", "x").status_code == 401
    listed = {s["id"]: s for s in server.admin("GET", "/v1/admin/stations").json()}
    assert listed[a.station_id]["status"] == "revoked"


def test_missing_or_garbage_token_is_401(server: RunningServer) -> None:
    assert requests.post(server.url + "/v1/sync", json={}).status_code == 401
    r = requests.post(server.url + "/v1/sync", json={}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid"


def test_token_rotation_retires_old_token_on_first_use(server: RunningServer,
                                                       new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    r = a.post("/v1/token/rotate", {})
    assert r.status_code == 200
    new_token = r.json()["token"]
    a.sync()  # old token still works: the rotation answer may have been lost
    old = a.token
    a.token = new_token
    a.sync()
    a.token = old
    a.sync(expect=401)


def test_station_token_cannot_use_admin(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    r = requests.get(server.url + "/v1/admin/stats", headers=a.headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.admin_required"
    r = requests.put(server.url + "/v1/admin/records/person/x", headers=a.headers, json={"fields": {}})
    assert r.status_code == 403


def test_station_cannot_read_or_write_other_commune(server: RunningServer, new_commune: Callable[[], str]) -> None:
    mine, other = Station.enroll(server, new_commune()), Station.enroll(server, new_commune())
    theirs = new_person()
    assert other.push([theirs]) == [1]
    # read
    r = mine.get_record("person", theirs["id"])
    # answered like an unknown id (no existence leak), logged as a scope denial at the province
    assert r.status_code == 404 and r.json() == mine.get_record("person", str(uuid.uuid4())).json()
    assert other.get_record("person", theirs["id"]).status_code == 200
    # write: the change is answered "forbidden", the rest of the batch applies
    own = new_person()
    res = mine.push([change("person", theirs["id"], {"phone": "0912345678"}, 1), own,
                     change("person", theirs["id"], {}, 1, op="delete")])
    assert res[0] == {"status": "forbidden", "code": "scope"} and res[1] == 1 and res[2]["status"] == "forbidden"
    record = server.admin_get_record("person", theirs["id"])
    assert record["version"] == 1 and record["fields"]["phone"] is None and not record["deleted"]
    # logged: in the stats and in the request log
    stats = {s["id"]: s for s in server.stats()["stations"]}
    assert stats[mine.station_id]["scope_denials"] == 3
    lines = [json.loads(x) for x in server.log_path.read_text().splitlines() if x.startswith("{")]
    assert any(x.get("event") == "scope.denied" and x.get("station") == mine.station_id for x in lines)
    assert any(x.get("path", "").startswith("/v1/records/") and x.get("status") == 404 and x.get("code") == "scope"
               and x.get("station") == mine.station_id for x in lines)


def test_request_log_has_no_personal_data(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    p = new_person(full_name="Đặng Thị Riêng Tư", phone="0999888777")
    a.push([p])
    # The request's log line is written once the answer has gone out: wait for it rather than race it.
    deadline = time.monotonic() + 5
    while True:
        text = server.log_path.read_text()
        entries = [json.loads(x) for x in text.splitlines() if x.startswith('{"ts"')]
        sync = [e for e in entries if e["path"] == "/v1/sync" and e["station"] == a.station_id]
        if sync or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert "Riêng Tư" not in text and "0999888777" not in text and p["fields"]["personal_id"] not in text
    assert a.token not in text
    assert sync and set(sync[0]) == {"ts", "station", "method", "path", "status", "ms", "pid"}
