"""Grassroots mediation (hòa giải ở cơ sở, Law 35/2013): the parties, what started it (a party's request,
a dispute witnessed by the mediators, a referral), the sessions held, the outcome (succeeded with a written
agreement, or failed) and the follow-up of the agreement.

The law sets no period for a mediation; the Today list shows a case when its follow-up date (set by the
officer) is due. Statuses and actions::

    open ──succeed (agreement)──▶ succeeded ──close──▶ closed
      └──fail──▶ failed ──close──▶ closed

``add_session`` (open) and ``follow_up`` (succeeded) keep the status.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .calendar import WorkCalendar
from .deadline_rules import RuleSet
from .deadlines import OfficeHours, default_office_hours
from .kinds import Field, RecordKind, parse_date
from .problems import Problem, ValidationError, required
from .reports import (
    Action,
    ReportKind,
    check_action,
    choice_problem,
    no_leftovers,
    normalize_parties,
    parties_problems,
    take,
)
from .text import normalize_text

TRIGGERS = {
    "request": ("Một bên hoặc các bên yêu cầu", "Requested by a party"),
    "witnessed": ("Hòa giải viên chứng kiến, biết vụ việc", "Witnessed by the mediators"),
    "referred": ("Cơ quan, tổ chức, cá nhân đề nghị", "Referred"),
}
DISPUTE_TYPES = {
    "neighbour": ("Mâu thuẫn hàng xóm, láng giềng", "Neighbours"),
    "family": ("Hôn nhân và gia đình", "Family"),
    "land": ("Đất đai, ranh giới", "Land, boundaries"),
    "civil": ("Dân sự (tài sản, hợp đồng, nợ)", "Civil (property, contracts, debts)"),
    "minor_violation": ("Vi phạm pháp luật nhỏ chưa đến mức xử lý", "Minor violation"),
    "other": ("Khác", "Other"),
}
STATUSES = {
    "open": ("Đang hòa giải", "In mediation"),
    "succeeded": ("Hòa giải thành", "Succeeded"),
    "failed": ("Hòa giải không thành", "Failed"),
    "closed": ("Đã kết thúc theo dõi", "Closed"),
}
FULFILMENT = {
    "fulfilled": ("Đã thực hiện đầy đủ", "Fulfilled"),
    "partly": ("Thực hiện một phần", "Partly fulfilled"),
    "not_fulfilled": ("Chưa thực hiện", "Not fulfilled"),
}
OPEN_STATUSES = ("open", "succeeded")
ROLES = ("party", "related", "witness")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("add_session", "Ghi buổi hòa giải", "Record a session", ("open",), None),
    Action("succeed", "Hòa giải thành", "Succeeded", ("open",), "succeeded"),
    Action("fail", "Hòa giải không thành", "Failed", ("open",), "failed"),
    Action("follow_up", "Theo dõi thực hiện thỏa thuận", "Follow up the agreement", ("succeeded",), None),
    Action("close", "Kết thúc theo dõi", "Close", ("succeeded", "failed"), "closed"),
)}


def available_actions(record: dict[str, Any]) -> list[Action]:
    return [a for a in ACTIONS.values() if record.get("status") in a.sources]


def normalize_case(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: (normalize_text(v) if isinstance(v, str) else v) for k, v in values.items()}
    if "parties" in out:
        out["parties"] = normalize_parties(out["parties"])
    return out


def validate_case(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "register_no", "Số vụ việc", "Case number"),
        required(r, "trigger_kind", "Căn cứ hòa giải", "Trigger"),
        required(r, "received_at", "Ngày tiếp nhận", "Received"),
        required(r, "summary", "Nội dung vụ việc", "Summary"),
        required(r, "status", "Trạng thái", "Status"),
        choice_problem(r, "trigger_kind", TRIGGERS, "Căn cứ hòa giải", "Trigger"),
        choice_problem(r, "dispute_type", DISPUTE_TYPES, "Loại vụ việc", "Dispute type"),
        choice_problem(r, "status", STATUSES, "Trạng thái", "Status"),
        choice_problem(r, "follow_up_status", FULFILMENT, "Tình trạng thực hiện", "Fulfilment"),
    ) if p]
    problems += parties_problems(r.get("parties"), ROLES)
    if not any(isinstance(p, dict) and p.get("role") == "party" for p in r.get("parties") or ()):
        problems.append(Problem("parties", "parties.required", "Cần ít nhất một bên tranh chấp.",
                                "At least one party is required."))
    for s in r.get("sessions") or ():
        if not isinstance(s, dict) or not s.get("at") or not s.get("summary"):
            problems.append(Problem("sessions", "sessions.item", "Buổi hòa giải cần thời gian và nội dung.",
                                    "A session needs a time and a summary."))
            break
    if r.get("status") == "succeeded" and not r.get("agreement"):
        problems.append(Problem("agreement", "required", "Hòa giải thành: cần ghi nội dung thỏa thuận.",
                                "A successful mediation needs the agreement."))
    if r.get("status") == "failed" and not r.get("failure_reason"):
        problems.append(Problem("failure_reason", "required", "Cần ghi lý do hòa giải không thành.",
                                "Give the reason the mediation failed."))
    return problems


MEDIATION_CASE = RecordKind(
    name="mediation_case", table="mediation_cases", vi="Vụ việc hòa giải", en="Mediation case",
    fields=(
        Field("register_no", "text", "Số vụ việc", "Case number"),
        Field("register_year", "int", "Năm", "Year"),
        Field("register_seq", "int", "Số thứ tự", "Sequence"),
        Field("station_code", "text", "Mã trạm", "Station code"),
        Field("trigger_kind", "text", "Căn cứ hòa giải", "Trigger"),
        Field("dispute_type", "text", "Loại vụ việc", "Dispute type"),
        Field("received_at", "datetime", "Thời điểm tiếp nhận", "Received at"),
        Field("received_by", "text", "Cán bộ tiếp nhận", "Receiving officer"),
        Field("referred_by", "text", "Cơ quan, người đề nghị", "Referred by"),
        Field("parties", "json", "Các bên", "Parties"),
        Field("place", "text", "Địa điểm", "Place"),
        Field("summary", "text", "Nội dung vụ việc", "Summary"),
        Field("mediators", "text", "Hòa giải viên", "Mediators"),
        Field("sessions", "json", "Các buổi hòa giải", "Sessions"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("agreement", "text", "Nội dung thỏa thuận", "Agreement"),
        Field("agreement_at", "datetime", "Thời điểm lập văn bản hòa giải thành", "Agreement signed at"),
        Field("failure_reason", "text", "Lý do hòa giải không thành", "Reason for failure"),
        Field("referred_to", "text", "Hướng dẫn các bên đến", "Parties referred to"),
        Field("follow_up_on", "date", "Ngày theo dõi tiếp", "Next follow-up"),
        Field("follow_ups", "json", "Theo dõi thực hiện", "Follow-ups"),
        Field("follow_up_status", "text", "Tình trạng thực hiện thỏa thuận", "Fulfilment"),
        Field("closed_at", "datetime", "Thời điểm kết thúc", "Closed at"),
        Field("due_at", "datetime", "Hạn theo dõi", "Follow-up due"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_case, normalizer=normalize_case,
)

KINDS = (MEDIATION_CASE,)


def _follow_up_due(day: str | date | None, hours: OfficeHours) -> str | None:
    d = parse_date(day)
    return hours.at(d, hours.closes).isoformat() if d else None


def new_case_fields(values: dict[str, Any], received_at: datetime, *,
                    hours: OfficeHours | None = None) -> dict[str, Any]:
    hours = hours or default_office_hours()
    return dict(values) | {"received_at": hours.local(received_at).isoformat(), "status": "open",
                           "sessions": values.get("sessions") or [], "due_at": None}


def transition(record: dict[str, Any], action: str, at: datetime, *, details: dict[str, Any] | None = None,
               hours: OfficeHours | None = None) -> dict[str, Any]:
    """details: add_session ``summary`` (required), ``place``, ``mediators``, ``participants``; succeed
    ``agreement`` (required), ``follow_up_on`` (date); fail ``failure_reason``, ``referred_to``; follow_up
    ``note`` (required), ``follow_up_status``, ``follow_up_on`` (next date, or None: no more); close —."""
    details = dict(details or {})
    act = check_action(ACTIONS, STATUSES, record, action, "vụ việc", "case")
    hours = hours or default_office_hours()
    at = hours.local(at)
    changes: dict[str, Any] = {} if act.target is None else {"status": act.target}
    if action == "add_session":
        summary = take(details, "summary")
        if not summary:
            raise ValidationError([Problem("summary", "required", "Cần ghi diễn biến buổi hòa giải.",
                                           "Describe the session.")])
        session = {"at": at.isoformat(), "summary": summary}
        for key in ("place", "mediators", "participants"):
            value = take(details, key)
            if value:
                session[key] = value
        changes["sessions"] = [*(record.get("sessions") or []), session]
    elif action == "succeed":
        follow = take(details, "follow_up_on")
        changes |= {"agreement": take(details, "agreement"), "agreement_at": at.isoformat(),
                    "follow_up_on": follow, "due_at": _follow_up_due(follow, hours)}
    elif action == "fail":
        changes |= {"failure_reason": take(details, "failure_reason"), "referred_to": take(details, "referred_to"),
                    "due_at": None}
    elif action == "follow_up":
        note = take(details, "note")
        if not note:
            raise ValidationError([Problem("note", "required", "Cần ghi kết quả theo dõi.",
                                           "Describe what was found.")])
        status = take(details, "follow_up_status")
        entry = {"at": at.isoformat(), "note": note}
        if status:
            entry["status"] = status
            changes["follow_up_status"] = status
        follow = take(details, "follow_up_on")
        changes |= {"follow_ups": [*(record.get("follow_ups") or []), entry], "follow_up_on": follow,
                    "due_at": _follow_up_due(follow, hours)}
    elif action == "close":
        changes |= {"closed_at": at.isoformat(), "due_at": None}
    if "note" in details:
        changes["note"] = take(details, "note")
    no_leftovers(action, details)
    return changes


# ------------------------------------------------------------------------------------------ the kind's facts
def _title(r: dict[str, Any]) -> str:
    names = ", ".join(str(p.get("name")) for p in r.get("parties") or () if p.get("role") == "party")
    return f"{names}: {r.get('summary') or ''}".strip(": ")


# Mediation runs no statutory clock from the rules: its follow-up is a date the mediators set.
def _intake(values: dict[str, Any], at: datetime, _rules: RuleSet, _cal: WorkCalendar, /, *,
            hours: OfficeHours | None = None) -> dict[str, Any]:
    return new_case_fields(values, at, hours=hours)


def _transition(record: dict[str, Any], action: str, at: datetime, _rules: RuleSet, _cal: WorkCalendar, /, *,
                details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    return transition(record, action, at, details=details, hours=hours)


REPORT = ReportKind(
    name="mediation_case", register="HG", at_field="received_at", statuses=STATUSES, actions=ACTIONS,
    open_statuses=OPEN_STATUSES,
    intake=_intake, transition=_transition,
    available_actions=lambda record, _rules: available_actions(record),
    title=_title,
    search_columns=("register_no", "parties", "place", "summary", "agreement", "mediators"),
    vocabularies={"trigger_kind": TRIGGERS, "dispute_type": DISPUTE_TYPES, "status": STATUSES,
                  "follow_up_status": FULFILMENT},
    clock_unit="calendar_days",
)
