"""Statutory deadlines of crime reports, petitions and administrative violations, as data.

A rule names a period (``Duration``: hours, working days, calendar days, ...), the event it starts from
(``anchor``: received, accepted, recorded, held) and, where the law allows, one extension and how many
extensions each complexity level may take (denunciations: 30 days, +30 if complex, +30 +30 if especially
complex). The rules ship in ``resources/catalogues/deadline_rules.json``; the province corrects one without a
release by syncing a ``deadline_rule`` record (a reference kind, defined here) with the same ``key``, which
wins over the file. Due times are computed by ``deadlines.due_at`` on the shared ``WorkCalendar``, so the
crime-report clock, the dossier clock and the province's calendar overrides all agree.

A record keeps a snapshot of the rule it was given (key and duration) at intake, so a later correction does
not move the deadline of a matter already running; new matters get the corrected rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .calendar import WorkCalendar
from .deadlines import UNITS, Duration, OfficeHours, due_at
from .kinds import Field, RecordKind
from .problems import Problem, required

RULES_FILE = ("catalogues", "deadline_rules.json")
SUBJECTS = {
    "crime_report": ("Tố giác, tin báo về tội phạm", "Crime report"),
    "petition": ("Đơn thư", "Petition"),
    "admin_violation": ("Vi phạm hành chính", "Administrative violation"),
}
ANCHORS = {
    "received": ("Từ khi tiếp nhận", "From receipt"),
    "accepted": ("Từ khi thụ lý", "From acceptance"),
    "recorded": ("Từ khi lập biên bản", "From the violation record"),
    "held": ("Từ khi tạm giữ", "From seizure"),
}
COMPLEXITY = {
    "normal": ("Thông thường", "Normal"),
    "complex": ("Phức tạp", "Complex"),
    "especially_complex": ("Đặc biệt phức tạp", "Especially complex"),
}
# Fixed namespace for shipped rule record ids: stations and the province derive the same id from a key, so
# the province's version of a rule replaces the shipped one instead of sitting beside it.
_NAMESPACE = uuid.UUID("3c9e7f52-1a4b-5d6e-8f70-91a2b3c4d5e6")


def rule_record_id(key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"deadline_rule:{key}"))


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    subject: str
    event: str
    anchor: str
    duration: Duration
    vi: str
    en: str
    extension: Duration | None = None
    max_extensions: dict[str, int] = field(default_factory=dict, compare=False)
    legal_basis: str = ""
    confirmed: bool = True
    note: str = ""
    active: bool = True

    def label(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi

    def allowed_extensions(self, complexity: str | None) -> int:
        """How many extensions the law allows for a matter of this ``complexity`` (0 without an extension)."""
        if self.extension is None:
            return 0
        return int(self.max_extensions.get(complexity or "normal", 0))

    def total(self, extensions: int = 0) -> Duration:
        """The period with ``extensions`` extensions added (the extension has the rule's unit)."""
        if extensions <= 0 or self.extension is None:
            return self.duration
        return Duration(self.duration.amount + extensions * self.extension.amount, self.duration.unit)

    def due(self, start: datetime, cal: WorkCalendar, *, extensions: int = 0,
            hours: OfficeHours | None = None) -> datetime:
        """When the matter is due if its clock started at ``start`` (the rule's anchor event)."""
        return due_at(start, self.total(extensions), cal, hours=hours)

    def to_record(self) -> dict[str, Any]:
        return {"key": self.key, "subject": self.subject, "event": self.event, "anchor": self.anchor,
                "amount": self.duration.amount, "unit": self.duration.unit, "vi": self.vi, "en": self.en,
                "extension": self.extension.to_dict() if self.extension else None,
                "max_extensions": dict(self.max_extensions) or None, "legal_basis": self.legal_basis or None,
                "confirmed": self.confirmed, "note": self.note or None, "active": self.active}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DeadlineRule:
        """From a ``deadline_rule`` record or a catalogue entry (same field names). Raises ValueError/KeyError."""
        ext = d.get("extension")
        return cls(
            key=str(d["key"]), subject=str(d["subject"]), event=str(d.get("event") or ""),
            anchor=str(d.get("anchor") or "received"), duration=Duration(int(d["amount"]), d["unit"]),
            vi=str(d.get("vi") or d["key"]), en=str(d.get("en") or d["key"]),
            extension=Duration.from_dict(ext) if ext else None,
            max_extensions={str(k): int(v) for k, v in (d.get("max_extensions") or {}).items()},
            legal_basis=str(d.get("legal_basis") or ""), confirmed=d.get("confirmed") is not False,
            note=str(d.get("note") or ""), active=d.get("active") is not False,
        )


class UnknownRule(KeyError):
    pass


class RuleSet:
    """The rules in force: the shipped file, overlaid by the province's ``deadline_rule`` records by key."""

    def __init__(self, rules: Iterable[DeadlineRule]):
        self._rules: dict[str, DeadlineRule] = {}
        for r in rules:
            self._rules[r.key] = r

    @classmethod
    def load(cls, province_records: Iterable[dict[str, Any]] = ()) -> RuleSet:
        """Shipped rules, then the province's records (live ones; a record that does not parse is skipped so
        one bad row cannot stop intake — the shipped rule stays in force for that key)."""
        rules = shipped_rules()
        for rec in province_records:
            try:
                rules.append(DeadlineRule.from_dict(rec))
            except (KeyError, TypeError, ValueError):
                continue
        return cls(rules)

    def get(self, key: str) -> DeadlineRule:
        try:
            return self._rules[key]
        except KeyError:
            raise UnknownRule(key) from None

    def all(self) -> list[DeadlineRule]:
        return list(self._rules.values())

    def for_subject(self, subject: str) -> list[DeadlineRule]:
        return [r for r in self._rules.values() if r.subject == subject]

    # ------------------------------------------------------------------ selection (which rule applies)
    def crime_report_rule(self, urgent: bool, remote: bool) -> DeadlineRule:
        """24 hours for urgent cases (48 in a remote, mountain or island commune), 7 days for the others."""
        if not urgent:
            return self.get("crime_report.normal")
        return self.get("crime_report.urgent_remote" if remote else "crime_report.urgent")

    def petition_rule(self, petition_type: str, event: str) -> DeadlineRule:
        return self.get(f"petition.{petition_type}.{event}")

    def violation_rule(self, event: str) -> DeadlineRule:
        return self.get(f"admin_violation.{event}")


def shipped_rules() -> list[DeadlineRule]:
    from ..resources import load_json

    return [DeadlineRule.from_dict(d) for d in load_json(*RULES_FILE)["rules"]]


# ------------------------------------------------------------------- the reference kind the province syncs
def validate_rule(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "key", "Mã quy tắc", "Rule key"),
        required(r, "subject", "Loại việc", "Subject"),
        required(r, "amount", "Thời hạn", "Amount"),
        required(r, "unit", "Đơn vị", "Unit"),
    ) if p]
    if r.get("subject") and r["subject"] not in SUBJECTS:
        problems.append(Problem("subject", "rule.subject", "Loại việc không hợp lệ.", "Unknown subject."))
    if r.get("anchor") and r["anchor"] not in ANCHORS:
        problems.append(Problem("anchor", "rule.anchor", "Mốc tính thời hạn không hợp lệ.", "Unknown anchor."))
    if r.get("unit") and r["unit"] not in UNITS:
        problems.append(Problem("unit", "rule.unit", "Đơn vị thời hạn không hợp lệ (" + ", ".join(UNITS) + ").",
                                "Unknown unit."))
    if r.get("amount") is not None and r["amount"] < 0:
        problems.append(Problem("amount", "rule.amount", "Thời hạn không được âm.", "The amount cannot be negative."))
    ext = r.get("extension")
    if ext is not None:
        try:
            ext_d = Duration.from_dict(ext)
        except (KeyError, TypeError, ValueError, AttributeError):
            problems.append(Problem("extension", "rule.extension", "Thời hạn gia hạn không hợp lệ.",
                                    "Invalid extension."))
        else:
            if r.get("unit") and ext_d.unit != r["unit"]:
                # One unit per rule: adding 30 days to 7 working days has no single legal reading.
                problems.append(Problem("extension", "rule.extension_unit",
                                        "Thời hạn gia hạn phải cùng đơn vị với thời hạn chính.",
                                        "An extension must have the rule's unit."))
    me = r.get("max_extensions")
    if me is not None and (not isinstance(me, dict) or any(
            k not in COMPLEXITY or not isinstance(v, int) or v < 0 for k, v in me.items())):
        problems.append(Problem("max_extensions", "rule.max_extensions", "Số lần gia hạn không hợp lệ.",
                                "Invalid extension counts."))
    return problems


DEADLINE_RULE = RecordKind(
    name="deadline_rule", table="deadline_rules", vi="Quy định thời hạn", en="Deadline rule",
    fields=(
        Field("key", "text", "Mã quy tắc", "Rule key"),
        Field("subject", "text", "Loại việc", "Subject"),
        Field("event", "text", "Việc phải làm", "Event"),
        Field("anchor", "text", "Mốc tính", "Counted from"),
        Field("amount", "int", "Thời hạn", "Amount"),
        Field("unit", "text", "Đơn vị", "Unit"),
        Field("vi", "text", "Tên (tiếng Việt)", "Name (Vietnamese)"),
        Field("en", "text", "Tên (tiếng Anh)", "Name (English)"),
        Field("extension", "json", "Mỗi lần gia hạn", "Extension"),
        Field("max_extensions", "json", "Số lần gia hạn tối đa", "Maximum extensions"),
        Field("legal_basis", "text", "Căn cứ pháp lý", "Legal basis"),
        Field("confirmed", "bool", "Đã xác nhận", "Confirmed"),
        Field("note", "text", "Ghi chú", "Note"),
        Field("active", "bool", "Đang áp dụng", "Active"),
    ),
    scope="reference", validator=validate_rule,
)

KINDS = (DEADLINE_RULE,)
