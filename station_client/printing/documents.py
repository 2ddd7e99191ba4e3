"""Printed dossier documents as pure functions of records: receipt (CT04, or the generic one-stop Mẫu 01 in two
copies), supplement request (CT05) and refusal (CT06).

A builder returns a ``PrintDoc``: HTML in the subset ``QTextDocument`` understands, the images it references
(the QR code, as PNG bytes) and a title. Preview, printer and PDF all render that one document
(``printing/render.py``), and tests can read the content without Qt. The markup is in Jinja2 templates
(``resources/templates/``, ``printing/templating.py``), which escape every value.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..clock import office_local, office_stamp, office_words
from ..domain.deadlines import Duration
from ..domain.dossiers import RESULT_CHANNELS, qr_payload
from ..domain.procedures import DOCUMENT_FORMS
from .templating import render, text

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
DOTS = "………………"  # a value not given: space to write it by hand


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


def _documents(docs: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The documents handed in, as the receipts' table lists them."""
    return [{"name": text(d.get("name")),
             "form": text(DOCUMENT_FORMS.get(d.get("form") or "original", (d.get("form"), ""))[0]),
             "note": text(d.get("note")), "count": f"{int(d.get('count') or 1):02d}"} for d in docs or []]


def _footer(dossier: dict[str, Any], station: StationInfo, printed_at: datetime, *, signers: list[str],
            with_qr: bool, page_size: PageSize = "A4") -> dict[str, Any]:
    received = office_local(dossier.get("received_at")) or printed_at
    qr = None
    if with_qr and dossier.get("lookup_code"):
        qr = {"name": QR_NAME, "px": QR_PX[page_size], "code": str(dossier["lookup_code"])}
    return {"place": station.place, "date": date_words(received), "officer": text(dossier.get("officer_name")),
            "signers": signers, "sign_space": SIGN_SPACE[page_size], "qr": qr}


def _common(dossier: dict[str, Any], station: StationInfo, printed_at: datetime, print_no: int,
            page_size: PageSize, form_label: str) -> dict[str, Any]:
    """What every dossier document prints, as plain text (the templates escape it)."""
    duration = Duration.from_dict(dossier["duration"]) if dossier.get("duration") else None
    result = RESULT_CHANNELS.get(dossier.get("result_channel") or "", ("", ""))[0]
    addresses = [dossier.get(k) for k in ("applicant_current_address", "applicant_permanent_address",
                                           "applicant_temporary_address") if dossier.get(k)]
    return {
        "pt": BODY_PT[page_size],
        "station": station,
        "serial_line": f"Số: {text(dossier.get('receipt_no'))}",
        "form_label": form_label,
        "print_no": print_no,
        "printed_at": office_stamp(printed_at),
        "agency": station.agency,
        "code": text(dossier.get("code")),
        "applicant_name": text(dossier.get("applicant_name")),
        "applicant_personal_id": text(dossier.get("applicant_personal_id"), DOTS),
        "applicant_permanent_address": text(dossier.get("applicant_permanent_address"), DOTS),
        "applicant_temporary_address": text(dossier.get("applicant_temporary_address"), DOTS),
        "applicant_current_address": text(dossier.get("applicant_current_address"), DOTS),
        "applicant_address": text(addresses[0] if addresses else None, DOTS),
        "applicant_phone": text(dossier.get("applicant_phone"), DOTS),
        "applicant_email": text(dossier.get("applicant_email"), DOTS),
        "request_content": text(dossier.get("request_content") or dossier.get("procedure_name")),
        "procedure_name": text(dossier.get("procedure_name")),
        "documents": _documents(dossier.get("documents")),
        "received_text": office_words(dossier.get("received_at")),
        "due_text": office_words(dossier.get("due_at")),
        "duration_text": duration.label() if duration else "",
        "result_channel_text": text(result),
        "result_place": text(dossier.get("result_place"), "Bộ phận tiếp nhận và trả kết quả"),
        "fee_text": money(dossier.get("fee")),
        "sets_text": f"{int(dossier.get('sets') or 1):02d}",
    }


def receipt(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime, print_no: int = 1,
            page_size: PageSize = "A4", lookup_url: str | None = None) -> PrintDoc:
    """The receipt of a received dossier: CT04 for residence procedures, else Mẫu 01 in two copies (Liên 1
    kept by the station, Liên 2 for the citizen), each on its own page. ``print_no`` > 1 marks a reprint.

    ``lookup_url``: the signed link to the province's lookup page (``store.receipt_keys.lookup_url``), which
    the QR code then holds; without one (a station that has no receipt key yet) the QR holds ``code|lookup``."""
    payload = lookup_url or (qr_payload(dossier["code"], dossier["lookup_code"]) if dossier.get("lookup_code")
                             else None)
    images = {QR_NAME: qr_png(payload)} if payload else {}
    book = {"book": station.book, "serial": str(dossier.get("receipt_no") or "").split("/")[0]}
    if (dossier.get("receipt_form") or "CT04") == "CT04":
        html = render("receipt_ct04.html", **_common(dossier, station, printed_at, print_no, page_size, "Mẫu CT04"),
                      **book, footer=_footer(dossier, station, printed_at, signers=[APPLICANT, OFFICER],
                                             with_qr=True, page_size=page_size))
        return PrintDoc(f"Phiếu tiếp nhận hồ sơ {dossier['code']}", html, images, page_size)
    # the applicant signs for what was handed in, the officer for receiving it
    html = render("receipt_m01.html", **_common(dossier, station, printed_at, print_no, page_size, "Mẫu 01"), **book,
                  copies=("Liên 1: Lưu tại bộ phận tiếp nhận", "Liên 2: Giao cho công dân"),
                  result_place_given=bool(dossier.get("result_place")),
                  footer=_footer(dossier, station, printed_at, signers=[APPLICANT, OFFICER_M01], with_qr=True,
                                 page_size=page_size))
    return PrintDoc(f"Giấy tiếp nhận hồ sơ {dossier['code']}", html, images, page_size)


def supplement_request(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime,
                       print_no: int = 1, page_size: PageSize = "A4") -> PrintDoc:
    """CT05: what the applicant must add; the clock waits."""
    html = render("supplement_ct05.html", **_common(dossier, station, printed_at, print_no, page_size, "Mẫu CT05"),
                  items=[text(i) for i in dossier.get("supplement_items") or []],
                  supplement_note=text(dossier.get("supplement_note")),
                  footer=_footer(dossier, station, printed_at, signers=[OFFICER], with_qr=False, page_size=page_size))
    return PrintDoc(f"Phiếu hướng dẫn bổ sung hồ sơ {dossier['code']}", html, {}, page_size)


def refusal(dossier: dict[str, Any], station: StationInfo, *, printed_at: datetime, print_no: int = 1,
            page_size: PageSize = "A4") -> PrintDoc:
    """CT06: the refusal with its legal ground."""
    html = render("refusal_ct06.html", **_common(dossier, station, printed_at, print_no, page_size, "Mẫu CT06"),
                  refusal_reason=text(dossier.get("refusal_reason"), DOTS),
                  refusal_ground=text(dossier.get("refusal_ground")),
                  footer=_footer(dossier, station, printed_at, signers=[OFFICER], with_qr=False, page_size=page_size))
    return PrintDoc(f"Phiếu từ chối hồ sơ {dossier['code']}", html, {}, page_size)


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
