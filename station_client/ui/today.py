"""The Today section: work due today and overdue, from every registered Today provider (``sections.py``)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from ..clock import office_datetime, office_today
from .context import AppContext
from .i18n import format_date
from .sections import Section, TodayItem, collect_today, register_section, today_providers


class TodayView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.items: list[TodayItem] = []
        self.failures: list[tuple[str, object]] = []
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.summary = QLabel()
        self.list = QListWidget()
        self.list.setObjectName("today_list")
        self.list.itemActivated.connect(self._open)
        self.reload_button = QPushButton()
        self.reload_button.clicked.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.reload_button, alignment=Qt.AlignmentFlag.AlignRight)
        context.changed.connect(lambda _changes: self.reload())
        self.timer = QTimer(self, interval=5 * 60_000)  # what is due moves with the clock, not only with edits
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        self.retranslate()
        self.reload()

    def reload(self) -> None:
        today = office_today()
        self.context.tasks.run(lambda conn: collect_today(conn, today), self._loaded, on="read")

    def _loaded(self, result: tuple[list[TodayItem], list[tuple[str, object]]]) -> None:
        self.items, self.failures = result
        self._fill()

    def _fill(self) -> None:
        """Items grouped under a heading per state (overdue first); each shows its due time and detail."""
        self.list.clear()
        labels = {"overdue": self.tr("Quá hạn"), "due": self.tr("Đến hạn hôm nay"), "upcoming": self.tr("Sắp đến")}
        colours = {"overdue": "#b3261e", "due": "#1a5fb4", "upcoming": "#555555"}
        for state in ("overdue", "due", "upcoming"):
            group = [i for i in self.items if i.state == state]
            if not group:
                continue
            heading = QListWidgetItem(f"{labels[state]} ({len(group)})")
            heading.setFlags(Qt.ItemFlag.NoItemFlags)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            heading.setForeground(QBrush(QColor(colours[state])))
            self.list.addItem(heading)
            for item in group:
                text = f"    {item.title}"
                if item.due:
                    text += " — " + (office_datetime(item.due) if "T" in item.due else format_date(item.due))
                if item.detail:
                    text += f"\n        {item.detail}"
                row = QListWidgetItem(text)
                row.setData(Qt.ItemDataRole.UserRole, item)
                if state == "overdue":
                    row.setForeground(QBrush(QColor(colours[state])))
                self.list.addItem(row)
        for provider_id, exc in self.failures:
            row = QListWidgetItem(self.tr("Không tải được việc từ mục %1: %2").replace("%1", provider_id)
                                  .replace("%2", str(exc)))
            row.setForeground(QBrush(QColor("#7a5d00")))
            self.list.addItem(row)
        overdue = sum(1 for i in self.items if i.state == "overdue")
        if not today_providers():
            self.summary.setText(self.tr("Chưa có mục nào cung cấp việc cần làm."))
        elif not self.items:
            self.summary.setText(self.tr("Không có việc đến hạn hôm nay."))
        else:
            self.summary.setText(self.tr("%1 việc, trong đó %2 quá hạn.").replace("%1", str(len(self.items)))
                                 .replace("%2", str(overdue)))
        first = next((r for r in range(self.list.count())
                      if self.list.item(r).data(Qt.ItemDataRole.UserRole) is not None), None)
        if first is not None:
            self.list.setCurrentRow(first)

    def _open(self, row: QListWidgetItem) -> None:
        item = row.data(Qt.ItemDataRole.UserRole)
        if isinstance(item, TodayItem):
            if item.kind and item.record_id:
                self.context.open_record(item.kind, item.record_id)
            else:
                self.context.show_section(item.section)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.reload()  # the providers word their items in the language of the moment they run
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Việc hôm nay"))
        self.reload_button.setText(self.tr("Làm mới"))
        self._fill()


register_section(Section(id="today", title=lambda: QCoreApplication.translate("Sections", "Hôm nay"),
                         factory=TodayView, icon="today", shortcut="Ctrl+1", order=10))
