"""Intake of a permanent-residence dossier through the real form, and the print preview opening on the receipt."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt

from station_client.domain import receipt_link
from station_client.domain.identity import make_personal_id
from station_client.paths import db_path
from station_client.printing.documents import QR_NAME
from station_client.store import Store, receipt_keys
from station_client.ui.dossiers.preview import PrintPreview

# The GUI fixtures of tests/ui (session QApplication, app on a fresh data folder, fast KDF, login helper).
from tests.ui.conftest import _compiled_translations, _fast_kdf, app_factory, data_dir, logged_in, type_text  # noqa: F401

pytestmark = pytest.mark.gui
KEY = "receipt-key-of-the-test-station-0000000000"


def _resident(data: Path) -> dict:
    with Store.open(db_path(data)) as store:
        return store.create("person", {"full_name": "Phạm Thị Thu Hương", "birth_date": "1988-07-02", "sex": "F",
                                       "personal_id": make_personal_id("022", 1988, "F", 7788),
                                       "permanent_address": "Khu Vĩnh Xuân, phường Mạo Khê, tỉnh Quảng Ninh",
                                       "phone": "0987654321"}, officer="seed")


def test_permanent_residence_intake_and_print_preview(qtbot, app_factory, data_dir, monkeypatch,  # noqa: F811
                                                      tmp_path) -> None:  # type: ignore[no-untyped-def]
    person = _resident(data_dir)
    with Store.open(db_path(data_dir)) as store:  # as an enrolled station holds them (sync/enroll.py)
        receipt_keys.save(store, {"station.station_id": "07069-01", receipt_keys.KEY: KEY,
                                  receipt_keys.BASE_URL: "https://tracuu.example.gov.vn"})
    shown: list[PrintPreview] = []

    def fake_exec(dialog: PrintPreview) -> int:  # the modal would block the test: record it instead
        shown.append(dialog)
        return 0

    monkeypatch.setattr(PrintPreview, "exec", fake_exec)
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    qtbot.keyClick(w, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = w.workspace.widgets["dossiers"]
    assert w.workspace.pages.currentWidget() is view
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    intake = view.intake
    assert view.stack.currentWidget() is intake
    qtbot.waitUntil(lambda: intake.procedure_box.count() > 0)
    intake.select_procedure("1.004222")
    assert intake.procedure().name == "Đăng ký thường trú"
    assert intake.fee.value() == 20000

    # Find the resident by name typed without diacritics, pick her: the applicant fields fill in.
    type_text(qtbot, intake.person_search, "thu huong")
    qtbot.waitUntil(lambda: intake.person_hits.count() > 0, timeout=3000)
    qtbot.mouseClick(intake.person_hits.viewport(), Qt.MouseButton.LeftButton,
                     pos=intake.person_hits.visualItemRect(intake.person_hits.item(0)).center())
    qtbot.waitUntil(lambda: intake.form.fields["applicant_name"].get() == "Phạm Thị Thu Hương")
    assert intake.form.fields["applicant_personal_id"].get() == person["personal_id"]
    type_text(qtbot, intake.form.fields["applicant_current_address"].widget, "Số 8, tổ 3, khu Vĩnh Xuân")

    # The documents of the procedure are listed; the two required ones are ticked, the optional ones not.
    docs = intake.documents
    assert docs.rowCount() == 4
    ticked = [docs.item(r, 0).checkState() == Qt.CheckState.Checked for r in range(docs.rowCount())]
    assert ticked == [True, True, False, False]
    docs.item(2, 0).setCheckState(Qt.CheckState.Checked)  # proof of kinship brought too
    docs.cellWidget(1, 2).setValue(2)  # two copies of the residence proof

    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)

    preview = shown[0]
    assert view.stack.currentWidget() is view.detail
    record = view.detail.record
    assert record["status"] == "received" and record["applicant_person_id"] == person["id"]
    assert [d["count"] for d in record["documents"]] == [1, 2, 1]
    assert record["fee"] == 20000 and record["receipt_form"] == "CT04"
    # The appointment reads in office time (close of business), whatever the computer's time zone.
    assert "17:00" in view.detail.view.toPlainText()
    assert record["code"] in preview.doc.title
    assert "Phạm Thị Thu Hương" in preview.doc.html and "PHIẾU TIẾP NHẬN" in preview.doc.html
    assert "Công an phường Mạo Khê".upper() in preview.doc.html

    # The QR holds the signed lookup link, made offline from the station's receipt key (issue 16, item 8).
    if shutil.which("zbarimg"):
        png = tmp_path / "qr.png"
        png.write_bytes(preview.doc.images[QR_NAME])
        url = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True,
                             check=True).stdout.strip()
        assert url.startswith(f"https://tracuu.example.gov.vn/tra-cuu/{record['lookup_code']}?s=07069-01&t=")
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        link = receipt_link.parse(record["lookup_code"], q["s"], q["t"], q["d"], q["sig"])
        assert link is not None and link.dossier_code == record["code"] and receipt_link.verify(KEY, link)

    # Saving the PDF from the dialog counts as a print; the next preview is marked as a reprint.
    out = preview.save_pdf(str(tmp_path / "receipt.pdf"))
    assert out is not None and out.stat().st_size > 5000
    qtbot.waitUntil(lambda: (view.detail.record or {}).get("print_count") == 1, timeout=5000)
    qtbot.mouseClick(view.detail.print_buttons["receipt"], Qt.MouseButton.LeftButton)
    assert len(shown) == 2 and "BẢN IN LẠI (lần 2)" in shown[1].doc.html
    shown[1]._resize("A5")
    assert shown[1].doc.page_size == "A5"

    conn = sqlite3.connect(db_path(data_dir))
    assert conn.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM outbox WHERE kind = 'dossier'").fetchone()[0] >= 1
    conn.close()


def test_intake_shows_problems_next_to_fields(qtbot, app_factory, data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setattr(PrintPreview, "exec", lambda _self: 0)
    app = logged_in(qtbot, app_factory, data_dir)
    qtbot.keyClick(app.window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # pages are built on first show
    view = app.window.workspace.widgets["dossiers"]
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    intake = view.intake
    qtbot.waitUntil(lambda: intake.procedure_box.count() > 0)
    type_text(qtbot, intake.form.fields["applicant_personal_id"].widget, "12345")
    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: intake.form.error_of("applicant_name") != "")
    assert "bắt buộc" in intake.form.error_of("applicant_name")
    assert intake.form.error_of("applicant_personal_id")
    assert view.stack.currentWidget() is intake
