"""The procedure catalogue and the deadline rules, edited from the console's Reference page.

Both are reference kinds the stations overlay on what shipped with them, by key: a station holds the shipped
catalogue as ``procedure`` records with id ``procedure_record_id(key)`` and the province's record of the same
id replaces it (``store/dossiers.py``); the shipped deadline rules are overlaid by the province's
``deadline_rule`` records of the same ``key`` (``store/reports.py rule_set``). The console shows the same
overlay, validates an edit with the stations' own ``validate_procedure`` / ``validate_rule`` (nothing is
saved when they object), previews what it affects and writes it through the province's ordinary apply.

What an edit affects, and what it does not: a dossier keeps the duration, fee and procedure name it was given
at intake (``domain/dossiers.new_dossier_fields``: the receipt said so), and a crime report, petition or
violation keeps the deadline its rule gave it (``domain/deadline_rules``: "a later correction does not move the
deadline of a matter already running"). So the preview counts, per commune, the open matters that keep their
due time, and shows what a matter received now would be given before and after the change. A holiday, unlike
these, moves running dossiers (``reference.preview_override``; the stations recompute at sync).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from station_client.domain import crime_reports, dossiers, petitions, violations
from station_client.domain.deadline_rules import (
    ANCHORS,
    SUBJECTS,
    DeadlineRule,
    rule_record_id,
    shipped_rules,
    validate_rule,
)
from station_client.domain.deadlines import UNITS, Duration, due_at
from station_client.domain.procedures import (
    DOCUMENT_FORMS,
    Procedure,
    procedure_record_id,
    shipped_catalogue,
    validate_procedure,
)

from .. import schema
from ..db import Database
from ..models import ChangeIn
from .queries import VN, commune_name
from .reference import Problem, _apply, _calendar, province_overrides


@dataclass
class CatalogueChange:
    """What an edit of a procedure or a rule changes and affects, shown before it is saved."""

    problems: list[Problem] = field(default_factory=list)
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, before, after)
    # (commune code, commune name, open matters on this procedure / rule: they keep their due time)
    kept: list[tuple[str, str, int]] = field(default_factory=list)
    example: Problem | None = None  # a matter received now: due before → after
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kept_total(self) -> int:
        return sum(n for _, _, n in self.kept)


def _records(db: Database, kind: str) -> list[tuple[str, dict[str, Any]]]:
    r = schema.records
    with db.read() as conn:
        return [(rid, json.loads(f)) for rid, f in conn.execute(select(r.c.id, r.c.fields).where(
            r.c.kind == kind, r.c.deleted.is_(False)))]


def _fmt(moment: datetime) -> str:
    return f"{moment.astimezone(VN):%H:%M %d/%m/%Y}"


def _counts(per_commune: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(c, commune_name(c), n) for c, n in sorted(per_commune.items()) if n]


def _open_records(db: Database, kinds: tuple[str, ...]) -> list[tuple[str, str, dict[str, Any]]]:
    r = schema.records
    with db.read() as conn:
        return [(kind, commune, json.loads(f)) for kind, commune, f in conn.execute(
            select(r.c.kind, r.c.commune_code, r.c.fields).where(r.c.kind.in_(kinds), r.c.deleted.is_(False)))]


# --- procedures --------------------------------------------------------------------------------------------

def procedures(db: Database) -> list[dict[str, Any]]:
    """The catalogue the stations hold: the shipped one, each procedure replaced by the province's record of
    its key. Each entry is a procedure record's fields plus ``record_id`` and ``own`` (the province's)."""
    by_key: dict[str, dict[str, Any]] = {
        str(p["key"]): dict(p) | {"record_id": procedure_record_id(str(p["key"])), "own": False}
        for p in shipped_catalogue()}
    for rid, fields in _records(db, "procedure"):
        if fields.get("key"):
            by_key[str(fields["key"])] = dict(fields) | {"record_id": rid, "own": True}
    return sorted(by_key.values(), key=lambda p: (str(p.get("field") or ""), str(p.get("name") or "")))


def get_procedure(db: Database, key: str) -> dict[str, Any] | None:
    return next((p for p in procedures(db) if p["key"] == key), None)


def documents_text(documents: list[dict[str, Any]] | None) -> str:
    """The documents as the form's text area shows them: one a line, ``name | form | count | note``, a
    leading ``?`` for one needed only in some cases."""
    lines = []
    for d in documents or ():
        line = ("? " if d.get("optional") else "") + str(d.get("name") or "")
        line += f" | {d.get('form') or 'original'} | {int(d.get('count') or 1)}"
        if d.get("note"):
            line += f" | {d['note']}"
        lines.append(line)
    return "\n".join(lines)


def _form_key(text: str) -> str:
    """A document form typed as its key (``copy``) or its label (``Bản sao``, ``Copy``); unknown text is kept as
    typed, so ``validate_procedure`` names the list invalid."""
    folded = text.strip().lower()
    for key, (vi, en) in DOCUMENT_FORMS.items():
        if folded in (key, vi.lower(), en.lower()):
            return key
    return text.strip() or "original"


def parse_documents(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    docs: list[dict[str, Any]] = []
    for n, raw in enumerate(text.replace("\r", "").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        optional = line.startswith("?")
        parts = [p.strip() for p in line.lstrip("?").split("|")]
        count_text = parts[2] if len(parts) > 2 and parts[2] else "1"
        if not count_text.isdigit() or int(count_text) < 1:
            return [], [Problem(f"Giấy tờ dòng {n}: số bản phải là số nguyên dương.",
                                f"Document line {n}: the count must be a positive whole number.")]
        doc: dict[str, Any] = {"name": parts[0][:300], "form": _form_key(parts[1]) if len(parts) > 1 else "original",
                               "count": int(count_text)}
        if optional:
            doc["optional"] = True
        if len(parts) > 3 and parts[3]:
            doc["note"] = " | ".join(parts[3:])[:300]
        docs.append(doc)
    return docs, []


def _int_or_none(text: str, vi: str, en: str) -> tuple[int | None, list[Problem]]:
    text = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text:
        return None, []
    try:
        return int(text), []
    except ValueError:
        return None, [Problem(f"{vi} phải là số nguyên.", f"{en} must be a whole number.")]


def parse_procedure(form: dict[str, str], current: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The procedure record after the edit (``current`` with the form's name, duration, fees, documents and
    active flag), validated by the stations' ``validate_procedure``."""
    problems: list[Problem] = []
    amount, p = _int_or_none(form.get("amount", ""), "Thời hạn", "The duration")
    problems += p
    fee_in_person, p = _int_or_none(form.get("fee_in_person", ""), "Lệ phí trực tiếp", "The in-person fee")
    problems += p
    fee_online, p = _int_or_none(form.get("fee_online", ""), "Lệ phí trực tuyến", "The online fee")
    problems += p
    docs, p = parse_documents(form.get("documents", ""))
    problems += p
    if problems:
        return None, problems
    record = {k: v for k, v in current.items() if k not in ("record_id", "own")}
    record |= {"name": form.get("name", "").strip()[:300], "name_en": form.get("name_en", "").strip()[:300],
               "duration": {"amount": amount, "unit": form.get("unit", "").strip()},
               "fee_in_person": fee_in_person, "fee_online": fee_online, "documents": docs,
               "active": form.get("active", "1") == "1"}
    problems = [Problem(x.vi, x.en) for x in validate_procedure(record)]
    if not problems:
        try:
            Procedure.from_record(record)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(Problem("Thủ tục không hợp lệ.", f"Invalid procedure: {exc}"))
    return (None, problems) if problems else (record, [])


def _money(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", ".") + " đ"


def _docs_label(docs: Any) -> str:
    return "; ".join(("(tùy trường hợp) " if d.get("optional") else "") + str(d.get("name")) for d in docs or ())


def preview_procedure(db: Database, current: dict[str, Any], new: dict[str, Any]) -> CatalogueChange:
    out = CatalogueChange()
    old_d, new_d = Duration.from_dict(current["duration"]), Duration.from_dict(new["duration"])
    for label, before, after in (
            ("Tên thủ tục / Name", current.get("name"), new.get("name")),
            ("Tên tiếng Anh / English name", current.get("name_en") or "", new.get("name_en") or ""),
            ("Thời hạn / Duration", old_d.label(), new_d.label()),
            ("Lệ phí trực tiếp / Fee in person", _money(current.get("fee_in_person")),
             _money(new.get("fee_in_person"))),
            ("Lệ phí trực tuyến / Fee online", _money(current.get("fee_online")), _money(new.get("fee_online"))),
            ("Thành phần hồ sơ / Documents", _docs_label(current.get("documents")), _docs_label(new.get("documents"))),
            ("Đang áp dụng / Active", "có" if current.get("active") is not False else "không",
             "có" if new.get("active") is not False else "không")):
        if before != after:
            out.diff.append((label, str(before), str(after)))
    if not out.diff:
        out.notes.append(Problem("Không có gì thay đổi.", "Nothing changes."))
        return out
    per_commune: dict[str, int] = {}
    for _kind, commune, f in _open_records(db, ("dossier",)):
        if f.get("procedure_key") == new["key"] and f.get("status") in dossiers.OPEN_STATUSES:
            per_commune[commune] = per_commune.get(commune, 0) + 1
    out.kept = _counts(per_commune)
    if old_d != new_d:
        cal = _calendar(province_overrides(db)[0])
        now = datetime.now(UTC)
        before, after = due_at(now, old_d, cal), due_at(now, new_d, cal)
        out.example = Problem(f"Hồ sơ tiếp nhận lúc này: hẹn trả {_fmt(before)} → {_fmt(after)}.",
                              f"A dossier received now: due {_fmt(before)} → {_fmt(after)}.")
    out.notes.append(Problem(
        "Áp dụng cho hồ sơ các trạm tiếp nhận sau lần đồng bộ tiếp theo của trạm. Hồ sơ đã tiếp nhận giữ thời hạn, "
        "lệ phí và tên thủ tục ghi trên phiếu hẹn: không hồ sơ nào đang giải quyết bị đổi hạn.",
        "Applies to dossiers each station receives after its next sync. Dossiers already received keep the "
        "duration, fee and name their receipt gave: no open dossier's due time moves."))
    return out


def save_procedure(db: Database, record_id: str, record: dict[str, Any]) -> None:
    _apply(db, [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="procedure", id=record_id, op="upsert",
                         base_version=0, fields=record, resolves=None)])


# --- deadline rules ----------------------------------------------------------------------------------------

def rules(db: Database) -> list[dict[str, Any]]:
    """The rules the stations hold: the shipped ones overlaid by the province's records of the same key. Each is
    a ``deadline_rule`` record's fields plus ``record_id`` and ``own``."""
    by_key: dict[str, dict[str, Any]] = {
        r.key: r.to_record() | {"record_id": rule_record_id(r.key), "own": False} for r in shipped_rules()}
    for rid, fields in _records(db, "deadline_rule"):
        if fields.get("key"):
            by_key[str(fields["key"])] = dict(fields) | {"record_id": rid, "own": True}
    order = list(SUBJECTS)
    return sorted(by_key.values(), key=lambda r: (order.index(r["subject"]) if r.get("subject") in order else 99,
                                                  str(r["key"])))


def get_rule(db: Database, key: str) -> dict[str, Any] | None:
    return next((r for r in rules(db) if r["key"] == key), None)


def parse_rule(form: dict[str, str], current: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The rule record after the edit of its period (amount, unit), its extension and its legal basis,
    validated by the stations' ``validate_rule``."""
    amount, problems = _int_or_none(form.get("amount", ""), "Thời hạn", "The period")
    ext_amount, p = _int_or_none(form.get("extension", ""), "Mỗi lần gia hạn", "The extension")
    problems += p
    if problems:
        return None, problems
    unit = form.get("unit", "").strip()
    record = {k: v for k, v in current.items() if k not in ("record_id", "own")}
    record |= {"amount": amount, "unit": unit, "legal_basis": form.get("legal_basis", "").strip()[:300] or None,
               "extension": None if ext_amount is None else {
                   "amount": ext_amount, "unit": (current.get("extension") or {}).get("unit") or unit}}
    problems = [Problem(x.vi, x.en) for x in validate_rule(record)]
    if not problems:
        try:
            DeadlineRule.from_dict(record)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(Problem("Quy định thời hạn không hợp lệ.", f"Invalid deadline rule: {exc}"))
    return (None, problems) if problems else (record, [])


def _running_on(kind: str, f: dict[str, Any], key: str) -> bool:
    """Whether an open record's running deadline came from the rule ``key``."""
    status = f.get("status")
    if kind == "crime_report":
        return status in crime_reports.OPEN_STATUSES and f.get("rule_key") == key
    if kind == "petition":
        return status in petitions.OPEN_STATUSES and f.get("rule_key") == key
    if kind == "admin_violation":
        if key == "admin_violation.decision":
            return status == "recorded" and bool(f.get("decision_due_at"))
        if key == "admin_violation.held_items":
            return status in violations.OPEN_STATUSES and bool(f.get("items_due_at"))
    return False


def _rule_label(r: dict[str, Any]) -> str:
    d = Duration(int(r["amount"]), r["unit"])
    ext = r.get("extension")
    return d.label() + (f" (+{Duration.from_dict(ext).label()} mỗi lần gia hạn)" if ext else "")


def preview_rule(db: Database, current: dict[str, Any], new: dict[str, Any]) -> CatalogueChange:
    out = CatalogueChange()
    for label, before, after in (
            ("Thời hạn / Period", _rule_label(current), _rule_label(new)),
            ("Căn cứ pháp lý / Legal basis", current.get("legal_basis") or "", new.get("legal_basis") or "")):
        if before != after:
            out.diff.append((label, before, after))
    if not out.diff:
        out.notes.append(Problem("Không có gì thay đổi.", "Nothing changes."))
        return out
    per_commune: dict[str, int] = {}
    for k, commune, f in _open_records(db, (str(new.get("subject")),)):
        if _running_on(k, f, str(new["key"])):
            per_commune[commune] = per_commune.get(commune, 0) + 1
    out.kept = _counts(per_commune)
    old_rule, new_rule = DeadlineRule.from_dict(current), DeadlineRule.from_dict(new)
    if old_rule.duration != new_rule.duration:
        cal = _calendar(province_overrides(db)[0])
        now = datetime.now(UTC)
        anchor = ANCHORS.get(str(new.get("anchor")), ("", ""))
        out.example = Problem(
            f"Việc bắt đầu tính lúc này ({anchor[0].lower()}): hạn {_fmt(old_rule.due(now, cal))} → "
            f"{_fmt(new_rule.due(now, cal))}.",
            f"A matter whose clock starts now ({anchor[1].lower()}): due {_fmt(old_rule.due(now, cal))} → "
            f"{_fmt(new_rule.due(now, cal))}.")
    out.notes.append(Problem(
        "Áp dụng cho việc tiếp nhận (hoặc chuyển sang bước này) sau lần đồng bộ tiếp theo của trạm. Việc đang "
        "giải quyết giữ thời hạn đã tính theo quy định cũ: không hạn nào đang chạy bị đổi.",
        "Applies to matters received (or reaching this step) after each station's next sync. Matters already "
        "running keep the deadline the former rule gave them: no running deadline moves."))
    return out


def save_rule(db: Database, record_id: str, record: dict[str, Any]) -> None:
    _apply(db, [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="deadline_rule", id=record_id, op="upsert",
                         base_version=0, fields=record, resolves=None)])


def unit_choices() -> list[tuple[str, str, str]]:
    return [(k, vi, en) for k, (vi, en) in UNITS.items()]


def document_forms() -> list[tuple[str, str, str]]:
    return [(k, vi, en) for k, (vi, en) in DOCUMENT_FORMS.items()]


def unit_label(d: Any, lang: str = "vi") -> str:
    """A duration as a receipt reads it (``7 ngày làm việc``)."""
    try:
        return Duration.from_dict(d).label(lang)
    except (KeyError, TypeError, ValueError):
        return str(d)


def money(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", ".")


def anchor_label(anchor: Any) -> tuple[str, str]:
    return ANCHORS.get(str(anchor), (str(anchor), str(anchor)))
