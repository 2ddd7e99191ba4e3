"""Crime reports: tố giác (a person's denunciation), tin báo (information from an agency or the media) and
kiến nghị khởi tố (a recommendation to prosecute) — Criminal Procedure Code 2015 arts. 144–149, Joint Circular
01/2017 (amended 2021).

A station may not refuse one. It records an intake record and a register entry, checks preliminarily and
transfers the case to the competent investigation agency: urgent cases within 24 hours (48 in a remote,
mountain or island commune), others within 7 days (``deadline_rules``). Some end as administrative
violations handled locally. The reporter may decline to give personal details (``reporter_anonymous``): the
record then holds none, so no printout or sync can leak them.

Statuses and actions (``ACTIONS``; each is one store update, so each is audited and synced)::

    received ──start_check──▶ checking ──transfer──▶ transferred ──close──▶ closed
       │                         │
       ├──transfer───────────────┤
       └──administrative─────────┴──▶ administrative (handled as an administrative violation) ──close──▶ closed

``notify`` (a notice to the reporter), ``reclassify`` (urgency: recomputes the deadline) and
``override_remote`` keep the status. The clock runs while ``received`` or ``checking``.

The remote-commune flag (48 hours instead of 24 for urgent reports) is not the officer's to tick: it comes from
the province's classification of the station's commune (``domain/communes.py``) at intake. Only the station head
may override it on one report, with a reason (``override_remote``; the store refuses it from anyone else).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .calendar import WorkCalendar
from .deadline_rules import RuleSet
from .deadlines import OUTCOMES, Duration, OfficeHours, classify, default_office_hours
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

REPORT_KINDS = {
    "denunciation": ("Tố giác về tội phạm", "Crime denunciation"),
    "information": ("Tin báo về tội phạm", "Crime information"),
    "prosecution_request": ("Kiến nghị khởi tố", "Recommendation to prosecute"),
}
CHANNELS = {
    "in_person": ("Trực tiếp", "In person"),
    "phone": ("Qua điện thoại", "By phone"),
    "post": ("Qua bưu chính/văn bản", "By post / in writing"),
    "media": ("Phương tiện thông tin đại chúng", "Mass media"),
}
URGENCY_REASONS = {
    "caught_in_act": ("Phạm tội quả tang", "Caught in the act"),
    "very_serious": ("Tội phạm rất nghiêm trọng, đặc biệt nghiêm trọng", "Very serious crime"),
    "public_concern": ("Dư luận xã hội quan tâm", "Public concern"),
    "may_flee": ("Đối tượng có thể bỏ trốn, tiêu hủy chứng cứ", "Suspect may flee or destroy evidence"),
    "other": ("Lý do khẩn cấp khác", "Other urgent reason"),
}
STATUSES = {
    "received": ("Đã tiếp nhận", "Received"),
    "checking": ("Đang kiểm tra sơ bộ", "Preliminary check"),
    "transferred": ("Đã chuyển cơ quan điều tra", "Transferred"),
    "administrative": ("Xử lý vi phạm hành chính", "Handled as administrative violation"),
    "closed": ("Đã kết thúc", "Closed"),
}
OPEN_STATUSES = ("received", "checking")
AGENCY_DECISIONS = {
    "prosecute": ("Quyết định khởi tố vụ án", "Prosecution"),
    "not_prosecute": ("Quyết định không khởi tố", "No prosecution"),
    "suspend": ("Tạm đình chỉ giải quyết", "Suspended"),
}
AGENCY_EXTENSIONS = {
    "complex": ("Gia hạn 2 tháng (vụ việc phức tạp)", "Extended to 2 months (complex case)"),
    "complex_more": ("Gia hạn thêm 2 tháng (lần cuối)", "Extended by 2 more months (last time)"),
}
NOTICE_METHODS = {
    "in_person": ("Trực tiếp", "In person"),
    "post": ("Gửi văn bản qua bưu chính", "By post"),
    "phone": ("Điện thoại", "By phone"),
}
ROLES = ("accused", "victim", "witness", "related")
_REPORTER_FIELDS = ("reporter_name", "reporter_birth_year", "reporter_personal_id", "reporter_address",
                    "reporter_phone", "reporter_person_id")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("start_check", "Kiểm tra sơ bộ", "Start preliminary check", ("received",), "checking"),
    Action("transfer", "Chuyển cơ quan điều tra", "Transfer to the investigation agency",
           ("received", "checking"), "transferred"),
    Action("administrative", "Xử lý vi phạm hành chính", "Handle as administrative violation",
           ("received", "checking"), "administrative"),
    Action("close", "Kết thúc", "Close", ("received", "checking", "transferred", "administrative"), "closed"),
    Action("reclassify", "Phân loại lại mức khẩn cấp", "Change urgency", ("received", "checking"), None),
    Action("override_remote", "Điều chỉnh phân loại xã vùng sâu, vùng xa", "Override the remote-commune flag",
           ("received", "checking"), None),
    Action("notify", "Thông báo cho người tố giác", "Notify the reporter",
           ("received", "checking", "transferred", "administrative", "closed"), None),
)}


def available_actions(record: dict[str, Any]) -> list[Action]:
    acts = [a for a in ACTIONS.values() if record.get("status") in a.sources]
    if not can_notify(record):
        acts = [a for a in acts if a.name != "notify"]
    return acts


def can_notify(record: dict[str, Any]) -> bool:
    """A notice needs somebody to send it to: an anonymous reporter left no address or phone."""
    return bool(record.get("reporter_address") or record.get("reporter_phone") or record.get("reporter_agency")
                or record.get("reporter_name"))


# ------------------------------------------------------------------------------------------ validation
def normalize_report(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("reporter_name", "reporter_address", "reporter_agency", "place", "summary", "offence",
                 "transferred_to", "close_reason", "check_note"):
        if isinstance(out.get(name), str):
            out[name] = normalize_text(out[name])
    for name in ("reporter_personal_id", "reporter_phone"):
        if isinstance(out.get(name), str):
            out[name] = out[name].replace(" ", "").replace(".", "").strip()
    if "parties" in out:
        out["parties"] = normalize_parties(out["parties"])
    return out


def validate_report(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "register_no", "Số thụ lý", "Register number"),
        required(r, "report_kind", "Loại tin", "Kind of report"),
        required(r, "channel", "Hình thức tiếp nhận", "Channel"),
        required(r, "received_at", "Thời điểm tiếp nhận", "Time received"),
        required(r, "summary", "Nội dung tố giác, tin báo", "Summary"),
        required(r, "status", "Trạng thái", "Status"),
        choice_problem(r, "report_kind", REPORT_KINDS, "Loại tin", "Kind of report"),
        choice_problem(r, "channel", CHANNELS, "Hình thức tiếp nhận", "Channel"),
        choice_problem(r, "status", STATUSES, "Trạng thái", "Status"),
        choice_problem(r, "urgency_reason", URGENCY_REASONS, "Lý do khẩn cấp", "Urgency reason"),
        choice_problem(r, "agency_decision", AGENCY_DECISIONS, "Kết quả giải quyết", "Agency decision"),
        choice_problem(r, "agency_extension", AGENCY_EXTENSIONS, "Gia hạn giải quyết", "Extension"),
        phone_problem(r, "reporter_phone"),
        order_problem(r, "received_at", "transferred_at", "Thời điểm chuyển không thể trước khi tiếp nhận.",
                      "The transfer cannot precede the receipt."),
        order_problem(r, "occurred_at", "received_at", "Thời điểm xảy ra không thể sau khi tiếp nhận.",
                      "The incident cannot be after the receipt."),
    ) if p]
    if r.get("reporter_anonymous"):
        given = [f for f in _REPORTER_FIELDS if r.get(f) not in (None, "")]
        if given:
            problems.append(Problem(given[0], "reporter.anonymous",
                                    "Người tố giác từ chối cung cấp thông tin cá nhân: không ghi các thông tin này.",
                                    "The reporter declined to give personal details: leave them empty."))
    elif not (r.get("reporter_name") or r.get("reporter_agency")):
        problems.append(Problem("reporter_name", "required",
                                "Cần ghi họ tên người tố giác (hoặc cơ quan báo tin), hoặc đánh dấu người tố giác "
                                "từ chối cung cấp thông tin cá nhân.",
                                "Give the reporter's name (or the reporting agency), or mark that the reporter "
                                "declined to give personal details."))
    if r.get("reporter_personal_id"):
        problems += check_personal_id(r["reporter_personal_id"], field="reporter_personal_id")
    year = r.get("reporter_birth_year")
    if year is not None and not 1900 <= year <= 2100:
        problems.append(Problem("reporter_birth_year", "year.invalid", "Năm sinh không hợp lệ.", "Invalid year."))
    if r.get("urgent") and not r.get("urgency_reason"):
        problems.append(Problem("urgency_reason", "required", "Tin khẩn cấp: cần ghi lý do khẩn cấp.",
                                "An urgent report needs the reason it is urgent."))
    problems += parties_problems(r.get("parties"), ROLES)
    for n in r.get("notices") or ():
        if not isinstance(n, dict) or not n.get("at") or not n.get("content"):
            problems.append(Problem("notices", "notices.item", "Thông báo cần thời điểm và nội dung.",
                                    "A notice needs a time and a content."))
            break
    status = r.get("status")
    if status == "transferred":
        problems += [p for p in (required(r, "transferred_to", "Cơ quan nhận", "Receiving agency"),
                                 required(r, "transferred_at", "Thời điểm chuyển", "Time transferred")) if p]
    if status == "administrative":
        problems += [p for p in (required(r, "handled_at", "Thời điểm chuyển xử lý hành chính",
                                          "Time handled"),) if p]
    if status == "closed":
        problems += [p for p in (required(r, "close_reason", "Lý do kết thúc", "Reason for closing"),
                                 required(r, "closed_at", "Thời điểm kết thúc", "Time closed")) if p]
    return problems


CRIME_REPORT = RecordKind(
    name="crime_report", table="crime_reports", vi="Tố giác, tin báo về tội phạm", en="Crime report",
    fields=(
        Field("register_no", "text", "Số thụ lý", "Register number"),
        Field("register_year", "int", "Năm", "Year"),
        Field("register_seq", "int", "Số thứ tự", "Sequence"),
        Field("station_code", "text", "Mã trạm", "Station code"),
        Field("report_kind", "text", "Loại tin", "Kind of report"),
        Field("channel", "text", "Hình thức tiếp nhận", "Channel"),
        Field("received_at", "datetime", "Thời điểm tiếp nhận", "Received at"),
        Field("received_by", "text", "Cán bộ tiếp nhận", "Receiving officer"),
        Field("reporter_anonymous", "bool", "Người tố giác từ chối cung cấp thông tin cá nhân",
              "Reporter declined to give personal details"),
        Field("reporter_name", "text", "Họ tên người tố giác, báo tin", "Reporter"),
        Field("reporter_birth_year", "int", "Năm sinh", "Year of birth"),
        Field("reporter_personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("reporter_address", "text", "Nơi cư trú", "Address"),
        Field("reporter_phone", "text", "Số điện thoại", "Phone"),
        Field("reporter_person_id", "text", "Nhân khẩu", "Resident"),
        Field("reporter_agency", "text", "Cơ quan, tổ chức báo tin", "Reporting agency"),
        Field("parties", "json", "Người bị tố giác, bị hại, người làm chứng", "Accused, victims, witnesses"),
        Field("occurred_at", "datetime", "Thời điểm xảy ra", "Occurred at"),
        Field("place", "text", "Nơi xảy ra", "Place"),
        Field("summary", "text", "Nội dung tố giác, tin báo", "Summary"),
        Field("offence", "text", "Dấu hiệu tội phạm (sơ bộ)", "Suspected offence"),
        Field("urgent", "bool", "Khẩn cấp", "Urgent"),
        Field("urgency_reason", "text", "Lý do khẩn cấp", "Urgency reason"),
        Field("remote_commune", "bool", "Xã vùng sâu, vùng xa, miền núi, hải đảo", "Remote commune"),
        Field("remote_override_reason", "text", "Lý do Trưởng Công an xã điều chỉnh phân loại xã",
              "Why the station head overrode the commune's classification"),
        Field("rule_key", "text", "Quy định thời hạn", "Deadline rule"),
        Field("duration", "json", "Thời hạn chuyển", "Transfer period"),
        Field("due_at", "datetime", "Hạn chuyển", "Transfer due"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("checked_at", "datetime", "Thời điểm bắt đầu kiểm tra", "Check started at"),
        Field("check_note", "text", "Kết quả kiểm tra sơ bộ", "Preliminary check"),
        Field("transferred_to", "text", "Cơ quan nhận", "Receiving agency"),
        Field("transferred_at", "datetime", "Thời điểm chuyển", "Transferred at"),
        Field("transfer_doc_no", "text", "Số văn bản chuyển", "Transfer letter number"),
        Field("outcome", "text", "Đúng hạn", "Timeliness"),
        Field("admin_violation_id", "text", "Hồ sơ vi phạm hành chính", "Administrative violation"),
        Field("handled_at", "datetime", "Thời điểm chuyển xử lý hành chính", "Handled administratively at"),
        Field("agency_decision", "text", "Kết quả giải quyết của cơ quan điều tra", "Agency decision"),
        # The investigation agency's own fields, written only by the province (domain/agency.py).
        Field("agency_received_at", "datetime", "Cơ quan điều tra nhận tin báo lúc", "Agency received at"),
        Field("agency_officer", "text", "Cán bộ cơ quan điều tra", "Agency officer"),
        Field("agency_notice_due", "datetime", "Hạn thông báo việc tiếp nhận", "Intake notice due"),
        Field("agency_notice_at", "datetime", "Ngày thông báo tiếp nhận cho Viện kiểm sát và người tố giác",
              "Intake notice given on"),
        Field("agency_notice_timeliness", "text", "Thông báo tiếp nhận đúng hạn", "Intake notice timeliness"),
        Field("agency_decide_due", "datetime", "Hạn giải quyết", "Decision due"),
        Field("agency_extension", "text", "Gia hạn giải quyết", "Extension"),
        Field("agency_extension_ground", "text", "Căn cứ gia hạn", "Ground for the extension"),
        Field("agency_extended_at", "datetime", "Ngày gia hạn", "Extended on"),
        Field("agency_decision_ground", "text", "Căn cứ pháp lý của quyết định", "Legal ground of the decision"),
        Field("agency_decision_no", "text", "Số quyết định", "Decision number"),
        Field("agency_decision_at", "datetime", "Ngày quyết định", "Decision date"),
        Field("agency_decision_timeliness", "text", "Giải quyết đúng hạn", "Decision timeliness"),
        Field("outcome_notice_due", "datetime", "Hạn thông báo kết quả cho người tố giác",
              "Outcome notice to the reporter due"),
        Field("closed_at", "datetime", "Thời điểm kết thúc", "Closed at"),
        Field("close_reason", "text", "Lý do kết thúc", "Reason for closing"),
        Field("notices", "json", "Thông báo cho người tố giác", "Notices to the reporter"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_report, normalizer=normalize_report,
)

KINDS = (CRIME_REPORT,)


# ------------------------------------------------------------------------------------------ deadlines
def deadline_fields(received_at: datetime, urgent: bool, remote: bool, rules: RuleSet, cal: WorkCalendar,
                    hours: OfficeHours | None = None) -> dict[str, Any]:
    """The rule, period and due time of a report received at ``received_at`` (a snapshot kept on the record)."""
    rule = rules.crime_report_rule(urgent, remote)
    due = rule.due(received_at, cal, hours=hours) if rule.active else None
    return {"rule_key": rule.key, "duration": rule.duration.to_dict(),
            "due_at": due.isoformat() if due else None}


def new_report_fields(values: dict[str, Any], received_at: datetime, rules: RuleSet, cal: WorkCalendar, *,
                      hours: OfficeHours | None = None) -> dict[str, Any]:
    """The fields of a new report at intake: what the officer entered, status ``received`` and the deadline.
    The store adds the register number."""
    hours = hours or default_office_hours()
    received = hours.local(received_at)
    out = dict(values)
    out["received_at"] = received.isoformat()
    out["status"] = "received"
    if out.get("reporter_anonymous"):
        for f in _REPORTER_FIELDS:
            out[f] = None  # a reporter who declined is never recorded, even by a half-filled form
    return out | deadline_fields(received, bool(out.get("urgent")), bool(out.get("remote_commune")), rules, cal,
                                 hours)


def transition(record: dict[str, Any], action: str, at: datetime, rules: RuleSet, cal: WorkCalendar, *,
               details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    """The changes ``action`` makes to ``record`` at ``at``. Raises ``ValidationError`` when the action is not
    allowed now. The caller writes them through the store.

    details: transfer ``transferred_to`` (required), ``transfer_doc_no``; administrative
    ``admin_violation_id``; close ``close_reason`` (``agency_decision`` only as the agency recorded it);
    start_check ``check_note``;
    reclassify ``urgent``, ``urgency_reason``; override_remote ``remote_commune``, ``reason`` (required);
    notify ``content``, ``method``;
    any ``note``.
    """
    details = dict(details or {})
    act = check_action(ACTIONS, STATUSES, record, action, "tin báo", "report")
    hours = hours or default_office_hours()
    at = hours.local(at)
    changes: dict[str, Any] = {} if act.target is None else {"status": act.target}
    if action == "start_check":
        changes["checked_at"] = at.isoformat()
        changes["check_note"] = take(details, "check_note")
    elif action in ("transfer", "administrative"):
        if action == "transfer":
            changes["transferred_to"] = take(details, "transferred_to")
            changes["transfer_doc_no"] = take(details, "transfer_doc_no")
            changes["transferred_at"] = at.isoformat()
        else:
            changes["admin_violation_id"] = take(details, "admin_violation_id")
            changes["handled_at"] = at.isoformat()
        if record.get("due_at") and record.get("duration"):
            unit = Duration.from_dict(record["duration"]).unit
            changes["outcome"] = classify(at, datetime.fromisoformat(record["due_at"]), unit, hours=hours)
        if "check_note" in details:
            changes["check_note"] = take(details, "check_note")
    elif action == "close":
        changes["closed_at"] = at.isoformat()
        changes["close_reason"] = take(details, "close_reason")
        # The decision is the agency's (domain/agency.py): a close may carry it, never set another one.
        decision = take(details, "agency_decision")
        if decision not in (None, "", record.get("agency_decision")):
            raise ValidationError([Problem(
                "agency_decision", "agency.province_only",
                "Kết quả giải quyết do cơ quan điều tra ghi (đồng bộ từ Công an tỉnh); trạm không tự ghi.",
                "The decision is recorded by the investigation agency (it comes by sync); a station cannot set it.")])
    elif action == "reclassify":
        urgent = bool(take(details, "urgent", record.get("urgent")))
        changes["urgent"] = urgent
        changes["urgency_reason"] = take(details, "urgency_reason", record.get("urgency_reason")) if urgent else None
        received = datetime.fromisoformat(record["received_at"])
        changes |= deadline_fields(received, urgent, bool(record.get("remote_commune")), rules, cal, hours)
    elif action == "override_remote":
        remote = bool(take(details, "remote_commune", not record.get("remote_commune")))
        reason = (take(details, "reason") or "").strip()
        if not reason:
            raise ValidationError([Problem("reason", "required", "Cần ghi lý do điều chỉnh phân loại xã.",
                                           "Give the reason for overriding the commune's classification.")])
        changes["remote_commune"] = remote
        changes["remote_override_reason"] = reason
        received = datetime.fromisoformat(record["received_at"])
        changes |= deadline_fields(received, bool(record.get("urgent")), remote, rules, cal, hours)
    elif action == "notify":
        content = take(details, "content")
        if not content:
            raise ValidationError([Problem("content", "required", "Cần ghi nội dung thông báo.",
                                           "The notice needs a content.")])
        notice = {"at": at.isoformat(), "content": content, "method": take(details, "method") or "in_person"}
        changes["notices"] = [*(record.get("notices") or []), notice]
    if "note" in details:
        changes["note"] = take(details, "note")
    no_leftovers(action, details)
    return changes


def is_open(record: dict[str, Any]) -> bool:
    return record.get("status") in OPEN_STATUSES


# ------------------------------------------------------------------------------------------ the kind's facts
def _title(r: dict[str, Any]) -> str:
    who = "Người tố giác giấu tên" if r.get("reporter_anonymous") else (
        r.get("reporter_name") or r.get("reporter_agency") or "")
    return f"{who}: {r.get('summary') or ''}".strip(": ")


REPORT = ReportKind(
    name="crime_report", register="TG", at_field="received_at", statuses=STATUSES, actions=ACTIONS,
    open_statuses=OPEN_STATUSES,
    intake=new_report_fields, transition=transition,
    available_actions=lambda record, _rules: available_actions(record),
    title=_title,
    search_columns=("register_no", "reporter_name", "reporter_agency", "parties", "place", "summary", "offence",
                    "transferred_to"),
    vocabularies={"report_kind": REPORT_KINDS, "channel": CHANNELS, "status": STATUSES,
                  "urgency_reason": URGENCY_REASONS, "agency_decision": AGENCY_DECISIONS, "outcome": OUTCOMES,
                  "agency_extension": AGENCY_EXTENSIONS, "agency_decision_timeliness": OUTCOMES},
    person_field="reporter_person_id",
)
