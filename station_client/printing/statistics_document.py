"""The period report a station sends to the province (báo cáo thống kê theo kỳ), as a printed document: the
station and its commune, the period, every table of ``statistics_export.tables`` (the same tables the CSV and
XLSX files hold, so paper and spreadsheet never differ) and the signature block — the clerk who prepared it
(người lập biểu) and the station head (trưởng Công an xã/phường), with place and date.

A pure function of the figures, painted by ``render.py`` (Noto Sans, A4, PDF or any printer) like the receipts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..domain.statistics import Period, StationStats
from ..statistics_export import Cell, Table, tables
from .documents import PageSize, PrintDoc, StationInfo, date_words, esc
from .reports_documents import _header

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


def _style(page_size: PageSize) -> str:
    pt = BODY_PT[page_size]
    return (f"body {{ font-size: {pt}pt; }} .small {{ font-size: {pt - 1}pt; }} "
            f".title {{ font-size: {pt + 4}pt; margin-top: 8px; }} .rule {{ font-size: {pt - 3}pt; }} "
            f".cell {{ font-size: {pt - 1.5}pt; }} .caption {{ font-size: {pt + 0.5}pt; }} "
            f"th {{ font-weight: bold; background-color: #eeeeee; }}")


def _cell(value: Cell) -> str:
    if value is None:
        return "—"  # a rate with nothing finished: not defined
    if isinstance(value, Decimal):
        return f"{value}".replace(".", ",")  # Vietnamese decimal comma
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", ".")
    return esc(value)


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


def _table_html(t: Table, n: int) -> str:
    return "".join(_one_table(part, n, what) for part, what in _split(t))


def _one_table(t: Table, n: int, what: str = "") -> str:
    """One bordered table. Its title is the first header row, so a title never ends a page without its table,
    and both header rows repeat on the next page when the table breaks (QTextDocument repeats ``thead``)."""
    title = t.title.split(" — ")[0] + (f": {what}" if what else "")  # the period heads the whole document
    first = 28 if len(t.headers) > 6 else 55  # the label column; the figures share the rest
    head = "".join(f"<th class='cell' valign='bottom'{f' width={first}%' if i == 0 else ''}>{esc(h)}</th>"
                   for i, h in enumerate(t.headers))
    rows = []
    for row in t.rows:
        bold = str(row[0]).startswith(("Tổng cộng", "Tổng đã"))
        cells = "".join(
            f"<td class='cell' valign='top' align='{'left' if i == 0 else 'right'}'>"
            f"{'<b>' if bold else ''}{_cell(v)}{'</b>' if bold else ''}</td>" for i, v in enumerate(row))
        rows.append(f"<tr>{cells}</tr>")
    caption = f"<tr><td class='caption' colspan='{len(t.headers)}'><b>{n}. {esc(title)}</b></td></tr>"
    return ("<table width='100%' border='1' cellspacing='0' cellpadding='2' style='border-collapse: collapse; "
            f"margin-top: 8px'><thead>{caption}<tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


CHART = "chart.png"


def period_report(stats: StationStats, station: StationInfo, *, commune: str = "", made_at: datetime,
                  prepared_by: str = "", approved_by: str = "", chart: bytes | None = None,
                  page_size: PageSize = "A4") -> PrintDoc:
    """Báo cáo thống kê of one period; ``commune`` is shown under the title (name and code); ``chart`` (PNG
    bytes: the 12-month on-time chart, black on white) is printed after the tables when given."""
    p = stats.period
    figure = ""
    if chart:
        # Drawn at the text width of the 96-dpi layout (A4: 640 px, 170 mm), three times finer.
        # One borderless table, so the caption and the chart are kept on one page (render.keep_tables_whole):
        # the caption ended page 3 and the chart began page 4.
        figure = (f"<table width='100%' cellspacing='0' cellpadding='0' style='margin-top: 10px'>"
                  f"<tr><td class='caption'><b>{len(tables(stats)) + 1}. Tỉ lệ giải quyết "
                  "đúng hạn 12 tháng đến hết kỳ báo cáo</b></td></tr>"
                  f"<tr><td align='center'><img src='{CHART}' width='{PAGE_PX[page_size]}'/></td></tr></table>")
    body = (
        _header(station, "Số: ……/BC")
        + "<p class='title' align='center'><b>BÁO CÁO THỐNG KÊ<br/>KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ VÀ "
          "TỐ GIÁC, TIN BÁO</b></p>"
        + f"<p align='center'>Kỳ báo cáo: <b>{esc(period_words(p))}</b> (từ ngày {p.start:%d/%m/%Y} đến ngày "
          f"{p.end:%d/%m/%Y})</p>"
        + (f"<p align='center'><b>Kỳ chưa kết thúc — số liệu tính đến {p.as_of:%H:%M} ngày {p.as_of:%d/%m/%Y}"
           "</b></p>" if p.as_of is not None else "")
        + f"<p>Đơn vị báo cáo: <b>{esc(station.agency)}</b>"
        + (f" — {esc(commune)}" if commune else "") + "<br/>"
        + f"Đơn vị nhận báo cáo: {esc(station.superior)}<br/>"
        + "<span class='small'><i>Số liệu tính theo định nghĩa thống nhất giữa Công an xã và Công an tỉnh: "
          "thời hạn loại trừ thời gian chờ bổ sung; hồ sơ tồn tính tại 00:00 ngày đầu kỳ sau; "
          "“—”: không có việc đã giải quyết trong kỳ.</i></span></p>"
        + "".join(_table_html(t, i) for i, t in enumerate(tables(stats), 1))
        + figure
        + _signatures(station, made_at, prepared_by, approved_by)
    )
    html = (f"<html><head><meta charset='utf-8'/><style>{_style(page_size)}</style></head>"
            f"<body>{body}</body></html>")
    return PrintDoc(f"Báo cáo thống kê {p.label} — {station.agency}", html, {CHART: chart} if chart else {},
                    page_size)


def _signatures(station: StationInfo, made_at: datetime, prepared_by: str, approved_by: str) -> str:
    """Prepared by (left) and the station head (right, under place and date), space for hand signatures."""
    def cell(title: str, name: str, top: str = "") -> str:
        return (f"<td width='50%' align='center' valign='top'>{top}<b>{esc(title)}</b><br/>"
                f"<i class='small'>(Ký, ghi rõ họ tên)</i><br/><br/><br/><br/><br/><b>{esc(name)}</b></td>")

    place = f"<i>{esc(station.place)}, {date_words(made_at)}</i><br/>"
    return ("<table width='100%' cellspacing='0' cellpadding='2' style='margin-top: 14px'><tr>"
            + cell("NGƯỜI LẬP BIỂU", prepared_by, "<br/>")
            + cell(head_title(station), approved_by, place) + "</tr></table>")
