"""Issue 12, defect 4: an enrollment code is not burnt by a lost answer.

The province enrolls the station and the answer is cut on the way (the project's fault proxy). The station sent
a random nonce it saved first; sending the same code with the same nonce again gets a token for the same
station (a fresh one: the province keeps only token hashes; the unheld first token stops working). Another
nonce — another device — is still refused, and so is the same nonce once the token was used or the code expired.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
import requests

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.sync.client import Timeouts
from station_client.sync.enroll import ENROLL_NONCE, enroll, load_identity
from station_client.sync.errors import BadRequest, SyncError

from .conftest import COMMUNE, Station
from .netproxy import FaultProxy

FAST = Timeouts(connect=2.0, read=5.0)


def _is_enroll(head: bytes) -> bool:
    return b" /v1/enroll " in head.split(b"\r\n", 1)[0] + b" "


def _station_rows(server, station_id: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{server.db_url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT status, token_hash, enroll_hash FROM stations WHERE id = ?",
                            (station_id,)).fetchall()
    finally:
        conn.close()


def _cut_first(n: int):
    """A policy that cuts the answers of the first ``n`` enrollment requests (the province has committed)."""
    lock = threading.Lock()
    left = [n]

    def policy(head: bytes) -> str:
        if not _is_enroll(head):
            return "pass"
        with lock:
            if left[0] > 0:
                left[0] -= 1
                return "reset_response"
        return "pass"
    return policy


def test_a_lost_answer_is_retried_at_once_with_the_same_nonce(tmp_path: Path, server) -> None:
    code = server.add_station(COMMUNE, "a")
    proxy = FaultProxy(server.port, _cut_first(1))
    try:
        with Store.open(tmp_path / "a" / "station.db") as store:
            identity = enroll(store, proxy.url, code, timeouts=FAST)
            assert ops.get_state(store, ENROLL_NONCE) is None  # enrolled: the nonce is not kept
        assert proxy.stats.faults == {"reset_response": 1, "pass": 1}
        station = Station(tmp_path / "a", server, identity.station_id)
        station.route_via(server.url)
        assert station.sync().ok
    finally:
        proxy.close()
    [(status, token_hash, enroll_hash)] = _station_rows(server, identity.station_id)
    assert status == "active" and token_hash
    assert enroll_hash is None  # the token was used: the retry window is closed


def test_an_officer_retries_later_with_the_same_code(tmp_path: Path, server) -> None:
    """Every answer of the first attempt is cut; the officer tries again (a new process, the same data folder)."""
    code = server.add_station(COMMUNE, "a")
    proxy = FaultProxy(server.port, lambda head: "reset_response" if _is_enroll(head) else "pass")
    data = tmp_path / "a"
    try:
        with Store.open(data / "station.db") as store, pytest.raises(SyncError):
            enroll(store, proxy.url, code, timeouts=FAST)
        with Store.open(data / "station.db") as store:
            assert load_identity(store) is None
            saved = json.loads(ops.get_state(store, ENROLL_NONCE) or "{}")
        nonce = saved["nonce"]
        stations = [s for s in server.admin("GET", "/v1/admin/stations").json() if s["name"] == "a"]
        assert [s["status"] for s in stations] == ["active"]  # the province enrolled it; nobody holds its token

        # Another device with the same code is refused (the code is used), with or without a nonce of its own.
        with Store.open(tmp_path / "other" / "station.db") as other, pytest.raises(BadRequest) as refused:
            enroll(other, server.url, code, timeouts=FAST)
        assert refused.value.code == "enroll.unknown"

        proxy.policy = lambda head: "pass"
        with Store.open(data / "station.db") as store:
            identity = enroll(store, proxy.url, code, timeouts=FAST)
        assert identity.station_id == stations[0]["id"]
        station = Station(data, server, identity.station_id)
        station.route_via(server.url)
        with station.open() as store:
            store.create("person", {"full_name": "Nguyễn Văn An", "birth_date": "1980-05-04", "sex": "M",
                                    "personal_id": "022080123456"}, officer="t")
        report = station.sync()
        assert report.ok and report.applied.acked == 1
    finally:
        proxy.close()
    # Once the station has used its token, the same code and nonce no longer replace it.
    r = requests.post(server.url + "/v1/enroll", json={"code": code, "device": "x", "nonce": nonce}, timeout=30)
    assert r.status_code == 400 and r.json()["code"] == "enroll.unknown"
    assert station.sync().ok


def test_the_server_replaces_the_unheld_token_and_refuses_others(tmp_path: Path, server) -> None:
    code = server.add_station(COMMUNE, "direct")
    nonce = "n" * 32

    def post(body: dict) -> requests.Response:
        return requests.post(server.url + "/v1/enroll", json=body, timeout=30)

    first = post({"code": code, "device": "pc", "nonce": nonce})
    assert first.status_code == 200
    lost_token = first.json()["token"]  # as if the answer never arrived
    again = post({"code": code.lower().replace("-", ""), "device": "pc", "nonce": nonce})
    assert again.status_code == 200, again.text
    assert again.json()["station_id"] == first.json()["station_id"]
    token = again.json()["token"]
    assert token != lost_token

    def whoami(tok: str) -> int:
        return requests.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {tok}"},
                            timeout=30).status_code

    assert whoami(lost_token) == 401  # nobody holds it: it no longer works
    assert post({"code": code, "device": "thief", "nonce": "m" * 32}).status_code == 400
    assert post({"code": code, "device": "thief"}).status_code == 400
    assert whoami(token) == 200  # the station uses its token: the retry window closes
    assert post({"code": code, "device": "pc", "nonce": nonce}).status_code == 400
    assert whoami(token) == 200
    # A malformed nonce is a validation error, not a lookup.
    assert post({"code": code, "device": "pc", "nonce": "short"}).status_code == 422


def test_an_expired_code_is_not_retried(tmp_path: Path, server) -> None:
    code = server.add_station(COMMUNE, "late")
    nonce = "z" * 32
    first = requests.post(server.url + "/v1/enroll", json={"code": code, "nonce": nonce}, timeout=30)
    assert first.status_code == 200
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):], timeout=30)
    try:
        with conn:
            conn.execute("UPDATE stations SET enroll_expires = '2000-01-01T00:00:00.000000Z' WHERE id = ?",
                         (first.json()["station_id"],))
    finally:
        conn.close()
    again = requests.post(server.url + "/v1/enroll", json={"code": code, "nonce": nonce}, timeout=30)
    assert again.status_code == 410 and again.json()["code"] == "enroll.expired"
