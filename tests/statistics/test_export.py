"""Figures tables exported to CSV and XLSX, and the ``stats`` command, on a small hand-built October."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from station_client.cli import main
from station_client.domain.statistics import Period
from station_client.statistics_export import tables, write_csv, write_xlsx
from station_client.store import Store
from station_client.store.statistics import station_stats

from .conftest import at, dossier


def _october(store: Store) -> None:
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 13, 16)))  # early
    dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 15, 8)))  # late
    dossier(store, at(2026, 10, 28), channel="online")  # pending, not due


def test_csv_and_xlsx_hold_the_figures(store: Store, tmp_path: Path) -> None:
    _october(store)
    tabs = tables(station_stats(store.conn, Period.parse("2026-10")))
    write_csv(tmp_path / "t.csv", tabs)
    write_xlsx(tmp_path / "t.xlsx", tabs)
    assert (tmp_path / "t.csv").read_bytes().startswith("\ufeff".encode())  # BOM: Excel reads the diacritics
    with (tmp_path / "t.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[1]
    total = next(r for r in rows if r[0] == "Tổng cộng")
    got = dict(zip(header, total, strict=True))
    assert (got["Tiếp nhận"], got["Trực tuyến"], got["Đã giải quyết"]) == ("3", "1", "2")
    assert (got["Trước hạn"], got["Quá hạn"], got["Tỉ lệ đúng hạn (%)"]) == ("1", "1", "50.0")
    assert got["Tồn: trong hạn"] == "1"

    wb = load_workbook(tmp_path / "t.xlsx")
    assert len(wb.sheetnames) == len(tabs)
    ws = wb[wb.sheetnames[0]]
    assert ws["A1"].value.startswith("Hồ sơ thủ tục hành chính")
    headers = [c.value for c in ws[2]]
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "Tổng cộng" and last[headers.index("Tỉ lệ đúng hạn (%)")] == 50.0
    # Nothing transferred: the crime-report rate cell is empty, not 0 or 100.
    crime = wb[wb.sheetnames[2]]
    handled = next(r for r in crime.iter_rows(values_only=True) if r[0] == "Tổng đã chuyển, đã xử lý")
    assert handled[1] == 0 and handled[4] is None


def test_stats_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    with Store.open(data / "station.db") as store:
        _october(store)
    assert main(["stats", "--data-dir", str(data), "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if line.startswith("Tổng cộng"))
    assert total.split()[2:9] == ["3", "2", "1", "0", "0", "2", "1"]  # received, in person, online, post, refused,
    # resolved, early
    assert "Tổng đã chuyển, đã xử lý" in out and "—" in out  # no report handled: no rate
    target = tmp_path / "oct.xlsx"
    assert main(["stats", "--data-dir", str(data), "--period", "2026-10", "--xlsx", str(target)]) == 0
    assert load_workbook(target).sheetnames
    assert main(["stats", "--data-dir", str(data), "--period", "2026-13"]) == 2
