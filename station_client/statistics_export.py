"""Figures tables for people: the period statistics laid out as titled tables (Vietnamese headings, as the
province's forms read), written to CSV or XLSX for provincial staff who work in Excel, or as plain text.

``tables`` is a pure function of ``StationStats``; the writers know nothing about statistics. Percentages are
numbers with one decimal (``60.0``) and an empty cell when not defined (nothing finished); the text form
shows "—" there. A cell that does not apply (a rate of "received") is the empty string.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .domain import crime_reports, mediation, petitions
from .domain.statistics import DossierFigures, Pending, StationStats, Timeliness
from .spreadsheet_safety import csv_row, xlsx_row

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


_TIMELY = ("Trước hạn", "Đúng hạn", "Quá hạn", "Tỉ lệ đúng hạn (%)")
_PENDING = ("Tồn: trong hạn", "Tồn: quá hạn")


def _timely(t: Timeliness) -> tuple[Cell, ...]:
    return t.early, t.on_time, t.late, t.on_time_rate


def _pending(p: Pending) -> tuple[Cell, ...]:
    return p.not_due, p.overdue


def _dossier_row(label: str, f: DossierFigures) -> tuple[Cell, ...]:
    return (label, f.received, f.received_in_person, f.received_online, f.received_post, f.refused,
            f.resolved.total, *_timely(f.resolved), *_pending(f.pending), f.pending.paused)


def tables(s: StationStats) -> list[Table]:
    """The station's figures of one period as tables (dossiers by procedure, by field; the registers)."""
    d = s.dossiers
    dossier_headers = ("Thủ tục / lĩnh vực", "Tiếp nhận", "Trực tiếp", "Trực tuyến", "Bưu chính", "Từ chối",
                       "Đã giải quyết", *_TIMELY, *_PENDING, "Tồn: chờ bổ sung")
    by_proc = tuple(_dossier_row(f"{key} {d.procedure_names.get(key, '')}".strip(), f)
                    for key, f in d.by_procedure.items())
    by_field = tuple(_dossier_row(name or "(không rõ lĩnh vực)", f) for name, f in d.by_field.items())
    total = _dossier_row("Tổng cộng", d.total)
    out = [Table(f"Hồ sơ thủ tục hành chính theo thủ tục — kỳ {s.period.label}", dossier_headers,
                 (*by_proc, total)),
           Table(f"Hồ sơ thủ tục hành chính theo lĩnh vực — kỳ {s.period.label}", dossier_headers,
                 (*by_field, total))]

    c = s.crime_reports
    rule_names = {"crime_report.urgent": "Chuyển trong 24 giờ (khẩn cấp)",
                  "crime_report.urgent_remote": "Chuyển trong 48 giờ (khẩn cấp, vùng sâu, vùng xa)",
                  "crime_report.normal": "Chuyển trong 7 ngày"}
    rows: list[tuple[Cell, ...]] = [("Tiếp nhận", c.received, "", "", "")]
    rows += [(f"— {crime_reports.REPORT_KINDS.get(k, (k,))[0]}", n, "", "", "")
             for k, n in c.received_by_kind.items()]
    rows += [("— trong đó khẩn cấp", c.urgent, "", "", ""),
             ("— trong đó người tố giác giấu tên", c.anonymous, "", "", "")]
    rows += [(rule_names.get(k, k), v.total, v.early + v.on_time, v.late, v.on_time_rate)
             for k, v in c.transferred.items()]
    a = c.administrative
    rows += [("Xử lý vi phạm hành chính", a.total, a.early + a.on_time, a.late, a.on_time_rate),
             ("Tổng đã chuyển, đã xử lý", c.handled.total, c.handled.early + c.handled.on_time, c.handled.late,
              c.handled.on_time_rate),
             ("Kết thúc khác", c.closed_otherwise, "", "", ""),
             ("Tồn cuối kỳ: trong hạn", c.pending.not_due, "", "", ""),
             ("Tồn cuối kỳ: quá hạn", c.pending.overdue, "", "", ""),
             ("Đã thông báo cho người tố giác", c.reporters_notified, "", "", ""),
             ("Cơ quan điều tra đã xác nhận tiếp nhận", c.agency_acknowledged, "", "", ""),
             ("Cơ quan điều tra đã ra quyết định giải quyết", c.agency_decided.total,
              c.agency_decided.early + c.agency_decided.on_time, c.agency_decided.late,
              c.agency_decided.on_time_rate)]
    rows += [(f"— {crime_reports.AGENCY_DECISIONS.get(k, (k,))[0]}", n, "", "", "")
             for k, n in c.agency_decisions.items()]
    n = c.agency_intake_notified
    rows += [("Cơ quan điều tra đã thông báo tiếp nhận (VKS, người tố giác)", n.total, n.early + n.on_time, n.late,
              n.on_time_rate)]
    ap = c.agency_pending
    rows += [("Cơ quan điều tra chưa giải quyết cuối kỳ: chưa xác nhận", ap.paused, "", "", ""),
             ("Cơ quan điều tra chưa giải quyết cuối kỳ: trong hạn", ap.not_due, "", "", ""),
             ("Cơ quan điều tra chưa giải quyết cuối kỳ: quá hạn", ap.overdue, "", "", "")]
    o = c.outcome_notified
    rows += [("Trạm báo kết quả giải quyết cho người tố giác", o.total, o.early + o.on_time, o.late,
              o.on_time_rate)]
    out.append(Table(f"Tố giác, tin báo về tội phạm, kiến nghị khởi tố — kỳ {s.period.label}",
                     ("Chỉ tiêu", "Số lượng", "Trong hạn", "Quá hạn", "Tỉ lệ đúng hạn (%)"), tuple(rows)))

    p = s.petitions
    prow: list[tuple[Cell, ...]] = [("Tiếp nhận", p.received, "", "", "")]
    prow += [(f"— {petitions.PETITION_TYPES.get(k, (k,))[0]}", n, "", "", "")
             for k, n in p.received_by_type.items()]
    prow += [("Phân loại, xử lý đơn", p.classified.total, p.classified.early + p.classified.on_time,
              p.classified.late, p.classified.on_time_rate),
             ("— thụ lý", p.accepted, "", "", ""), ("— không thụ lý", p.not_accepted, "", "", ""),
             ("— chuyển đơn", p.forwarded, "", "", ""),
             ("Giải quyết xong", p.resolved.total, p.resolved.early + p.resolved.on_time, p.resolved.late,
              p.resolved.on_time_rate),
             ("Rút đơn", p.withdrawn, "", "", ""),
             ("Tồn cuối kỳ: trong hạn", p.pending.not_due, "", "", ""),
             ("Tồn cuối kỳ: quá hạn", p.pending.overdue, "", "", "")]
    out.append(Table(f"Đơn tố cáo, khiếu nại, kiến nghị — kỳ {s.period.label}",
                     ("Chỉ tiêu", "Số lượng", "Trong hạn", "Quá hạn", "Tỉ lệ đúng hạn (%)"), tuple(prow)))

    m = s.mediation
    mrow: list[tuple[Cell, ...]] = [("Tiếp nhận", m.received)]
    mrow += [(f"— {mediation.DISPUTE_TYPES.get(k, (k,))[0]}", n) for k, n in m.received_by_type.items()]
    mrow += [("Hòa giải thành", m.succeeded), ("Hòa giải không thành", m.failed),
             ("Tỉ lệ hòa giải thành (%)", m.success_rate), ("Đang hòa giải cuối kỳ", m.open_at_close)]
    out.append(Table(f"Hòa giải ở cơ sở — kỳ {s.period.label}", ("Chỉ tiêu", "Số lượng"), tuple(mrow)))

    v = s.violations
    out.append(Table(f"Vi phạm hành chính — kỳ {s.period.label}",
                     ("Chỉ tiêu", "Số lượng", "Trong hạn", "Quá hạn", "Tỉ lệ đúng hạn (%)"), (
        ("Lập biên bản", v.recorded, "", "", ""),
        ("Ra quyết định xử phạt", v.decided.total, v.decided.early + v.decided.on_time, v.decided.late,
         v.decided.on_time_rate),
        ("— cảnh cáo", v.warnings, "", "", ""), ("— phạt tiền", v.fines, "", "", ""),
        ("Tổng tiền phạt (đồng)", v.fines_amount, "", "", ""),
        ("Đã nộp phạt", v.fines_paid, "", "", ""),
        ("Kết thúc không ra quyết định", v.closed_without_decision, "", "", ""),
        ("Chờ quyết định cuối kỳ: trong hạn", v.pending.not_due, "", "", ""),
        ("Chờ quyết định cuối kỳ: quá hạn", v.pending.overdue, "", "", ""))))
    return out


# ----------------------------------------------------------------------------------------- writers
def _plain(cell: Cell) -> str | int | float:
    """A cell as a spreadsheet value: a percentage becomes a number, an undefined one an empty cell."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return float(cell)
    return cell


def write_csv(path: str | Path, tabs: Sequence[Table]) -> None:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly); tables one after another, each
    with its title on a line of its own, separated by an empty line."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        for i, t in enumerate(tabs):
            if i:
                w.writerow([])
            w.writerow(csv_row([t.title]))
            w.writerow(csv_row(t.headers))
            for row in t.rows:
                w.writerow(csv_row(_plain(c) for c in row))


def write_xlsx(path: str | Path, tabs: Sequence[Table]) -> None:
    """One worksheet per table: title in A1 (bold), headers in row 2 (bold, wrapped), figures as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for i, t in enumerate(tabs, 1):
        name = f"{i} {t.title.split(' — ')[0]}"[:31]  # Excel's limit on sheet names
        for bad in "[]:*?/\\":
            name = name.replace(bad, " ")
        while name in used:
            name = name[:29] + f"{len(used)}"
        used.add(name)
        ws = wb.create_sheet(name)
        xlsx_row(ws, [t.title])
        ws["A1"].font = Font(bold=True)
        xlsx_row(ws, t.headers)
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in t.rows:
            xlsx_row(ws, [None if c is None or c == "" else _plain(c) for c in row])
        for col, header in enumerate(t.headers, 1):
            if "%" in header:
                for r in range(3, ws.max_row + 1):
                    ws.cell(r, col).number_format = "0.0"
        ws.column_dimensions["A"].width = max(24, min(60, max((len(str(r[0])) for r in t.rows), default=0) + 2))
        for col in range(2, len(t.headers) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 12
        ws.freeze_panes = "B3"
    wb.save(path)


def _show(cell: Cell) -> str:
    if cell is None:
        return "—"  # only rates are None: nothing finished, so no rate
    return str(cell)


def text(tabs: Sequence[Table]) -> str:
    """The tables as aligned plain text for the terminal ("—" for an undefined percentage)."""
    blocks = []
    for t in tabs:
        cells = [list(t.headers)] + [[_show(c) for c in row] for row in t.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(t.headers))]
        lines = [t.title]
        for r in cells:
            lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in
                                   enumerate(zip(r, widths, strict=True))).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
