"""Personal data never reaches a log file: a realistic day (enroll, import residents from CSV, dossier and crime
report intake, sync both ways, refusals at the province, a failed write in the app) with every logger of the
station at DEBUG into a file, and the province server at DEBUG with its access log; no ID number and no
resident's name appears in either file."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import pytest

from station_client import cli
from station_client.commands.demo import seed_workload
from station_client.paths import db_path
from station_client.residents_csv import export_residents
from station_client.store import Store
from station_client.synthetic import populate
from tests.support.server import start_server

TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _personal(store: Store) -> tuple[set[str], set[str]]:
    ids, names = set(), set()
    for p in store.iter_records("person"):
        if p.get("personal_id"):
            ids.add(p["personal_id"])
        names.add(p["full_name"])
    return ids, names


def test_no_personal_data_in_station_or_server_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     qtbot) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PROVINCE_SERVER_LOG_LEVEL", "DEBUG")
    station_log = tmp_path / "station.log"
    handler = logging.FileHandler(station_log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    srv = start_server(tmp_path / "province")
    try:
        data_dir = tmp_path / "station"
        # Residents arrive as the CSV a commune keeps in Excel.
        source = tmp_path / "source.db"
        with Store.open(source) as scratch:
            populate(scratch, 200, seed=7)
            export_residents(scratch, tmp_path / "residents.csv")
        assert cli.main(["--data-dir", str(data_dir), "enroll", srv.url, srv.add_station("07069", "Mạo Khê")]) == 0
        assert cli.main(["--data-dir", str(data_dir), "import", "residents", str(tmp_path / "residents.csv")]) == 0
        with Store.open(db_path(data_dir)) as store:
            assert seed_workload(store, "canbo") > 0  # dossiers, crime reports, petition, mediation, violation
            ids, names = _personal(store)
            person = next(store.iter_records("person"))
        assert cli.main(["--data-dir", str(data_dir), "sync"]) == 0
        assert cli.main(["--data-dir", str(data_dir), "sync", "status"]) == 0

        # Refusals at the province: a record that fails validation, a body that fails the schema, a record of
        # another commune — each carrying a resident's name and ID number.
        token = srv.enroll("07069")["token"]
        auth = {"Authorization": f"Bearer {token}"}
        bad = {"full_name": person["full_name"], "personal_id": person["personal_id"][:-1] + "x",
               "birth_date": "1990-01-01", "sex": "M"}
        r = srv.session.post(f"{srv.url}/v1/sync", headers=auth, json={"changes": [
            {"change_id": str(uuid.uuid4()), "kind": "person", "id": str(uuid.uuid4()), "fields": bad}]})
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "rejected"
        r = srv.session.post(f"{srv.url}/v1/sync", headers=auth, json={"changes": [
            {"change_id": person["personal_id"], "kind": "person", "id": person["full_name"], "fields": bad}]})
        assert r.status_code == 422
        other = srv.enroll("07093")["token"]
        r = srv.session.post(f"{srv.url}/v1/sync", headers={"Authorization": f"Bearer {other}"}, json={
            "changes": [{"change_id": str(uuid.uuid4()), "kind": "person", "id": person["id"], "base_version": 1,
                         "fields": {"full_name": person["full_name"], "personal_id": person["personal_id"]}}]})
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "forbidden"

        # A failed write in the app that nobody handles is logged: a duplicate ID number names the resident.
        from station_client.ui.tasks import Tasks

        tasks = Tasks(db_path(data_dir))
        try:
            dup = {"full_name": "Người Trùng Số", "birth_date": person["birth_date"], "sex": person["sex"],
                   "personal_id": person["personal_id"]}
            with qtbot.waitSignal(tasks.failed, timeout=10000):
                tasks.run(lambda store: store.create("person", dup, officer="canbo"), on="write")
        finally:
            tasks.close()
        assert cli.main(["--data-dir", str(data_dir), "sync"]) == 0
    finally:
        srv.stop()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    logs = {"station": station_log.read_text(encoding="utf-8"),
            "server": srv.log_path.read_text(encoding="utf-8", errors="replace")}
    assert "/v1/sync" in logs["server"] and "DEBUG" in logs["station"]  # both logs did record the day
    for where, text in logs.items():
        leaked_ids = sorted(i for i in ids if i in text) + TWELVE_DIGITS.findall(text)
        assert not leaked_ids, f"ID numbers in the {where} log: {leaked_ids[:5]}"
        leaked_names = sorted(n for n in names if n in text)
        assert not leaked_names, f"names in the {where} log: {leaked_names[:5]}"
