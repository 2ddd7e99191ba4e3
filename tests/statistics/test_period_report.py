"""The period report: the printed document (station, commune, period, the tables, the signature block) and its
submission as a ``stat_report`` record through the write path (audited, queued for the province)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from station_client.cli import main
from station_client.domain.statistics import Period, flat_figures
from station_client.printing.documents import station_info
from station_client.printing.statistics_document import period_report, period_words
from station_client.store import Store
from station_client.store.statistics import station_stats, submitted_reports

from .conftest import TZ, at, dossier

SETTINGS = {"station.name": "Công an phường Mạo Khê", "station.commune_code": "07069"}


def _october(store: Store) -> None:
    for key, value in SETTINGS.items():
        store.set_setting(key, value)
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 13, 16)))  # early
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 15, 8)))  # late
    dossier(store, at(2026, 10, 28), channel="online")  # pending, not due


def test_period_words() -> None:
    assert period_words(Period.parse("2026-10")) == "tháng 10 năm 2026"
    assert period_words(Period.parse("2026-Q4")) == "quý IV năm 2026"
    assert period_words(Period.parse("2026")) == "năm 2026"
    assert period_words(Period.parse("2026-10-01..2026-10-15")) == "từ ngày 01/10/2026 đến ngày 15/10/2026"


def test_document_holds_station_period_tables_and_signatures(store: Store) -> None:
    _october(store)
    stats = station_stats(store.conn, Period.parse("2026-10"))
    doc = period_report(stats, station_info(SETTINGS), commune="Phường Mạo Khê, Quảng Ninh (mã 07069)",
                        made_at=datetime(2026, 11, 2, 9, tzinfo=TZ), prepared_by="Nguyễn Thị Lập",
                        approved_by="Trần Văn Trưởng")
    h = doc.html
    for text in ("CÔNG AN PHƯỜNG MẠO KHÊ", "CÔNG AN TỈNH QUẢNG NINH", "tháng 10 năm 2026",
                 "từ ngày 01/10/2026 đến ngày 31/10/2026", "Phường Mạo Khê, Quảng Ninh (mã 07069)",
                 "Hồ sơ thủ tục hành chính theo thủ tục", "Tố giác, tin báo về tội phạm", "Vi phạm hành chính",
                 "NGƯỜI LẬP BIỂU", "TRƯỞNG CÔNG AN PHƯỜNG", "Mạo Khê, ngày 02 tháng 11 năm 2026",
                 "Nguyễn Thị Lập", "Trần Văn Trưởng"):
        assert text in h, text
    assert "50,0" in h  # 1 early of 2 resolved, with a decimal comma


def test_pdf_and_submission_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store.open(data / "station.db") as store:
        _october(store)
    pdf = tmp_path / "bao-cao.pdf"
    assert main(["stats", "--data-dir", str(data), "--period", "2026-10", "--pdf", str(pdf), "--submit",
                 "--officer", "truong", "--prepared-by", "Nguyễn Thị Lập", "--approved-by", "Trần Văn Trưởng"]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "BÁO CÁO THỐNG KÊ" in text and "TRƯỞNG CÔNG AN PHƯỜNG" in text and "Trần Văn Trưởng" in text
    assert "Tỉ lệ giải quyết đúng hạn 12 tháng" in text  # the chart's heading; the chart is an image
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 3  # two header lines, one image
    with Store.open(data / "station.db") as store:
        [report] = submitted_reports(store.conn, Period.parse("2026-10"))
        assert report["figures"] == flat_figures(station_stats(store.conn, Period.parse("2026-10")))
        assert (report["period_start"], report["period_end"], report["submitted_by"]) == \
            ("2026-10-01", "2026-10-31", "truong")
        assert report["station_name"] == "Công an phường Mạo Khê" and report["commune_code"] == "07069"
        queued = store.conn.execute("SELECT count(*) FROM outbox WHERE kind = 'stat_report'").fetchone()[0]
        audited = store.conn.execute("SELECT count(*) FROM audit WHERE kind = 'stat_report'").fetchone()[0]
        assert (queued, audited) == (1, 1)
