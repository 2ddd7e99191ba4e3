"""Households section: registers itself with the shell."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ..sections import Section, register_section


def _make(context):  # type: ignore[no-untyped-def]
    from .view import HouseholdsView

    return HouseholdsView(context)


register_section(Section(id="households", title=lambda: QCoreApplication.translate("Sections", "Hộ gia đình"),
                         factory=_make, icon="households", shortcut="Ctrl+3", order=30, kinds=("household",)))
