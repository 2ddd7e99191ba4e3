"""Officer accounts in the UI: the page that makes an officer replace a reset or province-issued password at
login, and the station head's officer list in Settings (reset a password, disable, enable).

Both only ask; the rules (who may, password policy, lockout) are in ``store/accounts.py`` and
``domain/permissions.py``, which refuse a head-only action whatever this page shows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.accounts import ROLES, Account, AccountInfo
from ..domain.problems import Problem, ValidationError
from ..store import Store
from ..store import accounts as account_store
from .context import AppContext
from .gate import _Card


def _t(source: object) -> Any:
    """A label translated when shown (``source`` is a QT_TRANSLATE_NOOP literal, which lupdate finds)."""
    return lambda: QCoreApplication.translate("Officers", str(source))


def _password() -> QLineEdit:
    w = QLineEdit()
    w.setEchoMode(QLineEdit.EchoMode.Password)
    return w


class NewPasswordPage(_Card):
    """Shown after a login with a password someone else set (the head's reset, the province's issue): the
    officer types it once more and chooses their own before any work."""

    done = Signal(object)  # Account, must_change cleared

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.account: Account | None = None
        f = self.form
        self.current, self.new, self.confirm = _password(), _password(), _password()
        f.add("current", _t(QT_TRANSLATE_NOOP("Officers", "Mật khẩu được cấp")), self.current)
        f.add("password", _t(QT_TRANSLATE_NOOP("Officers", "Mật khẩu mới")), self.new)
        f.add("confirm", _t(QT_TRANSLATE_NOOP("Officers", "Nhập lại mật khẩu mới")), self.confirm)
        f.finish()
        f.submitted.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(self.tr("Đặt mật khẩu của bạn"))
        self.sub.setText(self.tr("Mật khẩu này do người khác đặt cho bạn. Hãy đặt mật khẩu riêng trước khi làm "
                                 "việc (ít nhất 8 ký tự, có cả chữ và số)."))
        self.button.setText(self.tr("Đổi mật khẩu và tiếp tục"))

    def prepare(self, account: Account) -> None:
        self.account = account
        self.form.clear()
        self.button.setEnabled(True)
        self.current.setFocus()

    def submit(self) -> None:
        account = self.account
        if account is None or not self.button.isEnabled():
            return
        current, new, confirm = self.current.text(), self.new.text(), self.confirm.text()
        self.button.setEnabled(False)
        self.context.write(
            lambda store: account_store.change_password(store, account.username, current, new, confirm),
            lambda _r: self._changed(account), self._failed)

    def _changed(self, account: Account) -> None:
        self.button.setEnabled(True)
        self.form.clear()
        self.done.emit(dataclasses.replace(account, must_change=False))

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
        else:
            text = self.context.error_text(exc)
            self.form.show_problems([Problem("current", "auth", text, text)], self.context.language)


class OfficersBox(QGroupBox):
    """The station head's list of officers: reset a password (the officer changes it at the next login),
    disable or enable an account. Accounts the province issued are taken into the list when it loads."""

    COLUMNS = (QT_TRANSLATE_NOOP("Officers", "Họ và tên"), QT_TRANSLATE_NOOP("Officers", "Tên đăng nhập"),
               QT_TRANSLATE_NOOP("Officers", "Vai trò"), QT_TRANSLATE_NOOP("Officers", "Tình trạng"))

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.infos: list[AccountInfo] = []
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setTabKeyNavigation(False)  # a read-only list: arrows move in it, Tab leaves it
        self.table.setObjectName("officers_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(140)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.reset_pw, self.reset_pw2 = _password(), _password()
        self.reset_pw.setObjectName("reset_password")
        self.reset_pw2.setObjectName("reset_password2")
        self.reset_button = QPushButton()
        self.reset_button.setObjectName("reset_button")
        self.reset_button.clicked.connect(self.reset)
        self.toggle_button = QPushButton()
        self.toggle_button.setObjectName("toggle_active")
        self.toggle_button.clicked.connect(self.toggle_active)
        self.status = QLabel()
        self.status.setObjectName("officers_status")
        self.status.setWordWrap(True)
        self.l_reset = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.l_reset)
        row.addWidget(self.reset_pw, 1)
        row.addWidget(self.reset_pw2, 1)
        row.addWidget(self.reset_button)
        row.addWidget(self.toggle_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self.retranslate()
        self._selection_changed()
        self.reload()

    # -------------------------------------------------------------------- data
    def reload(self) -> None:
        self.context.write(lambda store: account_store.account_infos(store), self._show, self._failed)

    def _show(self, infos: list[AccountInfo]) -> None:
        selected = self.selected()
        self.infos = infos
        self.table.setRowCount(len(infos))
        lang = 1 if self.context.language == "en" else 0
        for r, info in enumerate(infos):
            cells = (info.full_name, info.username, ROLES[info.role][lang], self._state(info))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
            if selected is not None and info.username == selected.username:
                self.table.selectRow(r)
        self._selection_changed()

    def _state(self, info: AccountInfo) -> str:
        parts = [self.tr("Đang hoạt động") if info.active else self.tr("Đã khóa")]
        if info.locked:
            parts.append(self.tr("tạm khóa do nhập sai mật khẩu"))
        if info.must_change:
            parts.append(self.tr("chờ đổi mật khẩu"))
        if info.from_province:
            parts.append(self.tr("do tỉnh cấp"))
        return ", ".join(parts)

    def selected(self) -> AccountInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.infos[rows[0].row()] if rows and rows[0].row() < len(self.infos) else None

    def _selection_changed(self) -> None:
        info = self.selected()
        me = self.context.officer.username if self.context.officer else None
        self.reset_button.setEnabled(info is not None and info.active)
        self.toggle_button.setEnabled(info is not None and info.username != me)
        self.toggle_button.setText(self.tr("Mở khóa tài khoản") if info is not None and not info.active
                                   else self.tr("Khóa tài khoản"))

    # ----------------------------------------------------------------- actions
    def reset(self) -> None:
        info = self.selected()
        if info is None:
            return
        pw, pw2, me = self.reset_pw.text(), self.reset_pw2.text(), self.context.username

        def op(store: Store) -> list[AccountInfo]:
            account_store.reset_password(store, info.username, pw, pw2, by=me)
            return account_store.account_infos(store)

        self.context.write(op, lambda infos: self._done(infos, self.tr(
            "Đã đặt lại mật khẩu cho %1. Cán bộ phải đổi mật khẩu khi đăng nhập.").replace("%1", info.full_name)),
            self._failed)

    def toggle_active(self) -> None:
        info = self.selected()
        if info is None:
            return
        me, active = self.context.username, not info.active

        def op(store: Store) -> list[AccountInfo]:
            account_store.set_active(store, info.username, active, by=me)
            return account_store.account_infos(store)

        text = self.tr("Đã mở khóa tài khoản %1.") if active else self.tr("Đã khóa tài khoản %1.")
        if not active and self.context.encrypt:  # docs/encryption.md, "Re-key"
            text += " " + self.tr("Dữ liệu sẽ được mã hóa lại bằng khóa mới khi Trưởng Công an đăng nhập lần tới "
                                  "(khởi động lại phần mềm): bản sao cũ của cán bộ này không mở được dữ liệu mới.")
        self.context.write(op, lambda infos: self._done(infos, text.replace("%1", info.full_name)), self._failed)

    def _done(self, infos: list[AccountInfo], text: str) -> None:
        self.reset_pw.clear()
        self.reset_pw2.clear()
        self._show(infos)
        self.status.setStyleSheet("")
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self.status.setStyleSheet("color: #b3261e;")
        if isinstance(exc, ValidationError):
            self.status.setText("\n".join(exc.messages(self.context.language)))
        else:
            self.status.setText(self.context.error_text(exc))

    # ---------------------------------------------------------------- language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._show(self.infos)
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Cán bộ của đơn vị"))
        self.table.setHorizontalHeaderLabels([QCoreApplication.translate("Officers", str(c)) for c in self.COLUMNS])
        self.l_reset.setText(self.tr("Mật khẩu mới:"))
        self.reset_pw.setPlaceholderText(self.tr("Mật khẩu mới"))
        self.reset_pw2.setPlaceholderText(self.tr("Nhập lại"))
        self.reset_button.setText(self.tr("Đặt lại mật khẩu"))
        self._selection_changed()
