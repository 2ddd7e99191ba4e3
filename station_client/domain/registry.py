"""Every record kind the system knows, by sync name. Feature modules add theirs to ``_ALL`` here."""

from __future__ import annotations

from . import (
    accounts,
    calendar,
    communes,
    crime_reports,
    deadline_rules,
    dossiers,
    duplicates,
    mediation,
    petitions,
    procedures,
    residents,
    stat_reports,
    violations,
)
from .kinds import RecordKind
from .reports import ReportKind

_ALL: tuple[RecordKind, ...] = (
    *residents.KINDS,
    *procedures.KINDS,
    *calendar.KINDS,
    *communes.KINDS,
    *dossiers.KINDS,
    *deadline_rules.KINDS,  # the report family: its rule sets, then each report kind
    *crime_reports.KINDS,
    *petitions.KINDS,
    *mediation.KINDS,
    *violations.KINDS,
    *stat_reports.KINDS,
    *accounts.KINDS,
    *duplicates.KINDS,
)

KINDS: dict[str, RecordKind] = {k.name: k for k in _ALL}
# The report family (registers with a running clock), in the order the screens show them: each kind's facts are
# declared in its own module (``domain/reports.py`` says what they are).
REPORTS: dict[str, ReportKind] = {r.name: r for r in (crime_reports.REPORT, petitions.REPORT, mediation.REPORT,
                                                      violations.REPORT)}
BY_TABLE: dict[str, RecordKind] = {k.table: k for k in _ALL}


class UnknownKind(KeyError):
    pass


def get_report(name: str) -> ReportKind:
    """The facts of report kind ``name``; ``UnknownKind`` when it is not one."""
    try:
        return REPORTS[name]
    except KeyError:
        raise UnknownKind(name) from None


def get_kind(name: str) -> RecordKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None
