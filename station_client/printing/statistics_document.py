"""The period report a station sends to the province (báo cáo thống kê theo kỳ), as a printed document: the
station and its commune, the period, every table of ``statistics_export.tables`` (the same tables the CSV and
XLSX files hold, so paper and spreadsheet never differ) and the signature block — the clerk who prepared it
(người lập biểu) and the station head (trưởng Công an xã/phường), with place and date.

A pure function of the figures (its markup: ``resources/templates/period_report.html``), painted by ``render.py``
(Noto Sans, A4, PDF or any printer) like the receipts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain.statistics import Period, StationStats
from ..statistics_export import Cell, Table, tables
from .documents import PageSize, PrintDoc, StationInfo, date_words
from .templating import render

BODY_PT = {"A4": 10.0, "A5": 7.5}  # the tables have up to 14 columns: a point smaller than the receipts
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PAGE_PX = {"A4": 640, "A5": 470}  # text width at the 96-dpi layout (A4: 210 - 35 mm margins; A5: 148 - 22 mm)


def period_words(p: Period) -> str:
    """``tháng 10 năm 2026``, ``quý IV năm 2026``, ``năm 2026`` or ``từ ngày 01/10/2026 đến ngày 15/10/2026``."""
    label = p.label.upper()
    if "-Q" in label:
        return f"quý {ROMAN[int(label[-1])]} năm {p.start.year}"
    if len(label) == 7:
        return f"tháng {p.start.month} năm {p.start.year}"
    if len(label) == 4:
        return f"năm {p.start.year}"
    return f"từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y}"


def head_title(station: StationInfo) -> str:
    """TRƯỞNG CÔNG AN XÃ / PHƯỜNG / ĐẶC KHU, as the station's own name says."""
    name = station.agency.lower()
    level = "phường" if "phường" in name else "đặc khu" if "đặc khu" in name else "xã"
    return f"TRƯỞNG CÔNG AN {level.upper()}"


def _cell(value: Cell) -> str:
    if value is None:
        return "—"  # a rate with nothing finished: not defined
    if isinstance(value, Decimal):
        return f"{value}".replace(".", ",")  # Vietnamese decimal comma
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", ".")
    return str(value)


SPLIT_AT = 6  # the dossier tables (14 columns) print as two: receipt (5 figures), then resolution and pending


def _split(t: Table) -> list[tuple[Table, str]]:
    """A table too wide for a portrait page as two, each keeping the label column: on A4 portrait 14 columns
    leave figures 8 mm wide and their Vietnamese headings broken mid-word. Returns (part, what it holds)."""
    if len(t.headers) <= 8:
        return [(t, "")]
    cut = SPLIT_AT
    return [(Table(t.title, t.headers[:cut], tuple(r[:cut] for r in t.rows)), "tiếp nhận"),
            (Table(t.title, (t.headers[0], *t.headers[cut:]), tuple((r[0], *r[cut:]) for r in t.rows)),
             "giải quyết, tồn cuối kỳ")]


def _tables(stats: StationStats) -> list[dict[str, Any]]:
    """Each table (split when too wide) as the template prints it: its number, title, headers, the label column's
    width, and rows of text (a total's row in bold)."""
    out = []
    for n, whole in enumerate(tables(stats), 1):
        for t, what in _split(whole):
            out.append({
                "n": n,
                "title": t.title.split(" — ")[0] + (f": {what}" if what else ""),  # the period heads the document
                "headers": t.headers,
                "first": 28 if len(t.headers) > 6 else 55,  # the label column; the figures share the rest
                "rows": [{"bold": str(row[0]).startswith(("Tổng cộng", "Tổng đã")), "cells": [_cell(v) for v in row]}
                         for row in t.rows]})
    return out


CHART = "chart.png"


def period_report(stats: StationStats, station: StationInfo, *, commune: str = "", made_at: datetime,
                  prepared_by: str = "", approved_by: str = "", chart: bytes | None = None,
                  page_size: PageSize = "A4") -> PrintDoc:
    """Báo cáo thống kê of one period; ``commune`` is shown under the title (name and code); ``chart`` (PNG
    bytes: the 12-month on-time chart, black on white) is printed after the tables when given."""
    p = stats.period
    html = render(
        "period_report.html", pt=BODY_PT[page_size], station=station, serial_line="Số: ……/BC", form_label="",
        period_words=period_words(p), start=f"{p.start:%d/%m/%Y}", end=f"{p.end:%d/%m/%Y}",
        as_of=f"{p.as_of:%H:%M} ngày {p.as_of:%d/%m/%Y}" if p.as_of is not None else "", commune=commune,
        tables=_tables(stats), chart=CHART if chart else "", chart_n=len(tables(stats)) + 1,
        chart_px=PAGE_PX[page_size], prepared_by=prepared_by, approved_by=approved_by,
        head_title=head_title(station), date=date_words(made_at))
    return PrintDoc(f"Báo cáo thống kê {p.label} — {station.agency}", html, {CHART: chart} if chart else {},
                    page_size)
