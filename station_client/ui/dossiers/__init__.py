"""Dossiers section (hồ sơ thủ tục hành chính): registers itself with the shell, and feeds the Today list with
dossiers overdue, due today (including results to hand back today) and coming due."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QCoreApplication

from ..i18n import translate
from ..sections import Section, TodayItem, register_section, register_today_provider

COMING_WORKING_DAYS = 2


def _make(context):  # type: ignore[no-untyped-def]
    from .view import DossiersView

    return DossiersView(context)


def today_items(conn: sqlite3.Connection, today: date) -> list[TodayItem]:
    """Runs off the GUI thread on a read-only connection: indexed range queries on (status, due_at)."""
    from ...clock import office_datetime
    from ...store import dossiers as sd

    items: list[TodayItem] = []

    def add(d: dict, state: str, what: str) -> None:  # type: ignore[type-arg]
        items.append(TodayItem(title=f"{what}: {d['procedure_name']} — {d['applicant_name']}", due=d["due_at"],
                               state=state, section="dossiers", kind="dossier", record_id=d["id"],  # type: ignore[arg-type]
                               detail=translate("Dossiers", "Mã hồ sơ") + f" {d['code']}"))

    for d in sd.overdue(conn, today):
        add(d, "overdue", translate("Dossiers", "Quá hạn giải quyết"))
    for d in sd.due_today(conn, today):
        add(d, "due", translate("Dossiers", "Hẹn trả kết quả hôm nay") if d["status"] == "result_ready"
            else translate("Dossiers", "Đến hạn hôm nay"))
    for d in sd.coming_due(conn, today, sd.work_calendar(conn), COMING_WORKING_DAYS):
        add(d, "upcoming", translate("Dossiers", "Sắp đến hạn"))
    # A holiday the province added moved some appointments (``sd.recompute_due_dates``): the officer sees the
    # old one next to the item, since a receipt handed out still says it.
    moves = sd.appointment_moves(conn, [i.record_id for i in items if i.record_id])
    for n, item in enumerate(items):
        move = moves.get(item.record_id or "")
        if move is not None and move[0] != move[1]:
            old = f"{office_datetime(move[0].isoformat())} → {office_datetime(move[1].isoformat())}"
            moved = translate("Dossiers", "hẹn trả đã dời")
            items[n] = replace(item, detail=f"{item.detail} · {moved}: {old}")
    return items


register_section(Section(id="dossiers", title=lambda: QCoreApplication.translate("Sections", "Hồ sơ thủ tục"),
                         factory=_make, icon="dossiers", shortcut="Ctrl+4", order=40, kinds=("dossier",)))
register_today_provider("dossiers", today_items)
