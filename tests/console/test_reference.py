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


def test_a_procedure_edit_is_validated_previewed_saved_and_reaches_the_station(
        tmp_path: Path, server: RunningServer, console: Console) -> None:
    from station_client.domain.deadlines import Duration

    key = "1.010038"  # Tách hộ: 5 working days, 10 000 đ
    station = make_station(tmp_path, server, "an-sinh-proc", commune="07090")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        d = sd.create_dossier(store, sd.Intake(procedure_key=key, applicant=APPLICANT, documents=DOCS,
                                               received_at=now - timedelta(hours=1)), officer="can_bo_a")
    assert station.sync_until_clean().ok
    with station.open() as store:  # as the province's calendar has it (an earlier test may have added a day off)
        d = store.get("dossier", d["id"])

    viewer = Console(server)
    viewer.login("viewer")
    assert 'id="procedure-form"' not in viewer.get(f"/console/reference?procedure={key}").text
    assert f'data-procedure="{key}"' in viewer.get("/console/reference").text  # the list is read-only for a viewer
    assert viewer.post("/console/reference/procedure", {"key": key, "amount": "9", "unit": "working_days",
                                                        "confirm": "1"}, page="/console/reference").status_code == 403

    console.login("admin")
    page = console.get(f"/console/reference?procedure={key}").text
    assert 'id="procedure-form"' in page and 'value="Tách hộ"' in page.split('id="procedure-form"')[1]
    docs = page.split('id="proc-documents"')[1].split(">", 1)[1].split("</textarea>")[0]
    form = {"key": key, "name": "Tách hộ", "name_en": "Household separation", "amount": "6", "unit": "working_days",
            "fee_in_person": "12000", "fee_online": "6000", "active": "1",
            "documents": docs.strip() + "\n? Giấy ủy quyền | certified_copy | 1 | khi nộp thay"}
    # The stations' own validation refuses, in Vietnamese and English; nothing is saved.
    negative = console.post("/console/reference/procedure", form | {"fee_in_person": "-1"}, page="/console/reference")
    assert negative.status_code == 400 and "Lệ phí không được âm." in negative.text
    bad_form = console.post("/console/reference/procedure", form | {"documents": "Tờ khai | bản nháp | 1"},
                            page="/console/reference")
    assert bad_form.status_code == 400 and "Danh mục giấy tờ không hợp lệ." in bad_form.text
    bad_unit = console.post("/console/reference/procedure", form | {"unit": "weeks"}, page="/console/reference")
    assert bad_unit.status_code == 400 and "Thời hạn giải quyết không hợp lệ" in bad_unit.text

    preview = console.post("/console/reference/procedure", form, page="/console/reference")
    assert preview.status_code == 200
    box = preview.text.split('id="preview"')[1].split("</div>")[0]
    assert "5 ngày làm việc" in box and "6 ngày làm việc" in box and "12.000 đ" in box and "Giấy ủy quyền" in box
    assert "→" in box.split('id="preview-example"')[1]  # a dossier received now: due before → after
    assert box.split('id="preview-kept">')[1].split("<")[0].endswith(": 1")  # the open one keeps its due time
    assert "07090 Phường An Sinh" in box
    row = preview.text.split(f'data-procedure="{key}"')[1].split("</tr>")[0]
    assert "5 ngày làm việc" in row  # not saved by a preview

    saved = console.post("/console/reference/procedure", form | {"confirm": "1"}, page="/console/reference")
    assert saved.status_code == 200 and 'id="notice"' in saved.text
    row = saved.text.split(f'data-procedure="{key}"')[1].split("</tr>")[0]
    assert "6 ngày làm việc" in row and "12.000 / 6.000" in row and "tỉnh đã sửa" in row
    assert ("reference.procedure.save", key) in {(e["action"], e["target"]) for e in staff_audit(server)}

    assert station.sync_until_clean().ok
    with station.open() as store:
        p = sd.get_procedure(store.conn, key)
        assert p is not None and p.duration == Duration(6, "working_days") and p.fee_in_person == 12000
        assert p.documents[-1].name == "Giấy ủy quyền" and p.documents[-1].optional
        assert p.documents[-1].form == "certified_copy"
        kept = store.get("dossier", d["id"])
        assert kept is not None and kept["due_at"] == d["due_at"] and kept["fee"] == 10000  # as its receipt said
        new = sd.create_dossier(store, sd.Intake(procedure_key=key, applicant=APPLICANT, documents=DOCS,
                                                 received_at=now - timedelta(hours=1)), officer="can_bo_a")
        assert new["duration"] == {"amount": 6, "unit": "working_days"} and new["fee"] == 12000


def test_a_deadline_rule_edit_is_validated_previewed_saved_and_reaches_the_station(
        tmp_path: Path, server: RunningServer, console: Console) -> None:
    from station_client.domain.deadlines import Duration
    from station_client.store import reports as sr
    from tests.statistics.conftest import crime_report

    station = make_station(tmp_path, server, "dong-trieu-rule", commune="07093")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        report = crime_report(store, now - timedelta(hours=2))
    assert report["rule_key"] == "crime_report.normal"
    assert station.sync_until_clean().ok

    viewer = Console(server)
    viewer.login("viewer")
    assert 'id="rule-form"' not in viewer.get("/console/reference?rule=crime_report.normal").text
    assert viewer.post("/console/reference/rule", {"key": "crime_report.normal", "amount": "9",
                                                   "unit": "criminal_days", "confirm": "1"},
                       page="/console/reference").status_code == 403

    console.login("admin")
    page = console.get("/console/reference?rule=petition.denunciation.classify").text
    assert 'id="rule-form"' in page
    # An extension must have the rule's unit (validate_rule): refused, nothing saved.
    mixed = console.post("/console/reference/rule", {"key": "petition.denunciation.classify", "amount": "7",
                                                     "unit": "calendar_days", "extension": "3"},
                         page="/console/reference")
    assert mixed.status_code == 400 and "Thời hạn gia hạn phải cùng đơn vị với thời hạn chính." in mixed.text
    negative = console.post("/console/reference/rule", {"key": "crime_report.normal", "amount": "-2",
                                                        "unit": "criminal_days"}, page="/console/reference")
    assert negative.status_code == 400 and "Thời hạn không được âm." in negative.text

    form = {"key": "crime_report.normal", "amount": "10", "unit": "criminal_days", "extension": "",
            "legal_basis": "Điều 147 Bộ luật Tố tụng hình sự"}
    preview = console.post("/console/reference/rule", form, page="/console/reference")
    box = preview.text.split('id="preview"')[1].split("</div>")[0]
    assert preview.status_code == 200 and "7 ngày" in box and "10 ngày" in box and "→" in box
    assert box.split('id="preview-kept">')[1].split("<")[0].endswith(": 1")
    assert "07093 Phường Đông Triều" in box
    saved = console.post("/console/reference/rule", form | {"confirm": "1"}, page="/console/reference")
    row = saved.text.split('data-rule="crime_report.normal"')[1].split("</tr>")[0]
    assert saved.status_code == 200 and "10 ngày" in row and "tỉnh đã sửa" in row
    assert ("reference.rule.save", "crime_report.normal") in {(e["action"], e["target"]) for e in staff_audit(server)}

    assert station.sync_until_clean().ok
    with station.open() as store:
        assert sr.rule_set(store.conn).get("crime_report.normal").duration == Duration(10, "criminal_days")
        kept = store.get("crime_report", report["id"])
        assert kept is not None and kept["due_at"] == report["due_at"]  # a running matter keeps its deadline
