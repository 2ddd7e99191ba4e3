"""A holiday the province adds moves the stored due time of a station's open dossiers at its next sync.

The dossier's ``due_at`` is written at intake. When a ``calendar_override`` arrives by sync, the station
recomputes the due time of every dossier whose clock runs, through the write path (an audit entry as the
sync's own change, a change pushed to the province), and remembers the move so the officer sees that a
printed appointment changed. A dossier whose result is ready keeps the appointment it was judged by; a change
of a procedure's duration does not move a dossier already received (it keeps the duration of its receipt)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from station_client.domain import dossiers as dom
from station_client.domain.deadlines import default_office_hours
from station_client.domain.procedures import procedure_record_id, shipped_catalogue
from station_client.store import dossiers as sd
from tests.statistics.conftest import APPLICANT, DOCS
from tests.support.server import RunningServer

from .conftest import make_station, server_records


def _intake(store, received: datetime, procedure: str = "1.004222") -> dict:  # type: ignore[no-untyped-def]
    return sd.create_dossier(store, sd.Intake(procedure_key=procedure, applicant=APPLICANT, documents=DOCS,
                                              received_at=received), officer="can_bo_a")


def test_a_new_day_off_moves_open_dossiers_at_the_station(tmp_path: Path, server: RunningServer) -> None:
    commune = "07081"
    station = make_station(tmp_path, server, "recompute", commune=commune)
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        running = _intake(store, now - timedelta(hours=1))
        sd.mark_printed(store, running["id"], officer="can_bo_a")
        ready = _intake(store, now - timedelta(hours=1))
        sd.apply_action(store, ready["id"], "start", officer="can_bo_a")
        ready = sd.apply_action(store, ready["id"], "result_ready", officer="can_bo_a")
        cal = sd.work_calendar(store.conn)
    assert station.sync_until_clean().ok
    old_due = datetime.fromisoformat(running["due_at"])
    day = cal.next_working_day(now.date())
    assert day < old_due.date()  # inside the dossier's window: the new day off must move it

    rid = "cal-recompute-test"
    loaded = server.load_reference("calendar_override", [
        {"id": rid, "fields": {"date": day.isoformat(), "type": "day_off", "name": "Nghỉ đột xuất (thử)"}}])
    assert loaded["loaded"] == 1
    report = station.sync_until_clean()
    assert report.ok and report.applied.due_moved == 1

    with station.open() as store:
        cal_after = sd.work_calendar(store.conn)
        assert not cal_after.is_working_day(day)
        moved = store.get("dossier", running["id"])
        assert moved is not None
        new_due = datetime.fromisoformat(moved["due_at"])
        assert new_due == dom.compute_due(moved, cal_after)
        assert new_due.date() == cal_after.next_working_day(old_due.date())  # one working day later
        unchanged = store.get("dossier", ready["id"])
        assert unchanged is not None and unchanged["due_at"] == ready["due_at"]
        # The write path's trace: an audit entry by the sync naming the old and new due time, and the change
        # pushed (nothing pending once the sync is clean).
        (changes,) = [json.loads(c) for (c,) in store.conn.execute(
            "SELECT changes FROM audit WHERE kind = 'dossier' AND record_id = ? AND officer = ?",
            (running["id"], sd.MOVED_BY))]
        assert changes == {"due_at": [running["due_at"], moved["due_at"]]}
        assert store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 0
        moves = sd.appointment_moves(store.conn, [running["id"], ready["id"]])
        assert moves == {running["id"]: (old_due, new_due)}
        # The dossier's page says so, and that the printed receipt shows the old day.
        from station_client.clock import office_datetime, office_today
        from station_client.ui.dossiers.detail import summary_html

        page = summary_html(moved, office_today(), cal_after, "vi", moves[running["id"]])
        assert f"Hẹn trả đã dời</b></td><td style='color:#b3261e'>{office_datetime(running['due_at'])} → " \
               f"{office_datetime(moved['due_at'])} (phiếu hẹn đã in ghi ngày cũ" in page
        from station_client.ui.dossiers import today_items

        (item,) = [i for i in today_items(store.conn, old_due.date()) if i.record_id == running["id"]]
        assert item.detail.endswith(f"hẹn trả đã dời: {office_datetime(running['due_at'])} → "
                                    f"{office_datetime(moved['due_at'])}")
    province = server_records(server, commune)[("dossier", running["id"])]
    assert province[2]["due_at"] == moved["due_at"]  # the province's copy moved too (statistics, lookup page)

    # The day off withdrawn: the dossier is due when it was first, and the move history says so.
    server.load_reference("calendar_override", [{"id": rid, "deleted": True, "fields": {
        "date": day.isoformat(), "type": "day_off", "name": "Nghỉ đột xuất (thử)"}}])
    assert station.sync_until_clean().ok
    with station.open() as store:
        back = store.get("dossier", running["id"])
        assert back is not None and datetime.fromisoformat(back["due_at"]) == old_due
        assert sd.appointment_moves(store.conn, [running["id"]]) == {running["id"]: (old_due, old_due)}


def test_a_procedure_duration_edit_keeps_received_dossiers_due_time(tmp_path: Path, server: RunningServer) -> None:
    station = make_station(tmp_path, server, "procedure-edit", commune="07114")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        before = _intake(store, now - timedelta(hours=1))
    assert station.sync_until_clean().ok
    (entry,) = [p for p in shipped_catalogue() if p["key"] == "1.004222"]
    loaded = server.load_reference("procedure", [{"id": procedure_record_id("1.004222"), "fields": entry | {
        "duration": {"amount": 10, "unit": "working_days"}}}])
    assert loaded["loaded"] == 1
    report = station.sync_until_clean()
    assert report.ok and report.applied.due_moved == 0
    with station.open() as store:
        kept = store.get("dossier", before["id"])
        assert kept is not None and kept["due_at"] == before["due_at"] and kept["duration"] == before["duration"]
        after = _intake(store, now - timedelta(hours=1))
        assert after["duration"] == {"amount": 10, "unit": "working_days"} and after["due_at"] > before["due_at"]
