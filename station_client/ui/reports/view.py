"""The reports section: four registers in tabs (crime reports, petitions, mediation, administrative
violations). Each tab lists a year's register (open / overdue / all), searches it with or without diacritics,
takes in a new entry, opens one, and prints the register for a period. Urgent open crime reports stand out in
red with their countdown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_now, office_today
from ...domain.deadlines import Duration
from ...domain.registry import REPORTS
from ...domain.reports import countdown
from ...printing import reports_documents as rd
from ...printing.documents import station_info
from ...store import ChangeSet
from ...store import dossiers as sd
from ...store import reports as R
from ..context import AppContext
from ..forms import DateEdit
from ..i18n import tr_noop
from ..layouts import ColumnFitter
from ..list_page import ListPage, stack_pages
from ..models import ListModel
from ..style import SPACE, margins
from .common import tr
from .detail import DetailPage
from .intake import IntakePage
from .kinds import SCREENS, register_columns

PAGE = 500
TEXT_COLUMNS = ("summary", "what", "violation")
# Widest a column of names or words gets before it elides (px at 100 %): the deadline columns stay in view.
CAPPED_COLUMNS = {"who": 150, "petitioner_name": 150, "violator_name": 150, "status": 130, "petition_type": 110,
                  "urgency": 90}
CAPPED_FLOOR = 60  # narrowest a capped column gets on a narrow window
TEXT_MIN_WIDTH = 110  # narrowest the free text gets
FILTERS = {"open": tr_noop("Reports", "Đang xử lý"), "overdue": tr_noop("Reports", "Quá hạn"),
           "all": tr_noop("Reports", "Tất cả")}
ALARM = QColor("#b3261e")
OVERDUE_BACKGROUND = QColor("#fbe9e7")


class RegisterModel(ListModel):
    """Rows of a register; urgent open reports in bold red, overdue ones on a tinted background."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and 0 <= index.row() < len(self.rows):
            row = self.rows[index.row()]
            if role == Qt.ItemDataRole.ForegroundRole and (row.get("_urgent") or row.get("_overdue")):
                return QBrush(ALARM)
            if role == Qt.ItemDataRole.FontRole and row.get("_urgent"):
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.BackgroundRole and row.get("_overdue"):
                return QBrush(OVERDUE_BACKGROUND)
            if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of a cell the column elides
                return super().data(index, Qt.ItemDataRole.DisplayRole)
        return super().data(index, role)


def _decorate(kind: str, r: dict[str, Any], now: datetime, cal: Any, language: str) -> dict[str, Any]:
    """List-only values: who, urgency, the countdown, and the flags the model colours by."""
    report = REPORTS[kind]
    open_ = r["status"] in report.open_statuses
    r = dict(r) | SCREENS[kind].list_values(r, open_)
    due = r.get("due_at")
    if open_ and due:
        unit = Duration.from_dict(r["duration"]).unit if r.get("duration") else report.clock_unit
        r["remaining"] = countdown(due, now, unit, cal, language)
        r["_overdue"] = datetime.fromisoformat(due) < now
        r["_due_state"] = "overdue" if r["_overdue"] else \
            "due_today" if datetime.fromisoformat(due).astimezone(now.tzinfo).date() == now.date() else None
    return r


class RegisterPage(QWidget):
    """One register: list, intake and detail pages in a stack."""

    def __init__(self, context: AppContext, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.kind = kind
        self.model = RegisterModel(register_columns(kind, lambda: context.language))
        self._generation = 0
        self.year = QComboBox()
        self.year.setObjectName(f"{kind}_year")
        self.year.currentIndexChanged.connect(self.reload)
        self.filter = QComboBox()
        self.filter.setObjectName(f"{kind}_filter")
        for key in FILTERS:
            self.filter.addItem("", key)
        self.filter.currentIndexChanged.connect(self.reload)
        self.new_button = QPushButton()
        self.new_button.setObjectName(f"{kind}_new")
        self.new_button.clicked.connect(self.new_entry)
        self.print_button = QPushButton()
        self.print_button.setObjectName(f"{kind}_print_register")
        self.print_button.clicked.connect(self.print_register)
        self.list_page = ListPage(kind, self.model, delay_ms=200, on_search=self.reload,
                                  leading=[self.year, self.filter], trailing=[self.print_button, self.new_button])
        self.search, self.count, self.table = self.list_page.search, self.list_page.count, self.list_page.table
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        # A narrowed column's title ends in "…" (centred, it lost both ends: "ời tố giác, bá").
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.activated.connect(self._activated)
        self.columns = ColumnFitter(self.table, lambda: [c.key for c in self.model.columns], stretch=TEXT_COLUMNS,
                                    capped=CAPPED_COLUMNS, floor=CAPPED_FLOOR, text_min=TEXT_MIN_WIDTH)
        self.table.doubleClicked.connect(self._activated)
        self.intake = IntakePage(context, kind)
        self.intake.saved.connect(self._saved)
        self.intake.cancelled.connect(self.show_list)
        self.detail = DetailPage(context, kind)
        self.detail.closed.connect(self.show_list)
        self.stack = stack_pages(self, [self.list_page, self.intake, self.detail])
        self.register_preview: Any = None
        self.retranslate()
        self.reload()

    # ------------------------------------------------------------------ list
    def reload(self) -> None:
        # Two reader threads may answer out of order: only the latest request's answer is shown.
        self._generation += 1
        generation = self._generation
        kind, text = self.kind, self.search.text().strip()
        flt = self.filter.currentData() or "open"
        year = self.year.currentData()
        language = self.context.language
        now = office_now()

        def load(conn: Any) -> tuple[list[int], list[dict[str, Any]]]:
            cal = R.work_calendar(conn)
            if text:
                rows = [r for r in (R.get(conn, kind, h.record_id) for h in R.search(conn, text, kinds=[kind]))
                        if r is not None]
            else:
                statuses = None if flt == "all" else REPORTS[kind].open_statuses
                rows = R.register(conn, kind, year=None if flt != "all" else year, statuses=statuses, limit=PAGE)
            rows = [_decorate(kind, r, now, cal, language) for r in rows]
            if flt == "overdue":
                rows = [r for r in rows if r.get("_overdue")]
            if flt == "open" and not text:  # the work list: most pressing first
                rows.sort(key=lambda r: (not r.get("_overdue"), not r.get("_urgent"), r.get("due_at") or "9"))
            return R.years(conn, kind), rows

        self.context.tasks.run(load, lambda result: self._loaded(generation, result))

    def _loaded(self, generation: int, result: tuple[list[int], list[dict[str, Any]]]) -> None:
        if generation != self._generation:
            return
        years, rows = result
        self._fill_years(years)
        self.model.set_rows(rows)
        self.count.setText(self.tr("%1 mục").replace("%1", str(len(rows))))
        self.columns.fit()

    def _fill_years(self, years: list[int]) -> None:
        wanted = sorted(set(years) | {office_today().year}, reverse=True)
        have = [self.year.itemData(i) for i in range(self.year.count())]
        if have == wanted:
            return
        current = self.year.currentData() or office_today().year
        self.year.blockSignals(True)
        self.year.clear()
        for y in wanted:
            self.year.addItem(str(y), y)
        self.year.setCurrentIndex(max(0, self.year.findData(current)))
        self.year.blockSignals(False)

    def _activated(self, index: QModelIndex) -> None:
        record_id = self.model.record_id(index.row())
        if record_id:
            self.open_record(record_id)

    # ------------------------------------------------------------------ pages
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.reload()
        self.table.setFocus()

    def new_entry(self) -> None:
        self.stack.setCurrentWidget(self.intake)
        self.intake.start()

    def _saved(self, record: dict[str, Any]) -> None:
        """After intake, the detail with its deadline; a crime report's intake record is printed right away."""
        self.stack.setCurrentWidget(self.detail)
        self.detail.show_record(record, self.intake.rules, self.intake.cal)
        self.detail.open(record["id"])

    def open_record(self, record_id: str) -> None:
        self.stack.setCurrentWidget(self.detail)
        self.detail.open(record_id)

    # ------------------------------------------------------------------ printing the register
    def print_register(self) -> None:
        dialog = QDialog(self)
        dialog.setObjectName("register_period")
        dialog.setWindowTitle(self.tr("In sổ theo thời gian"))
        start, end = DateEdit(), DateEdit()
        today = office_today()
        start.set_value(date(today.year, today.month, 1).isoformat())
        end.set_value(today.isoformat())
        form = QFormLayout()
        form.addRow(self.tr("Từ ngày"), start)
        form.addRow(self.tr("Đến ngày"), end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Xem trước"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy"))
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        lay = QVBoxLayout(dialog)
        lay.addLayout(form)
        lay.addWidget(buttons)
        dialog.accepted.connect(lambda: self._print_period(start.value(), end.value()))
        self.period_dialog = dialog
        dialog.open()

    def _print_period(self, start_iso: str | None, end_iso: str | None) -> None:
        if not start_iso or not end_iso:
            return
        start, end, kind = date.fromisoformat(start_iso), date.fromisoformat(end_iso), self.kind

        def load(conn: Any) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
            return R.register(conn, kind, start=start, end=end, limit=100_000), sd.read_settings(conn, "station.")

        def show(result: tuple[list[dict[str, Any]], dict[str, str | None]]) -> None:
            from ..dossiers.preview import PrintPreview

            rows, settings = result
            printed_at = office_now()
            self.register_preview = PrintPreview(
                lambda size: rd.register(kind, rows, station_info(settings), start, end, printed_at=printed_at,
                                         page_size=size),
                printer_name=str(self.context.options.get("print.printer") or ""), parent=self)
            self.register_preview.open()

        self.context.tasks.run(load, show)

    # ------------------------------------------------------------------ language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.reload()  # urgency, "anonymous", the countdown and the count are worded when loaded
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.new_button.setText(tr(SCREENS[self.kind].new_label))
        self.print_button.setText(self.tr("In sổ…"))
        self.search.setPlaceholderText(self.tr("Tìm theo số, họ tên, nội dung (gõ có dấu hoặc không dấu)"))
        for i, key in enumerate(FILTERS):
            self.filter.setItemText(i, tr(FILTERS[key]))
        self.year.setToolTip(self.tr("Năm của sổ (khi xem tất cả)"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.model.columnCount() - 1))


class ReportsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reports_tabs")
        self.pages: dict[str, RegisterPage] = {}
        for kind in SCREENS:
            page = RegisterPage(context, kind)
            self.pages[kind] = page
            self.tabs.addTab(page, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addWidget(self.tabs)
        context.changed.connect(self._changed)
        self.retranslate()

    def _changed(self, changes: ChangeSet) -> None:
        for kind, page in self.pages.items():
            if kind in changes.kinds and page.stack.currentWidget() is page.list_page:
                page.reload()

    def open_record(self, kind: str, record_id: str) -> None:
        page = self.pages.get(kind)
        if page is not None:
            self.tabs.setCurrentWidget(page)
            page.open_record(record_id)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        for i, kind in enumerate(self.pages):
            self.tabs.setTabText(i, tr(SCREENS[kind].tab_title))
