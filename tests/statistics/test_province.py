"""The province-wide table across two stations (two communes) enrolled with the real server: each takes in a
hand-built set of dossiers and a crime report and syncs; both submit their October report, one with a wrong
figure. The province computes every figure from the synced records, per commune and in total, and flags exactly
the wrong one — through ``province-server stats --period`` and ``GET /v1/admin/stats?period=``.

October 2026 has no holiday; 7 working days from Monday 5 October: due Wednesday 14 October 17:00; from Thursday
1 October: due Monday 12 October 17:00.
"""

from __future__ import annotations

import json
from pathlib import Path

from station_client.domain.statistics import Period
from station_client.store.statistics import station_stats, submit_report
from tests.sync.conftest import make_station, server  # noqa: F401  (server is a fixture)

from .conftest import TRANSFER, at, crime_report, dossier

A, B = "07069", "07090"  # Mạo Khê, An Sinh (Quảng Ninh)
OCT = Period.parse("2026-10")


def _station_a(store) -> None:  # type: ignore[no-untyped-def]
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 13, 16)))  # early
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)),
            ("result_ready", at(2026, 10, 14, 17, 30)))  # due day after closing: on time
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)),
            ("result_ready", at(2026, 10, 15, 7, 30)))  # next morning: late
    # Paused 6 → 9 October (3 working days added, due 19 October), ready on the 19th: on time.
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 6, 8)), ("request_supplement", at(2026, 10, 6, 10)),
            ("receive_supplement", at(2026, 10, 9, 14)), ("result_ready", at(2026, 10, 19, 16)))
    dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)))  # due 12 October, open: overdue
    dossier(store, at(2026, 10, 28))  # due 6 November: not yet due
    # Urgent report, transferred exactly 24 hours later: on time.
    crime_report(store, at(2026, 10, 5), ("transfer", at(2026, 10, 6), TRANSFER), urgent=True)


def _station_b(store) -> None:  # type: ignore[no-untyped-def]
    dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)),
            ("result_ready", at(2026, 10, 13, 8)))  # due 12 October: late
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 14, 10)),
            channel="online")  # on time
    dossier(store, at(2026, 10, 20), complete=False, supplement_items=["Giấy tờ chỗ ở hợp pháp"])  # clock stopped


def test_province_table_across_two_stations(tmp_path: Path, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    a = make_station(tmp_path, server, "a", commune=A)
    b = make_station(tmp_path, server, "b", commune=B)
    for station, build, wrong in ((a, _station_a, False), (b, _station_b, True)):
        with station.open() as store:
            build(store)
            stats = station_stats(store.conn, OCT)
            if wrong:  # a figure typed wrong: 4 dossiers received instead of 3
                stats.dossiers.total.received += 1
            submit_report(store, stats, officer="truong", prepared_by="Nguyễn Thị Lập", approved_by="Trần Văn Trưởng")
        assert station.sync_until_clean().ok

    table = server.admin("GET", "/v1/admin/stats", params={"period": "2026-10"}).json()
    rows = {r["commune_code"]: r for r in table["communes"]}
    assert set(rows) == {A, B}
    ca, cb = rows[A]["computed"], rows[B]["computed"]
    # Station A, by hand: 6 received; early 1, on time 2 (incl. the paused one), late 1 → 75.0 %; pending
    # overdue 1, not due 1; 1 urgent crime report transferred on time.
    assert (ca["dossiers.received"], ca["dossiers.resolved.early"], ca["dossiers.resolved.on_time"],
            ca["dossiers.resolved.late"], ca["dossiers.resolved.on_time_rate"]) == (6, 1, 2, 1, "75.0")
    assert (ca["dossiers.pending.overdue"], ca["dossiers.pending.not_due"], ca["dossiers.pending.paused"]) == (1, 1, 0)
    assert (ca["crime_reports.received"], ca["crime_reports.urgent"], ca["crime_reports.handled.late"],
            ca["crime_reports.transferred.crime_report.urgent.on_time"]) == (1, 1, 0, 1)
    # Station B: 3 received (1 online); on time 1, late 1 → 50.0 %; 1 waiting for a supplement.
    assert (cb["dossiers.received"], cb["dossiers.received_online"], cb["dossiers.resolved.on_time"],
            cb["dossiers.resolved.late"], cb["dossiers.resolved.on_time_rate"]) == (3, 1, 1, 1, "50.0")
    assert (cb["dossiers.pending.paused"], cb["dossiers.pending.overdue"], cb["crime_reports.received"]) == (1, 0, 0)
    # Province totals: 9 received; early 1, on time 3, late 2; pending overdue 1, not due 1, paused 1.
    t = table["total"]["computed"]
    assert (t["dossiers.received"], t["dossiers.resolved.early"], t["dossiers.resolved.on_time"],
            t["dossiers.resolved.late"]) == (9, 1, 3, 2)
    assert (t["dossiers.pending.overdue"], t["dossiers.pending.not_due"], t["dossiers.pending.paused"]) == (1, 1, 1)
    assert t["dossiers.resolved.on_time_rate"] == "66.7"  # (1 + 3) / 6, not the mean of 75.0 and 50.0
    assert t["crime_reports.handled.on_time_rate"] == "100.0" and t["petitions.resolved.on_time_rate"] is None
    assert t["dossiers.received"] == table["total"]["submitted"]["dossiers.received"] - 1
    # A's report agrees figure by figure; B's wrong figure is the one flag.
    assert rows[A]["disagreements"] == {} and rows[A]["report"]["station_id"] == a.station_id
    assert rows[B]["disagreements"] == {"dossiers.received": {"computed": 3, "submitted": 4}}
    assert table["flagged"] == 1
    assert rows[B]["report"]["submitted_by"] == "truong"

    out = server.cli("stats", "--period", "2026-10").stdout
    assert "3≠4" in out and "dossiers.received: tính từ hồ sơ 3, báo cáo 4" in out
    total_line = next(line for line in out.splitlines() if line.startswith("Toàn tỉnh")).split()
    assert total_line[2:8] == ["9", "6", "1", "3", "2", "66.7"]  # received, resolved, early, on time, late, rate
    assert json.loads(server.cli("stats", "--period", "2026-10", "--json").stdout)["flagged"] == 1
    # For provincial staff in Excel: the table, the disagreements, every figure per commune.
    from openpyxl import load_workbook

    server.cli("stats", "--period", "2026-10", "--xlsx", str(tmp_path / "tinh.xlsx"))
    wb = load_workbook(tmp_path / "tinh.xlsx")
    head, flags, detail = (list(ws.iter_rows(values_only=True)) for ws in wb.worksheets)
    assert [r[:4] for r in head[2:]] == [(A, a.station_id, "đã nộp", 6), (B, b.station_id, "đã nộp", 3),
                                         ("Toàn tỉnh", None, None, 9)]
    assert head[-1][8] == 66.7  # the province's rate, a number
    assert flags[2:] == [(B, "dossiers.received", 3, 4)]
    assert next(r for r in detail if r[0] == "dossiers.resolved.late")[1:] == (1, 1, 1, 1)
    for bad in ("2026-13", "9999-12-31..9999-12-31", "0000"):
        answer = server.admin("GET", "/v1/admin/stats", params={"period": bad})
        assert (answer.status_code, answer.json()["code"]) == (400, "period.invalid")

    # A later period reads only what can touch it: the records still open (nothing was written since), which
    # are its pending snapshot — station A's two open dossiers, overdue since October, and its crime report
    # transferred and still undecided at the agency (pending there).
    from province_server.db import Database
    from province_server.statistics import _commune_records, province_table

    db = Database(server.db_url)
    try:
        with db.read() as conn:
            later = _commune_records(conn, db.backend, A, Period.parse("2027-06"))
        assert (len(later["dossier"]), len(later["crime_report"])) == (2, 1)
        assert later["crime_report"][0]["transferred_at"] and not later["crime_report"][0].get("agency_decision_at")
        june = {r["commune_code"]: r for r in province_table(db, Period.parse("2027-06"))["communes"]}
        assert (june[A]["computed"]["dossiers.pending.overdue"], june[A]["computed"]["dossiers.received"]) == (2, 0)
        assert june[B]["computed"]["dossiers.pending.paused"] == 1 and june[B]["report"] is None
    finally:
        db.dispose()
