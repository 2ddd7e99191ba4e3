"""Pages shown before the work: first-run setup (station details + station head account), login, and the lock.

The slow password check (scrypt) and the account writes run on the writer thread; the page only waits for the
answer, so the window keeps repainting.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..domain.accounts import Account
from ..domain.problems import Problem, ValidationError
from ..domain.units import commune
from ..store import Store
from ..store import accounts as account_store
from ..synthetic import DEMO_COMMUNE, DEMO_PROVINCE
from .context import AppContext
from .forms import FieldForm
from .options import save_options


def _t(source: str) -> Any:
    """A label translated when shown; wrap the literal in QT_TRANSLATE_NOOP("Gate", ...) so lupdate finds it."""
    return lambda: QCoreApplication.translate("Gate", source)


class _Card(QWidget):
    """A centred card with a title, a form and a primary button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.card = QFrame()
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setMinimumWidth(460)
        self.card.setMaximumWidth(620)
        self.box = QVBoxLayout(self.card)
        self.box.setContentsMargins(24, 20, 24, 20)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.sub = QLabel()
        self.sub.setWordWrap(True)
        self.box.addWidget(self.heading)
        self.box.addWidget(self.sub)
        self.form = FieldForm()
        self.box.addWidget(self.form)
        self.button = QPushButton()
        self.button.setDefault(True)
        self.box.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignRight)
        row.addWidget(self.card, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.button.clicked.connect(self.form.submitted)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.form.retranslate()


def _password() -> QLineEdit:
    w = QLineEdit()
    w.setEchoMode(QLineEdit.EchoMode.Password)
    return w


class FirstRunPage(_Card):
    """Creates the station's details and its head account in one go."""

    done = Signal(object)  # Account of the new station head

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        f = self.form
        f.add("station_name", _t(QT_TRANSLATE_NOOP("Gate", "Tên đơn vị")), QLineEdit())
        f.add("province_code", _t(QT_TRANSLATE_NOOP("Gate", "Mã tỉnh")), QLineEdit(DEMO_PROVINCE))
        f.add("commune_code", _t(QT_TRANSLATE_NOOP("Gate", "Mã xã/phường")), QLineEdit(DEMO_COMMUNE))
        f.add("full_name", _t(QT_TRANSLATE_NOOP("Gate", "Họ và tên Trưởng Công an")), QLineEdit())
        f.add("username", _t(QT_TRANSLATE_NOOP("Gate", "Tên đăng nhập")), QLineEdit())
        f.add("password", _t(QT_TRANSLATE_NOOP("Gate", "Mật khẩu")), _password())
        f.add("confirm", _t(QT_TRANSLATE_NOOP("Gate", "Nhập lại mật khẩu")), _password())
        f.finish()
        unit = commune(DEMO_COMMUNE)
        f.fields["station_name"].set(f"Công an {unit.name[:1].lower()}{unit.name[1:]}" if unit else "")
        f.submitted.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(self.tr("Thiết lập lần đầu"))
        self.sub.setText(self.tr("Nhập thông tin đơn vị và tạo tài khoản Trưởng Công an xã/phường. "
                                 "Tài khoản này tạo được tài khoản cho cán bộ khác."))
        self.button.setText(self.tr("Tạo đơn vị và tài khoản"))

    def submit(self) -> None:
        values, problems = self.form.values()
        province = (values.get("province_code") or "").zfill(2)
        code = (values.get("commune_code") or "").zfill(5)
        unit = commune(code)
        if not values.get("station_name"):
            problems.append(Problem("station_name", "required", "Tên đơn vị là bắt buộc.",
                                    "The station name is required."))
        if unit is None:
            problems.append(Problem("commune_code", "commune.unknown", "Không có xã/phường với mã này.",
                                    "No commune has this code."))
        elif unit.province_code != province:
            problems.append(Problem("province_code", "province.mismatch",
                                    f"Mã xã/phường {code} thuộc tỉnh mã {unit.province_code}.",
                                    f"Commune {code} belongs to province {unit.province_code}."))
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        self.button.setEnabled(False)

        def op(store: Store) -> Account:
            with store.transaction():
                account = account_store.create_account(
                    store, values.get("username") or "", values.get("full_name") or "", "station_head",
                    values.get("password") or "", values.get("confirm") or "")
                save_options(store, {"station.name": values["station_name"], "station.province_code": province,
                                     "station.commune_code": code})
            return account

        self.context.write(op, self._created, self._failed)

    def _created(self, account: Account) -> None:
        self.button.setEnabled(True)
        self.done.emit(account)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
        else:
            self.form.show_problems([Problem("", "error", self.context.error_text(exc),
                                             self.context.error_text(exc))], self.context.language)


class LoginPage(_Card):
    """Log in; in lock mode the username is fixed to the officer who locked the screen."""

    logged_in = Signal(object)  # Account

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.locked_for: Account | None = None
        self.username = self.form.add("username", _t(QT_TRANSLATE_NOOP("Gate", "Tên đăng nhập")), QLineEdit())
        self.password = self.form.add("password", _t(QT_TRANSLATE_NOOP("Gate", "Mật khẩu")), _password())
        self.form.finish()
        self.hint = QLabel()
        self.hint.setObjectName("demo_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("background: #fff4ce; padding: 6px;")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.insertWidget(2, self.hint)
        self.switch_user = QPushButton()
        self.switch_user.setObjectName("switch_user")
        self.switch_user.setFlat(True)
        self.switch_user.clicked.connect(lambda: self.prepare(None))
        self.box.addWidget(self.switch_user, alignment=Qt.AlignmentFlag.AlignLeft)
        self.form.submitted.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        name = self.context.options.get("station.name") or ""
        if self.locked_for is not None:
            self.heading.setText(self.tr("Màn hình đã khoá"))
            self.sub.setText(self.tr("%1 đang đăng nhập. Nhập mật khẩu để mở khoá.")
                             .replace("%1", self.locked_for.full_name))
            self.button.setText(self.tr("Mở khoá"))
        else:
            self.heading.setText(self.tr("Đăng nhập"))
            self.sub.setText(name)
            self.button.setText(self.tr("Đăng nhập"))
        self.switch_user.setText(self.tr("Cán bộ khác đăng nhập…"))
        self.switch_user.setVisible(self.locked_for is not None)
        demo = self.context.demo_password
        self.hint.setVisible(bool(demo) and self.locked_for is None)
        if demo:
            self.hint.setText(self.tr("Chế độ trình diễn — tên đăng nhập: %1, mật khẩu: %2")
                              .replace("%1", demo[0]).replace("%2", demo[1]))

    def prepare(self, locked_for: Account | None = None) -> None:
        self.locked_for = locked_for
        self.form.clear()
        self.button.setEnabled(True)
        if locked_for is not None:
            self.username.setText(locked_for.username)
            self.username.setEnabled(False)
            self.password.setFocus()
        else:
            self.username.setEnabled(True)
            if self.context.demo_password:
                self.username.setText(self.context.demo_password[0])
                self.password.setFocus()
            else:
                self.username.setFocus()
        self.retranslate()

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        username, password = self.username.text(), self.password.text()
        self.button.setEnabled(False)
        self.context.write(lambda store: account_store.verify(store, username, password), self._ok, self._failed)

    def _ok(self, account: Account) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.form.show_problems([], self.context.language)
        self.logged_in.emit(account)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        text = self.context.error_text(exc)
        self.form.show_problems([Problem("password", "auth", text, text)], self.context.language)
