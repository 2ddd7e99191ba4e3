"""Issue 16, defect 4: English everywhere the officer chose English (the dossier's detail, the enrolment line),
Qt's own dialogs in Vietnamese with the vi_VN locale, and one spelling convention ("xóa", "khóa", "hòa", "hủy":
the catalogue's, tone mark on the first vowel of an open oa/oe/uy syllable) in the app's own text."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QLocale

from .conftest import logged_in

ROOT = Path(__file__).resolve().parents[2]
NEW_STYLE = {"oá", "oà", "oả", "oã", "oạ", "oé", "oè", "oẻ", "oẽ", "oẹ", "uý", "uỳ", "uỷ", "uỹ", "uỵ"}
# An open syllable only ("hoàn", "khuyến" are the same in both conventions); "quý" is q+uý, spelt so by both.
VARIANTS = NEW_STYLE | {s.upper() for s in NEW_STYLE} | {s[0].upper() + s[1] for s in NEW_STYLE}
PATTERN = re.compile(r"(?<![qQ])(" + "|".join(sorted(VARIANTS)) + r")(?![^\W\d_])")


def test_one_spelling_convention_in_the_apps_text() -> None:
    """Official unit names (resources/catalogues/communes.json) are data, spelt as the national list has them."""
    found = []
    files = [*ROOT.glob("station_client/**/*.py"), *ROOT.glob("resources/translations/*.ts"),
             *ROOT.glob("resources/translations/*.json"), *ROOT.glob("resources/templates/**/*")]
    for path in files:
        if path.is_file():
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for m in PATTERN.finditer(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)} in {line.strip()[:60]}")
    assert found == []


def test_dossier_detail_and_enrolment_in_english(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from station_client.ui.dossiers.detail import summary_html

    app = logged_in(qtbot, app_factory, data_dir)
    record = {"code": "22-07069-0001", "lookup_code": "AB12", "status": "received", "procedure_name": "x",
              "applicant_name": "Lê Văn A", "channel": "in_person", "fee": 15000,
              "documents": [{"name": "CT01", "form": "original", "count": 1}]}
    vi = summary_html(record, date(2026, 12, 2), None, "vi")
    assert "Mã hồ sơ" in vi and "Giấy tờ đã nhận" in vi
    settings = app.window.workspace.page("settings")
    settings._identity(SimpleNamespace(station_name="Công an phường Mạo Khê", commune_name="Mạo Khê",
                                       station_id="ST-1", server_url="https://tinh.example"))
    assert settings.enrolled.text().startswith("Đã đăng ký")
    app.context.set_language("en")
    qtbot.waitUntil(lambda: settings.enrolled.text().startswith("Enrolled: Công an phường Mạo Khê"))
    en = summary_html(record, date(2026, 12, 2), None, "en")
    for label in ("Dossier code", "Status", "Applicant", "Fee"):
        assert label in en, label
    for vietnamese in ("Mã hồ sơ", "Trạng thái", "Người nộp", "Lệ phí", "Giấy tờ đã nhận", "Bản chính"):
        assert vietnamese not in en, vietnamese
    app.context.set_language("vi")


def test_qt_dialogs_in_vietnamese_with_the_vi_vn_locale(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel

    logged_in(qtbot, app_factory, data_dir)
    assert QLocale().name() == "vi_VN"
    files = QFileDialog(None, "x")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(files)
    labels = {w.text() for w in files.findChildren(QLabel)}
    assert "&Tìm trong:" in labels and "&Loại tệp:" in labels, labels
    printer = QPrinter()
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    buttons = {b.text() for b in dialog.findChildren(QAbstractButton)}
    assert "&Tùy chọn >>" in buttons and "&Options >>" not in buttons, buttons
    labels = {w.text() for w in dialog.findChildren(QLabel)}
    assert "Số bản:" in labels and "Copies:" not in labels, labels


def test_file_dates_follow_vietnamese_where_the_system_names_no_locale(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    from station_client.ui.i18n import prefer_vietnamese_system_dates

    for name in ("LC_ALL", "LC_TIME", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    prefer_vietnamese_system_dates()
    import os

    assert os.environ["LC_TIME"] == "vi_VN.UTF-8"
    monkeypatch.setenv("LC_TIME", "en_GB.UTF-8")
    prefer_vietnamese_system_dates()
    assert os.environ["LC_TIME"] == "en_GB.UTF-8"  # a locale the PC chose is kept
