"""Reports sync like every other kind: two stations of one commune take reports in offline, their register
numbers never clash, both end up with both reports; a deadline rule corrected at the province reaches the
stations and governs the next intake."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from station_client.domain.deadline_rules import RuleSet, rule_record_id
from station_client.store import reports as R
from tests.sync.conftest import make_station, server, server_records  # noqa: F401  (server is a fixture)


def test_two_stations_offline_then_synced(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    made = {}
    for station, who in ((a, "Nguyễn Văn An"), (b, "Trần Thị Bình")):
        with station.open() as store:
            made[station.dir.name] = R.create(store, "crime_report", {
                "report_kind": "denunciation", "channel": "in_person", "reporter_name": who,
                "summary": "Mất trộm tài sản"}, officer="canbo", at=datetime(2025, 6, 2, 9, 0))
    assert made["a"]["register_no"].startswith("001/2025/TG/")
    assert made["b"]["register_no"].startswith("001/2025/TG/")
    assert made["a"]["register_no"] != made["b"]["register_no"]  # the station codes differ
    assert a.sync_until_clean().ok and b.sync_until_clean().ok and a.sync_until_clean().ok

    province = server_records(server)
    for r in made.values():
        assert province[("crime_report", r["id"])][2]["register_no"] == r["register_no"]
    for station in (a, b):
        with station.open() as store:
            assert {x["id"] for x in R.register(store.conn, "crime_report", year=2025)} == \
                {r["id"] for r in made.values()}

    # The province shortens the 7-day rule; the next report at station B gets it.
    corrected = RuleSet.load().get("crime_report.normal").to_record() | {"amount": 3}
    server.admin_put_record("deadline_rule", rule_record_id("crime_report.normal"), corrected)
    assert b.sync_until_clean().ok
    with b.open() as store:
        r = R.create(store, "crime_report", {"report_kind": "information", "channel": "phone",
                                             "reporter_anonymous": True, "summary": "Đánh bạc"},
                     officer="canbo", at=datetime(2025, 6, 2, 9, 0))
        assert r["register_no"].startswith("002/2025/TG/") and r["due_at"].startswith("2025-06-05")
