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
BY_TABLE: dict[str, RecordKind] = {k.table: k for k in _ALL}


class UnknownKind(KeyError):
    pass


def get_kind(name: str) -> RecordKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None
