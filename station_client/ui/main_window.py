"""The main window: a thin shell. Gate pages (first run, login, lock) or the work area; the work area is a
navigation list of the registered sections (``sections.py``) and the status bar. No feature logic here."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from ..domain.accounts import Account, RestoreReport
from ..resources import resource_path
from ..store import accounts as account_store
from ..store import integrity
from ..store import unlock as unlocking
from . import sections as registry
from .context import AppContext
from .gate import FirstRunPage, LoginPage
from .layouts import focus_into
from .officers import NewPasswordPage, restore_text
from .status_bar import SyncStatusBar
from .style import SPACE, margins

log = logging.getLogger(__name__)
APP_CHECK_SECONDS = 20.0  # on a reader thread after the login: the officer does not wait for it
PREFERRED_SIZE = QSize(1200, 760)  # on a screen with room for it; smaller screens get their work area
USER_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.MouseMove}


def icon(name: str | None) -> QIcon:
    if not name:
        return QIcon()
    for ext in ("svg", "png"):
        path = resource_path("icons", f"{name}.{ext}")
        if path.exists():
            return QIcon(str(path))
    return QIcon()


class IdleWatcher(QObject):
    """Locks the window after ``minutes`` without keyboard or mouse input (an application event filter)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(window.lock)

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(max(1, int(minutes)) * 60_000)
        if self.timer.isActive():
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in USER_INPUT and self.timer.isActive():
            self.timer.start()
        return False


class Workspace(QWidget):
    """Navigation on the left, the current section on the right. Pages are built on first show."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(200)
        self.nav.setStyleSheet("QListWidget::item { padding: 8px 6px; }")
        self.pages = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.sections: list[registry.Section] = []
        self.widgets: dict[str, QWidget] = {}
        self.shortcuts: list[QShortcut] = []
        self.nav.currentRowChanged.connect(self._show_row)
        # A section chosen with the mouse takes the keyboard at once: its Ctrl+F / Ctrl+N (shortcuts of the page
        # and its children) did nothing while the focus stayed on the navigation. Arrow keys in the navigation
        # keep it there (the officer is still choosing).
        self.nav.itemClicked.connect(lambda _item: self.focus_current())

    def build(self) -> None:
        """(Re)build for the logged-in officer. Pages from a previous login are dropped."""
        for w in self.widgets.values():
            self.pages.removeWidget(w)
            w.deleteLater()
        self.widgets.clear()
        for s in self.shortcuts:
            s.setParent(None)
        self.shortcuts.clear()
        officer = self.context.officer
        self.sections = [s for s in registry.sections() if not s.head_only or (officer and officer.is_head)]
        self.nav.blockSignals(True)
        self.nav.clear()
        for s in self.sections:
            item = QListWidgetItem(icon(s.icon), s.title())
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            if s.shortcut:
                item.setToolTip(s.shortcut)
                shortcut = QShortcut(QKeySequence(s.shortcut), self)
                shortcut.activated.connect(lambda sid=s.id: self.show_section(sid))
                self.shortcuts.append(shortcut)
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._fit_nav()
        if self.sections:
            self.nav.setCurrentRow(0)
            self._show_row(0)
        # Other pages are built when first shown (~0.1 s each), never ahead: building them on the GUI thread
        # while the officer types would stall it (measured: up to 0.9 s for a search answer).

    def retranslate(self) -> None:
        for row, s in enumerate(self.sections):
            self.nav.item(row).setText(s.title())
        self._fit_nav()

    def _fit_nav(self) -> None:
        """As wide as its longest title (150–200 px): on a 1024-pixel screen every pixel goes to the lists."""
        if self.nav.count():
            self.nav.setFixedWidth(max(150, min(200, self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 8)))

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self.sections):
            self.page(self.sections[row].id)

    def ensure(self, section_id: str) -> QWidget | None:
        """A section's widget, built the first time (not shown)."""
        s = next((s for s in self.sections if s.id == section_id), None)
        if s is None:
            return None
        widget = self.widgets.get(s.id)
        if widget is None:
            try:
                widget = s.factory(self.context)
            except Exception as exc:  # one broken feature must not take the window down
                log.exception("section %s failed to open", s.id)
                widget = QLabel(self.tr("Mục này chưa mở được: %1").replace("%1", str(exc)))
                widget.setWordWrap(True)
                widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            widget.setObjectName(f"section_{s.id}")
            self.widgets[s.id] = widget
            self.pages.addWidget(widget)
        return widget

    def page(self, section_id: str) -> QWidget | None:
        """Show a section (building it the first time) and return its widget."""
        s = next((s for s in self.sections if s.id == section_id), None)
        widget = self.ensure(section_id)
        if s is None or widget is None:
            return None
        self.pages.setCurrentWidget(widget)
        row = self.sections.index(s)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        return widget

    def show_section(self, section_id: str) -> None:
        widget = self.page(section_id)
        if widget is not None:
            focus_into(widget)

    def focus_current(self) -> None:
        """The keyboard into the page shown (its focus proxy, else its first field or list)."""
        widget = self.pages.currentWidget()
        if widget is not None:
            focus_into(widget)

    def open_record(self, kind: str, record_id: str) -> None:
        s = registry.section_for_kind(kind)
        if s is None:
            return
        widget = self.page(s.id)
        opener = getattr(widget, "open_record", None)
        if opener is not None:
            opener(kind, record_id)


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, *, needs_setup: bool):
        super().__init__()
        self.context = context
        self.setObjectName("main_window")
        self.resize(PREFERRED_SIZE)  # ``show_on_screen`` fits it to the screen the window opens on
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.first_run = FirstRunPage(context)
        self.login = LoginPage(context)
        self.workspace = Workspace(context)
        self.new_password = NewPasswordPage(context)
        for page in (self.first_run, self.login, self.workspace, self.new_password):
            self.stack.addWidget(page)
        context.navigator = self.workspace
        self.first_run.done.connect(self._logged_in)
        self.login.logged_in.connect(self._logged_in)
        self.new_password.done.connect(self._logged_in)
        context.tasks.failed.connect(self._show_error)
        self._data_checked = False
        self._province_rekey_due = False  # a sync took the province's disable of an account: re-key at once
        context.options_changed.connect(self._options_changed)

        self.sync_bar = SyncStatusBar(context)
        self.officer_label = QLabel()
        self.lock_button = QPushButton()
        self.lock_button.setObjectName("lock_button")
        self.lock_button.clicked.connect(self.lock)
        bar = self.statusBar()
        bar.addWidget(self.sync_bar, 1)
        bar.addPermanentWidget(self.officer_label)
        bar.addPermanentWidget(self.lock_button)
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        self.lock_shortcut.activated.connect(self.lock)

        self.idle = IdleWatcher(self)
        self.idle.set_minutes(int(context.options.get("ui.idle_lock_min") or 10))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.retranslate()
        if needs_setup:
            self.stack.setCurrentWidget(self.first_run)
            self.first_run.form.focus_first()
            self._set_working(False)
        else:
            self.show_login()

    def show_on_screen(self) -> None:
        """Show the window sized to the screen it opens on: 1200×760 where that fits the work area (the screen
        less its task bars), maximised where it does not (a 1024×600 netbook, a 1366×768 laptop at 125 %)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.show()
            return
        available = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders, once shown
        room = available.size() - frame.expandedTo(QSize(0, 30))
        if PREFERRED_SIZE.width() > room.width() or PREFERRED_SIZE.height() > room.height():
            self.resize(PREFERRED_SIZE.boundedTo(room))
            self.move(available.topLeft())
            self.showMaximized()
        else:
            self.resize(PREFERRED_SIZE)
            self.move(available.center() - self.rect().center())
            self.show()

    # ---------------------------------------------------------------- sessions
    def show_login(self, locked_for: Account | None = None) -> None:
        self.login.prepare(locked_for)
        self.stack.setCurrentWidget(self.login)
        self._set_working(False)

    def _logged_in(self, account: Account) -> None:
        if account.must_change:  # a password someone else set: the officer's own first (ui/officers.py)
            self.new_password.prepare(account)
            self.stack.setCurrentWidget(self.new_password)
            return
        same = self.context.officer is not None and self.context.officer.username == account.username
        self.context.set_officer(account)
        if not same or not self.workspace.sections:
            self.workspace.build()
        self.stack.setCurrentWidget(self.workspace)
        self.workspace.focus_current()  # the keyboard follows (the login or recovery-key page had it)
        self._set_working(True)
        self.idle.timer.start()
        self.retranslate()
        # An encrypted station keeps its name in the key file too, for the next start's login page (on the
        # writer: the key file's other writes after a login happen there, one at a time).
        self.context.write(unlocking.remember_station_name, None,
                           lambda exc: log.warning("station name not kept in the key file: %s", exc))
        if self._province_rekey_due:  # a sync took the province's disable while the window was locked
            self._run_province_rekey()
        elif account.is_head and self.context.rekey is not None:
            # A re-key still due (one an officer's session could not run, or one that could not run while another
            # program had the file open): the head is here, it runs now (ui/rekey.py).
            self.context.rekey.run()
        if self.context.restored is not None and account.is_head:  # a restore made before this start
            self.context.restored = None
            self.context.tasks.run(account_store.last_restore, self._show_restore, on="read")
        if not self._data_checked:  # once per start, on a reader: a damaged file is shown (``_show_error``)
            self._data_checked = True
            path = self.context.tasks.db_path
            self.context.tasks.run(lambda conn: integrity.ensure_sound(conn, path, seconds=APP_CHECK_SECONDS))

    def lock(self) -> None:
        if self.context.officer is None or self.stack.currentWidget() is not self.workspace:
            return
        self.idle.timer.stop()
        for dialog in self.findChildren(QDialog):  # nothing of the work stays on screen behind the lock
            if dialog.isVisible():
                dialog.reject()
        self.show_login(locked_for=self.context.officer)

    @property
    def is_locked(self) -> bool:
        return self.stack.currentWidget() is self.login

    def _set_working(self, working: bool) -> None:
        self.lock_button.setVisible(working)
        self.officer_label.setVisible(working)
        self.sync_bar.setVisible(working)  # nothing about the station's work before a login
        self.lock_shortcut.setEnabled(working)
        for s in self.workspace.shortcuts:
            s.setEnabled(working)

    # -------------------------------------------------------------- language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        name = self.context.options.get("station.name") or unlocking.station_name(self.context.tasks.db_path)
        # The platform appends the display name to every title (X11 showed "Phần mềm Công an xã/phường — <station>
        # — Công an xã/phường", and in Vietnamese under English): the program's name goes there, translated, and
        # the title is the station's name ("<station> — Phần mềm Công an xã/phường"; the name alone before setup).
        QApplication.setApplicationDisplayName(self.tr("Phần mềm Công an xã/phường"))
        self.setWindowTitle(name)
        self.lock_button.setText(self.tr("Khóa (Ctrl+L)"))
        officer = self.context.officer
        self.officer_label.setText(officer.full_name if officer else "")
        self.workspace.retranslate()

    def _options_changed(self, options: dict) -> None:
        self.idle.set_minutes(int(options.get("ui.idle_lock_min") or 10))
        self.retranslate()

    # ------------------------------------------------------------ the province's disables
    def sync_cycle_finished(self, report: Any) -> None:
        """A sync cycle is over (GUI thread; ``SyncBridge.cycle_finished``). When it took the province's disable of
        the officer logged in, the window locks: their session does no more work, and the re-key never runs in it.
        When a disable made a re-key due, it runs now, not at a head's next login (``_run_province_rekey``)."""
        applied = getattr(report, "applied", None)
        if applied is None:
            return
        officer = self.context.officer
        if officer is not None and officer.username in applied.disabled and not self.is_locked:
            self.lock()
            self.login.sub.setText(self.tr("Công an tỉnh đã khóa tài khoản này."))
        if applied.rekey_due:
            self._province_rekey_due = True
            self._run_province_rekey()

    def _run_province_rekey(self) -> None:
        """The re-key the province's disable made due, under the officer at work (locked window: at the next
        login). Under an officer who is not a head it runs only if it needs no head (``ui/rekey.py``)."""
        officer, rekey = self.context.officer, self.context.rekey
        if rekey is None or officer is None or self.stack.currentWidget() is not self.workspace:
            return
        self._province_rekey_due = False
        rekey.run(self._province_rekeyed, head_present=officer.is_head, by_program=True)

    def _province_rekeyed(self, outcome: Any) -> None:
        if outcome.done:
            self.statusBar().showMessage(self.tr("Công an tỉnh đã khóa một tài khoản cán bộ: dữ liệu đã được mã hóa "
                                                 "lại bằng khóa mới."), 15000)
            return
        if outcome.waits_for_head:
            text = self.tr("Công an tỉnh đã khóa một tài khoản cán bộ. Dữ liệu phải được mã hóa lại bằng khóa mới, "
                           "nhưng lần này cần Trưởng Công an (phải tạo khóa khôi phục mới, chỉ Trưởng Công an được "
                           "xem; hoặc khóa của Trưởng Công an còn định dạng cũ). Việc này sẽ tự chạy khi Trưởng Công "
                           "an đăng nhập: hãy báo Trưởng Công an đăng nhập sớm. Cho đến lúc đó, bản sao cũ của tệp "
                           "khóa mà cán bộ bị khóa giữ vẫn mở được dữ liệu.")
        else:
            text = self.tr("Công an tỉnh đã khóa một tài khoản cán bộ. Chưa mã hóa lại được dữ liệu bằng khóa mới vì "
                           "tệp dữ liệu đang được chương trình khác mở; việc này sẽ chạy khi Trưởng Công an đăng nhập "
                           "lần tới.")
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Cần Trưởng Công an"), text, parent=self)
        box.setObjectName("rekey_notice_box")
        box.addButton(self.tr("Đóng"), QMessageBox.ButtonRole.AcceptRole)
        box.open()

    def _show_restore(self, report: RestoreReport | None) -> None:
        """After a restore made in the app, once, to the head: what keeping the accounts as they are now changed
        (the officer list in Settings keeps showing it)."""
        if report is None:
            return
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Đã khôi phục dữ liệu"), restore_text(report),
                          parent=self)
        box.setObjectName("restore_report_box")
        box.addButton(self.tr("Đóng"), QMessageBox.ButtonRole.AcceptRole)
        box.open()

    def _show_error(self, exc: BaseException) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Không thực hiện được"), self.context.error_text(exc),
                          parent=self)
        box.addButton(self.tr("Đóng"), QMessageBox.ButtonRole.AcceptRole)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        if self.context.sync is not None:
            self.context.sync.stop()
        super().closeEvent(event)
