"""Labels of record fields (the record kinds' own) and of the sync states, and fixed vocabularies shown as words."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from ..domain.residents import KINDS as RESIDENT_KINDS
from ..domain.residents import RELATIONSHIPS, RESIDENCE_TYPES, SEXES
from .i18n import bilingual, current_language, tr_noop

# A record field's label is the one its record kind declares (``domain/residents.py``, Vietnamese and English),
# the same words the province's console and the printouts use; only the list columns no record holds are here.
FIELD_LABELS: dict[str, str] = {
    "sync_state": tr_noop("Fields", "Đồng bộ"),
    "head": tr_noop("Fields", "Chủ hộ"),
}
_FIELDS: dict[str, tuple[str, str]] = {f.name: (f.vi, f.en) for kind in RESIDENT_KINDS for f in kind.fields}

SYNC_STATES: dict[str, str] = {
    "pending": tr_noop("Fields", "chờ gửi"),
    "synced": tr_noop("Fields", "đã gửi"),
    "rejected": tr_noop("Fields", "bị từ chối"),
    "conflict": tr_noop("Fields", "xung đột"),
}


def label(name: str) -> Callable[[], str]:
    """The label of field ``name``, in the language shown when it is asked for (forms relabel on a switch)."""
    if name in FIELD_LABELS:
        return lambda: QCoreApplication.translate("Fields", FIELD_LABELS[name])
    vi, en = _FIELDS[name]
    return lambda: bilingual(current_language(), vi, en)


def field_label(name: str) -> str:
    """The label of field ``name`` now, or ``name`` itself when no resident record has such a field."""
    return label(name)() if is_field(name) else name


def is_field(name: str) -> bool:
    return name in FIELD_LABELS or name in _FIELDS


def sync_state(value: str | None) -> str:
    return QCoreApplication.translate("Fields", SYNC_STATES[value]) if value in SYNC_STATES else (value or "")


def vocabulary(language: str, table: dict[str, tuple[str, str]], code: str | None) -> str:
    if code is None or code not in table:
        return code or ""
    return bilingual(language, *table[code])


__all__ = ["FIELD_LABELS", "RELATIONSHIPS", "RESIDENCE_TYPES", "SEXES", "field_label", "is_field", "label",
           "sync_state", "vocabulary"]
