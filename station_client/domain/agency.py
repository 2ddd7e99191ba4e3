"""What the investigation agency does with a crime report a station transferred (Criminal Procedure Code 2015,
arts. 146–148; shared/domain.md "Crime reports").

Since March 2025 the agency sits at the province. A station's ``transfer`` makes the report the agency's; the
agency's officer then, at the province (``province_server/console/agency.py``):

* ``acknowledge``: records receipt. The procuracy and the reporter must be told of it within **3 working days**
  (``agency_notice_due``), and the case decided within **20 days** of receipt (``agency_decide_due``, criminal
  days: a period that ends on a day off ends there);
* ``extend``: a complex case gets **2 months** from receipt, extendable **once** by 2 more months (4 months from
  receipt) — each time with its legal ground and the date of the extension. A month period that ends on a day off
  moves to the next working day (art. 134 cl. 2); a third extension is refused;
* ``decide``: prosecute, do not prosecute, or suspend, with its legal ground, the decision's number and date;
* ``notify_intake``: records the day the procuracy and the reporter were told of the intake (once; after the
  receipt, never in the future; also after the decision, if it is recorded late), early / on time / late against
  ``agency_notice_due`` (``agency_notice_timeliness``, judged by date).

The decision is the report's one ``agency_decision`` field — the one the station has always shown. The outcome
syncs down to the commune; the station must tell the reporter within **3 days** of the decision
(``outcome_notice_due``): its Today list shows that notice until a ``notify`` is recorded on or after the
decision's date (``outcome_notice_given``).

These fields are the agency's (``AGENCY_FIELDS``): a station cannot change them (``permissions.
PROVINCE_ONLY_FIELDS``, the store refuses it; a station's ``close`` may carry the decision unchanged), and the
province writes them through the same versioned apply as any change, so a station edit of the same report at
the same time (its note, say) is merged field by field, never overwritten.

Plain Python, no Qt: the console and the station's statistics both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from .calendar import WorkCalendar
from .crime_reports import AGENCY_DECISIONS, can_notify
from .deadlines import Duration, OfficeHours, classify, default_office_hours, due_at
from .permissions import PROVINCE_ONLY_FIELDS
from .problems import Problem, ValidationError

AGENCY_FIELDS = PROVINCE_ONLY_FIELDS["crime_report"]

NOTICE_PERIOD = Duration(3, "working_days")  # tell the procuracy and the reporter of intake
DECIDE_PERIOD = Duration(20, "criminal_days")
COMPLEX_PERIODS = {"complex": Duration(2, "criminal_months"), "complex_more": Duration(4, "criminal_months")}
OUTCOME_NOTICE_PERIOD = Duration(3, "criminal_days")  # the station tells the reporter the outcome

ACTIONS: dict[str, tuple[str, str]] = {
    "acknowledge": ("Xác nhận đã nhận tin báo", "Acknowledge receipt"),
    "extend": ("Gia hạn giải quyết", "Extend"),
    "decide": ("Ghi quyết định giải quyết", "Record the decision"),
    "notify_intake": ("Ghi đã thông báo tiếp nhận", "Record the intake notice"),
}
STAGES = {
    "waiting": ("Chờ cơ quan điều tra xác nhận", "Awaiting acknowledgement"),
    "acknowledged": ("Đang giải quyết", "Being resolved"),
    "decided": ("Đã có quyết định", "Decided"),
}


@dataclass(frozen=True)
class AgencyState:
    """Where a transferred report stands at the agency (for the inbox, the report and the statistics)."""

    stage: Literal["waiting", "acknowledged", "decided"]
    due: datetime | None  # the clock that runs now: decide, or the station's outcome notice (none while waiting)
    overdue: bool


def _problem(field: str, code: str, vi: str, en: str) -> ValidationError:
    return ValidationError([Problem(field, code, vi, en)])


def _text(details: dict[str, Any], name: str, vi: str, en: str) -> str:
    value = str(details.get(name) or "").strip()
    if not value:
        raise _problem(name, "required", f"Cần ghi {vi}.", f"{en} is required.")
    if len(value) > 2000:
        raise _problem(name, "too_long", f"{vi.capitalize()} quá dài.", f"{en} is too long.")
    return value


def _day(details: dict[str, Any], name: str, at: datetime, hours: OfficeHours) -> datetime:
    """The date an officer gave (``YYYY-MM-DD`` or a date), as the start of that day in office time; ``at``
    (the moment of recording) when none was given. Never after ``at``."""
    raw = details.get(name)
    if raw in (None, ""):
        return at
    try:
        day = raw if isinstance(raw, date) and not isinstance(raw, datetime) else date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise _problem(name, "date", "Ngày không hợp lệ (năm-tháng-ngày).", "Invalid date (YYYY-MM-DD).") from None
    moment = datetime.combine(day, time(0, 0), tzinfo=hours.tz)
    if moment.date() > at.date():
        raise _problem(name, "future", "Ngày không thể sau hôm nay.", "The date cannot be after today.")
    return moment


def _local(value: str, hours: OfficeHours) -> datetime:
    return hours.local(datetime.fromisoformat(value))


def agency_transition(record: dict[str, Any], action: str, at: datetime, officer: str, cal: WorkCalendar, *,
                      details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]:
    """The changes the agency's ``action`` makes to a transferred ``record``, recorded at ``at`` by ``officer``
    (the province staff account). Raises ``ValidationError`` (bilingual) when it is not allowed now.

    details: extend ``ground`` (required), ``date`` (the extension's date; default: today);
    decide ``decision`` (``crime_reports.AGENCY_DECISIONS``), ``ground`` and ``decision_no`` (required),
    ``date`` (the decision's date; default: today)."""
    details = dict(details or {})
    hours = hours or default_office_hours()
    at = hours.local(at)
    if action not in ACTIONS:
        raise _problem("action", "unknown", f"Thao tác không tồn tại: {action}.", f"Unknown action: {action}.")
    if record.get("status") not in ("transferred", "closed") or not record.get("transferred_at"):
        raise _problem("status", "not_transferred", "Tin báo này chưa được chuyển cơ quan điều tra.",
                       "This report has not been transferred to the investigation agency.")
    received = record.get("agency_received_at")
    if action == "notify_intake":
        return _intake_notice(record, details, at, hours)
    if record.get("agency_decision"):
        raise _problem("agency_decision", "already", "Tin báo này đã có quyết định giải quyết.",
                       "This report already has a decision.")
    if action == "acknowledge":
        if received:
            raise _problem("agency_received_at", "already", "Cơ quan điều tra đã xác nhận nhận tin báo này.",
                           "The agency already acknowledged this report.")
        if at < _local(record["transferred_at"], hours):
            raise _problem("agency_received_at", "order", "Thời điểm nhận không thể trước khi trạm chuyển.",
                           "Receipt cannot precede the station's transfer.")
        return {"agency_received_at": at.isoformat(), "agency_officer": officer,
                "agency_notice_due": due_at(at, NOTICE_PERIOD, cal, hours=hours).isoformat(),
                "agency_decide_due": due_at(at, DECIDE_PERIOD, cal, hours=hours).isoformat()}
    if not received:
        raise _problem("agency_received_at", "not_acknowledged", "Cần xác nhận đã nhận tin báo trước.",
                       "Acknowledge receipt first.")
    start = _local(received, hours)
    if action == "extend":
        step = {None: "complex", "complex": "complex_more"}.get(record.get("agency_extension"))
        if step is None:
            raise _problem("agency_extension", "exhausted", "Đã gia hạn hết số lần luật cho phép.",
                           "The extensions the law allows are used up.")
        when = _day(details, "date", at, hours)
        if when.date() < start.date():
            raise _problem("date", "order", "Ngày gia hạn không thể trước ngày nhận tin báo.",
                           "The extension cannot precede the receipt.")
        return {"agency_extension": step, "agency_extended_at": when.isoformat(),
                "agency_extension_ground": _text(details, "ground", "căn cứ gia hạn", "The legal ground"),
                "agency_decide_due": due_at(start, COMPLEX_PERIODS[step], cal, hours=hours).isoformat()}
    decision = details.get("decision")
    if decision not in AGENCY_DECISIONS:
        raise _problem("decision", "choice", "Chọn một quyết định: khởi tố, không khởi tố hoặc tạm đình chỉ.",
                       "Choose a decision: prosecute, do not prosecute, or suspend.")
    ground = _text(details, "ground", "căn cứ pháp lý", "The legal ground")
    number = _text(details, "decision_no", "số quyết định", "The decision's number")
    when = _day(details, "date", at, hours)
    if when.date() < start.date():
        raise _problem("date", "order", "Ngày quyết định không thể trước ngày nhận tin báo.",
                       "The decision cannot precede the receipt.")
    timeliness = None
    if record.get("agency_decide_due"):
        # criminal days and months are both judged by date
        timeliness = classify(when, _local(record["agency_decide_due"], hours), "criminal_days", hours=hours)
    return {"agency_decision": decision, "agency_decision_at": when.isoformat(),
            "agency_decision_ground": ground, "agency_decision_no": number,
            "agency_decision_timeliness": timeliness,
            "outcome_notice_due": due_at(when, OUTCOME_NOTICE_PERIOD, cal, hours=hours).isoformat()}


def _intake_notice(record: dict[str, Any], details: dict[str, Any], at: datetime,
                   hours: OfficeHours) -> dict[str, Any]:
    """The day the procuracy and the reporter were told of the intake, against the 3 working days."""
    received = record.get("agency_received_at")
    if not received:
        raise _problem("agency_received_at", "not_acknowledged", "Cần xác nhận đã nhận tin báo trước.",
                       "Acknowledge receipt first.")
    if record.get("agency_notice_at"):
        raise _problem("agency_notice_at", "already", "Đã ghi việc thông báo tiếp nhận tin báo này.",
                       "The intake notice is already recorded.")
    when = _day(details, "date", at, hours)
    if when.date() < _local(received, hours).date():
        raise _problem("date", "order", "Ngày thông báo không thể trước ngày nhận tin báo.",
                       "The notice cannot precede the receipt.")
    due = record.get("agency_notice_due")
    timeliness = classify(when, _local(due, hours), "working_days", hours=hours) if due else None
    return {"agency_notice_at": when.isoformat(), "agency_notice_timeliness": timeliness}


def outcome_notice_given(record: dict[str, Any], hours: OfficeHours | None = None) -> bool:
    """Whether the station recorded a notice to the reporter on or after the day of the agency's decision."""
    decided = record.get("agency_decision_at")
    if not decided:
        return False
    hours = hours or default_office_hours()
    day = _local(decided, hours).date()
    return any(_local(n["at"], hours).date() >= day
               for n in record.get("notices") or () if isinstance(n, dict) and n.get("at"))


def outcome_notice_pending(record: dict[str, Any], hours: OfficeHours | None = None) -> bool:
    """The station still has to tell the reporter the agency's outcome (its Today list): decided by the agency,
    not yet noticed, and somebody to tell (an anonymous reporter left no address)."""
    return (bool(record.get("agency_decision_at")) and can_notify(record)
            and not outcome_notice_given(record, hours))


def agency_state(record: dict[str, Any], now: datetime, hours: OfficeHours | None = None) -> AgencyState:
    hours = hours or default_office_hours()
    now = hours.local(now)
    if record.get("agency_decision_at"):
        due = record.get("outcome_notice_due")
        due_dt = _local(due, hours) if due else None
        late = bool(due_dt and due_dt < now and outcome_notice_pending(record, hours))
        return AgencyState("decided", due_dt, late)
    if record.get("agency_received_at"):
        due = record.get("agency_decide_due")
        due_dt = _local(due, hours) if due else None
        return AgencyState("acknowledged", due_dt, bool(due_dt and due_dt < now))
    return AgencyState("waiting", None, False)
