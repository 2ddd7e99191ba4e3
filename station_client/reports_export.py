"""Registers of crime reports, petitions, mediation and violations exported as CSV, XLSX or PDF.

The rows are the printed register's (``printing/reports_documents.register``), so a file says what the paper
says. Crime-report exports carry the confidentiality mark "MẬT" the printouts carry: as the first line of a
CSV, in the first cell and on every printed page (header and footer) of a worksheet, and boxed at the top of a
PDF. A report names suspects and, unless they declined, the people who reported them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .printing.reports_documents import CONFIDENTIAL, REGISTER_COLUMNS, REGISTER_TITLES, register_cells
from .spreadsheet_safety import csv_row, xlsx_row

CONFIDENTIAL_KINDS = frozenset({"crime_report"})
CONFIDENTIAL_NOTE = ("Tài liệu MẬT: có thông tin về người tố giác, người bị tố giác. Không sao chép, không chuyển "
                     "cho người không có trách nhiệm.")


def is_confidential(kind: str) -> bool:
    return kind in CONFIDENTIAL_KINDS


def table(kind: str, rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Headers and plain-text rows of the register of ``kind``."""
    headers = ["STT", *REGISTER_COLUMNS[kind]]
    return headers, [[str(i), *(c.text.strip() for c in register_cells(kind, r))] for i, r in enumerate(rows, 1)]


def _title(kind: str, start: date, end: date) -> str:
    return f"{REGISTER_TITLES[kind]} — từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def write_csv(path: str | Path, kind: str, rows: Sequence[dict[str, Any]], start: date, end: date) -> None:
    """UTF-8 with a byte-order mark (Excel reads Vietnamese correctly); the mark and its note first. Every cell
    that a spreadsheet would run as a formula is written as text (``spreadsheet_safety``)."""
    headers, body = table(kind, rows)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        if is_confidential(kind):
            w.writerow([CONFIDENTIAL])
            w.writerow([CONFIDENTIAL_NOTE])
        w.writerow(csv_row([_title(kind, start, end)]))
        w.writerow(csv_row(headers))
        w.writerows(csv_row(r) for r in body)


def write_xlsx(path: str | Path, kind: str, rows: Sequence[dict[str, Any]], start: date, end: date) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    headers, body = table(kind, rows)
    wb = Workbook()
    ws = wb.active
    ws.title = "So tiep nhan"
    if is_confidential(kind):
        ws.append([CONFIDENTIAL])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=14, color="B00000")
        ws.append([CONFIDENTIAL_NOTE])
        # Printed from Excel, every page says it too.
        ws.oddHeader.left.text = CONFIDENTIAL
        ws.oddHeader.left.size = 14
        ws.oddHeader.left.font = "Arial,Bold"
        ws.oddFooter.left.text = CONFIDENTIAL
        wb.properties.keywords = CONFIDENTIAL
    xlsx_row(ws, [_title(kind, start, end)])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    xlsx_row(ws, headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in body:
        xlsx_row(ws, row)  # a register cell typed as "=…" stays text
    wb.save(path)


def write_pdf(path: str | Path, kind: str, rows: Sequence[dict[str, Any]], start: date, end: date,
              settings: dict[str, str | None], printed_at: datetime) -> None:
    """The printed register (marked for crime reports by ``reports_documents.register``) as a PDF."""
    from .printing.documents import station_info
    from .printing.render import write_pdf as render_pdf
    from .printing.reports_documents import register

    render_pdf(register(kind, rows, station_info(settings), start, end, printed_at=printed_at), path)
