"""Administrative procedure dossiers (hồ sơ thủ tục hành chính): the record kind, its status workflow, dossier
codes and receipt lookup codes.

Statuses and the actions between them (``ACTIONS``; each is one store update, so each is audited and synced)::

    received ──start──▶ processing ──result_ready──▶ result_ready ──return_result──▶ returned
       │                  │  ▲                          ▲
       │                  │  └──receive_supplement──┐   │
       ├──request_supplement (CT05)──▶ supplement_requested (clock paused)
       ├──transfer──▶ transferred (with another agency; clock runs) ──result_ready──┘
       └──refuse (CT06, legal ground)──▶ refused

A dossier found incomplete at the counter is created directly as ``supplement_requested`` with its clock paused
from the moment of receipt (a CT05 is printed instead of a receipt). The due time (``due_at``, the appointment)
is computed by ``deadlines.due_at`` from ``received_at``, the procedure's ``duration`` and the ``pauses``.

Lookup codes: a receipt carries a short code (``make_lookup_code``) that anyone can check at the province
(``GET /v1/lookup/{code}`` answers status and appointment date only): 10 Crockford base-32 characters drawn
from a hash of the dossier's record id (50 bits: unguessable, so nobody can walk through other people's
dossiers), then 2 check characters that catch every single typo and every swap of neighbours; printed as
``XXXX-XXXX-XXXX``. ``check_lookup_code`` accepts it typed in any case, with or without dashes, O for 0 and
I/L for 1.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .calendar import WorkCalendar
from .deadlines import Duration, OfficeHours, Pause, classify, default_office_hours, due_at
from .identity import check_personal_id
from .kinds import Field, RecordKind
from .problems import Problem, ValidationError, required
from .procedures import DOCUMENT_FORMS, RECEIPT_FORMS
from .text import normalize_text

STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Đã tiếp nhận", "Received"),
    "supplement_requested": ("Chờ bổ sung hồ sơ", "Supplement requested"),
    "processing": ("Đang giải quyết", "Processing"),
    "transferred": ("Đã chuyển xử lý", "Transferred"),
    "result_ready": ("Đã có kết quả", "Result ready"),
    "returned": ("Đã trả kết quả", "Returned"),
    "refused": ("Từ chối tiếp nhận/giải quyết", "Refused"),
}
OPEN_STATUSES = ("received", "supplement_requested", "processing", "transferred")
# Statuses whose clock runs (due/overdue lists); a dossier waiting for the applicant is not overdue.
RUNNING_STATUSES = ("received", "processing", "transferred")
CHANNELS = {"in_person": ("Trực tiếp", "In person"), "online": ("Trực tuyến", "Online"),
            "post": ("Bưu chính", "By post")}
RESULT_CHANNELS = {
    "paper": ("Nhận trực tiếp bản giấy", "Paper, in person"),
    "post": ("Qua dịch vụ bưu chính", "By post"),
    "electronic": ("Bản điện tử (Cổng dịch vụ công)", "Electronic (public service portal)"),
    "sms": ("Tin nhắn SMS", "SMS"),
}


@dataclass(frozen=True)
class Action:
    name: str
    vi: str
    en: str
    sources: tuple[str, ...]
    target: str


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("start", "Bắt đầu giải quyết", "Start processing", ("received",), "processing"),
    Action("request_supplement", "Yêu cầu bổ sung (CT05)", "Request supplement (CT05)",
           ("received", "processing", "transferred"), "supplement_requested"),
    Action("receive_supplement", "Nhận hồ sơ bổ sung", "Supplement received", ("supplement_requested",),
           "processing"),
    Action("transfer", "Chuyển xử lý", "Transfer", ("received", "processing"), "transferred"),
    Action("result_ready", "Có kết quả", "Result ready", ("processing", "transferred"), "result_ready"),
    Action("return_result", "Trả kết quả", "Return result", ("result_ready",), "returned"),
    Action("refuse", "Từ chối (CT06)", "Refuse (CT06)",
           ("received", "processing", "supplement_requested", "transferred"), "refused"),
)}


def available_actions(status: str) -> list[Action]:
    return [a for a in ACTIONS.values() if status in a.sources]


# ------------------------------------------------------------------------------------------ lookup codes
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
_BODY = 10
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _b32(value: int, length: int) -> str:
    return "".join(_ALPHABET[(value >> (5 * (length - 1 - i))) & 31] for i in range(length))


def _gf32_mul(a: int, b: int) -> int:
    """Multiplication in GF(32) with the primitive polynomial x⁵ + x² + 1."""
    out = 0
    for _ in range(5):
        if b & 1:
            out ^= a
        b >>= 1
        a <<= 1
        if a & 32:
            a ^= 0b100101
    return out


def _check_chars(body: str) -> str:
    """Two check symbols over GF(32): the plain sum and the sum weighted by powers of a primitive element.
    Any single wrong character and any swap of two neighbouring characters is caught, always."""
    plain = weighted = 0
    power = 1
    for ch in body:
        v = _ALPHABET.index(ch)
        plain ^= v
        weighted ^= _gf32_mul(power, v)
        power = _gf32_mul(power, 2)
    return _ALPHABET[plain] + _ALPHABET[weighted]


def make_lookup_code(seed: str) -> str:
    """The lookup code of the dossier whose record id is ``seed`` (deterministic: a reprint shows the same
    code). ``XXXX-XXXX-XXCC``: 50 bits from SHA-256 of the seed, then the 2 check characters."""
    digest = hashlib.sha256(f"dossier-lookup:{seed}".encode()).digest()
    body = _b32(int.from_bytes(digest[:8], "big") >> 14, _BODY)
    raw = body + _check_chars(body)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_lookup_code(code: str) -> str | None:
    """The canonical ``XXXX-XXXX-XXXX`` form of a typed code, or None if it is not a well-formed code with a
    right check value. The province keys its lookup table by this form."""
    raw = re.sub(r"[\s\-.]", "", str(code)).upper().translate(_TYPO)
    if len(raw) != _BODY + 2 or any(ch not in _ALPHABET for ch in raw):
        return None
    if _check_chars(raw[:_BODY]) != raw[_BODY:]:
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def check_lookup_code(code: str) -> bool:
    """True when ``code`` is a lookup code whose check value is right (any case, dashes optional)."""
    return normalize_lookup_code(code) is not None


def qr_payload(dossier_code: str, lookup_code: str) -> str:
    """What the receipt's QR code holds: the dossier code and its lookup code (which carries the check value),
    separated by ``|``."""
    return f"{dossier_code}|{lookup_code}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    code, sep, lookup = text.partition("|")
    if not sep or not check_lookup_code(lookup):
        return None
    return code, normalize_lookup_code(lookup) or lookup


# ------------------------------------------------------------------------------------------ dossier codes
DEFAULT_CODE_PATTERN = "{station}-{yy}{mm}{dd}-{counter:04d}"
_PLACEHOLDERS = {"station", "yyyy", "yy", "mm", "dd", "counter"}


def check_code_pattern(pattern: str) -> list[Problem]:
    names = set(re.findall(r"{(\w+)(?::[^}]*)?}", pattern))
    problems = []
    if names - _PLACEHOLDERS:
        problems.append(Problem("pattern", "code.placeholder",
                                f"Mẫu mã hồ sơ có trường không biết: {', '.join(sorted(names - _PLACEHOLDERS))}.",
                                f"Unknown placeholder(s): {', '.join(sorted(names - _PLACEHOLDERS))}."))
    if not {"station", "counter"} <= names:
        # Without the station's code two stations working offline would hand out the same code.
        problems.append(Problem("pattern", "code.unique", "Mẫu mã hồ sơ phải có {station} và {counter}.",
                                "The dossier code pattern must contain {station} and {counter}."))
    return problems


def code_scope(pattern: str, station: str, day: date) -> str:
    """The pattern with everything but the counter filled in: the key of the counter the store keeps, so the
    counter restarts whenever the rest of the code changes (a new day for the default pattern)."""
    return render_code(pattern, station, day, None)


def render_code(pattern: str, station: str, day: date, counter: int | None) -> str:
    problems = check_code_pattern(pattern)
    if problems:
        raise ValidationError(problems)
    values: dict[str, Any] = {"station": station, "yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}",
                              "mm": f"{day.month:02d}", "dd": f"{day.day:02d}"}
    if counter is None:
        return re.sub(r"{counter(?::[^}]*)?}", "#", pattern).format(**values)
    return pattern.format(counter=counter, **values)


# ------------------------------------------------------------------------------------------ validation
def _documents_problems(docs: Any) -> list[Problem]:
    if docs is None:
        return []
    if not isinstance(docs, list):
        return [Problem("documents", "documents.type", "Danh sách giấy tờ không hợp lệ.", "Invalid document list.")]
    for i, d in enumerate(docs, 1):
        ok = isinstance(d, dict) and str(d.get("name") or "").strip() and d.get("form", "original") in DOCUMENT_FORMS
        count = d.get("count", 1) if isinstance(d, dict) else None
        if not ok or not isinstance(count, int) or count < 1:
            return [Problem("documents", "documents.item", f"Giấy tờ thứ {i}: cần tên, hình thức và số lượng ≥ 1.",
                            f"Document {i}: needs a name, a form and a count of at least 1.")]
    return []


def validate_dossier(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "code", "Mã hồ sơ", "Dossier code"),
        required(r, "procedure_key", "Thủ tục", "Procedure"),
        required(r, "applicant_name", "Người nộp hồ sơ", "Applicant"),
        required(r, "received_at", "Thời điểm tiếp nhận", "Time received"),
        required(r, "status", "Trạng thái", "Status"),
        required(r, "duration", "Thời hạn giải quyết", "Duration"),
    ) if p]
    status = r.get("status")
    if status and status not in STATUSES:
        problems.append(Problem("status", "dossier.status", "Trạng thái hồ sơ không hợp lệ.", "Invalid status."))
    if r.get("channel") and r["channel"] not in CHANNELS:
        problems.append(Problem("channel", "dossier.channel", "Hình thức nộp không hợp lệ.", "Invalid channel."))
    if r.get("result_channel") and r["result_channel"] not in RESULT_CHANNELS:
        problems.append(Problem("result_channel", "dossier.result_channel", "Hình thức nhận kết quả không hợp lệ.",
                                "Invalid way of receiving the result."))
    if r.get("receipt_form") and r["receipt_form"] not in RECEIPT_FORMS:
        problems.append(Problem("receipt_form", "dossier.receipt_form", "Mẫu phiếu không hợp lệ.",
                                "Unknown receipt form."))
    if r.get("duration") is not None:
        try:
            Duration.from_dict(r["duration"])
        except (KeyError, TypeError, ValueError):
            problems.append(Problem("duration", "dossier.duration", "Thời hạn giải quyết không hợp lệ.",
                                    "Invalid duration."))
    name = r.get("applicant_name") or ""
    if any(ch.isdigit() for ch in name):
        problems.append(Problem("applicant_name", "name.digits", "Họ và tên không được chứa chữ số.",
                                "A full name cannot contain digits."))
    if r.get("applicant_personal_id"):
        problems += check_personal_id(r["applicant_personal_id"], field="applicant_personal_id")
    if r.get("lookup_code") and not check_lookup_code(r["lookup_code"]):
        problems.append(Problem("lookup_code", "dossier.lookup_code", "Mã tra cứu sai số kiểm tra.",
                                "The lookup code's check value is wrong."))
    problems += _documents_problems(r.get("documents"))
    if r.get("fee") is not None and r["fee"] < 0:
        problems.append(Problem("fee", "dossier.fee", "Lệ phí không được âm.", "A fee cannot be negative."))
    if r.get("sets") is not None and r["sets"] < 1:
        problems.append(Problem("sets", "dossier.sets", "Số bộ hồ sơ phải từ 1 trở lên.", "At least one set."))
    if status == "refused":
        p = required(r, "refusal_ground", "Căn cứ pháp lý từ chối", "Legal ground of the refusal")
        if p:
            problems.append(p)
    if status == "supplement_requested" and not r.get("supplement_items"):
        problems.append(Problem("supplement_items", "required", "Cần ghi giấy tờ phải bổ sung.",
                                "List what the applicant must add."))
    if status == "transferred":
        p = required(r, "transferred_to", "Nơi chuyển đến", "Transferred to")
        if p:
            problems.append(p)
    if status in ("result_ready", "returned") and not r.get("result_ready_at"):
        problems.append(Problem("result_ready_at", "required", "Cần thời điểm có kết quả.",
                                "The time the result was ready is required."))
    if status == "returned" and not r.get("returned_at"):
        problems.append(Problem("returned_at", "required", "Cần thời điểm trả kết quả.",
                                "The time the result was returned is required."))
    return problems


def normalize_dossier(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("applicant_name", "applicant_permanent_address", "applicant_temporary_address",
                 "applicant_current_address", "request_content", "result_place", "refusal_reason",
                 "refusal_ground", "transferred_to"):
        if isinstance(out.get(name), str):
            out[name] = normalize_text(out[name])
    for name in ("applicant_personal_id", "applicant_phone"):
        if isinstance(out.get(name), str):
            out[name] = out[name].replace(" ", "").replace(".", "").strip()
    if isinstance(out.get("lookup_code"), str):
        out["lookup_code"] = normalize_lookup_code(out["lookup_code"]) or out["lookup_code"]
    return out


DOSSIER = RecordKind(
    name="dossier", table="dossiers", vi="Hồ sơ thủ tục hành chính", en="Administrative dossier",
    fields=(
        Field("code", "text", "Mã hồ sơ", "Dossier code"),
        Field("receipt_no", "text", "Số phiếu tiếp nhận", "Receipt number"),
        Field("lookup_code", "text", "Mã tra cứu", "Lookup code"),
        Field("procedure_key", "text", "Thủ tục", "Procedure"),
        Field("procedure_name", "text", "Tên thủ tục", "Procedure name"),
        Field("receipt_form", "text", "Mẫu phiếu tiếp nhận", "Receipt form"),
        Field("applicant_person_id", "text", "Nhân khẩu", "Resident"),
        Field("applicant_name", "text", "Người nộp hồ sơ", "Applicant"),
        Field("applicant_personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("applicant_birth_date", "date", "Ngày sinh", "Date of birth"),
        Field("applicant_permanent_address", "text", "Nơi thường trú", "Permanent residence"),
        Field("applicant_temporary_address", "text", "Nơi tạm trú", "Temporary residence"),
        Field("applicant_current_address", "text", "Nơi ở hiện tại", "Current residence"),
        Field("applicant_phone", "text", "Số điện thoại", "Phone"),
        Field("applicant_email", "text", "Thư điện tử", "E-mail"),
        Field("request_content", "text", "Nội dung yêu cầu", "Request"),
        Field("documents", "json", "Giấy tờ đã nhận", "Documents received"),
        Field("sets", "int", "Số bộ hồ sơ", "Number of sets"),
        Field("channel", "text", "Hình thức nộp", "Channel"),
        Field("fee", "int", "Lệ phí", "Fee"),
        Field("result_channel", "text", "Hình thức nhận kết quả", "Result by"),
        Field("result_place", "text", "Nơi nhận kết quả", "Result at"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("received_at", "datetime", "Thời điểm tiếp nhận", "Received at"),
        Field("duration", "json", "Thời hạn giải quyết", "Duration"),
        Field("due_at", "datetime", "Hẹn trả kết quả", "Appointment"),
        Field("pauses", "json", "Thời gian tạm dừng", "Pauses"),
        Field("supplement_items", "json", "Giấy tờ cần bổ sung", "Supplement needed"),
        Field("supplement_note", "text", "Hướng dẫn bổ sung", "Supplement guidance"),
        Field("refusal_ground", "text", "Căn cứ pháp lý từ chối", "Legal ground of refusal"),
        Field("refusal_reason", "text", "Lý do từ chối", "Reason for refusal"),
        Field("transferred_to", "text", "Nơi chuyển đến", "Transferred to"),
        Field("transferred_at", "datetime", "Thời điểm chuyển", "Transferred at"),
        Field("result_ready_at", "datetime", "Thời điểm có kết quả", "Result ready at"),
        Field("returned_at", "datetime", "Thời điểm trả kết quả", "Returned at"),
        Field("outcome", "text", "Kết quả đúng hạn", "Timeliness"),
        Field("officer_name", "text", "Cán bộ tiếp nhận", "Receiving officer"),
        Field("print_count", "int", "Số lần in phiếu", "Times printed"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_dossier, normalizer=normalize_dossier,
)

KINDS = (DOSSIER,)


# ------------------------------------------------------------------------------------------ workflow
def pauses_of(record: dict[str, Any]) -> list[Pause]:
    return [Pause.from_dict(p) for p in record.get("pauses") or ()]


def compute_due(record: dict[str, Any], cal: WorkCalendar, *, now: datetime | None = None,
                hours: OfficeHours | None = None) -> datetime:
    """The dossier's due time from its receipt, duration and pauses (an open pause counted up to ``now``)."""
    received = datetime.fromisoformat(record["received_at"])
    return due_at(received, Duration.from_dict(record["duration"]), cal, pauses=pauses_of(record), now=now,
                  hours=hours)


def transition(record: dict[str, Any], action: str, at: datetime, cal: WorkCalendar, *,
               details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    """The field changes that ``action`` makes to ``record`` at ``at``; raises ``ValidationError`` when the
    action is not allowed from the current status. The caller writes the changes through the store.

    ``details`` by action: request_supplement ``supplement_items`` (list of str), ``supplement_note``;
    refuse ``refusal_ground`` (required), ``refusal_reason``; transfer ``transferred_to``; any: ``note``.
    """
    details = dict(details or {})
    act = ACTIONS.get(action)
    status = record.get("status")
    if act is None or status not in act.sources:
        vi_status, en_status = STATUSES.get(str(status), (str(status), str(status)))
        raise ValidationError([Problem("status", "dossier.transition",
                                       f"Không thể '{act.vi if act else action}' khi hồ sơ đang '{vi_status}'.",
                                       f"Cannot '{act.en if act else action}' a dossier that is '{en_status}'.")])
    hours = hours or default_office_hours()
    at = hours.local(at)
    changes: dict[str, Any] = {"status": act.target}
    pauses = [p.to_dict() for p in pauses_of(record)]
    if action == "request_supplement":
        pauses.append(Pause(at).to_dict())
        changes["pauses"] = pauses
        changes["supplement_items"] = list(details.pop("supplement_items", None) or [])
        changes["supplement_note"] = details.pop("supplement_note", None)
    elif action == "receive_supplement":
        if pauses and pauses[-1]["to"] is None:
            pauses[-1]["to"] = at.isoformat()
        changes["pauses"] = pauses
        changes["due_at"] = compute_due(record | {"pauses": pauses}, cal, hours=hours).isoformat()
    elif action == "refuse":
        changes["refusal_ground"] = details.pop("refusal_ground", None)
        changes["refusal_reason"] = details.pop("refusal_reason", None)
        if pauses and pauses[-1]["to"] is None:
            pauses[-1]["to"] = at.isoformat()
            changes["pauses"] = pauses
    elif action == "transfer":
        changes["transferred_to"] = details.pop("transferred_to", None)
        changes["transferred_at"] = at.isoformat()
    elif action == "result_ready":
        changes["result_ready_at"] = at.isoformat()
        due = datetime.fromisoformat(record["due_at"]) if record.get("due_at") else compute_due(record, cal)
        changes["outcome"] = classify(at, due, Duration.from_dict(record["duration"]).unit, hours=hours)
    elif action == "return_result":
        changes["returned_at"] = at.isoformat()
    if "note" in details:
        changes["note"] = details.pop("note")
    if details:
        raise ValueError(f"unexpected details for {action}: {sorted(details)}")
    return changes


def new_dossier_fields(*, code: str, record_id: str, procedure: Any, applicant: dict[str, Any],
                       received_at: datetime, cal: WorkCalendar, documents: Sequence[dict[str, Any]],
                       complete: bool = True, supplement_items: Sequence[str] = (), duration: Duration | None = None,
                       channel: str = "in_person", hours: OfficeHours | None = None,
                       **extra: Any) -> dict[str, Any]:
    """The fields of a new dossier at intake: status, due time, lookup code and the procedure's snapshot
    (name, receipt form, fee), so a later catalogue change does not alter what the receipt said.

    ``complete`` False: the dossier waits for a supplement from the start (CT05; clock paused at receipt).
    ``duration`` overrides the procedure's (one of its ``alt_durations``).
    """
    hours = hours or default_office_hours()
    received = hours.local(received_at)
    duration = duration or procedure.duration
    pauses = [] if complete else [Pause(received).to_dict()]
    fields: dict[str, Any] = {
        "code": code, "lookup_code": make_lookup_code(record_id), "procedure_key": procedure.key,
        "procedure_name": procedure.name, "receipt_form": procedure.receipt_form,
        "documents": [dict(d) for d in documents], "channel": channel, "fee": procedure.fee(channel),
        "status": "received" if complete else "supplement_requested", "received_at": received.isoformat(),
        "duration": duration.to_dict(), "pauses": pauses, "print_count": 0, "sets": 1,
        "supplement_items": list(supplement_items) or None,
    }
    fields |= {f"applicant_{k}": v for k, v in applicant.items()}
    fields |= extra
    fields["due_at"] = compute_due(fields, cal, now=received, hours=hours).isoformat()
    return fields
