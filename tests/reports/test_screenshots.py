"""Screenshots of the crime-report register and the intake form (offscreen ``QWidget.grab()``), saved to
``$REPORTS_SCREENSHOTS`` (default: the test's temporary folder) for a person to look at; and a check that the
Vietnamese reports section shows no English words and no field cut off."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLabel, QLineEdit, QTableView, QWidget

from station_client.domain import crime_reports, mediation, petitions, violations
from station_client.domain.deadline_rules import COMPLEXITY
from station_client.domain.deadlines import default_office_hours
from station_client.domain.registry import get_kind
from station_client.domain.reports import PARTY_ROLES
from station_client.paths import db_path
from station_client.store import Store
from station_client.store import reports as R
from tests.ui.conftest import logged_in, type_text

pytestmark = pytest.mark.gui


def _seed(data_dir: Path) -> None:
    tz = default_office_hours().tz
    now = datetime.now(tz).replace(second=0, microsecond=0)
    base = {"report_kind": "denunciation", "channel": "in_person"}
    with Store.open(db_path(data_dir)) as store:
        store.set_setting("dossier.station_code", "07069.MK")
        rows = [
            (now - timedelta(hours=30), {"reporter_name": "Nguyễn Thị Hường", "urgent": True,
                                         "urgency_reason": "may_flee",
                                         "summary": "Bị cướp giật túi xách trên đường Hoàng Hoa Thám"}),
            (now - timedelta(hours=3), {"reporter_name": "Trần Văn Phúc", "urgent": True,
                                        "urgency_reason": "caught_in_act", "channel": "phone",
                                        "summary": "Bắt quả tang đối tượng trộm xe máy tại chợ Mạo Khê"}),
            (now - timedelta(days=2), {"reporter_anonymous": True, "report_kind": "information",
                                       "channel": "phone", "summary": "Có tụ điểm đánh bạc tại khu Vĩnh Xuyên"}),
            (now - timedelta(days=4), {"reporter_agency": "Báo Quảng Ninh", "report_kind": "information",
                                       "channel": "media", "summary": "Phản ánh khai thác than trái phép"}),
            (now - timedelta(days=5), {"reporter_name": "Lê Đức Thịnh",
                                       "summary": "Bị lừa đảo chiếm đoạt 25 triệu đồng qua mạng xã hội"}),
        ]
        for at, values in rows:
            R.create(store, "crime_report", base | values, officer="seed", at=at)


def _texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        elif isinstance(w, QTableView) and w.model() is not None:
            m = w.model()
            texts += [str(m.headerData(c, Qt.Orientation.Horizontal)) for c in range(m.columnCount())]
            texts += [str(m.index(r, c).data()) for r in range(m.rowCount()) for c in range(m.columnCount())]
    return [t for t in texts if t]


def _english_words() -> set[str]:
    """English labels of this feature's vocabularies and fields (6+ letters: short words are ambiguous)."""
    words: set[str] = set()
    for table in (crime_reports.REPORT_KINDS, crime_reports.CHANNELS, crime_reports.STATUSES,
                  crime_reports.URGENCY_REASONS, petitions.STATUSES, mediation.STATUSES, violations.STATUSES,
                  PARTY_ROLES, COMPLEXITY):
        words |= {en for _vi, en in table.values()}
    for kind in R.KINDS:
        words |= {f.en for f in get_kind(kind).fields}
    return {w for w in words if len(w) >= 6}


def test_register_and_intake_screenshots(qtbot, app_factory, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = Path(os.environ.get("REPORTS_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    _seed(data_dir)
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1366, 800)
    ws = app.window.workspace
    ws.show_section("reports")
    view = ws.widgets["reports"]
    page = view.pages["crime_report"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 5)
    qtbot.wait(100)
    english = _english_words()
    texts = _texts(view)
    leaked = sorted({t for t in texts for e in english if e in t})
    assert not leaked, f"English in the Vietnamese UI: {leaked}"
    # Urgent and overdue first: the 30-hour-old urgent report leads the work list.
    assert page.model.rows[0]["reporter_name"] == "Nguyễn Thị Hường" and page.model.rows[0]["_overdue"]
    assert app.window.grab().save(str(out / "reports_register.png"))

    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    intake = page.intake
    f = intake.form.fields
    type_text(qtbot, f["reporter_name"].widget, "Phạm Thị Ngọc Ánh")
    type_text(qtbot, f["reporter_address"].widget, "Tổ 3, khu Dân Chủ, phường Mạo Khê")
    type_text(qtbot, f["summary"].widget, "Nhà bị đột nhập, mất 2 chỉ vàng và điện thoại di động")
    f["urgent"].widget.setChecked(True)
    f["urgency_reason"].widget.set_value("public_concern")
    intake.parties.add_row("accused", "Chưa rõ đối tượng", None, "", "nam, khoảng 30 tuổi")
    intake.parties.add_row("victim", "Phạm Thị Ngọc Ánh", 1988, "Tổ 3, khu Dân Chủ", "")
    qtbot.waitUntil(lambda: "24 giờ" in intake.banner.text())
    qtbot.wait(100)
    texts = _texts(intake)
    leaked = sorted({t for t in texts for e in english if e in t})
    assert not leaked, f"English in the Vietnamese UI: {leaked}"
    # No label or check box is narrower than its text needs (nothing cut off at this window size).
    for w in intake.findChildren(QLabel) + intake.findChildren(QCheckBox):
        if w.isVisible() and w.text() and not (isinstance(w, QLabel) and w.wordWrap()):
            assert w.width() >= w.sizeHint().width() - 1, f"cut off: {w.text()!r}"
    assert app.window.grab().save(str(out / "reports_intake.png"))

    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.detail and page.detail.record is not None)
    qtbot.waitUntil(lambda: "KHẨN CẤP" in page.detail.banner.text())
    qtbot.wait(100)
    leaked = sorted({t for t in _texts(page.detail) for e in english if e in t})
    assert not leaked, f"English in the Vietnamese UI: {leaked}"
    assert app.window.grab().save(str(out / "reports_detail.png"))
