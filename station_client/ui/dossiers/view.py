"""Dossiers section: the list (open, due today, overdue, waiting for a supplement, results ready, closed),
search by code, lookup code, name or ID, and the intake and detail pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_now, office_today, to_office
from ...domain.deadlines import remaining_text
from ...domain.dossiers import STATUSES
from ...store import ChangeSet
from ...store import dossiers as sd
from ..context import AppContext
from ..labels import vocabulary
from ..layouts import ColumnFitter, elide_titles
from ..models import Column, ListModel, due_chip
from ..style import SPACE, margins, use_chips
from .detail import DetailPage
from .intake import IntakePage

PAGE = 500  # rows shown; the search narrows the rest
PROCEDURE_COLUMN = 2
FILTERS = {
    "open": ("Đang giải quyết", "Open"), "due_today": ("Đến hạn hôm nay", "Due today"),
    "overdue": ("Quá hạn", "Overdue"), "supplement_requested": ("Chờ bổ sung", "Waiting for supplement"),
    "result_ready": ("Có kết quả, chờ trả", "Result ready"), "closed": ("Đã trả / từ chối", "Closed"),
    "all": ("Tất cả", "All"),
}


def _col(title: str):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication

    return lambda: QCoreApplication.translate("Dossiers", title)


class DossiersView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.cal: Any = None
        lang = lambda: context.language  # noqa: E731
        self.model = ListModel([
            Column("code", _col("Mã hồ sơ")),
            Column("applicant_name", _col("Người nộp")),
            Column("procedure_name", _col("Thủ tục")),
            Column("received_at", _col("Tiếp nhận"), office_datetime),
            Column("due_at", _col("Hẹn trả"), office_datetime),
            Column("status", _col("Trạng thái"), lambda v: vocabulary(lang(), STATUSES, v)),
            Column("remaining", _col("Còn lại"), chip=due_chip),
        ])
        self.filter = QComboBox()
        self.filter.setObjectName("dossier_filter")
        for key, (vi, _en) in FILTERS.items():
            self.filter.addItem(vi, key)
        self.filter.currentIndexChanged.connect(self.reload)
        self.search = QLineEdit()
        self.search.setObjectName("dossier_search")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.new_button = QPushButton()
        self.new_button.setObjectName("dossier_new")
        self.new_button.clicked.connect(self.new_dossier)
        self.count = QLabel()
        self.table = QTableView()
        elide_titles(self.table)
        self.table.setTabKeyNavigation(False)  # a read-only list: arrows move in it, Tab leaves it
        self.table.setObjectName("dossier_table")
        self.table.setModel(self.model)
        use_chips(self.table)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
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
        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        list_page = QWidget()
        lay = QVBoxLayout(list_page)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)
        self.intake = IntakePage(context)
        self.intake.saved.connect(self._received)
        self.intake.cancelled.connect(self.show_list)
        self.detail = DetailPage(context)
        self.detail.closed.connect(self.show_list)
        self.stack = QStackedWidget()
        for w in (list_page, self.intake, self.detail):
            self.stack.addWidget(w)
        self.list_page = list_page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addWidget(self.stack)
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
            vi, en = FILTERS[key]
            self.filter.setItemText(i, en if self.context.language == "en" else vi)
