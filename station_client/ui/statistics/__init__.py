"""Statistics section (the station head's dashboard): the period's figures against the previous period, the
on-time rate over the last 12 months, overdue matters by officer; exports, the printed period report and its
submission to the province. Shown to the station head only."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ..sections import Section, register_section


def _make(context):  # type: ignore[no-untyped-def]
    from .view import StatisticsView

    return StatisticsView(context)


register_section(Section(id="statistics", title=lambda: QCoreApplication.translate("Sections", "Thống kê"),
                         factory=_make, icon="statistics", shortcut="Ctrl+8", order=55, kinds=("stat_report",),
                         head_only=True))
