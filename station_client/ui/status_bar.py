"""The sync status in the status bar: one state, last successful sync, pending, conflicts, "Sync now"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from ..clock import office_datetime, utcnow
from ..sync.status import SyncStatus
from .context import AppContext
from .i18n import bilingual
from .style import SPACE, margins

STATE_COLOURS = {"up_to_date": "#1e7a34", "syncing": "#1a5fb4", "offline": "#7a5d00", "failed": "#b3261e",
                 "not_enrolled": "#555555"}


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'5 phút trước' / '5 min ago' (translated), or the date for anything older than a day."""
    if when is None:
        return QCoreApplication.translate("SyncStatus", "chưa lần nào")
    now = now or utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return QCoreApplication.translate("SyncStatus", "vừa xong")
    # One and many as two strings (Vietnamese has no plural; English does): pyside6-lupdate before 6.12 does not
    # extract Qt's %n plural forms from Python, and the catalogue must be what every lupdate extracts.
    if seconds < 120:
        return QCoreApplication.translate("SyncStatus", "1 phút trước")
    if seconds < 3600:
        return QCoreApplication.translate("SyncStatus", "%1 phút trước").replace("%1", str(seconds // 60))
    if seconds < 7200:
        return QCoreApplication.translate("SyncStatus", "1 giờ trước")
    if seconds < 86400:
        return QCoreApplication.translate("SyncStatus", "%1 giờ trước").replace("%1", str(seconds // 3600))
    return office_datetime(when)


def state_text(status: SyncStatus) -> str:
    return {
        "not_enrolled": QCoreApplication.translate(
            "SyncStatus", "Chưa đăng ký với Công an tỉnh — dữ liệu chỉ lưu tại trạm"),
        "offline": QCoreApplication.translate(
            "SyncStatus", "Mất kết nối — thay đổi đã được lưu và sẽ gửi khi có mạng"),
        "syncing": QCoreApplication.translate("SyncStatus", "Đang đồng bộ…"),
        "failed": QCoreApplication.translate("SyncStatus", "Đồng bộ lỗi"),
        "up_to_date": QCoreApplication.translate("SyncStatus", "Đã đồng bộ"),
    }[status.state]


class ElidedLabel(QLabel):
    """One line that gives way when the window is narrow: it ends in "…" and its tip holds the whole text (the
    status bar pushed the window past a 1024-pixel screen, the Lock button off its edge)."""

    def __init__(self, minimum: int = 60, parent: QWidget | None = None):
        super().__init__(parent)
        self._minimum = minimum
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # type: ignore[override]
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.text()) + 4, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self._minimum, self.sizeHint().width()), super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown)


class SyncStatusBar(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.status = SyncStatus("not_enrolled")
        self.state = ElidedLabel(90)  # a failure's reason can be long
        self.state.setObjectName("sync_state")
        self.last = ElidedLabel(40)
        self.last.setObjectName("sync_last")
        self.pending = QLabel()
        self.pending.setObjectName("sync_pending")
        self.conflicts = QPushButton()
        self.conflicts.setObjectName("sync_conflicts")
        self.conflicts.setFlat(True)
        self.conflicts.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.conflicts.clicked.connect(lambda: context.show_section("sync"))
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.sync_now = QPushButton()
        self.sync_now.setObjectName("sync_now")
        self.sync_now.clicked.connect(self._sync_now)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.small, SPACE.none))
        for w in (self.state, self.progress, self.last, self.pending, self.conflicts, self.sync_now):
            layout.addWidget(w)
        layout.setStretch(layout.indexOf(self.state), 1)  # the state and the last success share what is left
        layout.setStretch(layout.indexOf(self.last), 2)
        self.tick = QTimer(self, interval=30_000)
        self.tick.timeout.connect(self.refresh)
        self.tick.start()
        self.refresh()

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        self.refresh()

    def _sync_now(self) -> None:
        if self.context.sync is not None:
            self.context.sync.sync_now()
        else:
            self.context.show_section("settings")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)

    def refresh(self) -> None:
        s = self.status
        text = state_text(s)
        if s.state == "failed" and (s.last_error_vi or s.last_error_en):
            text += ": " + bilingual(self.context.language, s.last_error_vi or "", s.last_error_en)
        self.state.setText(text)
        self.state.setStyleSheet(f"color: {STATE_COLOURS[s.state]}; font-weight: bold;")
        enrolled = s.state != "not_enrolled"
        self.last.setVisible(enrolled)
        self.last.setText(self.tr("Lần đồng bộ thành công gần nhất: %1").replace("%1", ago(s.last_success)))
        self.pending.setText(self.tr("Chờ gửi: %1").replace("%1", str(s.pending)))
        self.conflicts.setVisible(s.conflicts > 0)
        self.conflicts.setText(self.tr("Xung đột cần xử lý: %1").replace("%1", str(s.conflicts)))
        self.progress.setVisible(s.state == "syncing" and bool(s.progress_total))
        if s.progress_total:
            self.progress.setMaximum(s.progress_total)
            self.progress.setValue(min(s.progress_done, s.progress_total))
        self.sync_now.setText(self.tr("Đồng bộ ngay") if enrolled else self.tr("Đăng ký với tỉnh…"))
        self.sync_now.setEnabled(s.state != "syncing")
