"""The station head's dashboard: pick a period (month, quarter, year or a range of days); the page shows its
headline figures against the previous period of the same kind, the on-time rate of the 12 months ending with
it (chart), and the matters overdue right now by officer. Export the period's tables (CSV, XLSX), print the
period report, or submit it to the province (a ``stat_report`` record, sent by the next sync).

Every figure is computed off the GUI thread (``store/statistics.dashboard`` on a reader connection); the
definitions are in docs/statistics.md. An answer for a period the head has since left is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...charts import RateChart, chart_png, month_series
from ...clock import office_now, office_stamp, office_today
from ...domain.statistics import Period, StationStats
from ...store import ChangeSet
from ...store.statistics import Dashboard, dashboard, station_stats, submit_report
from ..context import AppContext
from ..i18n import decimal_text, tr_noop, translate
from ..layouts import ColumnFitter, elide_titles

CONTEXT = "Statistics"
KINDS = ("month", "quarter", "year", "range")
KIND_LABELS = {"month": tr_noop("Statistics", "Tháng"), "quarter": tr_noop("Statistics", "Quý"),
               "year": tr_noop("Statistics", "Năm"), "range": tr_noop("Statistics", "Khoảng ngày")}
ROMAN = ("I", "II", "III", "IV")
# Record kinds whose changes move the figures: the page reloads after a commit of one of them.
FIGURE_KINDS = {"dossier", "crime_report", "petition", "mediation_case", "admin_violation", "stat_report"}


def tr(text: str) -> str:
    """A value marked ``tr_noop("Statistics", ...)`` (the tables above) in the current language."""
    return translate(CONTEXT, text)


Getter = Callable[[StationStats], int | Decimal | None]
# The headline rows of the comparison table: (label, figure, is a rate).
ROWS: tuple[tuple[str, Getter, bool], ...] = (
    (tr_noop("Statistics", "Hồ sơ TTHC tiếp nhận"), lambda s: s.dossiers.total.received, False),
    (tr_noop("Statistics", "— trong đó trực tuyến"), lambda s: s.dossiers.total.received_online, False),
    (tr_noop("Statistics", "Hồ sơ đã giải quyết"), lambda s: s.dossiers.total.resolved.total, False),
    (tr_noop("Statistics", "— trước hạn"), lambda s: s.dossiers.total.resolved.early, False),
    (tr_noop("Statistics", "— đúng hạn"), lambda s: s.dossiers.total.resolved.on_time, False),
    (tr_noop("Statistics", "— quá hạn"), lambda s: s.dossiers.total.resolved.late, False),
    (tr_noop("Statistics", "Tỉ lệ giải quyết đúng hạn (%)"), lambda s: s.dossiers.total.resolved.on_time_rate, True),
    (tr_noop("Statistics", "Hồ sơ tồn quá hạn cuối kỳ"), lambda s: s.dossiers.total.pending.overdue, False),
    (tr_noop("Statistics", "Hồ sơ chờ bổ sung cuối kỳ"), lambda s: s.dossiers.total.pending.paused, False),
    (tr_noop("Statistics", "Tố giác, tin báo tiếp nhận"), lambda s: s.crime_reports.received, False),
    (tr_noop("Statistics", "Tố giác, tin báo đã chuyển, xử lý"), lambda s: s.crime_reports.handled.total, False),
    (tr_noop("Statistics", "— quá thời hạn"), lambda s: s.crime_reports.handled.late, False),
    (tr_noop("Statistics", "Tỉ lệ chuyển, xử lý đúng hạn (%)"), lambda s: s.crime_reports.handled.on_time_rate, True),
    (tr_noop("Statistics", "Tố giác, tin báo tồn quá hạn cuối kỳ"), lambda s: s.crime_reports.pending.overdue, False),
    (tr_noop("Statistics", "Đơn thư tiếp nhận"), lambda s: s.petitions.received, False),
    (tr_noop("Statistics", "Vụ việc hòa giải tiếp nhận"), lambda s: s.mediation.received, False),
    (tr_noop("Statistics", "Vi phạm hành chính lập biên bản"), lambda s: s.violations.recorded, False),
)
OVERDUE_HEADERS = (tr_noop("Statistics", "Cán bộ"), tr_noop("Statistics", "Hồ sơ TTHC"),
                   tr_noop("Statistics", "Tố giác, tin báo"), tr_noop("Statistics", "Đơn thư"),
                   tr_noop("Statistics", "Hòa giải"), tr_noop("Statistics", "Vi phạm HC"),
                   tr_noop("Statistics", "Tổng"))


def _item(text: str, *, right: bool = False, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


def _table(columns: int) -> QTableWidget:
    t = QTableWidget(0, columns)
    elide_titles(t)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for c in range(1, columns):
        t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
    return t


class StatisticsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statistics_view")
        self.context = context
        self.data: Dashboard | None = None
        self._generation = 0
        self._stale = False  # records changed while the page was hidden
        self._last_export: Path | None = None
        today = office_today()

        # ---- the period
        self.kind = QComboBox()
        self.kind.setObjectName("stats_kind")
        for k in KINDS:
            self.kind.addItem(KIND_LABELS[k], k)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.month = QComboBox()
        for m in range(1, 13):
            self.month.addItem(str(m), m)
        self.month.setCurrentIndex(today.month - 1)
        self.quarter = QComboBox()
        for q in range(1, 5):
            self.quarter.addItem(ROMAN[q - 1], q)
        self.quarter.setCurrentIndex((today.month - 1) // 3)
        self.start = QDateEdit(QDate(today.year, today.month, 1))
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("dd/MM/yyyy")
        self.year_label, self.month_label, self.quarter_label = QLabel(), QLabel(), QLabel()
        self.start_label, self.end_label = QLabel(), QLabel()
        for w in (self.kind, self.year, self.month, self.quarter):
            signal = w.valueChanged if isinstance(w, QSpinBox) else w.currentIndexChanged
            signal.connect(self._period_changed)
        for d in (self.start, self.end):
            d.dateChanged.connect(self._period_changed)
        bar = QHBoxLayout()
        part: QWidget
        for part in (self.kind, self.month_label, self.month, self.quarter_label, self.quarter, self.year_label,
                     self.year, self.start_label, self.start, self.end_label, self.end):
            bar.addWidget(part)
        bar.addStretch(1)

        # ---- actions
        self.prepared_by = QLineEdit()
        self.prepared_by.setObjectName("stats_prepared_by")
        self.prepared_by.setMaximumWidth(220)
        self.csv_button, self.xlsx_button = QPushButton(), QPushButton()
        self.print_button, self.submit_button = QPushButton(), QPushButton()
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))
        self.xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))
        self.print_button.clicked.connect(self.print_report)
        self.submit_button.clicked.connect(self._ask_submit)
        self.prepared_label = QLabel()
        actions = QHBoxLayout()
        actions.addWidget(self.prepared_label)
        actions.addWidget(self.prepared_by)
        actions.addStretch(1)
        for b in (self.csv_button, self.xlsx_button, self.print_button, self.submit_button):
            actions.addWidget(b)
        self.status = QLabel()
        self.status.setObjectName("stats_status")
        self.status.setWordWrap(True)

        # ---- figures, chart, overdue
        self.compare = _table(4)
        self.compare.setObjectName("stats_compare")
        # A narrow window wraps the indicators' names rather than cutting them ("Tỉ lệ giải quyết đú…").
        self.compare.setWordWrap(True)
        self.compare.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._fit_rows = QTimer(self, singleShot=True, interval=0)  # once the header has settled
        self._fit_rows.timeout.connect(self.compare.resizeRowsToContents)
        self.compare.horizontalHeader().sectionResized.connect(lambda *_a: self._fit_rows.start())
        # The indicators keep a column of their own: the period columns are as wide as their content, narrowed
        # (their titles elided) on a narrow page. "Quý IV/2026 (đến nay)" left the indicators ~40 px at 1024×600.
        self._compare_columns = ColumnFitter(self.compare, lambda: ["figure", "current", "previous", "change"],
                                             stretch=("figure",), floor=56, text_min=170,
                                             capped={"current": 240, "previous": 240, "change": 240})
        self._fit_compare = QTimer(self, singleShot=True, interval=0)  # once the new headers are in
        self._fit_compare.timeout.connect(self._compare_columns.fit)
        self.compare.model().headerDataChanged.connect(lambda *_a: self._fit_compare.start())
        self.chart = RateChart()
        self.chart.setObjectName("stats_chart")
        self.overdue = _table(len(OVERDUE_HEADERS))
        self.overdue.setObjectName("stats_overdue")
        # The officer's name whole (it shrank to "Ng…" on a netbook); the counts scroll sideways if need be.
        self.overdue.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.compare_box, self.chart_box, self.overdue_box = QGroupBox(), QGroupBox(), QGroupBox()
        content: QWidget
        for box, content in ((self.compare_box, self.compare), (self.chart_box, self.chart),
                             (self.overdue_box, self.overdue)):
            QVBoxLayout(box).addWidget(content)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.chart_box)
        right.addWidget(self.overdue_box)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        # Shares of the room, not pixels (sizes before the first layout are weights). At 1024×600 the chart had
        # a plot ~30 px tall (every label "…") and the figures' indicator column ~40 px (a word a line): the
        # chart takes 3/4 of its column, the figures 6/11 of the width.
        right.setSizes([3000, 1000])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.compare_box)
        body.addWidget(right)
        body.setStretchFactor(0, 6)
        body.setStretchFactor(1, 5)
        body.setSizes([6000, 5000])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(body, 1)
        context.changed.connect(self._changed)
        self.retranslate()
        self._show_kind()
        self.reload()

    # ------------------------------------------------------------------ period
    def period(self) -> Period:
        kind, year = self.kind.currentData(), self.year.value()
        if kind == "quarter":
            return Period.quarter(year, int(self.quarter.currentData()))
        if kind == "year":
            return Period.year(year)
        if kind == "range":
            a: date = self.start.date().toPython()  # type: ignore[assignment]
            b: date = self.end.date().toPython()  # type: ignore[assignment]
            start, end = min(a, b), max(a, b)
            return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
        return Period.month(year, int(self.month.currentData()))

    def set_period(self, period: Period) -> None:
        """Show ``period`` (tests, and opening a submitted report)."""
        widgets = (self.kind, self.year, self.month, self.quarter, self.start, self.end)
        for w in widgets:
            w.blockSignals(True)
        self.kind.setCurrentIndex(KINDS.index(period.kind))
        self.year.setValue(period.start.year)
        self.month.setCurrentIndex(period.start.month - 1)
        self.quarter.setCurrentIndex((period.start.month - 1) // 3)
        self.start.setDate(QDate(period.start.year, period.start.month, period.start.day))
        self.end.setDate(QDate(period.end.year, period.end.month, period.end.day))
        for w in widgets:
            w.blockSignals(False)
        self._period_changed()

    def _period_changed(self, *_args: Any) -> None:
        self._show_kind()
        self.reload()

    def _show_kind(self) -> None:
        kind = self.kind.currentData()
        visible = {self.month_label: kind == "month", self.month: kind == "month",
                   self.quarter_label: kind == "quarter", self.quarter: kind == "quarter",
                   self.year_label: kind != "range", self.year: kind != "range",
                   self.start_label: kind == "range", self.start: kind == "range",
                   self.end_label: kind == "range", self.end: kind == "range"}
        for w, on in visible.items():
            w.setVisible(on)

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        period = self.period()
        now = office_now()
        self._generation += 1
        generation = self._generation
        self.status.setText(self.tr("Đang tính số liệu…"))
        self.context.tasks.run(lambda conn: dashboard(conn, period, now),
                               lambda data: self._loaded(generation, data),
                               lambda exc: self._failed(generation, exc))

    def _loaded(self, generation: int, data: Dashboard) -> None:
        if generation != self._generation:
            return  # the head moved on to another period meanwhile
        self.data = data
        self._fill()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.status.setText(self.tr("Không tính được số liệu: %1").replace("%1", str(exc)))

    def _changed(self, changes: ChangeSet) -> None:
        if not FIGURE_KINDS & set(changes.kinds):
            return
        if self.isVisible():
            self.reload()
        else:  # a page nobody looks at does not recompute a year of figures after every intake
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self._stale = False
            self.reload()
        super().showEvent(event)

    # ------------------------------------------------------------------ showing
    def _number(self, value: int | Decimal | None, rate: bool) -> str:
        if value is None:
            return "—"  # nothing finished: no rate
        text = str(value)
        return decimal_text(text, self.context.language) if rate else text

    def _change(self, now: int | Decimal | None, before: int | Decimal | None) -> str:
        if now is None or before is None:
            return "—"
        diff = now - before
        if diff == 0:
            return "0"
        text = f"{'+' if diff > 0 else '−'}{abs(diff)}"
        return decimal_text(text, self.context.language)

    def _fill(self) -> None:
        data = self.data
        if data is None:
            return
        cur, prev = data.current, data.previous
        self.compare_box.setTitle(self.tr("Kỳ %1 so với kỳ trước (%2)").replace("%1", self._label(cur.period))
                                  .replace("%2", self._label(prev.period)))
        self.compare.setRowCount(len(ROWS))
        for row, (label, get, rate) in enumerate(ROWS):
            a, b = get(cur), get(prev)
            head = not label.startswith("—")
            self.compare.setItem(row, 0, _item(tr(label), bold=head and rate))
            self.compare.setItem(row, 1, _item(self._number(a, rate), right=True, bold=rate))
            self.compare.setItem(row, 2, _item(self._number(b, rate), right=True))
            self.compare.setItem(row, 3, _item(self._change(a, b), right=True))
        self.compare.setHorizontalHeaderLabels([self.tr("Chỉ tiêu"), self._label(cur.period), self._label(prev.period),
                                                self.tr("Tăng/giảm")])
        self._fit_rows.start()
        labels, series, span = month_series(data.months)
        self.chart.set_series(labels, series, self.tr("Tỉ lệ đúng hạn 12 tháng (%)"), span)
        self.overdue.setRowCount(len(data.overdue))
        for row, o in enumerate(data.overdue):
            values = (o.dossiers, o.crime_reports, o.petitions, o.mediation, o.violations, o.total)
            self.overdue.setItem(row, 0, _item(o.officer or self.tr("(không rõ)")))
            for col, v in enumerate(values, 1):
                self.overdue.setItem(row, col, _item(str(v), right=True, bold=col == len(values)))
        self.overdue_box.setTitle(self.tr("Việc đang quá hạn theo cán bộ (%1 việc)").replace(
            "%1", str(sum(o.total for o in data.overdue))))
        running = cur.period.as_of is not None
        if running:  # figures to date: the pending ones counted now, not at a close still to come
            status = (self.tr("Kỳ %1 chưa kết thúc (đến hết ngày %3): số liệu tính đến %4, tồn tính tại thời điểm này.")
                      .replace("%1", self._label(cur.period)).replace("%3", f"{cur.period.end:%d/%m/%Y}")
                      .replace("%4", office_stamp(cur.period.as_of)))
            header = self.tr("%1 (đến nay)").replace("%1", self._label(cur.period))
            self.compare.setHorizontalHeaderItem(1, QTableWidgetItem(header))
        else:
            status = (self.tr("Số liệu kỳ %1, từ %2 đến %3; tồn tính đến 00:00 ngày %4.")
                      .replace("%1", self._label(cur.period)).replace("%2", f"{cur.period.start:%d/%m/%Y}")
                      .replace("%3", f"{cur.period.end:%d/%m/%Y}")
                      .replace("%4", f"{cur.period.end + timedelta(days=1):%d/%m/%Y}"))
        # A report is submitted once its period has ended (store.statistics.submit_report refuses earlier).
        self.submit_button.setEnabled(not running)
        self.submit_button.setToolTip(self.tr("Kỳ chưa kết thúc: gửi báo cáo khi kỳ đã kết thúc.") if running else "")
        self.status.setText(status + self._submitted_text(data.reports))

    def _submitted_text(self, reports: list[dict[str, Any]]) -> str:
        """Whether this period's report was already submitted, and whether the province has it."""
        if not reports:
            return " " + self.tr("Chưa gửi báo cáo kỳ này lên tỉnh.")
        latest = reports[0]
        state = {"synced": self.tr("tỉnh đã nhận"), "rejected": self.tr("tỉnh từ chối, xem mục Đồng bộ"),
                 "conflict": self.tr("xung đột, xem mục Đồng bộ")}.get(str(latest.get("sync_state")),
                                                                self.tr("chờ đồng bộ"))
        when = office_stamp(str(latest["submitted_at"]))
        return " " + self.tr("Đã gửi báo cáo kỳ này lúc %1 (%2).").replace("%1", when).replace("%2", state)

    def _label(self, p: Period) -> str:
        if p.kind == "month":
            return f"{p.start.month:02d}/{p.start.year}"
        if p.kind == "quarter":
            return self.tr("Quý %1/%2").replace("%1", ROMAN[(p.start.month - 1) // 3]).replace("%2", str(p.start.year))
        if p.kind == "year":
            return str(p.start.year)
        if p.start.year == p.end.year:
            return f"{p.start:%d/%m}–{p.end:%d/%m/%Y}"
        return f"{p.start:%d/%m/%Y}–{p.end:%d/%m/%Y}"  # across New Year: "01/12–15/01/2027" hid the start's year

    # ------------------------------------------------------------------ export, print, submit
    def _ask_export(self, fmt: str) -> None:
        if self.data is None:
            return
        suggested = f"thong-ke-{self.data.current.period.label}.{fmt}"
        name = "CSV (*.csv)" if fmt == "csv" else "Excel (*.xlsx)"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Xuất số liệu"), suggested, name)
        if path:
            self.export_to(path, fmt)

    def export_to(self, path: str | Path, fmt: str) -> None:
        """Write the shown period's tables (the file is written off the GUI thread)."""
        if self.data is None:
            return
        from ...statistics_export import tables, write_csv, write_xlsx

        tabs = tables(self.data.current)
        target = Path(path)
        write = write_csv if fmt == "csv" else write_xlsx

        def done(_result: object) -> None:
            self._last_export = target
            self.status.setText(translate("Statistics", "Đã ghi %1").replace("%1", str(target)))

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, translate("Statistics", "Không ghi được tệp"), str(exc))

        self.context.tasks.run(lambda: write(target, tabs), done, failed, on="io")

    def report_document(self, page_size: Any = "A4") -> Any:
        """The period report of the shown period (``printing/statistics_document``)."""
        from ...domain.units import commune
        from ...printing.documents import station_info
        from ...printing.statistics_document import period_report

        assert self.data is not None
        settings = self.data.settings
        code = settings.get("station.commune_code") or ""
        unit = commune(code) if code else None
        code_word = self.tr("mã")  # outside the f-string, where lupdate reads it
        where = f"{unit.name}, {unit.province_name} ({code_word} {code})" if unit else code
        officer = self.context.officer
        return period_report(self.data.current, station_info(settings), commune=where,
                             made_at=office_now(), chart=chart_png(self.data.months),
                             prepared_by=self.prepared_by.text().strip(),
                             approved_by=officer.full_name if officer and officer.is_head else "",
                             page_size=page_size)

    def print_report(self) -> None:
        if self.data is None:
            return
        from ..dossiers.preview import PrintPreview

        self.preview = PrintPreview(self.report_document,
                                    printer_name=str(self.context.options.get("print.printer") or ""), parent=self)
        self.preview.open()

    def _ask_submit(self) -> None:
        if self.data is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Gửi báo cáo lên tỉnh"),
            self.tr("Gửi báo cáo thống kê kỳ %1 lên Công an tỉnh? Báo cáo được gửi ở lần đồng bộ tới; số liệu tỉnh "
               "tính lại từ hồ sơ sẽ được đối chiếu với báo cáo.").replace("%1", self._label(self.data.current.period)))
        if answer == QMessageBox.StandardButton.Yes:
            self.submit()

    def submit(self) -> None:
        """Record the shown period's report for the province, its figures computed afresh in the write
        transaction's connection (nothing entered since the page was drawn is left out)."""
        officer = self.context.officer
        if officer is None or self.data is None:
            return
        period = self.data.current.period
        prepared_by = self.prepared_by.text().strip()
        approved_by = officer.full_name if officer.is_head else ""

        def op(store: Any) -> dict[str, Any]:
            return submit_report(store, station_stats(store.conn, period), officer=officer.username,
                                 prepared_by=prepared_by, approved_by=approved_by)

        def done(record: dict[str, Any]) -> None:
            self.submitted = record
            self.status.setText(self.tr("Đã ghi báo cáo kỳ %1; báo cáo sẽ được gửi lên tỉnh khi đồng bộ.")
                                .replace("%1", self._label(period)))

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, translate("Statistics", "Không gửi được báo cáo"), self.context.error_text(exc))

        self.context.tasks.run(op, done, failed, on="write")

    def open_record(self, kind: str, record_id: str) -> None:
        """A submitted report opens on its period."""
        if kind != "stat_report":
            return

        def load(conn: Any) -> dict[str, Any] | None:
            from ...store.statistics import report_by_id

            return report_by_id(conn, record_id)

        def show(record: dict[str, Any] | None) -> None:
            if record and record.get("period"):
                self.set_period(Period.parse(str(record["period"])))

        self.context.tasks.run(load, show)

    # ------------------------------------------------------------------ language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        for i, k in enumerate(KINDS):
            self.kind.setItemText(i, tr(KIND_LABELS[k]))
        self.month_label.setText(self.tr("Tháng"))
        self.quarter_label.setText(self.tr("Quý"))
        self.year_label.setText(self.tr("Năm"))
        self.start_label.setText(self.tr("Từ ngày"))
        self.end_label.setText(self.tr("Đến ngày"))
        self.prepared_label.setText(self.tr("Người lập biểu:"))
        self.prepared_by.setPlaceholderText(self.tr("họ tên, in trên báo cáo"))
        self.csv_button.setText(self.tr("Xuất CSV…"))
        self.xlsx_button.setText(self.tr("Xuất Excel…"))
        self.print_button.setText(self.tr("In báo cáo kỳ…"))
        self.submit_button.setText(self.tr("Gửi báo cáo lên tỉnh"))
        self.compare_box.setTitle(self.tr("Số liệu kỳ này so với kỳ trước"))
        self.chart_box.setTitle(self.tr("Tỉ lệ giải quyết đúng hạn"))
        self.overdue_box.setTitle(self.tr("Việc đang quá hạn theo cán bộ"))
        self.compare.setHorizontalHeaderLabels([self.tr("Chỉ tiêu"), self.tr("Kỳ này"), self.tr("Kỳ trước"),
                                                self.tr("Tăng/giảm")])
        self.overdue.setHorizontalHeaderLabels([tr(h) for h in OVERDUE_HEADERS])
        self._fill()
