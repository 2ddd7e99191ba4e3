"""The 48-hour rule follows the province's classification of the commune (issue 14, item 10): a report shows the
flag but cannot change it; only the station head overrides it on one report, with a reason, and the audit trail
records who and why."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from station_client.domain.communes import commune_class_id
from station_client.domain.problems import ValidationError
from station_client.store import Store, accounts
from station_client.store import reports as R
from station_client.store.dossiers import load_reference_records
from station_client.store.errors import PermissionDenied
from station_client.sync.enroll import load_identity
from tests.sync.conftest import make_station, server  # noqa: F401  (server is a fixture)

COMMUNE = "07117"
URGENT = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn Đức",
          "summary": "Cướp tài sản", "urgent": True, "urgency_reason": "caught_in_act"}
RECEIVED = datetime(2026, 3, 9, 9, 0)


def _classify(store: Store, remote: bool) -> None:
    load_reference_records(store, "commune_class", [(commune_class_id(COMMUNE), {
        "commune_code": COMMUNE, "commune_name": "xã Cái Chiên", "remote": remote,
        "basis": "Quyết định 861/QĐ-TTg"})])


def test_intake_takes_the_flag_from_the_commune_classification_not_from_the_form(store: Store) -> None:
    store.set_setting("station.commune_code", COMMUNE)
    ticked = R.create(store, "crime_report", URGENT | {"remote_commune": True}, officer="canbo", at=RECEIVED)
    assert ticked["remote_commune"] is False and ticked["duration"] == {"amount": 24, "unit": "hours"}
    _classify(store, True)
    r = R.create(store, "crime_report", URGENT | {"remote_commune": False}, officer="canbo", at=RECEIVED)
    assert r["remote_commune"] is True and r["rule_key"] == "crime_report.urgent_remote"
    assert r["duration"] == {"amount": 48, "unit": "hours"}


def _accounts(store: Store) -> None:
    accounts.create_account(store, "truong", "Trưởng Công an xã", "station_head", "Mat-khau-dai-9", "Mat-khau-dai-9")
    accounts.create_account(store, "canbo", "Cán bộ", "officer", "Mat-khau-dai-8", "Mat-khau-dai-8",
                            created_by="truong")


def test_reclassifying_urgency_cannot_touch_the_flag(store: Store) -> None:
    _accounts(store)
    r = R.create(store, "crime_report", URGENT, officer="canbo", at=RECEIVED)
    with pytest.raises(ValueError, match="unexpected details"):  # not a detail reclassify takes
        R.apply_action(store, "crime_report", r["id"], "reclassify", officer="canbo", at=RECEIVED,
                       details={"urgent": True, "urgency_reason": "may_flee", "remote_commune": True})
    with pytest.raises(PermissionDenied):  # nor can a plain edit
        store.update("crime_report", r["id"], {"remote_commune": True}, officer="canbo")


def test_only_the_head_overrides_with_a_reason_and_the_audit_says_who_and_why(store: Store) -> None:
    _accounts(store)
    r = R.create(store, "crime_report", URGENT, officer="canbo", at=RECEIVED)
    details = {"remote_commune": True, "reason": "Thôn Khe Lạn cách trụ sở 40 km đường rừng"}
    with pytest.raises(PermissionDenied):
        R.apply_action(store, "crime_report", r["id"], "override_remote", officer="canbo", at=RECEIVED,
                       details=dict(details))
    with pytest.raises(ValidationError):
        R.apply_action(store, "crime_report", r["id"], "override_remote", officer="truong", at=RECEIVED,
                       details={"remote_commune": True, "reason": "  "})
    done = R.apply_action(store, "crime_report", r["id"], "override_remote", officer="truong", at=RECEIVED,
                          details=dict(details))
    assert done["remote_commune"] is True and done["rule_key"] == "crime_report.urgent_remote"
    assert done["due_at"].startswith("2026-03-11T09:00")
    officer, changes = store.conn.execute(
        "SELECT officer, changes FROM audit WHERE record_id = ? ORDER BY seq DESC LIMIT 1", (r["id"],)).fetchone()
    assert officer == "truong"
    assert json.loads(changes)["remote_override_reason"] == [None, details["reason"]]
    # The flag still reads from the classification for the next report.
    assert R.create(store, "crime_report", URGENT, officer="canbo", at=RECEIVED)["remote_commune"] is False


def test_the_province_classification_reaches_the_station_by_sync(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    station = make_station(tmp_path, server, "a")
    with station.open() as store:
        commune = load_identity(store).commune_code  # type: ignore[union-attr]
    assert commune
    server.admin_put_record("commune_class", commune_class_id(commune), {
        "commune_code": commune, "commune_name": "xã đảo", "remote": True, "basis": "QĐ 861/QĐ-TTg"})
    assert station.sync_until_clean().ok
    with station.open() as store:
        r = R.create(store, "crime_report", URGENT, officer="canbo", at=RECEIVED)
    assert r["rule_key"] == "crime_report.urgent_remote"
