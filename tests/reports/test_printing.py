"""Printed documents of crime reports, mediation and registers: the PDF text (pdftotext) holds the fields, with
their diacritics, and crime-report printouts are marked confidential."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from station_client.printing import reports_documents as rd
from station_client.printing.documents import StationInfo
from station_client.printing.render import write_pdf
from station_client.store import Store
from station_client.store import reports as R

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
STATION = StationInfo(agency="Công an phường Mạo Khê", superior="Công an tỉnh Quảng Ninh", place="Mạo Khê")
OFFICER = "canbo1"


def _text(pdf: Path, *, layout: bool = True) -> str:
    """The PDF's text. ``layout=False`` reads narrow table cells one after the other instead of line by line."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())  # lines re-joined: a long value may wrap


def _report(store: Store, **values: object) -> dict:
    base = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Thị Hường",
            "reporter_birth_year": 1985, "reporter_address": "Tổ 5, khu Vĩnh Xuyên, phường Mạo Khê",
            "reporter_phone": "0912345678", "summary": "Bị cướp giật túi xách trên đường Hoàng Hoa Thám",
            "place": "Đường Hoàng Hoa Thám", "offence": "Cướp giật tài sản", "urgent": True,
            "urgency_reason": "may_flee", "occurred_at": "2025-06-02T07:45:00+07:00",
            "parties": [{"role": "accused", "name": "Đối tượng nam khoảng 25 tuổi", "note": "đi xe máy màu đỏ"},
                        {"role": "witness", "name": "Phạm Văn Lộc", "birth_year": 1970}]}
    return R.create(store, "crime_report", base | values, officer=OFFICER, at=datetime(2025, 6, 2, 8, 30))


def test_intake_record_pdf_contains_its_fields(store: Store, tmp_path: Path) -> None:
    r = _report(store)
    doc = rd.intake_record(r, STATION, officer_name="Trần Đức Thắng")
    text = _text(write_pdf(doc, tmp_path / "bb.pdf"))
    for expected in (rd.CONFIDENTIAL, "BIÊN BẢN TIẾP NHẬN", "TỐ GIÁC, TIN BÁO VỀ TỘI PHẠM", r["register_no"],
                     "CÔNG AN PHƯỜNG MẠO KHÊ", "CÔNG AN TỈNH QUẢNG NINH", "Tố giác về tội phạm", "Trực tiếp",
                     "08 giờ 30 phút, ngày 02/06/2025", "Nguyễn Thị Hường", "1985", "Tổ 5, khu Vĩnh Xuyên",
                     "0912345678", "Bị cướp giật túi xách trên đường Hoàng Hoa Thám", "Cướp giật tài sản",
                     "KHẨN CẤP", "Đối tượng có thể bỏ trốn", "24 giờ", "08:30 03/06/2025",
                     "Đối tượng nam khoảng 25 tuổi", "Phạm Văn Lộc", "Người làm chứng", "Trần Đức Thắng",
                     "Mạo Khê, ngày 02 tháng 06 năm 2025"):
        assert expected in text, expected


def test_anonymous_intake_record_says_so_and_holds_no_details(store: Store, tmp_path: Path) -> None:
    r = _report(store, reporter_anonymous=True, reporter_name=None, reporter_birth_year=None, reporter_address=None,
                reporter_phone=None, urgent=False, urgency_reason=None)
    text = _text(write_pdf(rd.intake_record(r, STATION), tmp_path / "anon.pdf"))
    assert "từ chối cung cấp thông tin cá nhân" in text
    assert "Hường" not in text and "0912345678" not in text
    assert "7 ngày" in text and rd.CONFIDENTIAL in text


def test_notice_register_and_mediation_agreement(store: Store, tmp_path: Path) -> None:
    a = _report(store)
    _report(store, reporter_anonymous=True, reporter_name=None, reporter_birth_year=None, reporter_address=None,
            reporter_phone=None)
    a = R.apply_action(store, "crime_report", a["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 2, 15, 0),
                       details={"transferred_to": "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh"})
    a = R.apply_action(store, "crime_report", a["id"], "notify", officer=OFFICER, at=datetime(2025, 6, 3, 9, 0),
                       details={"content": "Đề nghị Ông/Bà liên hệ Cơ quan điều tra khi được mời."})
    notice = _text(write_pdf(rd.notice_to_reporter(a, a["notices"][-1], STATION, signer="Lê Văn Cường"),
                             tmp_path / "tb.pdf"))
    for expected in ("THÔNG BÁO", "Kính gửi: Nguyễn Thị Hường", a["register_no"], "Cơ quan Cảnh sát điều tra",
                     "Đề nghị Ông/Bà liên hệ", "Lê Văn Cường", rd.CONFIDENTIAL):
        assert expected in notice, expected

    rows = R.register(store.conn, "crime_report", start=date(2025, 6, 1), end=date(2025, 6, 30))
    reg = _text(write_pdf(rd.register("crime_report", rows, STATION, date(2025, 6, 1), date(2025, 6, 30),
                                      printed_at=datetime(2025, 7, 1, 8, 0)), tmp_path / "so.pdf"), layout=False)
    assert "SỔ TIẾP NHẬN TỐ GIÁC" in reg and "Từ ngày 01/06/2025 đến ngày 30/06/2025 — 2 mục" in reg
    assert "Giấu tên" in reg and "Trước hạn" in reg and rd.CONFIDENTIAL in reg  # transferred the same day
    assert "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh" in reg
    assert reg.index("001/2025/") < reg.index("002/2025/")  # register order

    m = R.create(store, "mediation_case", {"trigger_kind": "request", "summary": "Tranh chấp lối đi chung",
                                           "mediators": "Đỗ Thị Lan", "parties": [
                                               {"role": "party", "name": "Hoàng Văn Sơn"},
                                               {"role": "party", "name": "Vũ Thị Nga"}]},
                 officer=OFFICER, at=datetime(2025, 6, 2, 9, 0))
    m = R.apply_action(store, "mediation_case", m["id"], "add_session", officer=OFFICER,
                       at=datetime(2025, 6, 4, 14, 0),
                       details={"summary": "Hai bên trình bày", "place": "Nhà văn hóa khu 5"})
    m = R.apply_action(store, "mediation_case", m["id"], "succeed", officer=OFFICER, at=datetime(2025, 6, 6, 15, 0),
                       details={"agreement": "Giữ lối đi chung rộng 2 mét."})
    agreement = _text(write_pdf(rd.mediation_agreement(m, STATION), tmp_path / "hg.pdf"))
    for expected in ("VĂN BẢN HÒA GIẢI THÀNH", "Hoàng Văn Sơn", "Vũ Thị Nga", "Giữ lối đi chung rộng 2 mét",
                     "Nhà văn hóa khu 5", "Đỗ Thị Lan", "BÊN 1", "BÊN 2"):
        assert expected in agreement, expected
    assert rd.CONFIDENTIAL not in agreement  # only crime reports are confidential
