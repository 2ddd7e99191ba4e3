"""End to end in a real browser (Debian's headless Chromium through Selenium; nothing downloaded): an admin logs
in, adds a station and reads its enrollment code; a real station client enrolls with that code, takes in
dossiers and a crime report it transfers, submits its period report and syncs; the records arrive on the
overview, the statistics and the agency's inbox; a holiday added on the Reference page (previewed first) moves
the station's stored due time at its next sync, and the procedure and rule editors preview an edit; a receipt's
lookup page opens on a phone-sized screen; a department viewer can change nothing; a form whose CSRF token was
taken out is refused.

Every page is photographed (1366×768; the lookup page at 390×844) into ``CONSOLE_SCREENS_DIR`` or the test's
tmp folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station_client.domain.deadlines import default_office_hours
from station_client.store import Store
from station_client.store import dossiers as sd
from station_client.store import reports as sr
from station_client.store.statistics import station_stats, submit_report
from station_client.sync.enroll import enroll
from tests.support.server import RunningServer, start_server
from tests.sync.conftest import Station

from . import browser
from .conftest import PASSWORD, add_staff, screens_dir, staff_audit

pytestmark = pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))

APPLICANT = {"name": "Vũ Thị Trình Duyệt", "personal_id": "022190007777", "birth_date": "1990-05-17",
             "permanent_address": "Khu 2, phường Mạo Khê, tỉnh Quảng Ninh"}
DOCS = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1}]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    srv = start_server(tmp_path, quiet=True)
    add_staff(srv, "admin", "Nguyễn Văn Quản", "admin")
    add_staff(srv, "viewer", "Trần Thị Xem", "viewer")
    add_staff(srv, "agency", "Lê Văn Điều Tra", "agency")
    yield srv
    srv.stop()


def _wait(drv, css: str, text: str | None = None, timeout: float = 15):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(drv, timeout)
    if text is not None:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _login(drv, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    drv.get(url + "/console/login")
    drv.find_element(By.ID, "username").send_keys(username)
    drv.find_element(By.ID, "password").send_keys(PASSWORD)
    drv.find_element(By.ID, "login").click()
    _wait(drv, "header.top nav")


def _station_works(tmp_path: Path, server: RunningServer, code: str
                   ) -> tuple[Station, dict[str, object], dict[str, object]]:
    """A real station client: enroll with the code from the page, take in work, report, sync."""
    from tests.statistics.conftest import TRANSFER, crime_report

    folder = tmp_path / "mao-khe"
    folder.mkdir()
    with Store.open(folder / "station.db") as store:
        identity = enroll(store, server.url, code)
    station = Station(folder, server, identity.station_id)
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        first = sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                                   received_at=now - timedelta(minutes=5)), officer="can_bo_a")
        sd.create_dossier(store, sd.Intake(procedure_key="1.004194", applicant=APPLICANT, documents=DOCS,
                                           received_at=now - timedelta(minutes=3)), officer="can_bo_a")
        report = crime_report(store, now - timedelta(minutes=4), ("transfer", now - timedelta(minutes=2), TRANSFER))
        # received 40 days ago and still open: more than 7 working days have passed (Tết or not), overdue today
        sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                           received_at=now - timedelta(days=40)), officer="can_bo_a")
        from province_server.console.queries import current_period

        # Last month's report: a running period's cannot be submitted, and the overview shows the last ended one.
        submit_report(store, station_stats(store.conn, current_period().previous()), officer="truong",
                      prepared_by="Nguyễn Thị Lập", approved_by="Trần Văn Trưởng")
    assert station.sync_until_clean().ok
    return station, first, report


def test_console_end_to_end(tmp_path: Path, server: RunningServer) -> None:
    from selenium.webdriver.common.by import By

    shots = screens_dir(tmp_path)
    drv = browser.driver(1366, 768)
    try:
        drv.get(server.url + "/console/")
        assert "/console/login" in drv.current_url
        browser.screenshot(drv, shots / "console-login.png")
        _login(drv, server.url, "admin")
        assert drv.current_url.endswith("/console/")

        # 1. add a station; the page shows its one-time code and when it expires
        drv.get(server.url + "/console/stations")
        drv.find_element(By.ID, "commune_code").send_keys("07069")
        drv.find_element(By.ID, "station_name").send_keys("Công an phường Mạo Khê")
        drv.find_element(By.CSS_SELECTOR, "#add-station button").click()
        code = _wait(drv, "#enrollment-code").text.strip()
        assert len(code) == 14 and drv.find_element(By.ID, "enrollment-expires").text.strip()
        browser.screenshot(drv, shots / "console-stations.png")

        # 2. a real station client enrolls with it and syncs its work
        station, dossier, report = _station_works(tmp_path, server, code)

        # 3. its records arrive: the overview (reloaded) shows the sync, the version and the agreeing report
        drv.get(server.url + "/console/")
        row = _wait(drv, 'tr[data-commune="07069"]')
        assert "chưa bao giờ" not in row.text and "0.1.0" in row.text, row.text
        assert "đã nộp, khớp" in row.text, row.text
        overdue = row.find_elements(By.CSS_SELECTOR, "td.num")[2].text
        assert overdue == "1", row.text  # the dossier of 40 days ago, not the fresh ones
        browser.screenshot(drv, shots / "console-overview.png")
        # the filter (htmx: the table is swapped in place, no reload) finds nothing for another commune
        marker = drv.execute_script("window.__noReload = 1; return window.__noReload")
        drv.find_element(By.ID, "q").send_keys("07090")
        _wait(drv, "#overview-table td.empty")
        assert drv.execute_script("return window.__noReload") == marker  # the same page: swapped, not reloaded
        drv.get(server.url + "/console/statistics")
        cells = [td.text for td in drv.find_elements(By.CSS_SELECTOR, "#stats-table tbody tr:first-child td")]
        today = datetime.now(default_office_hours().tz)
        in_period = sum((today - ago).strftime("%Y-%m") == today.strftime("%Y-%m") for ago in (
            timedelta(minutes=5), timedelta(minutes=3), timedelta(days=40)))  # a run just after midnight on the 1st
        assert cells[0].startswith("07069") and cells[2] == str(in_period), cells  # received this period
        assert drv.find_elements(By.CSS_SELECTOR, "svg.chart rect")
        browser.screenshot(drv, shots / "console-statistics.png", full_height=True)
        drv.find_element(By.LINK_TEXT, "07069 Phường Mạo Khê").click()
        _wait(drv, "#commune-figures")
        browser.screenshot(drv, shots / "console-statistics-commune.png")
        drv.get(server.url + "/console/inbox")
        assert "Cơ quan CSĐT Công an tỉnh Quảng Ninh" in _wait(drv, "#inbox-table").text
        browser.screenshot(drv, shots / "console-inbox.png")
        drv.get(server.url + "/console/audit")
        assert "nguyên vẹn" in _wait(drv, "#audit-table").text
        browser.screenshot(drv, shots / "console-audit.png")
        for name in ("conflicts", "reference", "staff", "log"):
            drv.get(server.url + f"/console/{name}")
            _wait(drv, "table.grid")
            browser.screenshot(drv, shots / f"console-{name}.png")

        # 4. the holiday calendar: a day off inside the station's open dossiers' windows, previewed (which
        # dossiers' due times move, per commune), saved; the station's stored due time moves at its sync
        with station.open() as store:
            day = sd.work_calendar(store.conn).next_working_day(today.date())
        drv.get(server.url + "/console/reference")
        drv.execute_script("document.getElementById('cal-date').value = arguments[0]", day.isoformat())
        drv.find_element(By.ID, "cal-name").send_keys("Nghỉ đột xuất (thử)")
        drv.find_element(By.ID, "cal-source").send_keys("Thông báo số 9/TB-UBND")
        drv.find_element(By.ID, "cal-preview").click()
        moved = _wait(drv, "#preview-moved").text
        # the two dossiers received minutes ago move; the overdue one of 40 days ago was due before that day
        assert moved.endswith(": 2"), moved
        assert "07069 Phường Mạo Khê" in drv.find_element(By.ID, "preview").text
        browser.screenshot(drv, shots / "console-reference-holiday-preview.png")
        drv.find_element(By.ID, "confirm").click()
        _wait(drv, "#notice")
        assert "Nghỉ đột xuất (thử)" in drv.find_element(By.ID, "calendar-table").text
        assert station.sync_until_clean().ok
        with station.open() as store:
            got = store.get("dossier", str(dossier["id"]))
            old_due, new_due = (datetime.fromisoformat(str(x)) for x in (dossier["due_at"], got["due_at"]))
            assert new_due.date() == sd.work_calendar(store.conn).next_working_day(old_due.date()), (old_due, new_due)
            assert sd.appointment_moves(store.conn, [str(dossier["id"])]) == {str(dossier["id"]): (old_due, new_due)}
        dossier = dict(dossier) | {"due_at": got["due_at"]}
        # the procedure and deadline-rule editors on the same page (an admin's)
        drv.get(server.url + "/console/reference?procedure=1.004222#procedure-form")
        _wait(drv, "#procedure-form")
        amount = drv.find_element(By.ID, "proc-amount")
        amount.clear()
        amount.send_keys("8")
        drv.find_element(By.ID, "proc-preview").click()
        assert "→" in _wait(drv, "#preview-example").text
        assert "8 ngày làm việc" in drv.find_element(By.ID, "preview-diff").text
        browser.screenshot(drv, shots / "console-reference-procedure.png")
        browser.screenshot(drv, shots / "console-reference-full.png", full_height=True)
        drv.get(server.url + "/console/reference?rule=crime_report.normal#rule-form")
        _wait(drv, "#rule-form")
        browser.screenshot(drv, shots / "console-reference-rule.png")

        # 5. a form whose CSRF token was taken out is refused, and nothing changes
        drv.get(server.url + "/console/stations")
        before = len(drv.find_elements(By.CSS_SELECTOR, "tr[data-station]"))
        drv.execute_script("document.querySelector('#add-station input[name=csrf]').remove()")
        drv.find_element(By.ID, "commune_code").send_keys("07090")
        drv.find_element(By.CSS_SELECTOR, "#add-station button").click()
        assert "CSRF" in _wait(drv, "#refused").text
        drv.get(server.url + "/console/stations")
        assert len(drv.find_elements(By.CSS_SELECTOR, "tr[data-station]")) == before

        # 6. a department viewer sees the pages but can change nothing, even with a hand-made form
        drv.delete_all_cookies()
        _login(drv, server.url, "viewer")
        drv.get(server.url + "/console/stations")
        assert not drv.find_elements(By.ID, "add-station")
        assert not drv.find_elements(By.CSS_SELECTOR, "form[action*='/revoke']")
        station_id = drv.find_element(By.CSS_SELECTOR, "tr[data-station]").get_attribute("data-station")
        drv.execute_script("""
            const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
            const c = document.createElement('input'); c.name = 'csrf';
            c.value = document.querySelector('form[action="/console/logout"] input[name=csrf]').value;
            f.appendChild(c); document.body.appendChild(f); f.submit();""",
                           f"/console/stations/{station_id}/revoke")
        assert "không được dùng" in _wait(drv, "#refused").text
        browser.screenshot(drv, shots / "console-refused.png")
        drv.get(server.url + "/console/stations")
        assert "hoạt động" in drv.find_element(By.CSS_SELECTOR, f'tr[data-station="{station_id}"]').text
        drv.get(server.url + "/console/staff")
        assert "không được dùng" in _wait(drv, "#refused").text

        # 7. the investigation agency acknowledges, then records its decision with ground and number; the
        # commune's station gets it at its sync, with the notice to give the reporter on its Today list
        drv.delete_all_cookies()
        _login(drv, server.url, "agency")
        assert drv.current_url.endswith("/console/inbox")
        selector = f'tr[data-report="{report["id"]}"]'
        drv.find_element(By.CSS_SELECTOR, f"{selector} form.acknowledge button").click()
        _wait(drv, "#notice")
        row = drv.find_element(By.CSS_SELECTOR, selector)
        assert row.get_attribute("data-stage") == "acknowledged" and "Hạn giải quyết" in row.text
        from selenium.webdriver.support.ui import Select

        Select(row.find_element(By.NAME, "decision")).select_by_value("not_prosecute")
        row.find_element(By.CSS_SELECTOR, "form.decide input[name=decision_no]").send_keys("31/QĐ-CSĐT")
        row.find_element(By.CSS_SELECTOR, "form.decide input[name=ground]").send_keys("Khoản 1 Điều 157 BLTTHS")
        row.find_element(By.CSS_SELECTOR, "form.decide button").click()
        _wait(drv, "#notice")
        row = drv.find_element(By.CSS_SELECTOR, selector)
        assert row.get_attribute("data-stage") == "decided" and "31/QĐ-CSĐT" in row.text
        browser.screenshot(drv, shots / "console-inbox-agency.png")
        assert station.sync_until_clean().ok
        with station.open() as store:
            got = store.get("crime_report", str(report["id"]))
            assert (got["agency_decision"], got["agency_decision_no"]) == ("not_prosecute", "31/QĐ-CSĐT")
            assert [i.rule_key for i in sr.due_items(store.conn, datetime.now(default_office_hours().tz))
                    if i.record_id == str(report["id"])] == [sr.OUTCOME_NOTICE]
    finally:
        drv.quit()

    # 8. the receipt's lookup URL on a phone-sized screen: no login, no personal data
    phone = browser.driver(390, 844, mobile=True)
    try:
        phone.get(f"{server.url}/tra-cuu/{dossier['lookup_code']}")
        result = _wait(phone, "#lookup-result")
        assert phone.find_element(By.ID, "dossier-code").text == dossier["code"]
        assert "Phường Mạo Khê" in phone.find_element(By.ID, "station").text
        assert phone.find_element(By.ID, "status").text == "Đã tiếp nhận"
        assert phone.find_element(By.ID, "appointment").text not in ("", "Chưa có")
        assert APPLICANT["name"] not in phone.page_source and APPLICANT["personal_id"] not in phone.page_source
        assert result.size["width"] <= 390
        browser.screenshot(phone, shots / "console-lookup-phone.png")
        phone.get(f"{server.url}/tra-cuu/ABCD-EFGH-JKLM")
        browser.screenshot(phone, shots / "console-lookup-phone-error.png")
    finally:
        phone.quit()

    log = staff_audit(server)
    assert {("admin", "station.add", "ok"), ("admin", "csrf.refused", "denied"), ("viewer", "denied.post", "denied"),
            ("viewer", "login", "ok")} <= {(e["username"], e["action"], e["outcome"]) for e in log}
