"""The two pages of the encrypted store's key handling (docs/encryption.md): the recovery key shown once to the
station head (after first-run setup, the encryption of an older store or a re-key that had to make one), and the
recovery path from the login page (the head types the recovery key and sets a new password).

They only show and ask; ``store/unlock.py`` decides. ``install`` adds them to the main window's page stack and
wires them to the gate pages' signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QWidget

from ..clock import office_today
from ..domain.accounts import Account
from ..domain.problems import Problem, ValidationError
from ..store import unlock as unlocking
from .context import AppContext
from .gate import _Card, _password
from .i18n import tr_lazy
from .links import as_link

if TYPE_CHECKING:
    from .main_window import MainWindow


class RecoveryKeyPage(_Card):
    """Shows the recovery key once; going on needs the head to confirm they wrote it down."""

    acknowledged = Signal(object)  # Account

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.account: Account | None = None
        self.form.hide()
        self.key_label = QLabel()
        self.key_label.setObjectName("recovery_key")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(18)
        font.setWeight(QFont.Weight.Bold)
        self.key_label.setFont(font)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setStyleSheet("background: #fff4ce; padding: 12px;")
        self.written = QCheckBox()
        self.written.setObjectName("recovery_written")
        self.box.insertWidget(2, self.key_label)
        self.box.insertWidget(3, self.written)
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_recovery_key")
        self.print_button.clicked.connect(self.print_key)
        self.box.insertWidget(4, self.print_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.written.toggled.connect(self.button.setEnabled)
        self.button.clicked.connect(self._go_on)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(self.tr("Khóa khôi phục dữ liệu"))
        self.sub.setText(self.tr(
            "Dữ liệu của đơn vị được mã hóa. Nếu quên mật khẩu Trưởng Công an hoặc chuyển sang máy mới, chỉ khóa "
            "này mở lại được dữ liệu và bản sao lưu. Chép tay khóa dưới đây, ký nhận và cất nơi an toàn theo quy "
            "định của Công an tỉnh. Khóa chỉ hiện một lần này; phần mềm không lưu lại."))
        self.written.setText(self.tr("Tôi đã chép lại khóa khôi phục và cất giữ an toàn"))
        self.button.setText(self.tr("Tiếp tục"))
        self.print_button.setText(self.tr("In khóa khôi phục…"))

    def show_key(self, key: str, account: Account) -> None:
        self.account = account
        self.key_label.setText(key)
        # The whole key on one line inside the card: at 18 pt its end was cut off under X (a key copied by hand
        # from that screen would not open the data). Smaller type until it fits, 11 pt at least.
        font = self.key_label.font()
        room = self.card.maximumWidth() - 2 * self.box.contentsMargins().left() - 40
        for size in range(18, 10, -1):
            font.setPointSize(size)
            if QFontMetrics(font).horizontalAdvance(key) <= room:
                break
        self.key_label.setFont(font)
        need = QFontMetrics(font).horizontalAdvance(key) + 2 * 12 + 8  # the key, the label's padding
        self.key_label.setMinimumWidth(need)
        # The card widens with it: its own minimum held it at half a 1024-pixel window, the key's end cut off.
        box = self.box.contentsMargins()
        self.card.setMinimumWidth(max(self.card.minimumWidth(), need + box.left() + box.right() + 2))
        self.written.setChecked(False)
        self.button.setEnabled(False)

    def recovery_sheet(self) -> str:
        """The printed sheet (HTML): the key, the station, the date, a line for signatures. The province's form
        asks for exactly this; printing goes straight to the printer (no file is written)."""
        from html import escape

        from .i18n import format_date

        station = escape(str(self.context.options.get("station.name") or ""))
        key = escape(self.key_label.text())
        title = escape(self.tr("Khóa khôi phục dữ liệu"))
        return (f"<h2>{title}</h2><p>{station}</p>"
                f"<p style='font-family: monospace; font-size: 20pt; font-weight: bold'>{key}</p>"
                f"<p>{format_date(office_today())}</p><p>{escape(self.sub.text())}</p>"  # dd/mm/yyyy on paper too
                "<br><p>Trưởng Công an xã/phường: ..................... Cán bộ PA tỉnh: .....................</p>")

    def print_key(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)  # a printer, never a PDF file left behind
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setHtml(self.recovery_sheet())
        doc.print_(printer)

    def _go_on(self) -> None:
        if not self.written.isChecked() or self.account is None:
            return
        account, self.account = self.account, None
        self.key_label.clear()  # not left in a widget once acknowledged
        self.acknowledged.emit(account)


class RecoverPage(_Card):
    """The station head's forgotten password: recovery key + new password."""

    recovered = Signal(str)  # username: log in with the new password
    cancelled = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        f = self.form
        self.username = QLineEdit()
        self.key = QLineEdit()
        f.add("username", tr_lazy("Unlock", "Tên đăng nhập Trưởng Công an"), self.username)
        f.add("recovery_key", tr_lazy("Unlock", "Khóa khôi phục"), self.key)
        self.key.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        f.add("password", tr_lazy("Unlock", "Mật khẩu mới"), _password())
        f.add("confirm", tr_lazy("Unlock", "Nhập lại mật khẩu mới"), _password())
        f.finish()
        f.submitted.connect(self.submit)
        self.back = QPushButton()
        as_link(self.back)
        self.back.clicked.connect(self.cancelled.emit)
        self.box.addWidget(self.back, alignment=Qt.AlignmentFlag.AlignLeft)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(self.tr("Khôi phục bằng khóa khôi phục"))
        self.sub.setText(self.tr("Nhập khóa khôi phục được cấp khi thiết lập đơn vị và đặt mật khẩu mới cho tài "
                                 "khoản Trưởng Công an."))
        self.button.setText(self.tr("Đặt mật khẩu mới"))
        self.back.setText(self.tr("Quay lại đăng nhập"))

    def prepare(self) -> None:
        self.form.clear()
        self.button.setEnabled(True)
        self.username.setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        values, _problems = self.form.values()
        db = self.context.tasks.db_path
        user = values.get("username") or ""
        self.button.setEnabled(False)
        self.context.tasks.run(
            lambda: unlocking.recover(db, values.get("recovery_key") or "", user, values.get("password") or "",
                                      values.get("confirm") or ""),
            lambda account: self._done(account), self._failed, on="io")

    def _done(self, account: Account) -> None:
        self.button.setEnabled(True)
        self.form.clear()
        self.recovered.emit(account.username)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
            return
        text = self.context.error_text(exc)
        self.form.show_problems([Problem("recovery_key", "recovery", text, text)], self.context.language)


def install(window: MainWindow) -> None:
    """Add the pages to ``window``'s stack and wire them to the gate pages."""
    context = window.context
    window.recovery_key_page = RecoveryKeyPage(context)  # type: ignore[attr-defined]
    window.recover_page = RecoverPage(context)  # type: ignore[attr-defined]
    show_key: RecoveryKeyPage = window.recovery_key_page  # type: ignore[attr-defined]
    recover: RecoverPage = window.recover_page  # type: ignore[attr-defined]
    window.stack.addWidget(show_key)
    window.stack.addWidget(recover)

    def key_made(key: str, account: Account) -> None:
        show_key.show_key(key, account)
        window.stack.setCurrentWidget(show_key)

    def forgot() -> None:
        recover.prepare()
        window.stack.setCurrentWidget(recover)

    back_to_login: list[str] = []  # a recovery's new key was shown: the head then logs in with the new password

    def acknowledged(account: Account) -> None:
        if back_to_login:
            login_after_recovery(back_to_login.pop())
        else:
            window._logged_in(account)

    def recovered(username: str) -> None:
        fresh = unlocking.take_recovery_key(context.tasks.db_path)  # the used key was replaced: shown once
        if fresh:
            back_to_login.append(username)
            key_made(fresh, Account(username, username, "station_head"))
            return
        login_after_recovery(username)

    def login_after_recovery(username: str) -> None:
        window.show_login()
        window.login.username.setText(username)
        window.login.password.setFocus()
        text = QCoreApplication.translate("Unlock", "Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới.")
        window.login.sub.setText(text)

    window.first_run.recovery_key.connect(key_made)
    window.login.recovery_key.connect(key_made)
    if context.rekey is not None:  # a re-key in the running app had to make a new recovery key (ui/rekey.py)
        context.rekey.recovery_key.connect(key_made)
    window.login.forgot.connect(forgot)
    show_key.acknowledged.connect(acknowledged)
    recover.recovered.connect(recovered)
    recover.cancelled.connect(lambda: window.show_login())
