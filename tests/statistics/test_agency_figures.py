"""The investigation agency's figures (transferred, acknowledged, decided on time or late, the station's outcome
notice) computed by the station from its synced copy and by the province from its records: the same code, the
same figures. One station, October 2026 (no holiday); the agency's steps are taken with the console's own
function (``province_server.console.agency.act``) at fixed moments.

Acknowledged Monday 5 October 10:00: 20 days → due Sunday 25 October (a day off: it ends there).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from province_server import schema
from province_server.console import agency
from province_server.db import Database
from province_server.statistics import province_table
from station_client.domain.statistics import Period, flat_figures
from station_client.store import reports as sr
from station_client.store.statistics import station_stats
from tests.sync.conftest import make_station, server  # noqa: F401  (server is a fixture)

from .conftest import OFFICER, TRANSFER, at, crime_report

COMMUNE = "07069"
OCT = Period.parse("2026-10")
LATER = Period.parse("2099-01")


def _act(db: Database, rid: str, action: str, when, **details: str) -> None:  # type: ignore[no-untyped-def]
    r = schema.records
    with db.read() as conn:
        version = conn.execute(select(r.c.version).where(r.c.kind == "crime_report", r.c.id == rid)).scalar_one()
    agency.act(db, rid, action, details, int(version), "cqdt", now=when)


def test_agency_figures_agree_at_station_and_province(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    station = make_station(tmp_path, server, "a", commune=COMMUNE)
    with station.open() as store:
        ids = [crime_report(store, at(2026, 10, 1), ("transfer", at(2026, 10, 2), TRANSFER))["id"] for _ in range(4)]
    assert station.sync_until_clean().ok
    db = Database(server.db_url)
    try:
        for rid in ids[:3]:
            _act(db, rid, "acknowledge", at(2026, 10, 5, 10))
        _act(db, ids[0], "decide", at(2026, 10, 20, 15), decision="not_prosecute", ground="Điều 157",
             decision_no="20/QĐ", date="2026-10-20")  # early
        _act(db, ids[1], "decide", at(2026, 10, 27, 15), decision="prosecute", ground="Điều 143",
             decision_no="27/QĐ", date="2026-10-27")  # late: due the 25th
        _act(db, ids[2], "extend", at(2026, 10, 20, 15), ground="Phức tạp", date="2026-10-20")
        # the intake notice: due Thursday 8 October (3 working days from Monday 10:00)
        _act(db, ids[0], "notify_intake", at(2026, 10, 7, 15), date="2026-10-07")  # early
        _act(db, ids[1], "notify_intake", at(2026, 10, 12, 15), date="2026-10-12")  # late
        assert station.sync_until_clean().ok
        with station.open() as store:
            for rid, day in ((ids[0], 21), (ids[1], 31)):  # due the 23rd and the 30th
                sr.apply_action(store, "crime_report", rid, "notify", officer=OFFICER, at=at(2026, 10, day),
                                details={"content": "Kết quả giải quyết của cơ quan điều tra"})
        assert station.sync_until_clean().ok
        with station.open() as store:
            mine = flat_figures(station_stats(store.conn, OCT))
            later = flat_figures(station_stats(store.conn, LATER))
        theirs = province_table(db, OCT)["communes"][0]["computed"]
        theirs_later = province_table(db, LATER)["communes"][0]["computed"]
    finally:
        db.dispose()
    expected = {"crime_reports.transferred": 4, "crime_reports.agency.acknowledged": 3,
                "crime_reports.agency.decided": 2, "crime_reports.agency.decided.early": 1,
                "crime_reports.agency.decided.on_time": 0, "crime_reports.agency.decided.late": 1,
                "crime_reports.agency.decided.on_time_rate": "50.0",
                "crime_reports.agency.decision.prosecute": 1, "crime_reports.agency.decision.not_prosecute": 1,
                "crime_reports.outcome_notified": 2, "crime_reports.outcome_notified.early": 1,
                "crime_reports.outcome_notified.late": 1, "crime_reports.reporters_notified": 2,
                # still at the agency at the close: one extended (due 5 December), one never acknowledged
                "crime_reports.agency.pending.not_due": 1, "crime_reports.agency.pending.waiting": 1,
                "crime_reports.agency.pending.overdue": 0,
                "crime_reports.agency.intake_notified": 2, "crime_reports.agency.intake_notified.early": 1,
                "crime_reports.agency.intake_notified.on_time": 0, "crime_reports.agency.intake_notified.late": 1}
    assert {k: mine.get(k) for k in expected} == expected
    crime = {k: v for k, v in mine.items() if k.startswith("crime_reports.")}
    assert crime == {k: v for k, v in theirs.items() if k.startswith("crime_reports.")}
    # A period long after every write: the two undecided reports, untouched since, are still counted at the
    # agency at both levels (the extended one now overdue), and nothing else of them.
    pending = {"crime_reports.agency.pending.not_due": 0, "crime_reports.agency.pending.waiting": 1,
               "crime_reports.agency.pending.overdue": 1}
    assert {k: later.get(k) for k in pending} == pending
    assert {k: v for k, v in later.items() if k.startswith("crime_reports.")} == {
        k: v for k, v in theirs_later.items() if k.startswith("crime_reports.")}
