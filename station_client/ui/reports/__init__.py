"""Reports section (tố giác, tin báo; đơn thư; hòa giải; vi phạm hành chính): registers itself with the shell and
feeds the Today list with every running statutory clock that is overdue, due within a day, or due within two
working days — urgent crime reports first — and every crime report the investigation agency decided whose
reporter has not yet been told the outcome."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication

from ...clock import office_now, office_zone
from ...domain.registry import REPORTS
from ..i18n import tr_noop, translate
from ..sections import Section, TodayItem, register_section, register_today_provider

# A crime report the investigation agency decided: the station tells the reporter the outcome (3 days).
OUTCOME_NOTICE = tr_noop("Reports", "Báo kết quả cho người tố giác")


def _make(context):  # type: ignore[no-untyped-def]
    from .view import ReportsView

    return ReportsView(context)


def today_items(conn: sqlite3.Connection, today: date) -> list[TodayItem]:
    """Runs off the GUI thread on a read-only connection (index range scans on ``(status, due_at)``)."""
    from ...store import reports as R
    from .kinds import SCREENS

    def tr(text: str) -> str:
        return QCoreApplication.translate("Reports", text)

    now = office_now()
    if today != now.date():  # asked about another day: judge at its start
        now = datetime.combine(today, datetime.min.time(), tzinfo=office_zone())
    items = []
    for i in R.due_items(conn, now):
        what = OUTCOME_NOTICE if i.rule_key == R.OUTCOME_NOTICE else SCREENS[i.kind].due_what
        title = f"{tr(what)}: {i.title}"
        if i.urgent:
            title = translate("Reports", "KHẨN CẤP") + f" — {title}"
        items.append(TodayItem(title=title, due=i.due_at, state=i.state, section="reports", kind=i.kind,
                               record_id=i.record_id, detail=translate("Reports", "Số") + f" {i.register_no}"))
    return items


register_section(Section(id="reports", title=lambda: QCoreApplication.translate("Sections", "Tố giác, tin báo"),
                         factory=_make, icon="reports", shortcut="Ctrl+5", order=50, kinds=tuple(REPORTS)))
register_today_provider("reports", today_items)
