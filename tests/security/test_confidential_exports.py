"""Every crime-report export and printout says "MẬT": the register as CSV, XLSX and PDF (station-client reports
export), the intake record and the notice to the reporter as PDF; a petition register is not marked."""

from __future__ import annotations

import csv
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from station_client import cli
from station_client.domain.deadlines import default_office_hours
from station_client.paths import db_path
from station_client.printing.documents import station_info
from station_client.printing.render import write_pdf
from station_client.printing.reports_documents import intake_record, notice_to_reporter
from station_client.store import Store
from station_client.store import reports as sr

TZ = default_office_hours().tz
AT = datetime(2026, 10, 5, 9, 30, tzinfo=TZ)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


@pytest.fixture
def station(tmp_path: Path) -> Path:
    data_dir = tmp_path / "station"
    with Store.open(db_path(data_dir)) as store:
        store.set_setting("station.name", "Công an phường Mạo Khê")
        store.set_setting("station.commune_code", "07069")
        sr.create(store, "crime_report", {"report_kind": "denunciation", "channel": "in_person",
                                          "reporter_name": "Lê Thị Tố Giác", "summary": "Mất trộm xe máy"},
                  officer="truong", at=AT)
        sr.create(store, "petition", {"petition_type": "complaint", "channel": "in_person",
                                      "petitioner_name": "Phạm Văn Gửi", "content": "Khiếu nại"},
                  officer="truong", at=AT)
    return data_dir


def test_crime_report_register_exports_are_marked(station: Path, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    base = ["--data-dir", str(station), "reports", "export", "--from", "2026-10-01", "--to", "2026-10-31"]
    assert cli.main([*base, "--csv", str(tmp_path / "r.csv")]) == 0
    assert cli.main([*base, "--xlsx", str(tmp_path / "r.xlsx")]) == 0
    assert cli.main([*base, "--pdf", str(tmp_path / "r.pdf")]) == 0
    assert cli.main([*base, "--kind", "petition", "--csv", str(tmp_path / "p.csv")]) == 0

    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["MẬT"] and "MẬT" in lines[1][0]
    assert any("Lê Thị Tố Giác" in cell for row in lines for cell in row)  # the register itself follows
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws["A1"].value == "MẬT" and ws["A1"].font.b
    assert ws.oddHeader.left.text == "MẬT" and ws.oddFooter.left.text == "MẬT"  # on every printed page
    pdf = _pdf_text(tmp_path / "r.pdf")
    assert "MẬT" in pdf and "SỔ TIẾP NHẬN TỐ GIÁC" in pdf
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as f:
        assert "MẬT" not in f.read()  # only crime reports are marked


def test_crime_report_printouts_are_marked(station: Path, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    with Store.open(db_path(station)) as store:
        report = next(store.iter_records("crime_report"))
    info = station_info({"station.name": "Công an phường Mạo Khê", "station.commune_code": "07069"})
    write_pdf(intake_record(report, info, officer_name="Nguyễn Văn Trưởng"), tmp_path / "intake.pdf")
    write_pdf(notice_to_reporter(report, {"at": AT.isoformat(), "content": "Đã chuyển"}, info),
              tmp_path / "notice.pdf")
    for name in ("intake.pdf", "notice.pdf"):
        assert "MẬT" in _pdf_text(tmp_path / name), name
