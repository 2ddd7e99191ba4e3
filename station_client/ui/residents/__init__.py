"""Residents section: registers itself with the shell, and the person-page links to dossiers and reports."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ..sections import Section, register_section
from . import appearances  # noqa: F401  (registers "where this person appears" for the person's page)


def _make(context):  # type: ignore[no-untyped-def]
    from .view import ResidentsView

    return ResidentsView(context)


register_section(Section(id="residents", title=lambda: QCoreApplication.translate("Sections", "Nhân khẩu"),
                         factory=_make, icon="residents", shortcut="Ctrl+2", order=20, kinds=("person",)))
