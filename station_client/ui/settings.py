"""Settings: language (switched at once), idle lock, province server and enrollment, sync interval, printer,
backup and restore, passwords and officer accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain import permissions
from ..domain.problems import ValidationError
from ..store import Store
from ..store import accounts as account_store
from ..store.backup import backup, inspect
from .context import AppContext
from .layouts import button_bar
from .officers import OfficersBox
from .sections import Section, register_section
from .style import SPACE

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}  # each in its own language, never translated
LABEL_MAX = 280  # px: a longer label wraps instead of pushing every field of the page to the right


def _align_labels(root: QWidget, labels: list[QLabel]) -> None:
    """One label column for every box of the page: each QFormLayout sizes its own, so the boxes' fields
    started at five different x positions (screenshot). The longest label sets the width, up to LABEL_MAX."""
    shown = [label for label in labels if label.isVisibleTo(root)]  # an officer's page has fewer rows
    widths = {id(label): label.fontMetrics().horizontalAdvance(label.text()) + 6 for label in shown}
    width = min(LABEL_MAX, max(widths.values(), default=0))
    for label in shown:
        label.setWordWrap(widths[id(label)] > width)
        label.setFixedWidth(width)


def _right(button: QPushButton) -> QHBoxLayout:
    """A form's action button at the right, its natural size (a row of its own stretched it full width)."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return row


def _printers() -> list[str]:
    try:
        from PySide6.QtPrintSupport import QPrinterInfo
    except ImportError:
        return []
    return list(QPrinterInfo.availablePrinterNames())


def _password() -> QLineEdit:
    w = QLineEdit()
    w.setEchoMode(QLineEdit.EchoMode.Password)
    return w


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        o = context.options
        # Interface
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(context.language))
        self.language.currentIndexChanged.connect(lambda _i: context.set_language(self.language.currentData()))
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setValue(int(o.get("ui.idle_lock_min") or 10))
        self.ui_box = QGroupBox()
        self.ui_form = QFormLayout(self.ui_box)
        self.l_language, self.l_idle = QLabel(), QLabel()
        self.ui_form.addRow(self.l_language, self.language)
        self.ui_form.addRow(self.l_idle, self.idle)
        # Province server
        self.server = QLineEdit(o.get("sync.server_url") or "")
        self.server.setObjectName("server_url")
        self.server.setPlaceholderText("https://congan-tinh.example.vn")
        self.interval = QSpinBox()
        self.interval.setRange(1, 240)
        self.interval.setValue(int(o.get("sync.interval_min") or 5))
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.enroll_button = QPushButton()
        self.enroll_button.clicked.connect(self.enroll)
        self.enrolled = QLabel()
        self.enrolled.setWordWrap(True)
        self.sync_box = QGroupBox()
        self.sync_form = QFormLayout(self.sync_box)
        self.l_server, self.l_interval, self.l_code = QLabel(), QLabel(), QLabel()
        code_row = QHBoxLayout()
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.enroll_button)
        self.sync_form.addRow(self.l_server, self.server)
        self.sync_form.addRow(self.l_interval, self.interval)
        self.sync_form.addRow(self.l_code, code_row)
        self.sync_form.addRow(self.enrolled)
        # Printer
        self.printer = QComboBox()
        self.printer.addItem("", "")
        for name in _printers():
            self.printer.addItem(name, name)
        current = o.get("print.printer") or ""
        if current and self.printer.findData(current) < 0:
            self.printer.addItem(current, current)
        self.printer.setCurrentIndex(max(0, self.printer.findData(current)))
        self.print_box = QGroupBox()
        self.print_form = QFormLayout(self.print_box)
        self.l_printer = QLabel()
        self.print_form.addRow(self.l_printer, self.printer)
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_settings")
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        # Backup
        self.backup_button = QPushButton()
        self.backup_button.clicked.connect(self.backup)
        self.restore_button = QPushButton()
        self.restore_button.clicked.connect(self.restore)
        self.backup_status = QLabel()
        self.backup_status.setWordWrap(True)
        self.backup_box = QGroupBox()
        b = QVBoxLayout(self.backup_box)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        b.addLayout(row)
        b.addWidget(self.backup_status)
        # Retention of closed cases (domain/retention.py): the head's period, a listing and the redaction.
        self.retention_years = QSpinBox()
        self.retention_years.setObjectName("retention_years")
        self.retention_years.setRange(0, 50)
        self.retention_years.setValue(int(o.get("retention.closed_years") or 0))
        self.retention_button = QPushButton()
        self.retention_button.setObjectName("retention_apply")
        self.retention_button.clicked.connect(self.check_retention)
        # 0 years means "keep everything": nothing to review, so no button that answers "nothing is due".
        self.retention_years.valueChanged.connect(lambda years: self.retention_button.setEnabled(years > 0))
        self.retention_button.setEnabled(self.retention_years.value() > 0)
        self.retention_status = QLabel()
        self.retention_status.setWordWrap(True)
        self.retention_box = QGroupBox()
        self.retention_form = QFormLayout(self.retention_box)
        self.l_retention = QLabel()
        self.retention_form.addRow(self.l_retention, self.retention_years)
        self.retention_form.addRow(_right(self.retention_button))
        self.retention_form.addRow(self.retention_status)
        # Accounts
        self.old_pw, self.new_pw, self.new_pw2 = _password(), _password(), _password()
        self.change_pw = QPushButton()
        self.change_pw.clicked.connect(self.change_password)
        self.acc_user, self.acc_name, self.acc_pw = QLineEdit(), QLineEdit(), _password()
        self.add_account = QPushButton()
        self.add_account.clicked.connect(self.create_account)
        self.account_status = QLabel()
        self.account_status.setWordWrap(True)
        self.account_box = QGroupBox()
        self.acc_form = QFormLayout(self.account_box)
        self.l_old, self.l_new, self.l_new2 = QLabel(), QLabel(), QLabel()
        self.l_user, self.l_name, self.l_pw = QLabel(), QLabel(), QLabel()
        self.acc_form.addRow(self.l_old, self.old_pw)
        self.acc_form.addRow(self.l_new, self.new_pw)
        self.acc_form.addRow(self.l_new2, self.new_pw2)
        self.acc_form.addRow(_right(self.change_pw))
        self.head_rows = (self.l_user, self.acc_user, self.l_name, self.acc_name, self.l_pw, self.acc_pw,
                          self.add_account)
        self.acc_form.addRow(self.l_user, self.acc_user)
        self.acc_form.addRow(self.l_name, self.acc_name)
        self.acc_form.addRow(self.l_pw, self.acc_pw)
        self.acc_form.addRow(_right(self.add_account))
        self.acc_form.addRow(self.account_status)

        inner = QWidget()
        col = QVBoxLayout(inner)
        col.setSpacing(SPACE.section)  # the boxes (interface, sync, printing, ...) sections apart
        for box in (self.ui_box, self.sync_box, self.print_box):
            col.addWidget(box)
        save_row = button_bar()
        save_row.addWidget(self.saved_label, 1)
        save_row.addWidget(self.save_button)
        col.addLayout(save_row)
        col.addWidget(self.backup_box)
        col.addWidget(self.retention_box)
        col.addWidget(self.account_box)
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: it follows the focused field
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        head = bool(context.officer and context.officer.is_head)
        self.restore_button.setVisible(head)
        for w in self.head_rows:
            w.setVisible(head)
        # Where the data goes is the head's decision (domain/permissions.py; the store refuses it anyway).
        for w in (self.server, self.code, self.enroll_button):
            w.setEnabled(head)
        self.retention_box.setVisible(head)
        self.officers: OfficersBox | None = None
        if head:
            self.officers = OfficersBox(context)
            col.insertWidget(col.indexOf(self.account_box) + 1, self.officers)
        self.retranslate()
        self._show_identity()

    # ------------------------------------------------------------------ options
    def save(self) -> None:
        values = {"ui.idle_lock_min": self.idle.value(), "sync.server_url": self.server.text().strip(),
                  "sync.interval_min": self.interval.value(), "print.printer": self.printer.currentData() or ""}
        if self.context.officer is not None and self.context.officer.is_head:
            values["retention.closed_years"] = self.retention_years.value()
        self.context.save_options(values, lambda _o: self.saved_label.setText(self.tr("Đã lưu cài đặt.")))

    def _show_identity(self) -> None:
        if self.context.sync is None:
            self.enrolled.setText("")
            return

        def load(store: Store) -> Any:
            from ..sync.enroll import load_identity

            return load_identity(store)

        self.context.sync.submit(load, self._identity, lambda exc: None)

    def _identity(self, identity: Any) -> None:
        self.identity = identity  # worded again after a language switch (it stayed Vietnamese)
        if identity is None:
            self.enrolled.setText(self.tr("Trạm chưa đăng ký với Công an tỉnh."))
        else:
            self.enrolled.setText(self.tr("Đã đăng ký: %1 (mã trạm %2) tại %3")
                                  .replace("%1", identity.station_name or identity.commune_name)
                                  .replace("%2", identity.station_id).replace("%3", identity.server_url))

    def enroll(self) -> None:
        url, code = self.server.text().strip(), self.code.text().strip()
        bridge = self.context.sync
        if bridge is None or not url or not code:
            self.enrolled.setText(self.tr("Nhập địa chỉ máy chủ và mã đăng ký do Công an tỉnh cấp."))
            return

        def op(store: Store) -> Any:
            from ..sync.enroll import enroll

            return enroll(store, url, code)

        self.enroll_button.setEnabled(False)
        self.enrolled.setText(self.tr("Đang đăng ký…"))

        def ok(identity: Any) -> None:
            self.enroll_button.setEnabled(True)
            self.code.clear()
            self._identity(identity)
            self.context.save_options({"sync.server_url": url})
            bridge.enrolled()

        def failed(exc: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            self.enrolled.setText(self.context.error_text(exc))

        bridge.submit(op, ok, failed)

    # ------------------------------------------------------------------- backup
    def backup(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Sao lưu dữ liệu"), "station-backup.db",
                                              self.tr("Bản sao lưu (*.db)"))
        if path:
            self.run_backup(Path(path))

    def run_backup(self, dest: Path) -> None:
        db = self.context.tasks.db_path
        self.backup_status.setText(self.tr("Đang sao lưu…"))
        self.context.tasks.run(lambda: backup(db, dest), self._backed_up, self._backup_failed, on="io")

    def _backed_up(self, info: Any) -> None:
        self.backup_status.setText(self.tr("Đã sao lưu %1 nhân khẩu, %2 hộ vào %3")
                                   .replace("%1", str(info.persons)).replace("%2", str(info.households))
                                   .replace("%3", str(info.path)))

    def _backup_failed(self, exc: BaseException) -> None:
        self.backup_status.setText(self.context.error_text(exc))

    def restore(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Khôi phục dữ liệu"), "", self.tr("Bản sao lưu (*.db)"))
        if path:
            self.context.tasks.run(lambda: inspect(Path(path)), self._confirm_restore, self._backup_failed, on="io")

    def _confirm_restore(self, info: Any) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Khôi phục dữ liệu"),
                          self.tr("Khôi phục bản sao lưu có %1 nhân khẩu và %2 hộ? Dữ liệu hiện tại được giữ lại "
                                  "thành một bản sao. Phần mềm sẽ đóng lại và mở lại.")
                          .replace("%1", str(info.persons)).replace("%2", str(info.households)), parent=self)
        yes = box.addButton(self.tr("Khôi phục"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Hủy"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is yes:
            # The store decides who may (domain/permissions.py), not only the hidden button.
            me, path = self.context.username, info.path
            self.context.write(lambda store: store.authorize(permissions.BACKUP_RESTORE, me),
                               lambda _r: self.schedule_restore(path), self._backup_failed)

    def schedule_restore(self, path: Path) -> None:
        """Close the window; ``run_app`` restores ``path`` once no connection is open, then starts again."""
        self.context.restore_after_close = path
        self.window().close()

    # ---------------------------------------------------------------- retention
    def check_retention(self) -> None:
        """List the closed cases past the period (saved first), then redact them once the head confirms."""
        from ..store import retention

        years = self.retention_years.value()
        self.context.save_options({"retention.closed_years": years})
        self.context.tasks.run(lambda conn: retention.due_cases(conn, years), self._confirm_retention,
                               self._retention_failed, on="read")

    def _confirm_retention(self, due: list[Any]) -> None:
        if not due:
            self.retention_status.setText(self.tr("Không có vụ việc nào quá thời hạn lưu giữ."))
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Xóa thông tin cá nhân"),
                          self.tr("%1 vụ việc đã kết thúc quá thời hạn lưu giữ. Xóa thông tin cá nhân của các vụ "
                                  "việc này? Việc xóa được ghi nhật ký và đồng bộ lên Công an tỉnh.")
                          .replace("%1", str(len(due))), parent=self)
        yes = box.addButton(self.tr("Xóa thông tin cá nhân"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Hủy"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is yes:
            self.apply_retention()

    def apply_retention(self) -> None:
        from ..store import retention

        me, years = self.context.username, self.retention_years.value()
        self.context.write(lambda store: retention.apply(store, officer=me, years=years),
                           lambda r: self.retention_status.setText(
                               self.tr("Đã xóa thông tin cá nhân của %1 vụ việc.").replace("%1", str(len(r.redacted)))),
                           self._retention_failed)

    def _retention_failed(self, exc: BaseException) -> None:
        self.retention_status.setText(self.context.error_text(exc))

    # ----------------------------------------------------------------- accounts
    def change_password(self) -> None:
        user, old, new, new2 = self.context.username, self.old_pw.text(), self.new_pw.text(), self.new_pw2.text()
        self.context.write(lambda store: account_store.change_password(store, user, old, new, new2),
                           lambda _r: self._account_done(self.tr("Đã đổi mật khẩu.")), self._account_failed)

    def create_account(self) -> None:
        user, name, pw = self.acc_user.text(), self.acc_name.text(), self.acc_pw.text()
        me = self.context.username
        self.context.write(lambda store: account_store.create_account(store, user, name, "officer", pw,
                                                                      created_by=me),
                           lambda a: self._account_done(self.tr("Đã tạo tài khoản %1.").replace("%1", a.username)),
                           self._account_failed)

    def _account_done(self, text: str) -> None:
        for w in (self.old_pw, self.new_pw, self.new_pw2, self.acc_user, self.acc_name, self.acc_pw):
            w.clear()
        self.account_status.setStyleSheet("")
        self.account_status.setText(text)
        if self.officers is not None:
            self.officers.reload()

    def _account_failed(self, exc: BaseException) -> None:
        self.account_status.setStyleSheet("color: #b3261e;")
        if isinstance(exc, ValidationError):
            self.account_status.setText("\n".join(exc.messages(self.context.language)))
        else:
            self.account_status.setText(self.context.error_text(exc))

    # ----------------------------------------------------------------- language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.ui_box.setTitle(self.tr("Giao diện"))
        self.l_language.setText(self.tr("Ngôn ngữ"))
        self.l_idle.setText(self.tr("Tự khóa sau (phút không dùng)"))
        self.sync_box.setTitle(self.tr("Đồng bộ với Công an tỉnh"))
        self.l_server.setText(self.tr("Địa chỉ máy chủ"))
        self.l_interval.setText(self.tr("Chu kỳ đồng bộ (phút)"))
        self.l_code.setText(self.tr("Mã đăng ký"))
        self.enroll_button.setText(self.tr("Đăng ký trạm"))
        self.print_box.setTitle(self.tr("In ấn"))
        self.l_printer.setText(self.tr("Máy in"))
        self.printer.setItemText(0, self.tr("(máy in mặc định)"))
        self.save_button.setText(self.tr("Lưu cài đặt"))
        if getattr(self, "identity", False) is not False:
            self._identity(self.identity)
        self.backup_box.setTitle(self.tr("Sao lưu và khôi phục"))
        self.backup_button.setText(self.tr("Sao lưu ngay…"))
        self.restore_button.setText(self.tr("Khôi phục từ bản sao lưu…"))
        self.retention_box.setTitle(self.tr("Lưu giữ thông tin cá nhân"))
        self.l_retention.setText(self.tr("Xóa thông tin cá nhân của vụ việc đã kết thúc sau (năm, 0 = không xóa)"))
        self.retention_button.setText(self.tr("Xem và xóa vụ việc quá hạn…"))
        self.account_box.setTitle(self.tr("Tài khoản"))
        self.l_old.setText(self.tr("Mật khẩu hiện tại"))
        self.l_new.setText(self.tr("Mật khẩu mới"))
        self.l_new2.setText(self.tr("Nhập lại mật khẩu mới"))
        self.change_pw.setText(self.tr("Đổi mật khẩu"))
        self.l_user.setText(self.tr("Tên đăng nhập của cán bộ mới"))
        self.l_name.setText(self.tr("Họ và tên"))
        self.l_pw.setText(self.tr("Mật khẩu ban đầu"))
        self.add_account.setText(self.tr("Tạo tài khoản cán bộ"))
        _align_labels(self, [self.l_language, self.l_idle, self.l_server, self.l_interval, self.l_code, self.l_printer,
                       self.l_retention, self.l_old, self.l_new, self.l_new2, self.l_user, self.l_name, self.l_pw])


register_section(Section(id="settings", title=lambda: QCoreApplication.translate("Sections", "Cài đặt"),
                         factory=SettingsView, icon="settings", shortcut="Ctrl+7", order=70))
