"""What crime reports, petitions, mediation cases and administrative violations share: register numbers,
people involved (parties), status actions and the running clock.

The four kinds live in ``crime_reports``, ``petitions``, ``mediation`` and ``violations``. Each declares what the
store and the screens need to know of it in one ``ReportKind`` (``REPORT`` in its module); ``registry.REPORTS``
gathers them, so a new kind is its domain module, a line in the registry, its screen descriptor
(``ui/reports/kinds.py``) and its migration.

Register numbers. Each kind has its own yearly register (sổ tiếp nhận / sổ theo dõi). A number reads
``012/2025/TG/07069-01``: the sequence within the year, the year, the register, and the station code. The
sequence restarts every year and is counted per station, so two stations of one commune working offline never
hand out the same number: the station code tells them apart (the province's station id, ``<commune>-<NN>``;
before enrollment, a tag made once per station file). The store assigns the number inside the write
transaction (see ``store/reports.py``); a number, once given, never changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import to_office
from .kinds import parse_date
from .problems import Problem, ValidationError

if TYPE_CHECKING:
    from .calendar import WorkCalendar
    from .deadline_rules import RuleSet
    from .deadlines import OfficeHours

_REGISTER_NO = re.compile(r"^(\d{3,})/(\d{4})/([A-Z]{2})/(\S+)$")

PARTY_ROLES: dict[str, tuple[str, str]] = {
    "accused": ("Người bị tố giác/tố cáo", "Accused"),
    "victim": ("Bị hại", "Victim"),
    "witness": ("Người làm chứng", "Witness"),
    "related": ("Người có liên quan", "Related person"),
    "party": ("Bên tranh chấp", "Party"),
}


def format_register_no(register: str, year: int, seq: int, station: str) -> str:
    """``012/2025/TG/07069-01`` for the 12th entry of 2025 in register ``TG`` (``ReportKind.register``)."""
    return f"{seq:03d}/{year}/{register}/{station}"


def parse_register_no(text: str) -> tuple[int, int, str, str] | None:
    """(seq, year, register, station) of a register number, or None."""
    m = _REGISTER_NO.match(text.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)


# ------------------------------------------------------------------------------------------ parties
def normalize_parties(parties: Any) -> Any:
    from .text import normalize_text

    if not isinstance(parties, list):
        return parties
    out = []
    for p in parties:
        if isinstance(p, dict):
            p = {k: (normalize_text(v) if isinstance(v, str) else v) for k, v in p.items()
                 if v not in (None, "")}
        out.append(p)
    return out


def parties_problems(parties: Any, roles: tuple[str, ...], field: str = "parties") -> list[Problem]:
    """A party is ``{"role", "name", "person_id"?, "birth_year"?, "personal_id"?, "address"?, "phone"?,
    "note"?}``. ``person_id`` links a resident of the register where the person is known; ``name`` is kept
    anyway, so a printout and the province read the name as it was at intake."""
    if parties is None:
        return []
    if not isinstance(parties, list):
        return [Problem(field, "parties.type", "Danh sách người liên quan không hợp lệ.", "Invalid list of parties.")]
    for i, p in enumerate(parties, 1):
        if not isinstance(p, dict) or p.get("role") not in roles:
            return [Problem(field, "parties.role", f"Người thứ {i}: vai trò không hợp lệ.",
                            f"Person {i}: invalid role.")]
        if not str(p.get("name") or "").strip():
            return [Problem(field, "parties.name", f"Người thứ {i}: cần ghi họ tên (hoặc đặc điểm nhận dạng).",
                            f"Person {i}: a name (or a description) is required.")]
        year = p.get("birth_year")
        if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
            return [Problem(field, "parties.birth_year", f"Người thứ {i}: năm sinh không hợp lệ.",
                            f"Person {i}: invalid year of birth.")]
    return []


def party_names(parties: list[dict[str, Any]] | None, role: str | None = None) -> str:
    return ", ".join(str(p.get("name")) for p in parties or () if role is None or p.get("role") == role)


# ------------------------------------------------------------------------------------------ validation
def choice_problem(r: dict[str, Any], name: str, choices: dict[str, Any], vi: str, en: str) -> Problem | None:
    if r.get(name) is not None and r[name] not in choices:
        return Problem(name, f"{name}.invalid", f"{vi} không hợp lệ.", f"Invalid {en.lower()}.")
    return None


def phone_problem(r: dict[str, Any], name: str) -> Problem | None:
    phone = r.get(name)
    if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
        return Problem(name, "phone.format", "Số điện thoại không hợp lệ.", "Invalid phone number.")
    return None


def order_problem(r: dict[str, Any], first: str, then: str, vi: str, en: str) -> Problem | None:
    """``then`` may not be before ``first`` (both datetimes or dates)."""
    a, b = r.get(first), r.get(then)
    if not a or not b:
        return None
    try:
        ta, tb = _moment(a), _moment(b)
    except ValueError:
        return None
    if tb < ta:
        return Problem(then, "date.order", vi, en)
    return None


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value)
    if len(text) == 10:
        d = parse_date(text)
        assert d is not None
        return datetime(d.year, d.month, d.day)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    # Compare naive and aware alike: a naive moment is office local time, as everywhere in the domain.
    return moment.replace(tzinfo=None) if moment.tzinfo is None else to_office(moment).replace(tzinfo=None)


# ------------------------------------------------------------------------------------------ actions
@dataclass(frozen=True)
class Action:
    name: str
    vi: str
    en: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (an action that records something, e.g. a notice)

    def label(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi


# ------------------------------------------------------------------------------------------ a kind's facts
class Intake(Protocol):
    """The fields of a new entry received (recorded) at ``at``: what the officer entered, its status and clock."""

    def __call__(self, values: dict[str, Any], at: datetime, rules: RuleSet, cal: WorkCalendar, /, *,
                 hours: OfficeHours | None = None) -> dict[str, Any]: ...


class Transition(Protocol):
    """The changes a status action makes to a record at ``at`` (``ValidationError`` when not allowed now)."""

    def __call__(self, record: dict[str, Any], action: str, at: datetime, rules: RuleSet, cal: WorkCalendar, /, *,
                 details: dict[str, Any] | None = None, hours: OfficeHours | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReportKind:
    """The domain facts of one report kind, declared once in its own module: what the store (register, search,
    due items), the screens (register, detail, person links) and the printouts read, instead of a dictionary by
    kind in each of them. ``intake`` and ``transition`` take the same arguments for every kind (a kind whose
    clock needs no rules ignores them)."""

    name: str  # the RecordKind's name
    register: str  # the register's letters in a register number ("TG")
    at_field: str  # the moment an entry is registered by (received, or recorded)
    statuses: dict[str, tuple[str, str]]
    actions: dict[str, Action]
    open_statuses: tuple[str, ...]  # the register's "open" filter: statuses whose clock may still run
    intake: Intake
    transition: Transition
    available_actions: Callable[[dict[str, Any], RuleSet | None], list[Action]]
    title: Callable[[dict[str, Any]], str]  # one line naming the entry (Today, search hits)
    search_columns: tuple[str, ...]  # what the register's search looks in
    vocabularies: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # codes shown as words
    person_field: str | None = None  # the link to the resident the entry is about (reporter, petitioner, ...)
    personal_id_field: str | None = None  # that resident's ID number, which names them too when typed by hand
    clock_unit: str = "working_days"  # the running clock's unit when the record does not say


def check_action(actions: dict[str, Action], statuses: dict[str, tuple[str, str]], record: dict[str, Any],
                 action: str, what_vi: str, what_en: str) -> Action:
    act = actions.get(action)
    status = record.get("status")
    if act is None or status not in act.sources:
        vi_status, en_status = statuses.get(str(status), (str(status), str(status)))
        raise ValidationError([Problem("status", "transition",
                                       f"Không thể '{act.vi if act else action}' khi {what_vi} đang '{vi_status}'.",
                                       f"Cannot '{act.en if act else action}' a {what_en} that is '{en_status}'.")])
    return act


def take(details: dict[str, Any], name: str, default: Any = None) -> Any:
    return details.pop(name, default)


def no_leftovers(action: str, details: dict[str, Any]) -> None:
    if details:
        raise ValueError(f"unexpected details for {action}: {sorted(details)}")


# ------------------------------------------------------------------------------------------ countdown
def countdown(due_at: str | datetime, now: datetime, unit: str, cal: Any, language: str = "vi") -> str:
    """Time left on a running clock, in the clock's own unit: hours and minutes for the 24/48-hour transfer
    ("còn 5 giờ 20 phút", "quá hạn 1 giờ 5 phút"), days for calendar-day periods, working days otherwise."""
    from .deadlines import DAY_UNITS, default_office_hours, remaining_text

    hours = default_office_hours()
    due = hours.local(datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at)
    now = hours.local(now)
    en = language == "en"
    if unit == "hours":
        minutes = int((due - now).total_seconds() // 60)
        h, m = divmod(abs(minutes), 60)
        span = f"{h} h {m:02d} min" if en else f"{h} giờ {m:02d} phút"
        if minutes < 0:
            return f"{span} overdue" if en else f"quá hạn {span}"
        return f"{span} left" if en else f"còn {span}"
    if unit in DAY_UNITS:
        days = (due.date() - now.date()).days
        if days == 0:
            return "due today" if en else "đến hạn hôm nay"
        if days > 0:
            return f"{days} day(s) left" if en else f"còn {days} ngày"
        return f"{-days} day(s) overdue" if en else f"quá hạn {-days} ngày"
    return remaining_text(now.date(), due, cal, language)
