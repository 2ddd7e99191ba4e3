"""Administrative violations (Law on Handling Administrative Violations 2012, amended 2020): the violation
record (biên bản vi phạm hành chính), the sanction decision due within 7 working days of the record, items held
(tang vật, phương tiện tạm giữ; 7 working days from seizure), and payment of the fine.

Two clocks (``deadline_rules``: ``admin_violation.decision``, ``admin_violation.held_items``). ``due_at`` is the
earlier of the two that still runs, so the due lists need one indexed column; the Today list names which one.

Statuses and actions::

    recorded ──decide──▶ decided ──pay──▶ paid ──close──▶ closed
       └───────────close (no decision: e.g. transferred, time-barred)──▶ closed
    decided ──close (warning, or fine enforced otherwise)──▶ closed

``hold_items`` and ``release_items`` keep the status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .calendar import WorkCalendar
from .deadline_rules import RuleSet
from .deadlines import OUTCOMES, OfficeHours, classify, default_office_hours
from .identity import check_personal_id
from .kinds import Field, RecordKind
from .problems import Problem, ValidationError, required
from .reports import Action, ReportKind, check_action, choice_problem, no_leftovers, order_problem, take
from .text import normalize_text

VIOLATOR_TYPES = {"person": ("Cá nhân", "Individual"), "organisation": ("Tổ chức", "Organisation")}
SANCTIONS = {
    "warning": ("Cảnh cáo", "Warning"),
    "fine": ("Phạt tiền", "Fine"),
}
STATUSES = {
    "recorded": ("Đã lập biên bản, chờ quyết định", "Recorded"),
    "decided": ("Đã ra quyết định xử phạt", "Decided"),
    "paid": ("Đã nộp phạt", "Fine paid"),
    "closed": ("Đã kết thúc", "Closed"),
}
OPEN_STATUSES = ("recorded", "decided")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("hold_items", "Tạm giữ tang vật, phương tiện", "Hold items", ("recorded", "decided"), None),
    Action("release_items", "Xử lý tang vật đã tạm giữ", "Items returned or dealt with", ("recorded", "decided",
                                                                                           "paid"), None),
    Action("decide", "Ra quyết định xử phạt", "Issue the sanction decision", ("recorded",), "decided"),
    Action("pay", "Ghi nhận nộp phạt", "Fine paid", ("decided",), "paid"),
    Action("close", "Kết thúc", "Close", ("recorded", "decided", "paid"), "closed"),
)}


def items_held(record: dict[str, Any]) -> bool:
    return bool(record.get("items_held")) and not record.get("items_released_at")


def available_actions(record: dict[str, Any]) -> list[Action]:
    acts = [a for a in ACTIONS.values() if record.get("status") in a.sources]
    if items_held(record):
        acts = [a for a in acts if a.name != "hold_items"]
    else:
        acts = [a for a in acts if a.name != "release_items"]
    if record.get("sanction") != "fine":
        acts = [a for a in acts if a.name != "pay"]
    return acts


def normalize_violation(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("violator_name", "violator_address", "place", "violation", "legal_basis", "decision_no",
                 "record_no", "close_reason"):
        if isinstance(out.get(name), str):
            out[name] = normalize_text(out[name])
    if isinstance(out.get("violator_personal_id"), str):
        out["violator_personal_id"] = out["violator_personal_id"].replace(" ", "").replace(".", "")
    return out


def validate_violation(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "register_no", "Số thứ tự trong sổ", "Register number"),
        required(r, "violator_name", "Người/tổ chức vi phạm", "Violator"),
        required(r, "violation", "Hành vi vi phạm", "Violation"),
        required(r, "recorded_at", "Thời điểm lập biên bản", "Time recorded"),
        required(r, "status", "Trạng thái", "Status"),
        choice_problem(r, "violator_type", VIOLATOR_TYPES, "Loại đối tượng", "Violator type"),
        choice_problem(r, "sanction", SANCTIONS, "Hình thức xử phạt", "Sanction"),
        choice_problem(r, "status", STATUSES, "Trạng thái", "Status"),
        order_problem(r, "violation_at", "recorded_at", "Biên bản không thể lập trước khi vi phạm.",
                      "The record cannot precede the violation."),
        order_problem(r, "recorded_at", "decision_at", "Quyết định không thể trước biên bản.",
                      "The decision cannot precede the record."),
    ) if p]
    if r.get("violator_personal_id"):
        problems += check_personal_id(r["violator_personal_id"], field="violator_personal_id")
    if r.get("fine_amount") is not None and r["fine_amount"] < 0:
        problems.append(Problem("fine_amount", "fine.negative", "Số tiền phạt không được âm.",
                                "A fine cannot be negative."))
    items = r.get("items_held")
    if items is not None and (not isinstance(items, list) or any(
            not isinstance(i, dict) or not str(i.get("name") or "").strip() for i in items)):
        problems.append(Problem("items_held", "items.invalid", "Danh sách tang vật, phương tiện không hợp lệ.",
                                "Invalid list of held items."))
    if items and not r.get("held_at"):
        problems.append(Problem("held_at", "required", "Cần thời điểm tạm giữ.", "The time of seizure is required."))
    if r.get("status") in ("decided", "paid"):
        problems += [p for p in (required(r, "decision_no", "Số quyết định", "Decision number"),
                                 required(r, "decision_at", "Thời điểm ra quyết định", "Decision time"),
                                 required(r, "sanction", "Hình thức xử phạt", "Sanction")) if p]
    if r.get("sanction") == "fine" and r.get("status") in ("decided", "paid") and not r.get("fine_amount"):
        problems.append(Problem("fine_amount", "required", "Cần số tiền phạt.", "The fine amount is required."))
    if r.get("status") == "paid":
        problems += [p for p in (required(r, "fine_paid_at", "Thời điểm nộp phạt", "Paid at"),) if p]
    if r.get("status") == "closed" and not r.get("decision_no"):
        problems += [p for p in (required(r, "close_reason", "Lý do kết thúc", "Reason for closing"),) if p]
    return problems


ADMIN_VIOLATION = RecordKind(
    name="admin_violation", table="admin_violations", vi="Vi phạm hành chính", en="Administrative violation",
    fields=(
        Field("register_no", "text", "Số thứ tự trong sổ", "Register number"),
        Field("register_year", "int", "Năm", "Year"),
        Field("register_seq", "int", "Số thứ tự", "Sequence"),
        Field("station_code", "text", "Mã trạm", "Station code"),
        Field("record_no", "text", "Số biên bản", "Record number"),
        Field("crime_report_id", "text", "Tố giác, tin báo liên quan", "Related crime report"),
        Field("violator_type", "text", "Loại đối tượng", "Violator type"),
        Field("violator_name", "text", "Người/tổ chức vi phạm", "Violator"),
        Field("violator_birth_year", "int", "Năm sinh", "Year of birth"),
        Field("violator_personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("violator_address", "text", "Nơi cư trú/trụ sở", "Address"),
        Field("violator_person_id", "text", "Nhân khẩu", "Resident"),
        Field("violation_at", "datetime", "Thời điểm vi phạm", "Violation at"),
        Field("place", "text", "Nơi vi phạm", "Place"),
        Field("violation", "text", "Hành vi vi phạm", "Violation"),
        Field("legal_basis", "text", "Quy định tại", "Legal provision"),
        Field("recorded_at", "datetime", "Thời điểm lập biên bản", "Recorded at"),
        Field("recorded_by", "text", "Người lập biên bản", "Recorded by"),
        Field("decision_rule", "text", "Quy định thời hạn ra quyết định", "Decision deadline rule"),
        Field("decision_due_at", "datetime", "Hạn ra quyết định", "Decision due"),
        Field("items_held", "json", "Tang vật, phương tiện tạm giữ", "Items held"),
        Field("held_at", "datetime", "Thời điểm tạm giữ", "Held at"),
        Field("items_due_at", "datetime", "Hạn tạm giữ", "Holding due"),
        Field("items_released_at", "datetime", "Thời điểm xử lý tang vật", "Items dealt with at"),
        Field("items_outcome", "text", "Cách xử lý tang vật", "What was done with the items"),
        Field("decision_no", "text", "Số quyết định", "Decision number"),
        Field("decision_at", "datetime", "Thời điểm ra quyết định", "Decision at"),
        Field("decision_outcome", "text", "Ra quyết định đúng hạn", "Decision timeliness"),
        Field("sanction", "text", "Hình thức xử phạt", "Sanction"),
        Field("fine_amount", "int", "Số tiền phạt (đồng)", "Fine (VND)"),
        Field("additional_measures", "text", "Hình thức bổ sung, biện pháp khắc phục", "Additional measures"),
        Field("fine_paid_at", "datetime", "Thời điểm nộp phạt", "Fine paid at"),
        Field("fine_receipt_no", "text", "Số biên lai", "Receipt number"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("closed_at", "datetime", "Thời điểm kết thúc", "Closed at"),
        Field("close_reason", "text", "Lý do kết thúc", "Reason for closing"),
        Field("due_at", "datetime", "Hạn gần nhất", "Next due"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_violation, normalizer=normalize_violation,
)

KINDS = (ADMIN_VIOLATION,)


def running_due(record: dict[str, Any]) -> str | None:
    """The earliest clock still running: the decision (while recorded) and the holding (while items held)."""
    dues = []
    if record.get("status") == "recorded" and record.get("decision_due_at"):
        dues.append(record["decision_due_at"])
    if items_held(record) and record.get("items_due_at") and record.get("status") != "closed":
        dues.append(record["items_due_at"])
    return min(dues, key=datetime.fromisoformat) if dues else None


def _items_due(held_at: datetime, rules: RuleSet, cal: WorkCalendar, hours: OfficeHours) -> str | None:
    rule = rules.violation_rule("held_items")
    return rule.due(held_at, cal, hours=hours).isoformat() if rule.active else None


def new_violation_fields(values: dict[str, Any], recorded_at: datetime, rules: RuleSet, cal: WorkCalendar, *,
                         hours: OfficeHours | None = None) -> dict[str, Any]:
    """A new violation record: status ``recorded``, the decision clock, and the holding clock if items were
    seized with the record (``held_at`` defaults to the record's time then)."""
    hours = hours or default_office_hours()
    recorded = hours.local(recorded_at)
    rule = rules.violation_rule("decision")
    out = dict(values) | {"recorded_at": recorded.isoformat(), "status": "recorded", "decision_rule": rule.key,
                          "decision_due_at": rule.due(recorded, cal, hours=hours).isoformat() if rule.active
                          else None}
    if out.get("items_held"):
        held = hours.local(datetime.fromisoformat(out["held_at"])) if out.get("held_at") else recorded
        out["held_at"] = held.isoformat()
        out["items_due_at"] = _items_due(held, rules, cal, hours)
    out["due_at"] = running_due(out)
    return out


def transition(record: dict[str, Any], action: str, at: datetime, rules: RuleSet, cal: WorkCalendar, *,
               details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    """details: hold_items ``items_held`` (list of {name, quantity?, note?}); release_items ``items_outcome``;
    decide ``decision_no``, ``sanction``, ``fine_amount``, ``additional_measures``; pay ``fine_receipt_no``;
    close ``close_reason``; any ``note``."""
    details = dict(details or {})
    act = check_action(ACTIONS, STATUSES, record, action, "vụ vi phạm", "violation")
    if act not in available_actions(record):
        raise ValidationError([Problem("status", "transition", f"Không thể '{act.vi}' lúc này.",
                                       f"'{act.en}' is not possible now.")])
    hours = hours or default_office_hours()
    at = hours.local(at)
    changes: dict[str, Any] = {} if act.target is None else {"status": act.target}
    if action == "hold_items":
        items = take(details, "items_held")
        if not items:
            raise ValidationError([Problem("items_held", "required", "Cần liệt kê tang vật, phương tiện.",
                                           "List the items held.")])
        changes |= {"items_held": items, "held_at": at.isoformat(), "items_released_at": None,
                    "items_due_at": _items_due(at, rules, cal, hours)}
    elif action == "release_items":
        changes |= {"items_released_at": at.isoformat(), "items_outcome": take(details, "items_outcome")}
    elif action == "decide":
        due = record.get("decision_due_at")
        unit = rules.violation_rule("decision").duration.unit
        changes |= {"decision_no": take(details, "decision_no"), "sanction": take(details, "sanction"),
                    "fine_amount": take(details, "fine_amount"),
                    "additional_measures": take(details, "additional_measures"), "decision_at": at.isoformat(),
                    "decision_outcome": classify(at, datetime.fromisoformat(due), unit, hours=hours) if due else None}
    elif action == "pay":
        changes |= {"fine_paid_at": at.isoformat(), "fine_receipt_no": take(details, "fine_receipt_no")}
    elif action == "close":
        changes |= {"closed_at": at.isoformat(), "close_reason": take(details, "close_reason")}
    if "note" in details:
        changes["note"] = take(details, "note")
    no_leftovers(action, details)
    merged = record | changes
    changes["due_at"] = None if merged.get("status") == "closed" else running_due(merged)
    return changes


# ------------------------------------------------------------------------------------------ the kind's facts
REPORT = ReportKind(
    name="admin_violation", register="VP", at_field="recorded_at", statuses=STATUSES, actions=ACTIONS,
    open_statuses=(*OPEN_STATUSES, "paid"),  # a paid fine may still have items held
    intake=new_violation_fields, transition=transition,
    available_actions=lambda record, _rules: available_actions(record),
    title=lambda r: f"{r.get('violator_name') or ''}: {r.get('violation') or ''}".strip(": "),
    search_columns=("register_no", "record_no", "violator_name", "place", "violation", "decision_no"),
    vocabularies={"violator_type": VIOLATOR_TYPES, "sanction": SANCTIONS, "status": STATUSES,
                  "decision_outcome": OUTCOMES},
    person_field="violator_person_id",
    personal_id_field="violator_personal_id",
)
