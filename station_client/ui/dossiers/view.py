"""Dossiers section: the list (open, due today, overdue, waiting for a supplement, results ready, closed),
search by code, lookup code, name or ID, and the intake and detail pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHeaderView, QPushButton, QWidget

from ...clock import office_datetime, office_now, office_today, to_office
from ...domain.deadlines import remaining_text
from ...domain.dossiers import STATUSES
from ...store import ChangeSet
from ...store import dossiers as sd
from ..context import AppContext
from ..i18n import tr_lazy, tr_noop, translate
from ..labels import vocabulary
from ..layouts import ColumnFitter
from ..list_page import ListPage, stack_pages
from ..models import Column, ListModel, due_chip
from .detail import DetailPage
from .intake import IntakePage

PAGE = 500  # rows shown; the search narrows the rest
PROCEDURE_COLUMN = 2
FILTERS = {
    "open": tr_noop("Dossiers", "Đang giải quyết"), "due_today": tr_noop("Dossiers", "Đến hạn hôm nay"),
    "overdue": tr_noop("Dossiers", "Quá hạn"), "supplement_requested": tr_noop("Dossiers", "Chờ bổ sung"),
    "result_ready": tr_noop("Dossiers", "Có kết quả, chờ trả"), "closed": tr_noop("Dossiers", "Đã trả / từ chối"),
    "all": tr_noop("Dossiers", "Tất cả"),
}


class DossiersView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.cal: Any = None
        lang = lambda: context.language  # noqa: E731
        self.model = ListModel([
            Column("code", tr_lazy("Dossiers", "Mã hồ sơ")),
            Column("applicant_name", tr_lazy("Dossiers", "Người nộp")),
            Column("procedure_name", tr_lazy("Dossiers", "Thủ tục")),
            Column("received_at", tr_lazy("Dossiers", "Tiếp nhận"), office_datetime),
            Column("due_at", tr_lazy("Dossiers", "Hẹn trả"), office_datetime),
            Column("status", tr_lazy("Dossiers", "Trạng thái"), lambda v: vocabulary(lang(), STATUSES, v)),
            Column("remaining", tr_lazy("Dossiers", "Còn lại"), chip=due_chip),
        ])
        self.filter = QComboBox()
        self.filter.setObjectName("dossier_filter")
        for key, text in FILTERS.items():
            self.filter.addItem(text, key)
        self.filter.currentIndexChanged.connect(self.reload)
        self.new_button = QPushButton()
        self.new_button.setObjectName("dossier_new")
        self.new_button.clicked.connect(self.new_dossier)
        self.list_page = ListPage("dossier", self.model, delay_ms=200, on_search=self.reload, leading=[self.filter],
                                  trailing=[self.new_button])
        self.search, self.count, self.table = self.list_page.search, self.list_page.count, self.list_page.table
        # Each column as wide as its content (at most PAGE rows, in memory), the procedure's name takes what is
        # left: fixed widths cut "Chờ bổ sung hồ …" and "quá hạn 2 ngày làm …" at 1280 px. The applicant and the
        # status give way on a narrow window (elided) so that the deadline columns stay in view at 1024×600.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROCEDURE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.columns = ColumnFitter(self.table, lambda: [c.key for c in self.model.columns],
                                    stretch=("procedure_name",), capped={"applicant_name": 170, "status": 160})
        self.table.activated.connect(self._activated)
        self.intake = IntakePage(context)
        self.intake.saved.connect(self._received)
        self.intake.cancelled.connect(self.show_list)
        self.detail = DetailPage(context)
        self.detail.closed.connect(self.show_list)
        self.stack = stack_pages(self, [self.list_page, self.intake, self.detail])
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_dossier)
        context.changed.connect(self._changed)
        self.retranslate()
        self.reload()

    # ------------------------------------------------------------------ list
    def reload(self) -> None:
        flt = self.filter.currentData() or "open"
        text = self.search.text()
        today = office_today()
        now = office_now()

        def load(conn: Any) -> tuple[list[dict[str, Any]], Any]:
            cal = sd.work_calendar(conn)
            rows = sd.list_dossiers(conn, flt=flt, text=text, today=today, limit=PAGE)
            for r in rows:
                if r["status"] in ("received", "processing", "transferred") and r.get("due_at"):
                    due = datetime.fromisoformat(r["due_at"])
                    r["remaining"] = remaining_text(today, due, cal, self.context.language)
                    r["_due_state"] = "overdue" if due < now else "due_today" if to_office(due).date() == today \
                        else None
            return rows, cal

        self.context.tasks.run(load, self._loaded)

    def _loaded(self, result: tuple[list[dict[str, Any]], Any]) -> None:
        rows, self.cal = result
        self.model.set_rows(rows)
        self.columns.fit()
        more = self.tr(" (hiện %1 hồ sơ đầu; gõ để tìm)").replace("%1", str(PAGE)) if len(rows) >= PAGE else ""
        self.count.setText(self.tr("%1 hồ sơ").replace("%1", str(len(rows))) + more)

    def _changed(self, changes: ChangeSet) -> None:
        if "dossier" in changes.kinds:
            self.reload()

    def _activated(self, index: QModelIndex) -> None:
        record_id = self.model.record_id(index.row())
        if record_id:
            self.open_record("dossier", record_id)

    # ------------------------------------------------------------------ pages
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.table.setFocus()

    def new_dossier(self) -> None:
        self.stack.setCurrentWidget(self.intake)
        self.intake.start()

    def _received(self, record: dict[str, Any]) -> None:
        """After intake the officer prints what the citizen takes home: the receipt, or CT05 if incomplete."""
        self.stack.setCurrentWidget(self.detail)
        self.detail.open(record["id"], then_print=True)

    def open_record(self, kind: str, record_id: str) -> None:
        if kind == "dossier":
            self.stack.setCurrentWidget(self.detail)
            self.detail.open(record_id)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.reload()  # the countdown and the count are worded when loaded: word them again
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.new_button.setText(self.tr("Tiếp nhận hồ sơ mới"))
        self.search.setPlaceholderText(self.tr("Tìm theo mã hồ sơ, mã tra cứu, họ tên hoặc số định danh"))
        for i, key in enumerate(FILTERS):
            self.filter.setItemText(i, translate("Dossiers", FILTERS[key]))
