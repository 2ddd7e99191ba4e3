"""Operations: CLI stations and admin tokens, stats, schema checks, backup/restore (new epoch), offline bundles,
receipt lookup and reference data — on the real server and database."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from station_client.domain.dossiers import make_lookup_code
from station_client.wire import canonical_bytes as canonical
from tests.server.client import Station, change, new_person
from tests.support.server import REPO, RunningServer


def test_cli_station_lifecycle_and_stats(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    out = server.cli("station", "add", "--commune", commune, "--name", "Trạm CLI", "--json").stdout
    info = json.loads(out)
    r = requests.post(server.url + "/v1/enroll", json={"code": info["enrollment_code"], "device": "cli-test"})
    assert r.status_code == 200
    st = Station(server, info["station_id"], commune, r.json()["token"])
    st.push([new_person(), new_person()])
    listed = {s["id"]: s for s in json.loads(server.cli("station", "list", "--json").stdout)}
    assert listed[st.station_id]["status"] == "active" and listed[st.station_id]["last_seen"]
    stats = json.loads(server.cli("stats", "--json").stdout)
    row = {s["id"]: s for s in stats["stations"]}[st.station_id]
    assert row["commune_records"] == 2 and row["open_conflicts"] == 0 and row["last_seen"]
    text = server.cli("stats").stdout
    assert st.station_id in text and "Trạm CLI" in text
    server.cli("station", "revoke", st.station_id)
    st.sync(expect=401)
    bad = server.cli("station", "add", "--commune", "00000", check=False)
    assert bad.returncode == 2 and "Unknown commune" in bad.stderr


def test_cli_admin_token(server: RunningServer) -> None:
    token = server.cli("admin-token", "--note", "ops").stdout.strip()
    r = requests.get(server.url + "/v1/admin/stats", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "stations" in r.json()
    r = requests.get(server.url + "/v1/admin/stats", headers={"Authorization": "Bearer adm_wrong"})
    assert r.status_code == 401


def test_serve_refuses_a_stale_schema(fresh_server: RunningServer) -> None:
    from sqlalchemy import text

    from province_server.db import Database

    fresh_server.stop()
    db = Database(fresh_server.db_url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    db.dispose()
    run = subprocess.run([sys.executable, "-m", "province_server", "--db", fresh_server.db_url, "serve", "--port",
                          "1"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "province-server migrate" in run.stderr


def test_backup_restore_makes_new_epoch_and_resend_recovers(fresh_server: RunningServer, tmp_path: Path,
                                                            new_commune: Callable[[], str]) -> None:
    srv = fresh_server
    commune = new_commune()
    a, b = Station.enroll(srv, commune), Station.enroll(srv, commune)
    before = [new_person() for _ in range(3)]
    assert a.push(before) == [1, 1, 1]
    backup = tmp_path / "province.backup.gz"
    srv.cli("backup", str(backup))
    after = [new_person() for _ in range(2)]
    assert a.push(after) == [1, 1]
    b.pull_all()
    old_epoch, old_cursor = srv.admin("GET", "/healthz").json()["epoch"], b.cursor
    srv.stop()
    out = srv.cli("restore", str(backup)).stdout
    assert "new epoch" in out
    srv.start()
    health = requests.get(srv.url + "/healthz").json()
    assert health["epoch"] != old_epoch
    assert srv.admin_get_record("person", after[0]["id"]) is None  # lost with the restore...
    data = b.sync(cursor=old_cursor, expect=409)  # ...and the server says its history went back
    assert data["code"] == "cursor.ahead"
    # a push that still carries the old epoch is applied to nothing: the station hears of the restore first
    res = a.push(before + after)
    assert res == [{"status": "deferred", "code": "epoch.changed"}] * 5
    assert srv.admin_get_record("person", after[0]["id"]) is None
    # the station re-sends everything it sent since the old epoch, each as a replay of the version it had there:
    # nothing made after the backup is lost
    a.epoch, old = health["epoch"], a.epoch
    res = a.push([c | {"base_epoch": old, "replay": 1} for c in before + after])
    assert [r["status"] for r in res[:3]] == ["duplicate"] * 3
    assert [(r["status"], r["version"]) for r in res[3:]] == [("applied", 1)] * 2
    assert [r["change_version"] for r in res[:3]] == [1, 1, 1]
    b.cursor = 0
    assert sorted(e["id"] for e in b.pull_all(resync=True)) == sorted(c["id"] for c in before + after)


def _bundle(station: Station, changes: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"format": "station-bundle/1", "station_id": station.station_id, "created_at": "2026-11-23T08:00:00Z",
            "epoch": station.epoch, "cursor": 0, "changes": changes}
    key = hashlib.sha256(("bundle:" + station.token).encode()).digest()
    body["signature"] = hmac.new(key, canonical(body), hashlib.sha256).hexdigest()
    return body


def test_import_bundle_and_tampered_bundle(server: RunningServer, tmp_path: Path,
                                           new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    elsewhere = new_person()
    b.push([elsewhere])
    changes = [new_person(), new_person()]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_bundle(a, changes), ensure_ascii=False), encoding="utf-8")
    run = server.cli("import-bundle", str(path), "--out", str(tmp_path / "answer.json"))
    assert "answer written" in run.stdout
    answer = json.loads((tmp_path / "answer.json").read_text(encoding="utf-8"))
    assert answer["results"] == [1, 1] and [e["id"] for e in answer["feed"]] == [elsewhere["id"]]
    assert answer["bundle_created_at"] == "2026-11-23T08:00:00Z"
    key = hashlib.sha256(("bundle:" + a.token).encode()).digest()
    unsigned = {k: v for k, v in answer.items() if k != "signature"}
    assert hmac.compare_digest(hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest(), answer["signature"])
    # importing it again changes nothing (same rules as /v1/sync)
    server.cli("import-bundle", str(path), "--out", str(tmp_path / "answer2.json"))
    again = json.loads((tmp_path / "answer2.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    # tampered: one field changed after signing
    bundle = _bundle(a, [new_person()])
    bundle["changes"][0]["fields"]["full_name"] = "Người Giả Mạo"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    bad = server.cli("import-bundle", str(path), check=False)
    assert bad.returncode == 2 and "signature does not match" in bad.stderr
    assert server.admin_get_record("person", bundle["changes"][0]["id"]) is None
    # the admin endpoint does the same
    r = server.admin("POST", "/v1/bundles/import", bundle)
    assert r.status_code == 400 and r.json()["code"] == "bundle.signature"


def _dossier(lookup_code: str, status: str = "received") -> dict[str, Any]:
    return {"code": "07069-01/2026/000001", "procedure_key": "1.004194", "applicant_name": "Nguyễn Văn An",
            "applicant_phone": "0912345678", "received_at": "2026-11-20T09:00:00+07:00", "status": status,
            "duration": {"amount": 3, "unit": "working_days"}, "due_at": "2026-11-25T09:00:00+07:00",
            "lookup_code": lookup_code}


def test_receipt_lookup(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    record_id = str(uuid.uuid4())
    code = make_lookup_code(record_id)
    [res] = a.push([change("dossier", record_id, _dossier(code))])
    assert res == 1, res
    r = requests.get(f"{server.url}/v1/lookup/{code.lower().replace('-', '')}")
    assert r.status_code == 200
    # the dossier code and the receiving station too (issue 16, item 8); a bare code is not a verified link
    assert r.json() == {"status": "received", "appointment": "2026-11-25T09:00:00+07:00", "known": True,
                        "verified": False, "lookup_code": code, "dossier_code": _dossier(code)["code"],
                        "station_id": a.station_id, "station_name": r.json()["station_name"]}
    assert r.json()["station_name"]
    assert "Nguyễn" not in r.text and "0912345678" not in r.text
    a.push([change("dossier", record_id, {"status": "processing"}, 1)])
    assert requests.get(f"{server.url}/v1/lookup/{code}").json()["status"] == "processing"
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert requests.get(f"{server.url}/v1/lookup/{wrong}").status_code == 400
    assert requests.get(f"{server.url}/v1/lookup/{make_lookup_code('never-issued')}").status_code == 404


def test_reference_data_reaches_every_station(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = Station.enroll(server, new_commune()), Station.enroll(server, new_commune())
    rid = f"cal-{uuid.uuid4().hex[:8]}"
    loaded = server.load_reference("calendar_override", [
        {"id": rid, "fields": {"date": "2026-12-31", "type": "day_off", "name": "Nghỉ bù"}},
        {"id": rid + "x", "fields": {"date": "2026-12-30", "type": "holiday?"}},
    ])
    assert loaded["loaded"] == 1 and loaded["rejected"][0]["id"] == rid + "x"
    for st in (a, b):
        st.cursor = 0
        ids = [e["id"] for e in st.pull_all() if e["kind"] == "calendar_override"]
        assert rid in ids
    [res] = a.push([change("calendar_override", rid, {"name": "Sửa trộm"}, 1)])
    assert res["status"] == "rejected" and res["code"] == "kind.reference"
    r = server.admin("POST", "/v1/admin/reference/person", {"records": []})
    assert r.status_code == 400 and r.json()["code"] == "kind.not_reference"
