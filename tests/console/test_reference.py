"""Reference data from the console: a holiday override previewed (which open dossiers' due times move, per
commune), saved, and taken by a real station at its sync; the commune classification likewise; a viewer can
neither; the domain's validation refuses a bad value."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from province_server.console.reference import override_id
from station_client.domain import dossiers as dom
from station_client.domain.calendar import WorkCalendar, shipped_overrides
from station_client.domain.deadlines import default_office_hours
from station_client.store import dossiers as sd
from station_client.store.dossiers import override_record_id, work_calendar
from tests.statistics.conftest import APPLICANT, DOCS
from tests.support.server import RunningServer
from tests.sync.conftest import make_station

from .conftest import Console, staff_audit


def test_override_ids_are_the_stations() -> None:
    day = datetime(2026, 11, 24).date()
    assert override_id(day) == override_record_id(day)


def test_a_holiday_override_is_previewed_saved_and_reaches_the_station(tmp_path: Path, server: RunningServer,
                                                                        console: Console) -> None:
    station = make_station(tmp_path, server, "binh-khe", commune="07081")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        d = sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                               received_at=now - timedelta(hours=1)), officer="can_bo_a")
        due_before = dom.compute_due(store.get("dossier", d["id"]), work_calendar(store.conn))
    assert station.sync_until_clean().ok
    day = WorkCalendar.default(overrides=shipped_overrides()).next_working_day(now.date())

    viewer = Console(server)
    viewer.login("viewer")
    assert 'id="calendar-form"' not in viewer.get("/console/reference").text
    refused = viewer.post("/console/reference/calendar", {"date": day.isoformat(), "type": "day_off",
                                                          "confirm": "1"}, page="/console/reference")
    assert refused.status_code == 403

    console.login("admin")
    bad = console.post("/console/reference/calendar", {"date": day.isoformat(), "type": "holiday"},
                       page="/console/reference")
    assert bad.status_code == 400 and "ngày nghỉ" in bad.text
    form = {"date": day.isoformat(), "type": "day_off", "name": "Nghỉ bù (thử)", "source": "Thông báo số 1/TB",
            "op": "upsert"}
    preview = console.post("/console/reference/calendar", form, page="/console/reference")
    assert preview.status_code == 200 and 'id="preview"' in preview.text
    moved = preview.text.split('id="preview-moved">')[1].split("<")[0]
    assert moved.endswith(" 1") or moved.endswith(": 1"), moved  # this commune's one open dossier
    assert "07081 Phường Bình Khê" in preview.text
    assert "Nghỉ bù (thử)" not in preview.text.split('id="calendar-table"')[1]  # not saved by a preview
    saved = console.post("/console/reference/calendar", form | {"confirm": "1"}, page="/console/reference")
    assert saved.status_code == 200 and "Nghỉ bù (thử)" in saved.text.split('id="calendar-table"')[1]
    assert station.sync_until_clean().ok
    with station.open() as store:
        cal = work_calendar(store.conn)
        assert not cal.is_working_day(day)
        assert dom.compute_due(store.get("dossier", d["id"]), cal) > due_before  # a working day later
        assert cal.is_working_day(WorkCalendar.default(overrides=shipped_overrides()).next_working_day(day))
    actions = {(e["action"], e["target"]) for e in staff_audit(server)}
    assert ("reference.calendar.save", day.isoformat()) in actions


def test_the_commune_classification_is_previewed_and_saved(tmp_path: Path, server: RunningServer,
                                                           console: Console) -> None:
    station = make_station(tmp_path, server, "hoang-que", commune="07114")
    console.login("admin")
    form = {"commune_code": "07114", "remote": "1", "basis": "Quyết định số 1/QĐ (thử)"}
    preview = console.post("/console/reference/commune", form, page="/console/reference")
    assert "48 giờ" in preview.text.split('id="preview"')[1] and 'id="confirm"' in preview.text
    saved = console.post("/console/reference/commune", form | {"confirm": "1"}, page="/console/reference")
    row = saved.text.split('data-commune="07114"')[1].split("</tr>")[0]
    assert "48 giờ" in row
    assert console.post("/console/reference/commune", {"commune_code": "99999", "remote": "1"},
                        page="/console/reference").status_code == 400
    assert station.sync_until_clean().ok
    with station.open() as store:
        (cls,) = [r for r in store.conn.execute("SELECT commune_code, remote FROM commune_classes")]
        assert tuple(cls) == ("07114", 1)


def test_the_lookup_base_url_is_previewed_saved_and_reaches_the_station(tmp_path: Path, server: RunningServer,
                                                                        console: Console) -> None:
    from station_client.store import receipt_keys

    station = make_station(tmp_path, server, "mao-khe-url", commune="07069")
    viewer = Console(server)
    viewer.login("viewer")
    assert 'id="lookup-url-form"' not in viewer.get("/console/reference").text
    assert viewer.post("/console/reference/lookup-url", {"url": "https://x.example", "confirm": "1"},
                       page="/console/reference").status_code == 403
    console.login("admin")
    assert console.post("/console/reference/lookup-url", {"url": "tracuu example"},
                        page="/console/reference").status_code == 400
    url = "https://tracuu.congan.quangninh.gov.vn"
    preview = console.post("/console/reference/lookup-url", {"url": url + "/"}, page="/console/reference")
    assert preview.status_code == 200 and 'id="preview"' in preview.text and "Phiếu đã in giữ địa chỉ" in preview.text
    saved = console.post("/console/reference/lookup-url", {"url": url, "confirm": "1"}, page="/console/reference")
    assert saved.status_code == 200 and f"<b>{url}</b>" in saved.text.split('id="lookup-url"')[1][:200]
    assert station.sync_until_clean().ok
    with station.open() as store:
        assert receipt_keys.base_url(store.conn) == url
    assert ("reference.lookup_url", url) in {(e["action"], e["target"]) for e in staff_audit(server)}
