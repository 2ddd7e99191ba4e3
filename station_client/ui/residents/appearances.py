"""Where a resident appears: the dossiers they filed and the reports, petitions, mediation cases and violations
that name them, for the person's page (``sections.register_person_links``); and their open sync conflict in
words. Its strings are in ``resources/translations/person_links_en.ts``.

Only records *linked* to the person count: a dossier whose applicant was picked from the register (or carries
the person's ID number), a report whose reporter, petitioner, violator or party was picked from the register.
A namesake typed by hand is not this person. The lookups use the dossier and report stores' own folding
searches by the person's name (and ID number), then keep the linked records; they run off the GUI thread on a
read-only connection.

The providers are registered under the ids "dossiers" and "reports": if those features register providers of
their own under the same ids (their packages are imported after this one), theirs replace these.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale

from ..i18n import format_date
from ..labels import is_field, label
from ..sections import PersonLink, register_person_links

# The dossier and report modules are imported when a person's page first asks (startup stays fast).
LIMIT = 200


def _english() -> bool:
    return QLocale().language() == QLocale.Language.English


def _pick(pair: tuple[str, str] | None, fallback: str) -> str:
    if pair is None:
        return fallback
    return pair[1] if _english() else pair[0]


def _person(conn: sqlite3.Connection, person_id: str) -> dict[str, Any] | None:
    from ...store.dossiers import get_person

    return get_person(conn, person_id)


def dossiers_of(conn: sqlite3.Connection, person_id: str) -> list[PersonLink]:
    """Dossiers whose applicant is this person (linked, or with their personal ID number)."""
    from ...domain import dossiers as dossier_domain
    from ...store import dossiers as sd

    person = _person(conn, person_id)
    if person is None:
        return []
    personal_id = person.get("personal_id")
    found: dict[str, dict[str, Any]] = {}
    for text in filter(None, (personal_id, person.get("full_name"))):
        for d in sd.list_dossiers(conn, flt="all", text=str(text), limit=LIMIT):
            if d.get("applicant_person_id") == person_id or (
                    personal_id and d.get("applicant_personal_id") == personal_id):
                found[d["id"]] = d
    label = QCoreApplication.translate("PersonLinks", "Hồ sơ")
    links = []
    for d in sorted(found.values(), key=lambda d: d.get("received_at") or "", reverse=True):
        status = _pick(dossier_domain.STATUSES.get(d.get("status") or ""), d.get("status") or "")
        links.append(PersonLink(
            title=f"{label} {d.get('code') or ''} — {d.get('procedure_name') or ''} — {status}",
            section="dossiers", kind="dossier", record_id=d["id"],
            detail=QCoreApplication.translate("PersonLinks", "Nộp ngày %1").replace(
                "%1", format_date(d.get("received_at")))))
    return links


def _names_person(kind: str, record: dict[str, Any], person_id: str, personal_id: str | None) -> str | None:
    """The person's role in ``record`` (a short label), or None when the record is not linked to them."""
    from ...domain.registry import REPORTS
    from ..reports.kinds import SCREENS

    report, role = REPORTS[kind], QCoreApplication.translate("PersonLinks", SCREENS[kind].person_role)
    if report.person_field and record.get(report.person_field) == person_id:
        return role
    if report.personal_id_field and personal_id and record.get(report.personal_id_field) == personal_id:
        return role
    for party in record.get("parties") or ():
        if isinstance(party, dict) and party.get("person_id") == person_id:
            return QCoreApplication.translate("PersonLinks", "đương sự")
    return None


def reports_of(conn: sqlite3.Connection, person_id: str) -> list[PersonLink]:
    """Reports, petitions, mediation cases and violations that name this person from the register."""
    from ...domain.registry import REPORTS, get_kind
    from ...store import reports as sr

    person = _person(conn, person_id)
    if person is None or not person.get("full_name"):
        return []
    personal_id = person.get("personal_id")
    links = []
    for hit in sr.search(conn, str(person["full_name"]), limit=LIMIT):
        record = sr.get(conn, hit.kind, hit.record_id)
        if record is None:
            continue
        role = _names_person(hit.kind, record, person_id, personal_id)
        if role is None:
            continue
        kind = get_kind(hit.kind)
        status = _pick(REPORTS[hit.kind].statuses.get(hit.status), hit.status)
        links.append(PersonLink(
            title=f"{_pick((kind.vi, kind.en), kind.name)} {hit.register_no} — {status}",
            section="reports", kind=hit.kind, record_id=hit.record_id,
            detail=f"{role}: {hit.title}" + (f" ({format_date(hit.received)})" if hit.received else "")))
    return links


def searching_text() -> str:
    """Shown in the person's "appears in" list while the searches run."""
    return QCoreApplication.translate("PersonLinks", "Đang tìm hồ sơ, tin báo…")


def conflict_note(note: str) -> str:
    """A person's open conflict in the officer's words: which fields differ from the province and where to
    settle it (the store notes the fields by name, e.g. "...: occupation, phone")."""
    names = [n.strip() for n in note.rpartition(":")[2].split(",") if n.strip()]
    fields = ", ".join(label(n)() for n in names if is_field(n))
    where = QCoreApplication.translate("PersonLinks", "xử lý ở mục Đồng bộ (Ctrl+6)")
    if not fields:
        return where
    return QCoreApplication.translate("PersonLinks", "khác với Công an tỉnh ở: %1").replace("%1", fields) + "; " + where


register_person_links("dossiers", dossiers_of)
register_person_links("reports", reports_of)
