"""The reports section: four registers in tabs (crime reports, petitions, mediation, administrative
violations). Each tab lists a year's register (open / overdue / all), searches it with or without diacritics,
takes in a new entry, opens one, and prints the register for a period. Urgent open crime reports stand out in
red with their countdown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_today
from ...domain.deadlines import Duration
from ...domain.reports import countdown, party_names
from ...printing import reports_documents as rd
from ...printing.documents import station_info
from ...store import ChangeSet
from ...store import dossiers as sd
from ...store import reports as R
from ..context import AppContext
from ..forms import DateEdit
from ..labels import vocabulary
from ..layouts import ColumnFitter, elide_titles
from ..models import Column, ListModel, due_chip
from ..style import SPACE, margins, use_chips
from .common import STATUSES, VOCABULARIES, lazy, now_local, tr
from .detail import DetailPage
from .intake import IntakePage

PAGE = 500
TAB_TITLES = {"crime_report": "Tố giác, tin báo", "petition": "Đơn thư", "mediation_case": "Hòa giải",
              "admin_violation": "Vi phạm hành chính"}
NEW_LABELS = {"crime_report": "Tiếp nhận tố giác, tin báo", "petition": "Tiếp nhận đơn",
              "mediation_case": "Vụ việc hòa giải mới", "admin_violation": "Lập biên bản vi phạm"}
TEXT_COLUMNS = ("summary", "what", "violation")
# Widest a column of names or words gets before it elides (px at 100 %): the deadline columns stay in view.
CAPPED_COLUMNS = {"who": 150, "petitioner_name": 150, "violator_name": 150, "status": 130, "petition_type": 110,
                  "urgency": 90}
CAPPED_FLOOR = 60  # narrowest a capped column gets on a narrow window
TEXT_MIN_WIDTH = 110  # narrowest the free text gets
FILTERS = {"open": "Đang xử lý", "overdue": "Quá hạn", "all": "Tất cả"}
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


def _columns(kind: str, language: Any) -> list[Column]:
    def vocab(field: str):  # type: ignore[no-untyped-def]
        return lambda v: vocabulary(language(), VOCABULARIES[kind][field], v)

    status = Column("status", lazy("Trạng thái"), lambda v: vocabulary(language(), STATUSES[kind], v))
    due = Column("due_at", lazy("Hạn"), office_datetime)
    left = Column("remaining", lazy("Còn lại"), chip=due_chip)
    if kind == "crime_report":
        return [Column("register_no", lazy("Số thụ lý")), Column("received_at", lazy("Tiếp nhận"), office_datetime),
                Column("urgency", lazy("Mức độ")), Column("who", lazy("Người tố giác, báo tin")),
                Column("summary", lazy("Nội dung")), status, due, left]
    if kind == "petition":
        return [Column("register_no", lazy("Số thụ lý")), Column("received_at", lazy("Tiếp nhận"), office_datetime),
                Column("petition_type", lazy("Loại đơn"), vocab("petition_type")),
                Column("petitioner_name", lazy("Người gửi đơn")), Column("what", lazy("Nội dung")), status, due, left]
    if kind == "mediation_case":
        return [Column("register_no", lazy("Số vụ việc")), Column("received_at", lazy("Tiếp nhận"), office_datetime),
                Column("who", lazy("Các bên")), Column("summary", lazy("Nội dung")), status,
                Column("due_at", lazy("Theo dõi"), office_datetime)]
    return [Column("register_no", lazy("Số")), Column("recorded_at", lazy("Lập biên bản"), office_datetime),
            Column("violator_name", lazy("Người vi phạm")), Column("violation", lazy("Hành vi")), status, due, left]


def _decorate(kind: str, r: dict[str, Any], now: datetime, cal: Any, language: str) -> dict[str, Any]:
    """List-only values: who, urgency, the countdown, and the flags the model colours by."""
    open_ = r["status"] in R.OPEN_STATUSES[kind]
    r = dict(r)
    if kind == "crime_report":
        r["who"] = tr("Giấu tên") if r.get("reporter_anonymous") else (r.get("reporter_name") or
                                                                       r.get("reporter_agency"))
        r["urgency"] = tr("KHẨN CẤP") if r.get("urgent") else tr("Thường")
        r["_urgent"] = bool(r.get("urgent")) and open_
    elif kind == "mediation_case":
        r["who"] = party_names(r.get("parties"), "party")
    elif kind == "petition":
        r["what"] = r.get("subject") or r.get("content")
    due = r.get("due_at")
    if open_ and due:
        unit = Duration.from_dict(r["duration"]).unit if r.get("duration") else (
            "calendar_days" if kind == "mediation_case" else "working_days")
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
        self.model = RegisterModel(_columns(kind, lambda: context.language))
        self._generation = 0
        self.year = QComboBox()
        self.year.setObjectName(f"{kind}_year")
        self.year.currentIndexChanged.connect(self.reload)
        self.filter = QComboBox()
        self.filter.setObjectName(f"{kind}_filter")
        for key in FILTERS:
            self.filter.addItem("", key)
        self.filter.currentIndexChanged.connect(self.reload)
        self.search = QLineEdit()
        self.search.setObjectName(f"{kind}_search")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.new_button = QPushButton()
        self.new_button.setObjectName(f"{kind}_new")
        self.new_button.clicked.connect(self.new_entry)
        self.print_button = QPushButton()
        self.print_button.setObjectName(f"{kind}_print_register")
        self.print_button.clicked.connect(self.print_register)
        self.count = QLabel()
        self.table = QTableView()
        elide_titles(self.table)
        self.table.setTabKeyNavigation(False)  # a read-only list: arrows move in it, Tab leaves it
        self.table.setObjectName(f"{kind}_table")
        self.table.setModel(self.model)
        use_chips(self.table)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(False)
        # A narrowed column's title ends in "…" (centred, it lost both ends: "ời tố giác, bá").
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.activated.connect(self._activated)
        self.columns = ColumnFitter(self.table, lambda: [c.key for c in self.model.columns], stretch=TEXT_COLUMNS,
                                    capped=CAPPED_COLUMNS, floor=CAPPED_FLOOR, text_min=TEXT_MIN_WIDTH)
        self.table.doubleClicked.connect(self._activated)
        top = QHBoxLayout()
        top.addWidget(self.year)
        top.addWidget(self.filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.print_button)
        top.addWidget(self.new_button)
        self.list_page = QWidget()
        lay = QVBoxLayout(self.list_page)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)
        self.intake = IntakePage(context, kind)
        self.intake.saved.connect(self._saved)
        self.intake.cancelled.connect(self.show_list)
        self.detail = DetailPage(context, kind)
        self.detail.closed.connect(self.show_list)
        self.stack = QStackedWidget()
        for w in (self.list_page, self.intake, self.detail):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addWidget(self.stack)
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
        now = now_local()

        def load(conn: Any) -> tuple[list[int], list[dict[str, Any]]]:
            cal = R.work_calendar(conn)
            if text:
                rows = [r for r in (R.get(conn, kind, h.record_id) for h in R.search(conn, text, kinds=[kind]))
                        if r is not None]
            else:
                statuses = None if flt == "all" else R.OPEN_STATUSES[kind]
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
        self.count.setText(tr("%1 mục").replace("%1", str(len(rows))))
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
        dialog.setWindowTitle(tr("In sổ theo thời gian"))
        start, end = DateEdit(), DateEdit()
        today = office_today()
        start.set_value(date(today.year, today.month, 1).isoformat())
        end.set_value(today.isoformat())
        form = QFormLayout()
        form.addRow(tr("Từ ngày"), start)
        form.addRow(tr("Đến ngày"), end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Xem trước"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Hủy"))
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
            printed_at = now_local()
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
        self.new_button.setText(tr(NEW_LABELS[self.kind]))
        self.print_button.setText(tr("In sổ…"))
        self.search.setPlaceholderText(tr("Tìm theo số, họ tên, nội dung (gõ có dấu hoặc không dấu)"))
        for i, key in enumerate(FILTERS):
            self.filter.setItemText(i, tr(FILTERS[key]))
        self.year.setToolTip(tr("Năm của sổ (khi xem tất cả)"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.model.columnCount() - 1))


class ReportsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reports_tabs")
        self.pages: dict[str, RegisterPage] = {}
        for kind in R.KINDS:
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
            self.tabs.setTabText(i, tr(TAB_TITLES[kind]))
