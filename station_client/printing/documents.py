"""Printed dossier documents as pure functions of records: receipt (CT04, or the generic one-stop Mẫu 01 in two
copies), supplement request (CT05) and refusal (CT06).

A builder returns a ``PrintDoc``: HTML in the subset ``QTextDocument`` understands, the images it references
(the QR code, as PNG bytes) and a title. Preview, printer and PDF all render that one document
(``printing/render.py``), and tests can read the content without Qt. Templates live in
``resources/templates/``; values are HTML-escaped here.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import datetime
from string import Template
from typing import Any, Literal

from ..domain.deadlines import Duration, default_office_hours
from ..domain.dossiers import RESULT_CHANNELS, qr_payload
from ..domain.procedures import DOCUMENT_FORMS
from ..resources import resource_path

DocType = Literal["receipt", "supplement", "refusal"]
PageSize = Literal["A4", "A5"]
QR_NAME = "qr.png"
OFFICER = "CÁN BỘ TIẾP NHẬN HỒ SƠ"
OFFICER_M01 = "NGƯỜI TIẾP NHẬN HỒ SƠ"
APPLICANT = "NGƯỜI NỘP HỒ SƠ"
# Receipts are forms printed on the station's printer and read by residents of every age: a plain sans font
# with full Vietnamese coverage, 11 pt body on A4; A5 gets the same layout at 8.5 pt so a copy fits one sheet.
BODY_PT = {"A4": 11.0, "A5": 8.5}
QR_PX = {"A4": 120, "A5": 92}  # at the 96 dpi layout: about 32 mm and 24 mm
SIGN_SPACE = {"A4": 5, "A5": 3}  # blank lines left for a handwritten signature


def style(page_size: PageSize) -> str:
    pt = BODY_PT[page_size]
    return f"""
body {{ font-size: {pt}pt; }}
.small {{ font-size: {pt - 1}pt; }}
.title {{ font-size: {pt + 3}pt; margin-top: 10px; }}
.code {{ font-size: {pt + 1}pt; }}
.rule {{ font-size: {pt - 3}pt; }}
.reprint {{ font-size: {pt - 1}pt; color: #b00000; }}
.copy {{ font-size: {pt - 1}pt; }}
.lookup {{ font-size: {pt - 1}pt; }}
th {{ font-weight: bold; background-color: #eeeeee; }}
"""


@dataclass(frozen=True)
class StationInfo:
    agency: str  # "CÔNG AN PHƯỜNG MẠO KHÊ"
    superior: str  # "CÔNG AN TỈNH QUẢNG NINH"
    place: str  # the place name in "Mạo Khê, ngày ..."
    book: str = "01"  # register book (Quyển số) of one-stop receipts


@dataclass(frozen=True)
class PrintDoc:
    title: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)
    page_size: PageSize = "A4"


def _template(name: str) -> Template:
    return Template(resource_path("templates", name).read_text(encoding="utf-8"))


def esc(value: Any, empty: str = "") -> str:
    if value is None or value == "":
        return empty
    return html.escape(str(value))


def _local(value: str | None) -> datetime | None:
    if not value:
        return None
    return default_office_hours().local(datetime.fromisoformat(value))


def time_text(value: str | None) -> str:
    """``09 giờ 30 phút, ngày 12/02/2026`` — the way receipts write a moment."""
    t = _local(value)
    return f"{t:%H} giờ {t:%M} phút, ngày {t:%d/%m/%Y}" if t else ""


def date_words(t: datetime) -> str:
    return f"ngày {t:%d} tháng {t:%m} năm {t:%Y}"


def money(amount: int | None) -> str:
    if not amount:
        return "Không thu"
    return f"{amount:,}".replace(",", ".") + " đồng"


def qr_png(payload: str, scale: int = 8) -> bytes:
    """A QR code (error correction M, quiet zone kept) as PNG bytes."""
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def documents_table(docs: list[dict[str, Any]] | None) -> str:
    rows = []
    for i, d in enumerate(docs or [], 1):
        form = DOCUMENT_FORMS.get(d.get("form") or "original", (d.get("form"), ""))[0]
        note = d.get("note") or ""
        count = int(d.get("count") or 1)
        rows.append(f"<tr><td align='center'>{i}</td><td>{esc(d.get('name'))}</td><td>{esc(form)}</td>"
                    f"<td align='center'>{count:02d}</td><td>{esc(note)}</td></tr>")
    if not rows:
        rows.append("<tr><td colspan='5' align='center'><i>(không có)</i></td></tr>")
    return ("<table width='100%' border='1' cellspacing='0' cellpadding='3' style='border-collapse: collapse'>"
            "<tr><th width='7%'>STT</th><th>Tên giấy tờ</th><th width='17%'>Hình thức</th>"
            "<th width='11%'>Số lượng</th><th width='19%'>Ghi chú</th></tr>" + "".join(rows) + "</table>")


def _reprint(print_no: int, printed_at: datetime) -> str:
    if print_no <= 1:
        return ""
    return (f"<p class='reprint' align='right'><b>BẢN IN LẠI (lần {print_no})</b> — in lúc "
            f"{printed_at:%H:%M %d/%m/%Y}</p>")


def _header(station: StationInfo, serial_line: str, form_label: str) -> str:
    return _template("_header.html").substitute(
        superior=esc(station.superior.upper()), agency=esc(station.agency.upper()), serial_line=serial_line,
        form_label=esc(form_label))


def _footer(dossier: dict[str, Any], station: StationInfo, printed_at: datetime, *, signers: list[str],
            with_qr: bool, page_size: PageSize = "A4") -> str:
    received = _local(dossier.get("received_at")) or printed_at
    place_date = f"<i>{esc(station.place)}, {date_words(received)}</i>"
    officer = esc(dossier.get("officer_name"))
    last = len(signers) - 1
    sign_cells = "".join(
        f"<td align='center' valign='top'>{place_date + '<br/>' if i == last else '<br/>'}<b>{esc(s)}</b><br/>"
        f"<i class='small'>(Ký, ghi rõ họ tên)</i>{'<br/>' * SIGN_SPACE[page_size]}{officer if i == last else ''}</td>"
        for i, s in enumerate(signers))
    qr_cell = ""
    qr = QR_PX[page_size]
    if with_qr and dossier.get("lookup_code"):
        qr_cell = (f"<td width='34%' align='center' valign='top'><img src='{QR_NAME}' width='{qr}' height='{qr}'/>"
                   f"<br/><span class='lookup'>Mã tra cứu: <b>{esc(dossier['lookup_code'])}</b></span><br/>"
                   "<span class='small'>Quét mã hoặc nhập mã tra cứu<br/>để xem tình trạng hồ sơ</span></td>")
    # Without a QR code the left of the footer stays empty: a lone signature sits on the right, as on paper forms.
    left = qr_cell or "<td width='45%'></td>"
    width = 66 if qr_cell else 55
    return (f"<table width='100%' cellspacing='0' cellpadding='2' style='margin-top: 8px'><tr>{left}"
            f"<td width='{width}%'><table width='100%'><tr>{sign_cells}</tr></table></td></tr></table>")


def _common(dossier: dict[str, Any], station: StationInfo) -> dict[str, str]:
    duration = Duration.from_dict(dossier["duration"]) if dossier.get("duration") else None
    result = RESULT_CHANNELS.get(dossier.get("result_channel") or "", ("", ""))[0]
    addresses = [dossier.get(k) for k in ("applicant_current_address", "applicant_permanent_address",
                                           "applicant_temporary_address") if dossier.get(k)]
    due = _local(dossier.get("due_at"))
    return {
        "agency": esc(station.agency),
        "code": esc(dossier.get("code")),
        "applicant_name": esc(dossier.get("applicant_name")),
        "applicant_personal_id": esc(dossier.get("applicant_personal_id"), "………………"),
        "applicant_permanent_address": esc(dossier.get("applicant_permanent_address"), "………………"),
        "applicant_temporary_address": esc(dossier.get("applicant_temporary_address"), "………………"),
        "applicant_current_address": esc(dossier.get("applicant_current_address"), "………………"),
        "applicant_address": esc(addresses[0] if addresses else None, "………………"),
        "applicant_phone": esc(dossier.get("applicant_phone"), "………………"),
        "applicant_email": esc(dossier.get("applicant_email"), "………………"),
        "request_content": esc(dossier.get("request_content") or dossier.get("procedure_name")),
        "procedure_name": esc(dossier.get("procedure_name")),
        "documents_table": documents_table(dossier.get("documents")),
        "received_text": time_text(dossier.get("received_at")),
        "due_text": f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}" if due else "",
        "duration_text": esc(duration.label()) if duration else "",
        "result_channel_text": esc(result),
        "result_place": esc(dossier.get("result_place"), "Bộ phận tiếp nhận và trả kết quả"),
        "fee_text": money(dossier.get("fee")),
        "sets_text": f"{int(dossier.get('sets') or 1):02d}",
    }


def _wrap(body: str, page_size: PageSize) -> str:
    return f"<html><head><meta charset='utf-8'/><style>{style(page_size)}</style></head><body>{body}</body></html>"


def receipt(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime, print_no: int = 1,
            page_size: PageSize = "A4", lookup_url: str | None = None) -> PrintDoc:
    """The receipt of a received dossier: CT04 for residence procedures, else Mẫu 01 in two copies (Liên 1
    kept by the station, Liên 2 for the citizen), each on its own page. ``print_no`` > 1 marks a reprint.

    ``lookup_url``: the signed link to the province's lookup page (``store.receipt_keys.lookup_url``), which
    the QR code then holds; without one (a station that has no receipt key yet) the QR holds ``code|lookup``."""
    values = _common(dossier, station)
    payload = lookup_url or (qr_payload(dossier["code"], dossier["lookup_code"]) if dossier.get("lookup_code")
                             else None)
    images = {QR_NAME: qr_png(payload)} if payload else {}
    reprint = _reprint(print_no, printed_at)
    serial = esc(dossier.get("receipt_no"))
    book = {"book": esc(station.book), "serial": esc(str(dossier.get("receipt_no") or "").split("/")[0])}
    signers = [APPLICANT, OFFICER_M01]  # the applicant signs for what was handed in, the officer for receiving it
    if (dossier.get("receipt_form") or "CT04") == "CT04":
        body = _template("receipt_ct04.html").substitute(
            values | book, reprint=reprint, header=_header(station, f"Số: {serial}", "Mẫu CT04"),
            footer=_footer(dossier, station, printed_at, signers=[APPLICANT, OFFICER], with_qr=True,
                           page_size=page_size))
        return PrintDoc(f"Phiếu tiếp nhận hồ sơ {dossier['code']}", _wrap(body, page_size), images, page_size)
    copies = []
    for label in ("Liên 1: Lưu tại bộ phận tiếp nhận", "Liên 2: Giao cho công dân"):
        copies.append(_template("receipt_m01.html").substitute(
            values | book, reprint=reprint, copy_label=f"<p class='copy' align='right'><b>{esc(label)}</b></p>",
            header=_header(station, f"Số: {serial}", "Mẫu 01"),
            result_place_text=f" — {esc(dossier['result_place'])}" if dossier.get("result_place") else "",
            footer=_footer(dossier, station, printed_at, signers=signers, with_qr=True, page_size=page_size)))
    body = "<p style='page-break-before: always'></p>".join(copies)
    return PrintDoc(f"Giấy tiếp nhận hồ sơ {dossier['code']}", _wrap(body, page_size), images, page_size)


def supplement_request(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime,
                       print_no: int = 1, page_size: PageSize = "A4") -> PrintDoc:
    """CT05: what the applicant must add; the clock waits."""
    values = _common(dossier, station)
    items = "".join(f"<li>{esc(i)}</li>" for i in dossier.get("supplement_items") or []) or "<li>…</li>"
    body = _template("supplement_ct05.html").substitute(
        values, reprint=_reprint(print_no, printed_at),
        header=_header(station, f"Số: {esc(dossier.get('receipt_no'))}", "Mẫu CT05"), items=f"<ol>{items}</ol>",
        supplement_note=esc(dossier.get("supplement_note")),
        footer=_footer(dossier, station, printed_at, signers=[OFFICER], with_qr=False,
                       page_size=page_size))
    return PrintDoc(f"Phiếu hướng dẫn bổ sung hồ sơ {dossier['code']}", _wrap(body, page_size), {}, page_size)


def refusal(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime, print_no: int = 1,
            page_size: PageSize = "A4") -> PrintDoc:
    """CT06: the refusal with its legal ground."""
    values = _common(dossier, station)
    body = _template("refusal_ct06.html").substitute(
        values, reprint=_reprint(print_no, printed_at),
        header=_header(station, f"Số: {esc(dossier.get('receipt_no'))}", "Mẫu CT06"),
        refusal_reason=esc(dossier.get("refusal_reason"), "………………"),
        refusal_ground=esc(dossier.get("refusal_ground")),
        footer=_footer(dossier, station, printed_at, signers=[OFFICER], with_qr=False,
                       page_size=page_size))
    return PrintDoc(f"Phiếu từ chối hồ sơ {dossier['code']}", _wrap(body, page_size), {}, page_size)


def document_for(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime, print_no: int = 1,
                 which: DocType | None = None, page_size: PageSize = "A4", lookup_url: str | None = None) -> PrintDoc:
    """The document a dossier's status calls for (or ``which``): refused → CT06, waiting for a supplement →
    CT05, otherwise the receipt."""
    if which is None:
        which = {"refused": "refusal", "supplement_requested": "supplement"}.get(dossier.get("status") or "",
                                                                                 "receipt")
    if which == "receipt":
        return receipt(dossier, station, printed_at=printed_at, print_no=print_no, page_size=page_size,
                       lookup_url=lookup_url)
    builder = {"supplement": supplement_request, "refusal": refusal}[which]
    return builder(dossier, station, printed_at=printed_at, print_no=print_no, page_size=page_size)


def available_documents(dossier: dict[str, Any]) -> list[DocType]:
    """Which documents make sense now. A dossier found incomplete at the counter has no receipt until the
    supplement arrives (its first pause starts at receipt and is still open)."""
    status = dossier.get("status")
    if status == "refused":
        return ["refusal"]
    pauses = dossier.get("pauses") or []
    waiting_since_intake = (status == "supplement_requested" and len(pauses) == 1
                            and pauses[0].get("from") == dossier.get("received_at"))
    docs: list[DocType] = [] if waiting_since_intake else ["receipt"]
    if dossier.get("supplement_items"):
        docs.append("supplement")
    return docs


CITIES = ("Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh")  # centrally run: "thành phố"


def station_info(settings: dict[str, str | None]) -> StationInfo:
    """Issuing body, its superior and the place name for the documents' header, from the station settings
    (``station.name``, ``station.commune_code``); the commune catalogue fills in what is not set."""
    from ..domain.units import commune as find_commune

    code = settings.get("station.commune_code") or ""
    unit = find_commune(code) if code else None
    name = (settings.get("station.name") or "").strip()
    if not name and unit is not None:
        name = f"Công an {unit.name[0].lower()}{unit.name[1:]}"  # "Công an phường Mạo Khê"
    superior = "Công an tỉnh"
    if unit is not None:
        city = unit.province_name.replace("TP ", "").replace("Thành phố ", "")
        superior = f"Công an {'thành phố' if city in CITIES else 'tỉnh'} {city}"
    place = unit.name.split(" ", 1)[-1] if unit is not None else ""
    return StationInfo(agency=name or "Công an xã", superior=superior, place=place or "………")
