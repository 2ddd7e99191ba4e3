"""Printed documents of crime reports, petitions, mediation and violations, as pure functions of records:
the intake record of a crime report (biên bản tiếp nhận), a register for a period (sổ tiếp nhận), a notice to a
reporter (thông báo) and a mediation agreement (văn bản hòa giải thành).

Each builder returns a ``PrintDoc`` (HTML for ``QTextDocument``) that the shared renderer (``render.py``:
Noto Sans, A4/A5, PDF and printers) paints, as the dossier receipts are. Every crime-report printout carries the
confidentiality mark "MẬT": a report names suspects and, unless they declined, the people who reported them.
An anonymous reporter's printout says only that the reporter declined to give personal details.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from string import Template
from typing import Any

from ..domain import crime_reports as cr
from ..domain import mediation as md
from ..domain import petitions as pt
from ..domain import violations as vl
from ..domain.deadlines import OUTCOMES, Duration, default_office_hours
from ..domain.reports import PARTY_ROLES
from ..resources import resource_path
from .documents import PageSize, PrintDoc, StationInfo, date_words, esc, money, time_text

CONFIDENTIAL = "MẬT"
DOTS = "………………"
BODY_PT = {"A4": 11.0, "A5": 8.5}


def _style(page_size: PageSize) -> str:
    """Sizes relative to the body, so an A5 copy keeps the A4 layout (the receipts' rule)."""
    pt = BODY_PT[page_size]
    return (f"body {{ font-size: {pt}pt; }} .small {{ font-size: {pt - 1}pt; }} "
            f".title {{ font-size: {pt + 3}pt; margin-top: 10px; }} .rule {{ font-size: {pt - 3}pt; }} "
            f".secret {{ font-size: {pt + 2}pt; font-weight: bold; color: #b00000; }} "
            f".cell {{ font-size: {pt - 2}pt; }} th {{ font-weight: bold; background-color: #eeeeee; }}")


def _wrap(body: str, page_size: PageSize) -> str:
    return (f"<html><head><meta charset='utf-8'/><style>{_style(page_size)}</style></head>"
            f"<body>{body}</body></html>")


def _header(station: StationInfo, serial_line: str, form_label: str = "") -> str:
    tpl = Template(resource_path("templates", "_header.html").read_text(encoding="utf-8"))
    return tpl.substitute(superior=esc(station.superior.upper()), agency=esc(station.agency.upper()),
                          serial_line=serial_line, form_label=esc(form_label))


def _secret() -> str:
    """The confidentiality mark, boxed, top left (a one-cell table: QTextDocument draws no span borders)."""
    return (f"<table border='1' cellspacing='0' cellpadding='4' style='border-collapse: collapse'>"
            f"<tr><td class='secret' align='center'>&nbsp;{CONFIDENTIAL}&nbsp;</td></tr></table>")


def _local(value: str | None) -> datetime | None:
    return default_office_hours().local(datetime.fromisoformat(value)) if value else None


def _short(value: str | None) -> str:
    t = _local(value)
    return f"{t:%H:%M %d/%m/%Y}" if t else ""


def _label(table: dict[str, tuple[str, str]], code: str | None) -> str:
    return table.get(code or "", (code or "", ""))[0]


def _row(label: str, value: str) -> str:
    return f"<tr><td width='36%' valign='top'>{html.escape(label)}:</td><td valign='top'>{value}</td></tr>"


def _table(rows: Sequence[str]) -> str:
    return f"<table width='100%' cellspacing='0' cellpadding='2'>{''.join(rows)}</table>"


def _signatures(signers: Sequence[tuple[str, str]], place_date: str = "") -> str:
    cells = "".join(
        f"<td align='center' valign='top'>{place_date + '<br/>' if i == len(signers) - 1 and place_date else ''}"
        f"<b>{esc(title)}</b><br/><i class='small'>(Ký, ghi rõ họ tên)</i><br/><br/><br/><br/><br/>{esc(name)}</td>"
        for i, (title, name) in enumerate(signers))
    return f"<table width='100%' cellspacing='0' cellpadding='2' style='margin-top: 10px'><tr>{cells}</tr></table>"


def _parties_html(parties: list[dict[str, Any]] | None, roles: Sequence[str]) -> str:
    blocks = []
    for role in roles:
        people = [p for p in parties or () if p.get("role") == role]
        if not people:
            continue
        items = []
        for p in people:
            extra = [f"sinh năm {p['birth_year']}" if p.get("birth_year") else "",
                     f"số định danh {p['personal_id']}" if p.get("personal_id") else "",
                     f"cư trú tại {p['address']}" if p.get("address") else "",
                     p.get("note") or ""]
            tail = "; ".join(esc(e) for e in extra if e)
            items.append(f"<li><b>{esc(p.get('name'))}</b>{'; ' + tail if tail else ''}</li>")
        blocks.append(f"<p>{esc(PARTY_ROLES[role][0])}:</p><ul>{''.join(items)}</ul>")
    return "".join(blocks)


# ------------------------------------------------------------------------------------------ crime reports
def reporter_lines(report: dict[str, Any]) -> list[str]:
    if report.get("reporter_anonymous"):
        return [_row("Người tố giác, báo tin",
                     "<i>Người tố giác từ chối cung cấp thông tin cá nhân (được giữ bí mật)</i>")]
    rows = [_row("Họ tên người tố giác, báo tin", f"<b>{esc(report.get('reporter_name'), DOTS)}</b>")]
    if report.get("reporter_agency"):
        rows.append(_row("Cơ quan, tổ chức báo tin", esc(report["reporter_agency"])))
    rows += [_row("Năm sinh", esc(report.get("reporter_birth_year"), DOTS)),
             _row("Số định danh cá nhân", esc(report.get("reporter_personal_id"), DOTS)),
             _row("Nơi cư trú", esc(report.get("reporter_address"), DOTS)),
             _row("Số điện thoại", esc(report.get("reporter_phone"), DOTS))]
    return rows


def intake_record(report: dict[str, Any], station: StationInfo, *, officer_name: str = "",
                  page_size: PageSize = "A4") -> PrintDoc:
    """Biên bản tiếp nhận tố giác, tin báo về tội phạm, kiến nghị khởi tố: the station's record of the intake."""
    received = _local(report.get("received_at"))
    due = report.get("due_at")
    duration = Duration.from_dict(report["duration"]).label() if report.get("duration") else ""
    urgency = "Không"
    if report.get("urgent"):
        urgency = "<b>KHẨN CẤP</b> — " + esc(_label(cr.URGENCY_REASONS, report.get("urgency_reason")))
    rows = [
        _row("Số thụ lý", f"<b>{esc(report.get('register_no'))}</b>"),
        _row("Loại tin", esc(_label(cr.REPORT_KINDS, report.get("report_kind")))),
        _row("Hình thức tiếp nhận", esc(_label(cr.CHANNELS, report.get("channel")))),
        _row("Thời điểm tiếp nhận", esc(time_text(report.get("received_at")))),
        *reporter_lines(report),
        _row("Thời điểm xảy ra", esc(time_text(report.get("occurred_at")), DOTS)),
        _row("Nơi xảy ra", esc(report.get("place"), DOTS)),
        _row("Dấu hiệu tội phạm (sơ bộ)", esc(report.get("offence"), DOTS)),
        _row("Mức độ khẩn cấp", urgency),
        _row("Xã vùng sâu, vùng xa, miền núi, hải đảo", "Có" if report.get("remote_commune") else "Không"),
        _row("Thời hạn chuyển cơ quan điều tra", f"{esc(duration)} — hạn chót <b>{esc(_short(due))}</b>"),
    ]
    body = (
        _secret()
        + _header(station, f"Số: {esc(report.get('register_no'))}")
        + "<p class='title' align='center'><b>BIÊN BẢN TIẾP NHẬN<br/>TỐ GIÁC, TIN BÁO VỀ TỘI PHẠM, "
          "KIẾN NGHỊ KHỞI TỐ</b></p>"
        + f"<p>Hồi {esc(time_text(report.get('received_at')))}, tại trụ sở {esc(station.agency)}, "
          f"chúng tôi gồm: {esc(officer_name or report.get('received_by'), DOTS)} — cán bộ tiếp nhận, "
          "đã tiếp nhận tố giác, tin báo về tội phạm với nội dung như sau:</p>"
        + _table(rows)
        + "<p><b>Nội dung tố giác, tin báo:</b></p>"
        + f"<p>{esc(report.get('summary')).replace(chr(10), '<br/>')}</p>"
        + _parties_html(report.get("parties"), cr.ROLES)
        + "<p>Biên bản được lập xong hồi ……… giờ ……… phút cùng ngày, đã đọc lại cho người tố giác, báo tin "
          "nghe, công nhận đúng và cùng ký tên dưới đây.</p>"
        + _signatures([("NGƯỜI TỐ GIÁC, BÁO TIN", "" if report.get("reporter_anonymous")
                        else str(report.get("reporter_name") or "")),
                       ("CÁN BỘ TIẾP NHẬN", officer_name or str(report.get("received_by") or ""))],
                      f"<i>{esc(station.place)}, {date_words(received)}</i>" if received else "")
    )
    return PrintDoc(f"Biên bản tiếp nhận {report.get('register_no')}", _wrap(body, page_size), {}, page_size)


def notice_to_reporter(report: dict[str, Any], notice: dict[str, Any], station: StationInfo, *,
                       signer: str = "", page_size: PageSize = "A4") -> PrintDoc:
    """Thông báo cho người tố giác, báo tin: one entry of the report's ``notices``."""
    at = _local(notice.get("at"))
    if report.get("reporter_anonymous"):
        to = "Người tố giác, báo tin (giấu tên)"
    else:
        to = str(report.get("reporter_name") or report.get("reporter_agency") or DOTS)
    address = "" if report.get("reporter_anonymous") else esc(report.get("reporter_address"))
    status = _label(cr.STATUSES, report.get("status"))
    transfer = ""
    if report.get("transferred_to"):
        transfer = (f"<p>Tố giác, tin báo đã được chuyển đến <b>{esc(report['transferred_to'])}</b> hồi "
                    f"{esc(time_text(report.get('transferred_at')))} để giải quyết theo thẩm quyền.</p>")
    body = (
        _secret()
        + _header(station, f"Số: {esc(report.get('register_no'))}/TB")
        + "<p class='title' align='center'><b>THÔNG BÁO</b><br/>Về việc tiếp nhận, giải quyết tố giác, tin báo "
          "về tội phạm</p>"
        + f"<p>Kính gửi: <b>{esc(to)}</b>{' — ' + address if address else ''}</p>"
        + f"<p>{esc(station.agency)} thông báo: ngày {esc(_short(report.get('received_at')))}, đã tiếp nhận tố giác, "
          f"tin báo của Ông/Bà, số thụ lý <b>{esc(report.get('register_no'))}</b>, tình trạng hiện nay: "
          f"<b>{esc(status)}</b>.</p>"
        + transfer
        + f"<p>{esc(notice.get('content')).replace(chr(10), '<br/>')}</p>"
        + _signatures([("THỦ TRƯỞNG ĐƠN VỊ", signer)],
                      f"<i>{esc(station.place)}, {date_words(at)}</i>" if at else "")
    )
    return PrintDoc(f"Thông báo {report.get('register_no')}", _wrap(body, page_size), {}, page_size)


# ------------------------------------------------------------------------------------------ registers
REGISTER_TITLES = {
    "crime_report": "SỔ TIẾP NHẬN TỐ GIÁC, TIN BÁO VỀ TỘI PHẠM VÀ KIẾN NGHỊ KHỞI TỐ",
    "petition": "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN TỐ CÁO, KHIẾU NẠI, KIẾN NGHỊ, PHẢN ÁNH",
    "mediation_case": "SỔ THEO DÕI HOẠT ĐỘNG HÒA GIẢI Ở CƠ SỞ",
    "admin_violation": "SỔ THEO DÕI XỬ LÝ VI PHẠM HÀNH CHÍNH",
}


def _c(value: Any) -> str:
    return f"<td class='cell' valign='top'>{value}</td>"


def _register_cells(kind: str, r: dict[str, Any]) -> list[str]:
    if kind == "crime_report":
        who = "<i>Giấu tên</i>" if r.get("reporter_anonymous") else esc(r.get("reporter_name") or
                                                                          r.get("reporter_agency"))
        result = esc(_label(cr.STATUSES, r.get("status")))
        if r.get("transferred_to"):
            result += f": {esc(r['transferred_to'])} ({esc(_short(r.get('transferred_at')))})"
        if r.get("outcome"):
            result += f" — {esc(_label(OUTCOMES, r['outcome']))}"
        cells = [esc(r.get("register_no")), esc(_short(r.get("received_at"))),
                 esc(_label(cr.REPORT_KINDS, r.get("report_kind"))), who, esc(r.get("summary")),
                 "<b>Khẩn cấp</b>" if r.get("urgent") else "", esc(_short(r.get("due_at"))), result]
    elif kind == "petition":
        cells = [esc(r.get("register_no")), esc(_short(r.get("received_at"))),
                 esc(_label(pt.PETITION_TYPES, r.get("petition_type"))), esc(r.get("petitioner_name")),
                 esc(r.get("subject") or r.get("content")), esc(_short(r.get("due_at"))),
                 esc(_label(pt.STATUSES, r.get("status")))]
    elif kind == "mediation_case":
        parties = ", ".join(str(p.get("name")) for p in r.get("parties") or () if p.get("role") == "party")
        cells = [esc(r.get("register_no")), esc(_short(r.get("received_at"))), esc(parties), esc(r.get("summary")),
                 str(len(r.get("sessions") or ())), esc(_label(md.STATUSES, r.get("status")))]
    else:
        cells = [esc(r.get("register_no")), esc(_short(r.get("recorded_at"))), esc(r.get("violator_name")),
                 esc(r.get("violation")), esc(r.get("decision_no")),
                 esc(money(r.get("fine_amount")) if r.get("sanction") == "fine" else
                     _label(vl.SANCTIONS, r.get("sanction"))),
                 esc(_label(vl.STATUSES, r.get("status")))]
    return cells


REGISTER_COLUMNS = {
    "crime_report": ("Số thụ lý", "Tiếp nhận", "Loại tin", "Người tố giác, báo tin", "Nội dung tóm tắt",
                     "Khẩn cấp", "Hạn chuyển", "Kết quả xử lý"),
    "petition": ("Số thụ lý", "Tiếp nhận", "Loại đơn", "Người gửi đơn", "Nội dung", "Hạn", "Kết quả"),
    "mediation_case": ("Số vụ việc", "Tiếp nhận", "Các bên", "Nội dung", "Số buổi", "Kết quả"),
    "admin_violation": ("Số", "Lập biên bản", "Người vi phạm", "Hành vi", "Quyết định", "Xử phạt", "Tình trạng"),
}


def register(kind: str, rows: Sequence[dict[str, Any]], station: StationInfo, start: date, end: date, *,
             printed_at: datetime, page_size: PageSize = "A4") -> PrintDoc:
    """A register for a period (``rows`` in register order, as ``store.reports.register`` returns them)."""
    head = "".join(f"<th class='cell'>{esc(c)}</th>" for c in ("STT", *REGISTER_COLUMNS[kind]))
    body_rows = "".join("<tr>" + "".join(_c(x) for x in (i, *_register_cells(kind, r))) + "</tr>"
                        for i, r in enumerate(rows, 1))
    if not rows:
        body_rows = (f"<tr><td colspan='{len(REGISTER_COLUMNS[kind]) + 1}' align='center'>"
                     "<i>(không có)</i></td></tr>")
    body = (
        (_secret() if kind == "crime_report" else "")
        + _header(station, "")
        + f"<p class='title' align='center'><b>{esc(REGISTER_TITLES[kind])}</b></p>"
        + f"<p align='center'>Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y} — "
          f"{len(rows)} mục</p>"
        + "<table width='100%' border='1' cellspacing='0' cellpadding='3' style='border-collapse: collapse'>"
        + f"<tr>{head}</tr>{body_rows}</table>"
        + f"<p class='small'><i>In lúc {printed_at:%H:%M %d/%m/%Y}</i></p>"
    )
    return PrintDoc(f"{REGISTER_TITLES[kind].capitalize()} {start:%d-%m-%Y} – {end:%d-%m-%Y}",
                    _wrap(body, page_size), {}, page_size)


# ------------------------------------------------------------------------------------------ mediation
def mediation_agreement(case: dict[str, Any], station: StationInfo, *, page_size: PageSize = "A4") -> PrintDoc:
    """Văn bản hòa giải thành (Law 35/2013, art. 24): the parties, the dispute, what they agreed."""
    at = _local(case.get("agreement_at"))
    sessions = case.get("sessions") or []
    parties = [p for p in case.get("parties") or () if p.get("role") == "party"]
    body = (
        _header(station, f"Số: {esc(case.get('register_no'))}")
        + "<p class='title' align='center'><b>VĂN BẢN HÒA GIẢI THÀNH</b></p>"
        + _table([
            _row("Thời điểm", esc(time_text(case.get("agreement_at")))),
            _row("Địa điểm", esc((sessions[-1].get("place") if sessions else None) or case.get("place"), DOTS)),
            _row("Hòa giải viên", esc(case.get("mediators"), DOTS)),
            _row("Căn cứ tiến hành hòa giải", esc(_label(md.TRIGGERS, case.get("trigger_kind")))),
        ])
        + _parties_html(case.get("parties"), ("party", "related", "witness"))
        + "<p><b>Nội dung vụ việc:</b></p>"
        + f"<p>{esc(case.get('summary')).replace(chr(10), '<br/>')}</p>"
        + "<p><b>Các bên đã thỏa thuận như sau:</b></p>"
        + f"<p>{esc(case.get('agreement')).replace(chr(10), '<br/>')}</p>"
        + "<p>Các bên có trách nhiệm thực hiện thỏa thuận nêu trên. Văn bản được lập thành các bản có giá trị như "
          "nhau, mỗi bên giữ một bản.</p>"
        + _signatures([*((f"BÊN {i}", str(p.get("name") or "")) for i, p in enumerate(parties, 1)),
                       ("HÒA GIẢI VIÊN", str(case.get("mediators") or ""))],
                      f"<i>{esc(station.place)}, {date_words(at)}</i>" if at else "")
    )
    return PrintDoc(f"Văn bản hòa giải thành {case.get('register_no')}", _wrap(body, page_size), {}, page_size)
