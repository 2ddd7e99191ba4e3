"""Pages shown before the work: first-run setup (station details + station head account), login, and the lock.

The slow password check (scrypt) and the account writes run on the writer thread; the page only waits for the
answer, so the window keeps repainting.

Encryption (docs/encryption.md, ``store/unlock.py``): when the station file is encrypted and locked, the login
first unwraps the data key with the typed password (on the "io" lane: no store is open yet), then checks the
account on the writer as always. First-run setup of an encrypted app makes the data key and key file before the
store exists, and the station head's first login to an older plain store encrypts it in place; both then hand
the recovery key to the window (``recovery_key``) to be shown once.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..domain.accounts import Account
from ..domain.problems import Problem, ValidationError
from ..domain.units import commune
from ..settings_schema import load_options, save_options
from ..store import Store
from ..store import accounts as account_store
from ..store import unlock as unlocking
from .context import AppContext
from .forms import FieldForm
from .i18n import tr_lazy
from .links import as_link
from .style import SPACE, margins

log = logging.getLogger(__name__)


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
        self.box.setContentsMargins(margins(SPACE.card))
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
    recovery_key = Signal(str, object)  # (recovery key, Account): an encrypted station was set up

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        f = self.form
        # The commune code first: it names the province and the station, filled in as soon as it is known (no
        # defaults: a station elsewhere must not be set up under the demo's commune by a hurried Enter).
        f.add("commune_code", tr_lazy("Gate", "Mã xã/phường"), QLineEdit())
        f.add("province_code", tr_lazy("Gate", "Mã tỉnh"), QLineEdit())
        f.add("station_name", tr_lazy("Gate", "Tên đơn vị"), QLineEdit())
        f.add("full_name", tr_lazy("Gate", "Họ và tên Trưởng Công an"), QLineEdit())
        f.add("username", tr_lazy("Gate", "Tên đăng nhập"), QLineEdit())
        f.add("password", tr_lazy("Gate", "Mật khẩu"), _password())
        f.add("confirm", tr_lazy("Gate", "Nhập lại mật khẩu"), _password())
        f.finish()
        self._filled: dict[str, str] = {"province_code": "", "station_name": ""}  # what we filled, not the officer
        f.fields["commune_code"].widget.textChanged.connect(self._commune_typed)
        f.submitted.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(self.tr("Thiết lập lần đầu"))
        self.sub.setText(self.tr("Nhập thông tin đơn vị và tạo tài khoản Trưởng Công an xã/phường. "
                                 "Tài khoản này tạo được tài khoản cho cán bộ khác."))
        self.button.setText(self.tr("Tạo đơn vị và tài khoản"))

    def _commune_typed(self, text: str) -> None:
        """A known commune code fills the province code and the station's name, unless the officer typed them."""
        code = text.strip()
        unit = commune(code) if len(code) == 5 and code.isdigit() else None
        if unit is None:
            return
        suggested = {"province_code": unit.province_code,
                     "station_name": f"Công an {unit.name[:1].lower()}{unit.name[1:]}"}
        for name, value in suggested.items():
            field = self.form.fields[name]
            if field.widget.text() in ("", self._filled[name]):
                field.set(value)
                self._filled[name] = value

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
        db = self.context.tasks.db_path

        def op(store: Store) -> tuple[Account, dict[str, Any], str | None]:
            with store.transaction():
                account = account_store.create_account(
                    store, values.get("username") or "", values.get("full_name") or "", "station_head",
                    values.get("password") or "", values.get("confirm") or "")
                save_options(store, {"station.name": values["station_name"], "station.province_code": province,
                                     "station.commune_code": code})
            return account, load_options(store), unlocking.take_recovery_key(db)

        if self.context.encrypt and unlocking.state(db) == "new":
            # The key and key file before the store exists, so the store is created encrypted (io lane: scrypt).
            self.context.tasks.run(
                lambda: unlocking.setup(db, values.get("username") or "", values.get("password") or "",
                                        values.get("confirm") or "", full_name=values.get("full_name") or "",
                                        station_name=values.get("station_name") or ""),
                lambda _none: self.context.write(op, self._created, self._failed), self._failed, on="io")
        else:
            self.context.write(op, self._created, self._failed)

    def _created(self, result: tuple[Account, dict[str, Any], str | None]) -> None:
        account, options, recovery = result
        self.button.setEnabled(True)
        _opened(self.context, options)
        if recovery:
            self.recovery_key.emit(recovery, account)
        else:
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
    recovery_key = Signal(str, object)  # (recovery key, Account): the login encrypted an older plain store
    forgot = Signal()  # the station head asks for the recovery path

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.locked_for: Account | None = None
        self.username = self.form.add("username", tr_lazy("Gate", "Tên đăng nhập"), QLineEdit())
        self.password = self.form.add("password", tr_lazy("Gate", "Mật khẩu"), _password())
        self.form.finish()
        self.hint = QLabel()
        self.hint.setObjectName("demo_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("background: #fff4ce; padding: 6px;")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.insertWidget(2, self.hint)
        self.switch_user = QPushButton()
        self.switch_user.setObjectName("switch_user")
        as_link(self.switch_user)
        self.switch_user.clicked.connect(lambda: self.prepare(None))
        self.box.addWidget(self.switch_user, alignment=Qt.AlignmentFlag.AlignLeft)
        self.recover_link = QPushButton()
        self.recover_link.setObjectName("recover_link")
        as_link(self.recover_link)
        self.recover_link.clicked.connect(self.forgot.emit)
        self.box.addWidget(self.recover_link, alignment=Qt.AlignmentFlag.AlignLeft)
        self.form.submitted.connect(self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        name = self.context.options.get("station.name") or self._locked_station_name()
        if self.locked_for is not None:
            self.heading.setText(self.tr("Màn hình đã khóa"))
            self.sub.setText(self.tr("%1 đang đăng nhập. Nhập mật khẩu để mở khóa.")
                             .replace("%1", self.locked_for.full_name))
            self.button.setText(self.tr("Mở khóa"))
        else:
            self.heading.setText(self.tr("Đăng nhập"))
            self.sub.setText(name)
            self.button.setText(self.tr("Đăng nhập"))
        self.switch_user.setText(self.tr("Cán bộ khác đăng nhập…"))
        self.switch_user.setVisible(self.locked_for is not None)
        self.recover_link.setText(self.tr("Quên mật khẩu? Trưởng Công an dùng khóa khôi phục…"))
        self.recover_link.setVisible(self.locked_for is None and self._locked_store())
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

    def _locked_station_name(self) -> str:
        """A locked station's options cannot be read before the login: its name comes from the key file."""
        try:
            return unlocking.station_name(self.context.tasks.db_path)
        except OSError:
            return ""

    def _locked_store(self) -> bool:
        try:
            return unlocking.state(self.context.tasks.db_path) == "locked"
        except Exception:  # a missing key file: the login will say so
            return False

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        username, password = self.username.text(), self.password.text()
        self.button.setEnabled(False)
        db = self.context.tasks.db_path
        try:
            locked = unlocking.state(db) == "locked"
        except Exception as exc:  # the key file is missing: say so, the page stays
            self._failed(exc)
            return
        if locked:  # the data key first (scrypt, io lane), then the account check on the writer
            if unlocking.rekey_due(db):  # a head's login re-encrypts the data now (docs/encryption.md, "Re-key")
                self.sub.setText(self.tr("Đang mở khóa; nếu là Trưởng Công an, dữ liệu được mã hóa lại bằng khóa "
                                         "mới (có thể mất một lúc)…"))
            self.context.tasks.run(lambda: unlocking.unlock(db, username, password),
                                   lambda _key: self._check(username, password), self._failed, on="io")
        else:
            self._check(username, password)

    def _check(self, username: str, password: str) -> None:
        tasks, need_options = self.context.tasks, not self.context.options
        # The upgrade replaces the file: only while no sync worker of this app holds a connection to it (an
        # officer logged in first and started it): then it waits for a start where the head logs in first.
        sync = self.context.sync
        encrypt = self.context.encrypt and (sync is None or getattr(sync, "scheduler", None) is None)
        db = tasks.db_path

        def op(store: Store) -> tuple[Account, dict[str, Any] | None, str | None]:
            account = account_store.log_in(store, username, password)
            options = load_options(store) if need_options else None
            if encrypt and account.is_head and unlocking.state(db) == "plain":
                try:
                    if unlocking.encrypt_at_login(store, account, password, release=tasks.drop_connections):
                        return account, options, unlocking.take_recovery_key(db)
                except Exception:  # another process has the file open: stays plain until the next head login
                    log.warning("the station file could not be encrypted at this login", exc_info=True)
                return account, options, None
            unlocking.after_login(store, username, password)
            return account, options, unlocking.take_recovery_key(db)  # a re-key at this login made a new one

        self.context.write(op, self._ok, self._failed)

    def _ok(self, result: tuple[Account, dict[str, Any] | None, str | None]) -> None:
        account, options, recovery = result
        self.button.setEnabled(True)
        self.password.clear()
        self.form.show_problems([], self.context.language)
        _opened(self.context, options)
        if recovery:
            self.recovery_key.emit(recovery, account)
        else:
            self.logged_in.emit(account)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        text = self.context.error_text(exc)
        self.form.show_problems([Problem("password", "auth", text, text)], self.context.language)


def _opened(context: AppContext, options: dict[str, Any] | None) -> None:
    """The store is open now (after an unlock or a setup): the station's options and its sync come alive."""
    if options is not None:
        context.options = options
        context.options_changed.emit(options)
    if context.sync is not None:
        context.sync.start()  # idempotent; not started while the store was locked
