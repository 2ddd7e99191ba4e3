"""The reports section driven like an officer would: a crime report taken in through the intake form (with a
resident linked from the search), checked and transferred through the action dialogs; an anonymous reporter
accepted; validation shown next to the field; urgent reports on the Today list."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from station_client.domain.deadlines import default_office_hours
from station_client.domain.identity import make_personal_id
from station_client.paths import db_path
from station_client.store import Store
from station_client.store import reports as R
from tests.ui.conftest import logged_in, type_text

pytestmark = pytest.mark.gui


def _reports(qtbot, app):  # type: ignore[no-untyped-def]
    ws = app.window.workspace
    ws.show_section("reports")
    view = ws.widgets["reports"]
    return view, view.pages["crime_report"]


def _tick(qtbot, box) -> None:  # type: ignore[no-untyped-def]
    """Tick a check box from the keyboard (the box spans the form's width; a click may miss its label)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()


def _ok(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_crime_report_from_intake_to_transfer_through_the_forms(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    with Store.open(db_path(data_dir)) as store:
        store.create("person", {"full_name": "Trần Văn Hùng", "birth_date": "1990-05-06", "sex": "M",
                                "personal_id": make_personal_id("022", 1990, "M", 4711),
                                "permanent_address": "Khu Vĩnh Xuyên, phường Mạo Khê"}, officer="seed")
    app = logged_in(qtbot, app_factory, data_dir)
    _view, page = _reports(qtbot, app)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    intake = page.intake
    assert page.stack.currentWidget() is intake
    f = intake.form.fields
    f["channel"].widget.set_value("phone")
    type_text(qtbot, f["reporter_name"].widget, "Nguyễn Thị Hường")
    type_text(qtbot, f["reporter_phone"].widget, "0912345678")
    type_text(qtbot, f["summary"].widget, "Bị cướp giật túi xách trên đường Hoàng Hoa Thám")
    type_text(qtbot, f["place"].widget, "Đường Hoàng Hoa Thám")
    _tick(qtbot, f["urgent"].widget)
    f["urgency_reason"].widget.set_value("may_flee")
    # The accused is a known resident: found by the search without diacritics, linked with one click.
    parties = intake.parties
    type_text(qtbot, parties.search, "tran van hung")
    qtbot.waitUntil(lambda: parties.hits.count() == 1)
    qtbot.mouseClick(parties.hits.viewport(), Qt.MouseButton.LeftButton,
                     pos=parties.hits.visualItemRect(parties.hits.item(0)).center())
    qtbot.waitUntil(lambda: parties.table.rowCount() == 1)
    # The live deadline says 24 hours for an urgent report.
    qtbot.waitUntil(lambda: "24" in intake.banner.text())
    assert "Hạn chuyển cơ quan điều tra" in intake.banner.text()

    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    detail = page.detail
    qtbot.waitUntil(lambda: page.stack.currentWidget() is detail and detail.record is not None)
    record = detail.record
    # The register's year is the office year of the receipt (a run at 23:59 on 31 December may cross it).
    office_year = datetime.fromisoformat(record["received_at"]).astimezone(default_office_hours().tz).year
    assert record["register_no"].startswith(f"001/{office_year}/TG/"), record["register_no"]
    assert record["urgent"] and record["rule_key"] == "crime_report.urgent"
    assert record["parties"][0]["name"] == "Trần Văn Hùng" and record["parties"][0]["person_id"]
    qtbot.waitUntil(lambda: "KHẨN CẤP" in detail.banner.text() and "còn 23 giờ" in detail.banner.text())

    # Preliminary check, then transfer: each asks for its details in a dialog.
    qtbot.mouseClick(detail.action_buttons["start_check"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.dialog is not None and detail.dialog.isVisible())
    type_text(qtbot, detail.dialog.form.fields["check_note"].widget, "Có dấu hiệu tội cướp giật tài sản")
    _ok(qtbot, detail.dialog)
    qtbot.waitUntil(lambda: detail.record["status"] == "checking")

    qtbot.waitUntil(lambda: "transfer" in detail.action_buttons)
    qtbot.mouseClick(detail.action_buttons["transfer"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.dialog.objectName() == "report_action_transfer" and detail.dialog.isVisible())
    target = detail.dialog.form.fields["transferred_to"].widget
    assert target.text() == "Cơ quan Cảnh sát điều tra Công an tỉnh"
    type_text(qtbot, target, " Quảng Ninh")
    type_text(qtbot, detail.dialog.form.fields["transfer_doc_no"].widget, "15/CV-CAP")
    _ok(qtbot, detail.dialog)
    qtbot.waitUntil(lambda: detail.record["status"] == "transferred")
    # Transferred within minutes of the intake: "early" (a day before the due day of the 24 hours), unless the
    # office midnight fell between intake and transfer (a run at 23:59:30), which makes it the due day itself.
    rec = detail.record
    due, done = (default_office_hours().local(datetime.fromisoformat(rec[k])) for k in ("due_at", "transferred_at"))
    expected = "early" if done.date() < due.date() else "on_time"
    assert rec["outcome"] == expected
    assert detail.banner.text() == ("Thời hạn: Trước hạn" if expected == "early" else "Thời hạn: Đúng hạn")
    assert "Đã chuyển cơ quan điều tra" in detail.title.text()

    with Store.open(db_path(data_dir)) as store:
        saved = store.get("crime_report", record["id"])
        assert saved["transferred_to"] == "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh"
        assert saved["transfer_doc_no"] == "15/CV-CAP" and saved["check_note"]
        actions = [r[0] for r in store.conn.execute(
            "SELECT action FROM audit WHERE record_id = ? ORDER BY seq", (record["id"],))]
        assert actions == ["create", "update", "update"]
        assert store.conn.execute("SELECT count(*) FROM outbox WHERE record_id = ?", (record["id"],)).fetchone()[0]

    # Back to the register: the entry is there, searchable without diacritics.
    qtbot.mouseClick(detail.back, Qt.MouseButton.LeftButton)
    page.filter.setCurrentIndex(page.filter.findData("all"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    type_text(qtbot, page.search, "huong")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.rows[0]["id"] == record["id"])


def test_anonymous_reporter_accepted_and_missing_reporter_refused(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    _view, page = _reports(qtbot, app)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    intake = page.intake
    f = intake.form.fields
    type_text(qtbot, f["summary"].widget, "Có người tổ chức đánh bạc tại khu 5")
    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: intake.form.error_of("reporter_name") != "")
    assert "từ chối cung cấp thông tin cá nhân" in intake.form.error_of("reporter_name")

    _tick(qtbot, f["reporter_anonymous"].widget)
    assert not f["reporter_name"].widget.isEnabled()
    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.detail and page.detail.record is not None)
    r = page.detail.record
    assert r["reporter_anonymous"] and r["reporter_name"] is None and r["rule_key"] == "crime_report.normal"
    assert "Người tố giác giấu tên" in page.detail.status.text()
    assert "notify" not in page.detail.action_buttons  # nobody to send a notice to


def test_urgent_reports_on_the_today_list_open_the_report(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    hours = default_office_hours()
    with Store.open(db_path(data_dir)) as store:
        urgent = R.create(store, "crime_report", {
            "report_kind": "denunciation", "channel": "in_person", "reporter_name": "Lê Văn Tám",
            "summary": "Phát hiện đối tượng trộm cắp đang lẩn trốn", "urgent": True, "urgency_reason": "may_flee"},
            officer="seed", at=datetime.now(hours.tz) - timedelta(hours=25))
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    ws.show_section("today")
    today = ws.widgets["today"]
    qtbot.waitUntil(lambda: any(i.record_id == urgent["id"] for i in today.items))
    item = next(i for i in today.items if i.record_id == urgent["id"])
    assert item.state == "overdue" and item.title.startswith("KHẨN CẤP")
    ws.open_record("crime_report", urgent["id"])
    view = ws.widgets["reports"]
    page = view.pages["crime_report"]
    qtbot.waitUntil(lambda: page.detail.record is not None and page.detail.record["id"] == urgent["id"])
    qtbot.waitUntil(lambda: "quá hạn" in page.detail.banner.text())


def test_petition_mediation_and_violation_through_their_forms(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    view, _page = _reports(qtbot, app)

    def take_in(kind: str, texts: dict[str, str], parties: list[tuple[str, str]] = ()) -> dict:  # type: ignore[assignment]
        page = view.pages[kind]
        view.tabs.setCurrentWidget(page)
        qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
        f = page.intake.form.fields
        for name, text in texts.items():
            type_text(qtbot, f[name].widget, text)
        for role, name in parties:
            page.intake.parties.add_row(role, name)
        qtbot.mouseClick(page.intake.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.detail and page.detail.record is not None)
        return page.detail

    detail = take_in("petition", {"petitioner_name": "Lê Thị Mai", "subject": "Tố cáo lấn chiếm đất công",
                                  "content": "Ông X xây tường lấn ra đường đi chung của khu 5"},
                     [("accused", "Ông X")])
    assert detail.record["rule_key"] == "petition.denunciation.classify"
    assert "ngày làm việc" in detail.banner.text()
    qtbot.mouseClick(detail.action_buttons["accept"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.dialog is not None and detail.dialog.isVisible())
    detail.dialog.form.fields["complexity"].widget.set_value("complex")
    _ok(qtbot, detail.dialog)
    qtbot.waitUntil(lambda: detail.record["status"] == "accepted")
    qtbot.waitUntil(lambda: "extend" in detail.action_buttons)
    qtbot.mouseClick(detail.action_buttons["extend"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.record["resolve_extensions"] == 1)
    qtbot.waitUntil(lambda: "extend" not in detail.action_buttons)  # complex: one extension only

    detail = take_in("mediation_case", {"summary": "Tranh chấp lối đi chung giữa hai hộ",
                                        "mediators": "Đỗ Thị Lan"},
                     [("party", "Hoàng Văn Sơn"), ("party", "Vũ Thị Nga")])
    qtbot.mouseClick(detail.action_buttons["succeed"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.dialog is not None and detail.dialog.isVisible())
    type_text(qtbot, detail.dialog.form.fields["agreement"].widget, "Giữ lối đi chung rộng 2 mét")
    _ok(qtbot, detail.dialog)
    qtbot.waitUntil(lambda: detail.record["status"] == "succeeded")
    qtbot.waitUntil(lambda: "agreement" in detail.print_buttons)

    detail = take_in("admin_violation", {"violator_name": "Phạm Văn Nam", "violation": "Gây rối trật tự công cộng",
                                         "items_held": "Xe máy Honda Wave"})
    assert detail.record["items_held"] == [{"name": "Xe máy Honda Wave"}] and detail.record["items_due_at"]
    qtbot.mouseClick(detail.action_buttons["decide"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.dialog is not None and detail.dialog.isVisible())
    type_text(qtbot, detail.dialog.form.fields["decision_no"].widget, "12/QĐ-XPHC")
    detail.dialog.form.fields["sanction"].widget.set_value("fine")
    type_text(qtbot, detail.dialog.form.fields["fine_amount"].widget, "750000")
    _ok(qtbot, detail.dialog)
    qtbot.waitUntil(lambda: detail.record["status"] == "decided")
    assert detail.record["fine_amount"] == 750_000 and detail.record["decision_outcome"] == "early"


def test_agency_outcome_on_the_report_and_the_today_list(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A decision synced from the province: the report shows it (decision, number, ground) with a banner, and the
    Today list says to tell the reporter until a notice is recorded."""
    from station_client.domain import agency as ag
    from station_client.domain.calendar import WorkCalendar
    from station_client.domain.registry import get_kind
    from station_client.store.codec import to_db

    hours = default_office_hours()
    now = datetime.now(hours.tz)
    with Store.open(db_path(data_dir)) as store:
        r = R.create(store, "crime_report", {
            "report_kind": "denunciation", "channel": "in_person", "reporter_name": "Lê Văn Tám",
            "reporter_phone": "0912345678", "summary": "Mất trộm xe máy"}, officer="seed", at=now - timedelta(days=3))
        r = R.apply_action(store, "crime_report", r["id"], "transfer", officer="seed", at=now - timedelta(days=2),
                           details={"transferred_to": "Cơ quan CSĐT Công an tỉnh"})
        cal = WorkCalendar.default()
        r |= ag.agency_transition(r, "acknowledge", now - timedelta(days=1), "cqdt", cal)
        r |= ag.agency_transition(r, "decide", now, "cqdt", cal, details={
            "decision": "prosecute", "ground": "Điều 143 BLTTHS", "decision_no": "09/QĐ-CSĐT"})
        values = to_db(get_kind("crime_report"), {k: v for k, v in r.items() if k in ag.AGENCY_FIELDS})
        with store.transaction():  # as a pulled province change writes it
            store.conn.execute(f"UPDATE crime_reports SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?",
                               (*values.values(), r["id"]))
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    ws.show_section("today")
    today = ws.widgets["today"]
    qtbot.waitUntil(lambda: any(i.record_id == r["id"] for i in today.items))
    item = next(i for i in today.items if i.record_id == r["id"])
    assert item.title.startswith("Báo kết quả cho người tố giác")
    ws.open_record("crime_report", r["id"])
    page = ws.widgets["reports"].pages["crime_report"]
    qtbot.waitUntil(lambda: page.detail.record is not None and page.detail.record["id"] == r["id"])
    qtbot.waitUntil(lambda: "Báo kết quả cho người tố giác" in page.detail.banner.text())
    assert "Quyết định khởi tố vụ án" in page.detail.banner.text()
    shown = page.detail.view.toPlainText()
    assert "09/QĐ-CSĐT" in shown and "Điều 143 BLTTHS" in shown and "Số quyết định" in shown
