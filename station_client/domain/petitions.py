"""Petitions: tố cáo (denunciations, Law 25/2018), khiếu nại (complaints, Law on Complaints 2011) and kiến
nghị, phản ánh (recommendations, Law on Citizen Reception 2013).

Three clocks, each a rule of ``deadline_rules`` (``petition.<type>.<event>``):

* classify — from receipt: a denunciation is classified (accepted, not accepted or forwarded) within 7 working
  days, up to 10 when it needs checking (one extension of 3 working days);
* forward — from receipt: one outside the station's competence is forwarded within 5 working days;
* resolve — from acceptance (thụ lý): resolved within 30 days; a complex one may be extended once by 30 days,
  an especially complex one twice.

Statuses and actions::

    received ──accept──▶ accepted ──resolve──▶ resolved
       │                   └──withdraw──▶ withdrawn
       ├──forward──▶ forwarded
       ├──not_accept──▶ not_accepted
       └──withdraw──▶ withdrawn

``extend_classification`` and ``mark_outside`` (outside competence: the 5-working-day forwarding clock runs)
keep ``received``; ``set_complexity`` and ``extend`` keep ``accepted``. ``due_at`` is always the clock that is
running now (None when none is), so the due lists need one indexed column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .calendar import WorkCalendar
from .deadline_rules import COMPLEXITY, DeadlineRule, RuleSet
from .deadlines import OUTCOMES, OfficeHours, classify, default_office_hours
from .identity import check_personal_id
from .kinds import Field, RecordKind
from .problems import Problem, ValidationError, required
from .reports import (
    Action,
    ReportKind,
    check_action,
    choice_problem,
    no_leftovers,
    normalize_parties,
    order_problem,
    parties_problems,
    phone_problem,
    take,
)
from .text import normalize_text

PETITION_TYPES = {
    "denunciation": ("Tố cáo", "Denunciation"),
    "complaint": ("Khiếu nại", "Complaint"),
    "recommendation": ("Kiến nghị, phản ánh", "Recommendation"),
}
CHANNELS = {
    "in_person": ("Trực tiếp", "In person"),
    "post": ("Qua bưu chính", "By post"),
    "forwarded": ("Cơ quan khác chuyển đến", "Forwarded by another agency"),
    "electronic": ("Thư điện tử, cổng thông tin", "Electronic"),
}
STATUSES = {
    "received": ("Đã tiếp nhận, chờ phân loại", "Received"),
    "accepted": ("Đã thụ lý, đang giải quyết", "Accepted"),
    "forwarded": ("Đã chuyển cơ quan có thẩm quyền", "Forwarded"),
    "not_accepted": ("Không thụ lý", "Not accepted"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "withdrawn": ("Đã rút đơn", "Withdrawn"),
}
OPEN_STATUSES = ("received", "accepted")
ROLES = ("accused", "related")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("accept", "Thụ lý", "Accept", ("received",), "accepted"),
    Action("forward", "Chuyển đơn", "Forward", ("received",), "forwarded"),
    Action("not_accept", "Không thụ lý", "Do not accept", ("received",), "not_accepted"),
    Action("extend_classification", "Kéo dài thời hạn phân loại (kiểm tra, xác minh)",
           "Extend classification (verification)", ("received",), None),
    Action("mark_outside", "Không thuộc thẩm quyền", "Outside competence", ("received",), None),
    Action("set_complexity", "Mức độ phức tạp", "Complexity", ("accepted",), None),
    Action("extend", "Gia hạn giải quyết", "Extend resolution", ("accepted",), None),
    Action("resolve", "Kết luận, giải quyết xong", "Resolve", ("accepted",), "resolved"),
    Action("withdraw", "Rút đơn", "Withdrawn", ("received", "accepted"), "withdrawn"),
)}


def available_actions(record: dict[str, Any], rules: RuleSet | None = None) -> list[Action]:
    status = record.get("status")
    acts = [a for a in ACTIONS.values() if status in a.sources]
    if record.get("classify_extended") or record.get("outside_competence"):
        acts = [a for a in acts if a.name != "extend_classification"]
    if record.get("outside_competence"):
        acts = [a for a in acts if a.name not in ("mark_outside", "accept")]
    if rules is not None and status == "accepted":
        rule = rules.petition_rule(record["petition_type"], "resolve")
        if int(record.get("resolve_extensions") or 0) >= rule.allowed_extensions(record.get("complexity")):
            acts = [a for a in acts if a.name != "extend"]
    return acts


# ------------------------------------------------------------------------------------------ validation
def normalize_petition(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("petitioner_name", "petitioner_address", "subject", "content", "forwarded_to",
                 "not_accepted_reason", "resolution"):
        if isinstance(out.get(name), str):
            out[name] = normalize_text(out[name])
    for name in ("petitioner_personal_id", "petitioner_phone"):
        if isinstance(out.get(name), str):
            out[name] = out[name].replace(" ", "").replace(".", "").strip()
    if "parties" in out:
        out["parties"] = normalize_parties(out["parties"])
    return out


def validate_petition(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "register_no", "Số thụ lý", "Register number"),
        required(r, "petition_type", "Loại đơn", "Type of petition"),
        required(r, "received_at", "Thời điểm tiếp nhận", "Time received"),
        # Law 25/2018 art. 23: a denunciation that does not say who makes it is not processed as one.
        required(r, "petitioner_name", "Họ tên người gửi đơn", "Petitioner"),
        required(r, "content", "Nội dung đơn", "Content"),
        required(r, "status", "Trạng thái", "Status"),
        choice_problem(r, "petition_type", PETITION_TYPES, "Loại đơn", "Type of petition"),
        choice_problem(r, "channel", CHANNELS, "Hình thức tiếp nhận", "Channel"),
        choice_problem(r, "status", STATUSES, "Trạng thái", "Status"),
        choice_problem(r, "complexity", COMPLEXITY, "Mức độ phức tạp", "Complexity"),
        phone_problem(r, "petitioner_phone"),
        order_problem(r, "received_at", "accepted_at", "Ngày thụ lý không thể trước ngày nhận đơn.",
                      "Acceptance cannot precede receipt."),
        order_problem(r, "accepted_at", "resolved_at", "Ngày giải quyết không thể trước ngày thụ lý.",
                      "Resolution cannot precede acceptance."),
    ) if p]
    if r.get("petitioner_personal_id"):
        problems += check_personal_id(r["petitioner_personal_id"], field="petitioner_personal_id")
    if r.get("resolve_extensions") is not None and r["resolve_extensions"] < 0:
        problems.append(Problem("resolve_extensions", "extensions.negative", "Số lần gia hạn không hợp lệ.",
                                "Invalid number of extensions."))
    problems += parties_problems(r.get("parties"), ROLES)
    status = r.get("status")
    if status == "forwarded":
        problems += [p for p in (required(r, "forwarded_to", "Nơi chuyển đơn", "Forwarded to"),) if p]
    if status == "not_accepted":
        problems += [p for p in (required(r, "not_accepted_reason", "Lý do không thụ lý", "Reason"),) if p]
    if status in ("accepted", "resolved"):
        problems += [p for p in (required(r, "accepted_at", "Ngày thụ lý", "Accepted on"),) if p]
    if status == "resolved":
        problems += [p for p in (required(r, "resolution", "Kết quả giải quyết", "Resolution"),) if p]
    return problems


PETITION = RecordKind(
    name="petition", table="petitions", vi="Đơn tố cáo, khiếu nại, kiến nghị", en="Petition",
    fields=(
        Field("register_no", "text", "Số thụ lý", "Register number"),
        Field("register_year", "int", "Năm", "Year"),
        Field("register_seq", "int", "Số thứ tự", "Sequence"),
        Field("station_code", "text", "Mã trạm", "Station code"),
        Field("petition_type", "text", "Loại đơn", "Type of petition"),
        Field("channel", "text", "Hình thức tiếp nhận", "Channel"),
        Field("received_at", "datetime", "Thời điểm tiếp nhận", "Received at"),
        Field("received_by", "text", "Cán bộ tiếp nhận", "Receiving officer"),
        Field("petitioner_name", "text", "Họ tên người gửi đơn", "Petitioner"),
        Field("petitioner_personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("petitioner_address", "text", "Nơi cư trú", "Address"),
        Field("petitioner_phone", "text", "Số điện thoại", "Phone"),
        Field("petitioner_person_id", "text", "Nhân khẩu", "Resident"),
        Field("parties", "json", "Người bị tố cáo, khiếu nại; người liên quan", "Accused and related persons"),
        Field("subject", "text", "Trích yếu", "Subject"),
        Field("content", "text", "Nội dung đơn", "Content"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("classify_due_at", "datetime", "Hạn phân loại", "Classification due"),
        Field("classify_extended", "bool", "Đã kéo dài thời hạn phân loại", "Classification extended"),
        Field("classified_at", "datetime", "Thời điểm phân loại", "Classified at"),
        Field("classify_outcome", "text", "Phân loại đúng hạn", "Classification timeliness"),
        Field("outside_competence", "bool", "Không thuộc thẩm quyền", "Outside competence"),
        Field("forward_due_at", "datetime", "Hạn chuyển đơn", "Forwarding due"),
        Field("forwarded_to", "text", "Nơi chuyển đơn", "Forwarded to"),
        Field("forwarded_at", "datetime", "Thời điểm chuyển đơn", "Forwarded at"),
        Field("not_accepted_reason", "text", "Lý do không thụ lý", "Reason for not accepting"),
        Field("accepted_at", "datetime", "Thời điểm thụ lý", "Accepted at"),
        Field("complexity", "text", "Mức độ phức tạp", "Complexity"),
        Field("resolve_extensions", "int", "Số lần gia hạn", "Extensions"),
        Field("resolve_due_at", "datetime", "Hạn giải quyết", "Resolution due"),
        Field("resolved_at", "datetime", "Thời điểm giải quyết xong", "Resolved at"),
        Field("resolution", "text", "Kết quả giải quyết", "Resolution"),
        Field("resolve_outcome", "text", "Giải quyết đúng hạn", "Resolution timeliness"),
        Field("withdrawn_at", "datetime", "Thời điểm rút đơn", "Withdrawn at"),
        Field("rule_key", "text", "Thời hạn đang chạy", "Running deadline"),
        Field("due_at", "datetime", "Hạn", "Due"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_petition, normalizer=normalize_petition,
)

KINDS = (PETITION,)


# ------------------------------------------------------------------------------------------ deadlines
def _due(rule: DeadlineRule, start: datetime, cal: WorkCalendar, hours: OfficeHours,
         extensions: int = 0) -> str | None:
    return rule.due(start, cal, extensions=extensions, hours=hours).isoformat() if rule.active else None


def new_petition_fields(values: dict[str, Any], received_at: datetime, rules: RuleSet, cal: WorkCalendar, *,
                        hours: OfficeHours | None = None) -> dict[str, Any]:
    """A new petition at intake: status ``received`` and the classification clock running."""
    hours = hours or default_office_hours()
    received = hours.local(received_at)
    rule = rules.petition_rule(values["petition_type"], "classify")
    due = _due(rule, received, cal, hours)
    return dict(values) | {"received_at": received.isoformat(), "status": "received", "classify_due_at": due,
                           "classify_extended": False, "outside_competence": False, "resolve_extensions": 0,
                           "rule_key": rule.key, "due_at": due}


def transition(record: dict[str, Any], action: str, at: datetime, rules: RuleSet, cal: WorkCalendar, *,
               details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    """The changes ``action`` makes to ``record`` at ``at`` (see the module docstring). Raises
    ``ValidationError`` when not allowed.

    details: accept ``complexity``; forward ``forwarded_to``; not_accept ``not_accepted_reason``;
    set_complexity ``complexity``; resolve ``resolution``; any ``note``.
    """
    details = dict(details or {})
    act = check_action(ACTIONS, STATUSES, record, action, "đơn", "petition")
    if act not in available_actions(record, rules):
        raise ValidationError([Problem("status", "transition", f"Không thể '{act.vi}' với đơn này.",
                                       f"'{act.en}' is not possible for this petition.")])
    hours = hours or default_office_hours()
    at = hours.local(at)
    ptype = record["petition_type"]
    received = datetime.fromisoformat(record["received_at"])
    changes: dict[str, Any] = {} if act.target is None else {"status": act.target}

    def outcome(due: str | None, event: str = "classify") -> str | None:
        if not due:
            return None
        return classify(at, datetime.fromisoformat(due), rules.petition_rule(ptype, event).duration.unit,
                        hours=hours)

    if action == "extend_classification":
        rule = rules.petition_rule(ptype, "classify")
        if rule.allowed_extensions(record.get("complexity")) < 1:
            raise ValidationError([Problem("status", "extension.none", "Quy định không cho kéo dài thời hạn này.",
                                           "The rule allows no extension.")])
        due = _due(rule, received, cal, hours, 1)
        changes |= {"classify_extended": True, "classify_due_at": due, "due_at": due}
    elif action == "mark_outside":
        rule = rules.petition_rule(ptype, "forward")
        due = _due(rule, received, cal, hours)
        changes |= {"outside_competence": True, "forward_due_at": due, "due_at": due, "rule_key": rule.key}
    elif action in ("forward", "accept", "not_accept"):
        changes["classified_at"] = at.isoformat()
        if action == "forward":
            due = record.get("forward_due_at") or _due(rules.petition_rule(ptype, "forward"), received, cal, hours)
            changes |= {"forwarded_to": take(details, "forwarded_to"), "forwarded_at": at.isoformat(),
                        "forward_due_at": due, "classify_outcome": outcome(due, "forward"), "due_at": None,
                        "rule_key": None}
        elif action == "not_accept":
            changes |= {"not_accepted_reason": take(details, "not_accepted_reason"),
                        "classify_outcome": outcome(record.get("classify_due_at")), "due_at": None,
                        "rule_key": None}
        else:
            rule = rules.petition_rule(ptype, "resolve")
            due = _due(rule, at, cal, hours)
            changes |= {"accepted_at": at.isoformat(), "complexity": take(details, "complexity") or "normal",
                        "classify_outcome": outcome(record.get("classify_due_at")), "resolve_extensions": 0,
                        "resolve_due_at": due, "due_at": due, "rule_key": rule.key}
    elif action == "set_complexity":
        changes["complexity"] = take(details, "complexity")
        rule = rules.petition_rule(ptype, "resolve")
        if int(record.get("resolve_extensions") or 0) > rule.allowed_extensions(changes["complexity"]):
            raise ValidationError([Problem("complexity", "extension.too_many",
                                           "Đã gia hạn nhiều hơn mức độ phức tạp này cho phép.",
                                           "More extensions were taken than this complexity allows.")])
    elif action == "extend":
        rule = rules.petition_rule(ptype, "resolve")
        n = int(record.get("resolve_extensions") or 0) + 1
        due = _due(rule, datetime.fromisoformat(record["accepted_at"]), cal, hours, n)
        changes |= {"resolve_extensions": n, "resolve_due_at": due, "due_at": due}
    elif action == "resolve":
        rule = rules.petition_rule(ptype, "resolve")
        due = record.get("resolve_due_at")
        changes |= {"resolved_at": at.isoformat(), "resolution": take(details, "resolution"), "due_at": None,
                    "rule_key": None,
                    "resolve_outcome": classify(at, datetime.fromisoformat(due), rule.duration.unit, hours=hours)
                    if due else None}
    elif action == "withdraw":
        changes |= {"withdrawn_at": at.isoformat(), "due_at": None, "rule_key": None}
    if "note" in details:
        changes["note"] = take(details, "note")
    no_leftovers(action, details)
    return changes


def is_open(record: dict[str, Any]) -> bool:
    return record.get("status") in OPEN_STATUSES


# ------------------------------------------------------------------------------------------ the kind's facts
REPORT = ReportKind(
    name="petition", register="DT", at_field="received_at", statuses=STATUSES, actions=ACTIONS,
    open_statuses=OPEN_STATUSES,
    intake=new_petition_fields, transition=transition,
    available_actions=available_actions,
    title=lambda r: f"{r.get('petitioner_name') or ''}: {r.get('subject') or r.get('content') or ''}".strip(": "),
    search_columns=("register_no", "petitioner_name", "parties", "subject", "content", "forwarded_to"),
    vocabularies={"petition_type": PETITION_TYPES, "channel": CHANNELS, "status": STATUSES,
                  "complexity": COMPLEXITY, "classify_outcome": OUTCOMES, "resolve_outcome": OUTCOMES},
    person_field="petitioner_person_id",
)
