"""Printed documents of crime reports, petitions, mediation and violations, as pure functions of records:
the intake record of a crime report (biên bản tiếp nhận), a register for a period (sổ tiếp nhận), a notice to a
reporter (thông báo) and a mediation agreement (văn bản hòa giải thành).

Each builder returns a ``PrintDoc`` (HTML for ``QTextDocument``, from a Jinja2 template in ``resources/templates/``
that escapes every value) that the shared renderer (``render.py``: Noto Sans, A4/A5, PDF and printers) paints, as
the dossier receipts are. Every crime-report printout carries the
confidentiality mark "MẬT": a report names suspects and, unless they declined, the people who reported them.
An anonymous reporter's printout says only that the reporter declined to give personal details.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..clock import office_local, office_stamp, office_words
from ..domain import crime_reports as cr
from ..domain import mediation as md
from ..domain import petitions as pt
from ..domain import violations as vl
from ..domain.deadlines import OUTCOMES, Duration
from ..domain.reports import PARTY_ROLES
from .documents import BODY_PT, DOTS, PageSize, PrintDoc, StationInfo, date_words, money
from .templating import render, text

CONFIDENTIAL = "MẬT"


def _render(template: str, station: StationInfo, page_size: PageSize, **values: Any) -> str:
    return render(template, pt=BODY_PT[page_size], station=station, secret_mark=CONFIDENTIAL, form_label="",
                  **values)


def _label(table: dict[str, tuple[str, str]], code: str | None) -> str:
    return table.get(code or "", (code or "", ""))[0]


def _parties(parties: list[dict[str, Any]] | None, roles: Sequence[str]) -> list[tuple[str, list[dict[str, str]]]]:
    """(role title, people) for each role that has any, each person {"name", "details"}."""
    groups = []
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
            items.append({"name": text(p.get("name")), "details": "; ".join(str(e) for e in extra if e)})
        groups.append((PARTY_ROLES[role][0], items))
    return groups


# ------------------------------------------------------------------------------------------ crime reports
def reporter(report: dict[str, Any]) -> dict[str, Any]:
    """The reporter as the intake record prints them: nothing but that they declined, for an anonymous one."""
    if report.get("reporter_anonymous"):
        return {"anonymous": True}
    return {"anonymous": False, "name": text(report.get("reporter_name"), DOTS),
            "agency": text(report.get("reporter_agency")),
            "birth_year": text(report.get("reporter_birth_year"), DOTS),
            "personal_id": text(report.get("reporter_personal_id"), DOTS),
            "address": text(report.get("reporter_address"), DOTS), "phone": text(report.get("reporter_phone"), DOTS)}


def intake_record(report: dict[str, Any], station: StationInfo, *, officer_name: str = "",
                  page_size: PageSize = "A4") -> PrintDoc:
    """Biên bản tiếp nhận tố giác, tin báo về tội phạm, kiến nghị khởi tố: the station's record of the intake."""
    received = office_local(report.get("received_at"))
    html = _render(
        "crime_intake_record.html", station, page_size,
        serial_line=f"Số: {text(report.get('register_no'))}",
        register_no=text(report.get("register_no")),
        report_kind=_label(cr.REPORT_KINDS, report.get("report_kind")),
        channel=_label(cr.CHANNELS, report.get("channel")),
        received_text=office_words(report.get("received_at")),
        officer=text(officer_name or report.get("received_by"), DOTS),
        reporter=reporter(report),
        occurred_text=office_words(report.get("occurred_at")) or DOTS,
        place=text(report.get("place"), DOTS),
        offence=text(report.get("offence"), DOTS),
        urgent=bool(report.get("urgent")),
        urgency_reason=_label(cr.URGENCY_REASONS, report.get("urgency_reason")),
        remote_commune=bool(report.get("remote_commune")),
        duration=Duration.from_dict(report["duration"]).label() if report.get("duration") else "",
        due_text=office_stamp(report.get("due_at")),
        summary=report.get("summary"),
        parties=_parties(report.get("parties"), cr.ROLES),
        signers=[("NGƯỜI TỐ GIÁC, BÁO TIN", "" if report.get("reporter_anonymous")
                  else str(report.get("reporter_name") or "")),
                 ("CÁN BỘ TIẾP NHẬN", officer_name or str(report.get("received_by") or ""))],
        date=date_words(received) if received else "")
    return PrintDoc(f"Biên bản tiếp nhận {report.get('register_no')}", html, {}, page_size)


def notice_to_reporter(report: dict[str, Any], notice: dict[str, Any], station: StationInfo, *,
                       signer: str = "", page_size: PageSize = "A4") -> PrintDoc:
    """Thông báo cho người tố giác, báo tin: one entry of the report's ``notices``."""
    at = office_local(notice.get("at"))
    if report.get("reporter_anonymous"):
        to = "Người tố giác, báo tin (giấu tên)"
    else:
        to = str(report.get("reporter_name") or report.get("reporter_agency") or DOTS)
    html = _render(
        "crime_notice.html", station, page_size,
        serial_line=f"Số: {text(report.get('register_no'))}/TB",
        to=to, address="" if report.get("reporter_anonymous") else text(report.get("reporter_address")),
        received_short=office_stamp(report.get("received_at")),
        register_no=text(report.get("register_no")),
        status=_label(cr.STATUSES, report.get("status")),
        transferred_to=text(report.get("transferred_to")),
        transferred_text=office_words(report.get("transferred_at")),
        content=notice.get("content"),
        signers=[("THỦ TRƯỞNG ĐƠN VỊ", signer)],
        date=date_words(at) if at else "")
    return PrintDoc(f"Thông báo {report.get('register_no')}", html, {}, page_size)


# ------------------------------------------------------------------------------------------ registers
REGISTER_TITLES = {
    "crime_report": "SỔ TIẾP NHẬN TỐ GIÁC, TIN BÁO VỀ TỘI PHẠM VÀ KIẾN NGHỊ KHỞI TỐ",
    "petition": "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN TỐ CÁO, KHIẾU NẠI, KIẾN NGHỊ, PHẢN ÁNH",
    "mediation_case": "SỔ THEO DÕI HOẠT ĐỘNG HÒA GIẢI Ở CƠ SỞ",
    "admin_violation": "SỔ THEO DÕI XỬ LÝ VI PHẠM HÀNH CHÍNH",
}


@dataclass(frozen=True)
class Cell:
    """One cell of a register: its text, and ``em`` "b" (bold) or "i" (italic) on paper."""

    text: str
    em: str = ""


def register_cells(kind: str, r: dict[str, Any]) -> list[Cell]:
    """The cells of one register row (after its number): printed by ``register``, exported as text by
    ``reports_export``."""
    def c(value: Any, em: str = "") -> Cell:
        return Cell(text(value), em)

    if kind == "crime_report":
        who = c("Giấu tên", "i") if r.get("reporter_anonymous") else c(r.get("reporter_name")
                                                                          or r.get("reporter_agency"))
        result = _label(cr.STATUSES, r.get("status"))
        if r.get("transferred_to"):
            result += f": {r['transferred_to']} ({office_stamp(r.get('transferred_at'))})"
        if r.get("outcome"):
            result += f" — {_label(OUTCOMES, r['outcome'])}"
        cells = [c(r.get("register_no")), c(office_stamp(r.get("received_at"))),
                 c(_label(cr.REPORT_KINDS, r.get("report_kind"))), who, c(r.get("summary")),
                 c("Khẩn cấp", "b") if r.get("urgent") else c(""), c(office_stamp(r.get("due_at"))), c(result)]
    elif kind == "petition":
        cells = [c(r.get("register_no")), c(office_stamp(r.get("received_at"))),
                 c(_label(pt.PETITION_TYPES, r.get("petition_type"))), c(r.get("petitioner_name")),
                 c(r.get("subject") or r.get("content")), c(office_stamp(r.get("due_at"))),
                 c(_label(pt.STATUSES, r.get("status")))]
    elif kind == "mediation_case":
        parties = ", ".join(str(p.get("name")) for p in r.get("parties") or () if p.get("role") == "party")
        cells = [c(r.get("register_no")), c(office_stamp(r.get("received_at"))), c(parties), c(r.get("summary")),
                 c(len(r.get("sessions") or ())), c(_label(md.STATUSES, r.get("status")))]
    else:
        cells = [c(r.get("register_no")), c(office_stamp(r.get("recorded_at"))), c(r.get("violator_name")),
                 c(r.get("violation")), c(r.get("decision_no")),
                 c(money(r.get("fine_amount")) if r.get("sanction") == "fine" else
                   _label(vl.SANCTIONS, r.get("sanction"))),
                 c(_label(vl.STATUSES, r.get("status")))]
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
    html = _render("register.html", station, page_size, serial_line="", confidential=kind == "crime_report",
                   title=REGISTER_TITLES[kind], start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}",
                   columns=("STT", *REGISTER_COLUMNS[kind]), rows=[register_cells(kind, r) for r in rows],
                   printed_at=office_stamp(printed_at))
    return PrintDoc(f"{REGISTER_TITLES[kind].capitalize()} {start:%d-%m-%Y} – {end:%d-%m-%Y}", html, {}, page_size)


# ------------------------------------------------------------------------------------------ mediation
def mediation_agreement(case: dict[str, Any], station: StationInfo, *, page_size: PageSize = "A4") -> PrintDoc:
    """Văn bản hòa giải thành (Law 35/2013, art. 24): the parties, the dispute, what they agreed."""
    at = office_local(case.get("agreement_at"))
    sessions = case.get("sessions") or []
    parties = [p for p in case.get("parties") or () if p.get("role") == "party"]
    html = _render(
        "mediation_agreement.html", station, page_size,
        serial_line=f"Số: {text(case.get('register_no'))}",
        at_text=office_words(case.get("agreement_at")),
        place=text((sessions[-1].get("place") if sessions else None) or case.get("place"), DOTS),
        mediators=text(case.get("mediators"), DOTS),
        trigger=_label(md.TRIGGERS, case.get("trigger_kind")),
        parties=_parties(case.get("parties"), ("party", "related", "witness")),
        summary=case.get("summary"), agreement=case.get("agreement"),
        signers=[*((f"BÊN {i}", str(p.get("name") or "")) for i, p in enumerate(parties, 1)),
                 ("HÒA GIẢI VIÊN", str(case.get("mediators") or ""))],
        date=date_words(at) if at else "")
    return PrintDoc(f"Văn bản hòa giải thành {case.get('register_no')}", html, {}, page_size)
