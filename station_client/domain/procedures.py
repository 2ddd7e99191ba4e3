"""The administrative procedure catalogue: reference data owned by the province.

Each procedure has its national code (where one exists), name, field, statutory duration (``Duration``; some
have alternatives, e.g. residence confirmation: ½ working day, or 3 working days when verification is needed),
fee in person / online, the documents it needs, the receipt form it uses (``CT04`` for residence procedures,
``M01`` — the generic one-stop receipt — otherwise) and the legal grounds officers cite when refusing (CT06).

The catalogue ships in ``resources/catalogues/procedures.json`` and is loaded into the store as reference
records; the province updates it by syncing ``procedure`` records. A shipped procedure's record id is
``procedure_record_id(key)`` (a UUIDv5 of its key), so the province's version of the same procedure replaces
the shipped one instead of duplicating it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .deadlines import UNITS, Duration
from .kinds import Field, RecordKind
from .problems import Problem, required

CATALOGUE_FILE = ("catalogues", "procedures.json")
RECEIPT_FORMS = {"CT04": ("Phiếu tiếp nhận hồ sơ và hẹn trả kết quả (CT04)", "Residence receipt (CT04)"),
                 "M01": ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)", "One-stop receipt (Form 01)")}
DOCUMENT_FORMS = {
    "original": ("Bản chính", "Original"),
    "certified_copy": ("Bản sao chứng thực", "Certified copy"),
    "copy": ("Bản sao", "Copy"),
    "photocopy": ("Bản chụp/photo", "Photocopy"),
    "electronic": ("Bản điện tử", "Electronic"),
}
# Fixed namespace for procedure record ids (never change: stations and the province derive the same ids).
_NAMESPACE = uuid.UUID("6f1d2b0e-8a43-5c7e-9d1a-2b3c4d5e6f70")


def procedure_record_id(key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"procedure:{key}"))


@dataclass(frozen=True)
class RequiredDocument:
    name: str
    form: str = "original"  # DOCUMENT_FORMS key
    count: int = 1
    optional: bool = False  # needed only in some cases ("if ...") — shown, not pre-ticked
    note: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RequiredDocument:
        return cls(str(d["name"]), str(d.get("form") or "original"), int(d.get("count") or 1),
                   bool(d.get("optional")), str(d.get("note") or ""))


@dataclass(frozen=True)
class AltDuration:
    duration: Duration
    when_vi: str
    when_en: str


@dataclass(frozen=True)
class Procedure:
    key: str  # catalogue key: the national code where one exists
    national_code: str | None
    name: str
    name_en: str
    field: str
    duration: Duration
    fee_in_person: int | None
    fee_online: int | None
    receipt_form: str
    documents: tuple[RequiredDocument, ...] = ()
    alt_durations: tuple[AltDuration, ...] = ()
    fee_note: str = ""
    legal_basis: str = ""
    refusal_grounds: tuple[str, ...] = ()
    note: str = ""
    active: bool = True

    def fee(self, channel: str) -> int:
        value = self.fee_online if channel == "online" else self.fee_in_person
        return int(value or 0)

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Procedure:
        """From a ``procedure`` record (or a catalogue entry, which has the same field names)."""
        return cls(
            key=str(r["key"]), national_code=r.get("national_code") or None, name=str(r["name"]),
            name_en=str(r.get("name_en") or ""), field=str(r.get("field") or ""),
            duration=Duration.from_dict(r["duration"]),
            fee_in_person=r.get("fee_in_person"), fee_online=r.get("fee_online"),
            receipt_form=str(r.get("receipt_form") or "M01"),
            documents=tuple(RequiredDocument.from_dict(d) for d in r.get("documents") or ()),
            alt_durations=tuple(AltDuration(Duration.from_dict(a), str(a.get("when_vi") or ""),
                                            str(a.get("when_en") or ""))
                                for a in r.get("alt_durations") or ()),
            fee_note=str(r.get("fee_note") or ""), legal_basis=str(r.get("legal_basis") or ""),
            refusal_grounds=tuple(r.get("refusal_grounds") or ()), note=str(r.get("note") or ""),
            active=r.get("active") is not False,
        )


def shipped_catalogue() -> list[dict[str, Any]]:
    """The catalogue entries shipped in ``resources/catalogues/procedures.json`` (procedure record fields)."""
    from ..resources import load_json

    return list(load_json(*CATALOGUE_FILE)["procedures"])


def _check_duration(value: Any, name: str) -> list[Problem]:
    try:
        Duration.from_dict(value)
    except (KeyError, TypeError, ValueError):
        return [Problem(name, "procedure.duration", "Thời hạn giải quyết không hợp lệ (số lượng và đơn vị: "
                        + ", ".join(UNITS) + ").", "Invalid duration (amount and unit).")]
    return []


def validate_procedure(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "key", "Mã thủ tục", "Procedure key"),
        required(r, "name", "Tên thủ tục", "Procedure name"),
        required(r, "duration", "Thời hạn giải quyết", "Duration"),
    ) if p]
    if r.get("duration") is not None:
        problems += _check_duration(r["duration"], "duration")
    for alt in r.get("alt_durations") or ():
        problems += _check_duration(alt, "alt_durations")
    if r.get("receipt_form") and r["receipt_form"] not in RECEIPT_FORMS:
        problems.append(Problem("receipt_form", "procedure.receipt_form", "Mẫu phiếu tiếp nhận không hợp lệ.",
                                "Unknown receipt form."))
    for d in r.get("documents") or ():
        if not isinstance(d, dict) or not d.get("name") or d.get("form", "original") not in DOCUMENT_FORMS:
            problems.append(Problem("documents", "procedure.documents", "Danh mục giấy tờ không hợp lệ.",
                                    "Invalid document list."))
            break
    for name in ("fee_in_person", "fee_online"):
        if r.get(name) is not None and r[name] < 0:
            problems.append(Problem(name, "procedure.fee", "Lệ phí không được âm.", "A fee cannot be negative."))
    return problems


PROCEDURE = RecordKind(
    name="procedure", table="procedures", vi="Thủ tục hành chính", en="Administrative procedure",
    fields=(
        Field("key", "text", "Mã thủ tục", "Procedure key"),
        Field("national_code", "text", "Mã thủ tục quốc gia", "National procedure code"),
        Field("name", "text", "Tên thủ tục", "Name"),
        Field("name_en", "text", "Tên tiếng Anh", "English name"),
        Field("field", "text", "Lĩnh vực", "Field"),
        Field("duration", "json", "Thời hạn giải quyết", "Duration"),
        Field("alt_durations", "json", "Thời hạn khác", "Alternative durations"),
        Field("fee_in_person", "int", "Lệ phí nộp trực tiếp", "Fee in person"),
        Field("fee_online", "int", "Lệ phí nộp trực tuyến", "Fee online"),
        Field("fee_note", "text", "Ghi chú lệ phí", "Fee note"),
        Field("documents", "json", "Thành phần hồ sơ", "Documents"),
        Field("receipt_form", "text", "Mẫu phiếu tiếp nhận", "Receipt form"),
        Field("legal_basis", "text", "Căn cứ pháp lý", "Legal basis"),
        Field("refusal_grounds", "json", "Căn cứ từ chối", "Refusal grounds"),
        Field("note", "text", "Ghi chú", "Note"),
        Field("active", "bool", "Đang áp dụng", "Active"),
    ),
    scope="reference", validator=validate_procedure,
)

KINDS = (PROCEDURE,)
