"""Officer accounts in the UI: the page that makes an officer replace a reset or province-issued password at
login, and the station head's officer list in Settings (reset a password, disable, enable), with the key-file
entries the re-keys dropped and what the last restore kept of the accounts.

Both only ask; the rules (who may, password policy, lockout) are in ``store/accounts.py`` and
``domain/permissions.py``, which refuse a head-only action whatever this page shows. A disable or a reset on an
encrypted station makes a re-key due: it runs at once (``ui/rekey.py``; the store does it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
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

from ..clock import office_datetime
from ..domain.accounts import ROLES, Account, AccountInfo, DroppedKeyEntry, RestoreReport
from ..domain.problems import Problem, ValidationError
from ..store import Store
from ..store import accounts as account_store
from .context import AppContext
from .gate import _Card
from .i18n import bilingual, tr_lazy, tr_noop, translate
from .layouts import elide_titles


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
        f.add("current", tr_lazy("Officers", "Mật khẩu được cấp"), self.current)
        f.add("password", tr_lazy("Officers", "Mật khẩu mới"), self.new)
        f.add("confirm", tr_lazy("Officers", "Nhập lại mật khẩu mới"), self.confirm)
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


def restore_text(report: RestoreReport) -> str:
    """The last restore and, per account, what keeping the accounts as they are now changed (the officer list,
    and the notice the head gets after a restore made in the app)."""
    when, file = office_datetime(report.at), report.file
    if not report.over_existing:
        return (translate("OfficersBox",
                          "Lần khôi phục gần nhất: %1, từ tệp %2, trên máy mới: tài khoản theo bản sao lưu.")
                .replace("%1", when).replace("%2", file))
    head = (translate("OfficersBox", "Lần khôi phục gần nhất: %1, từ tệp %2. Tài khoản được giữ như hiện tại "
                                     "(không lấy theo bản sao lưu):").replace("%1", when).replace("%2", file))
    if not report.changes:
        return head + " " + translate("OfficersBox", "không có gì khác bản sao lưu.")
    what = {"password": translate("OfficersBox", "mật khẩu"), "role": translate("OfficersBox", "vai trò"),
            "active": translate("OfficersBox", "đang hoạt động/bị khóa"),
            "must_change": translate("OfficersBox", "phải đổi mật khẩu"),
            "failed_count": translate("OfficersBox", "số lần nhập sai"),
            "locked_until": translate("OfficersBox", "tạm khóa"),
            "issued_at": translate("OfficersBox", "do tỉnh cấp"),
            "account.kept": translate("OfficersBox", "tài khoản không có trong bản sao lưu, được giữ lại")}
    lines: dict[str, list[str]] = {}
    for user, full_name, field in report.changes:
        who = f"{full_name} ({user})" if full_name != user else user
        lines.setdefault(who, []).append(what.get(field, field))
    return head + "\n" + "\n".join(f"• {who}: {', '.join(items)}" for who, items in lines.items())


class OfficersBox(QGroupBox):
    """The station head's list of officers: reset a password (the officer changes it at the next login),
    disable or enable an account. Accounts the province issued are taken into the list when it loads. Below it:
    the key-file entries the re-keys dropped (who, when, why) and what the last restore kept of the accounts."""

    COLUMNS = (tr_noop("Officers", "Họ và tên"), tr_noop("Officers", "Tên đăng nhập"),
               tr_noop("Officers", "Vai trò"), tr_noop("Officers", "Tình trạng"))
    DROPPED_COLUMNS = (tr_noop("Officers", "Cán bộ"), tr_noop("Officers", "Mã hóa lại lúc"),
                       tr_noop("Officers", "Lý do"))

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.infos: list[AccountInfo] = []
        self.table = QTableWidget(0, len(self.COLUMNS))
        elide_titles(self.table)
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
        # The key-file entries the re-keys dropped (docs/security.md): read from the re-keys' audit entries.
        self.dropped: list[DroppedKeyEntry] = []
        self.l_dropped = QLabel()
        self.l_dropped.setWordWrap(True)
        self.dropped_table = QTableWidget(0, len(self.DROPPED_COLUMNS))
        elide_titles(self.dropped_table)
        self.dropped_table.setObjectName("dropped_entries")
        self.dropped_table.setTabKeyNavigation(False)
        self.dropped_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dropped_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.dropped_table.verticalHeader().hide()
        self.dropped_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.dropped_table.horizontalHeader().setStretchLastSection(True)
        self.dropped_table.setMaximumHeight(160)
        # What the last restore kept of the accounts (``station-client restore`` or the app's), for the head.
        self.restore_report: RestoreReport | None = None
        self.restored = QLabel()
        self.restored.setObjectName("restore_report")
        self.restored.setWordWrap(True)
        self.restored.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(self.l_dropped)
        lay.addWidget(self.dropped_table)
        lay.addWidget(self.restored)
        for w in (self.l_dropped, self.dropped_table, self.restored):  # shown once loaded, if there is anything
            w.setVisible(False)
        if context.rekey is not None:
            context.rekey.progress.connect(self._rekey_progress)
        self._rekey_text = ""
        self.retranslate()
        self._selection_changed()
        self.reload()

    # -------------------------------------------------------------------- data
    def reload(self) -> None:
        self.context.write(lambda store: account_store.account_infos(store), self._show, self._failed)
        self.reload_history()

    def reload_history(self) -> None:
        """The dropped key-file entries and the last restore, on a reader (store queries over the audit)."""
        self.context.tasks.run(
            lambda conn: (account_store.dropped_key_entries(conn), account_store.last_restore(conn)),
            self._show_history, self._failed, on="read")

    def _show_history(self, history: tuple[list[DroppedKeyEntry], RestoreReport | None]) -> None:
        self.dropped, self.restore_report = history
        self.dropped_table.setRowCount(len(self.dropped))
        for r, entry in enumerate(self.dropped):
            who = f"{entry.full_name} ({entry.username})" if entry.full_name != entry.username else entry.username
            for c, text in enumerate((who, office_datetime(entry.at), self._why(entry))):
                self.dropped_table.setItem(r, c, QTableWidgetItem(text))
        self.l_dropped.setVisible(bool(self.dropped))
        self.dropped_table.setVisible(bool(self.dropped))
        self.restored.setText(restore_text(self.restore_report) if self.restore_report else "")
        self.restored.setVisible(self.restore_report is not None)

    def _why(self, entry: DroppedKeyEntry) -> str:
        since = office_datetime(entry.since) if entry.since else ""
        if entry.why == "account.disabled":
            return self.tr("tài khoản bị khóa lúc %1: bản sao cũ của tệp khóa không mở được dữ liệu ghi sau lần mã "
                           "hóa lại").replace("%1", since)
        if entry.why == "password.reset":
            return self.tr("mật khẩu được đặt lại lúc %1: mật khẩu cũ trong bản sao cũ của tệp khóa không mở được "
                           "dữ liệu ghi sau lần mã hóa lại").replace("%1", since)
        if entry.why == "entry.old_format":
            return self.tr("mục khóa kiểu cũ không chuyển sang khóa mới được: cán bộ đăng nhập khi phần mềm đang mở "
                           "(\"Cán bộ khác đăng nhập…\"), hoặc đặt lại mật khẩu")
        return entry.why

    def _show(self, infos: list[AccountInfo]) -> None:
        selected = self.selected()
        self.infos = infos
        self.table.setRowCount(len(infos))
        for r, info in enumerate(infos):
            role = bilingual(self.context.language, *ROLES[info.role])
            cells = (info.full_name, info.username, role, self._state(info))
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

        text = self.tr("Đã đặt lại mật khẩu cho %1. Cán bộ phải đổi mật khẩu khi đăng nhập.").replace(
            "%1", info.full_name)
        self.context.write(op, lambda infos: self._done(infos, text), self._failed)

    def toggle_active(self) -> None:
        info = self.selected()
        if info is None:
            return
        me, active = self.context.username, not info.active

        def op(store: Store) -> list[AccountInfo]:
            account_store.set_active(store, info.username, active, by=me)
            return account_store.account_infos(store)

        text = self.tr("Đã mở khóa tài khoản %1.") if active else self.tr("Đã khóa tài khoản %1.")
        self.context.write(op, lambda infos: self._done(infos, text.replace("%1", info.full_name)), self._failed)

    def _done(self, infos: list[AccountInfo], text: str) -> None:
        self.reset_pw.clear()
        self.reset_pw2.clear()
        self._show(infos)
        self.status.setStyleSheet("")
        self.status.setText(text)
        self._rekey_if_due(text)

    # ------------------------------------------------------------------ re-key
    def _rekey_if_due(self, text: str) -> None:
        """A disable or a reset on an encrypted station made a re-key due: it runs now, off the GUI thread
        (``ui/rekey.py``), so the officer's older copy of the key file opens nothing written from now on."""
        rekey, tasks = self.context.rekey, self.context.tasks

        def failed(exc: BaseException) -> None:  # this page may have been dropped meanwhile: then the window says
            if shiboken6.isValid(self):
                self._rekey_failed(exc)
            else:
                tasks.failed.emit(exc)

        if rekey is None or not rekey.run(lambda outcome: self._rekeyed(text, outcome), failed):
            return
        self._rekey_text = text
        self._set_busy(True)
        self.status.setText(text + " " + self.tr("Đang mã hóa lại dữ liệu bằng khóa mới…"))

    def _rekey_progress(self, done: int, total: int) -> None:
        if self._rekey_text and total and done < total:
            self.status.setText(self._rekey_text + " " + self.tr("Đang mã hóa lại %1 trang dữ liệu bằng khóa mới…")
                                .replace("%1", str(total)))

    def _rekeyed(self, text: str, outcome: Any) -> None:
        if not shiboken6.isValid(self):  # the page was dropped meanwhile (another officer logged in)
            return
        self._rekey_text = ""
        self._set_busy(False)
        if outcome.done:
            after = self.tr("Dữ liệu đã được mã hóa lại bằng khóa mới: bản sao cũ của tệp khóa với mật khẩu cũ không "
                            "mở được dữ liệu ghi từ nay.")
            if outcome.recovery_key:
                after += " " + self.tr("Khóa khôi phục mới đã được hiển thị một lần.")
        else:
            after = self.tr("Chưa mã hóa lại được dữ liệu (tệp đang được chương trình khác mở); việc này sẽ làm khi "
                            "Trưởng Công an đăng nhập lần tới.")
        self.status.setStyleSheet("")
        self.status.setText(text + " " + after)
        self.reload_history()

    def _rekey_failed(self, exc: BaseException) -> None:
        self._rekey_text = ""
        self._set_busy(False)
        self._failed(exc)

    def _set_busy(self, busy: bool) -> None:
        for w in (self.reset_button, self.toggle_button, self.table):
            w.setEnabled(not busy)
        if not busy:
            self._selection_changed()

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
            self._show_history((self.dropped, self.restore_report))
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Cán bộ của đơn vị"))
        self.table.setHorizontalHeaderLabels([QCoreApplication.translate("Officers", str(c)) for c in self.COLUMNS])
        self.l_reset.setText(self.tr("Mật khẩu mới:"))
        self.reset_pw.setPlaceholderText(self.tr("Mật khẩu mới"))
        self.reset_pw2.setPlaceholderText(self.tr("Nhập lại"))
        self.reset_button.setText(self.tr("Đặt lại mật khẩu"))
        self.l_dropped.setText(self.tr("Mục trong tệp khóa đã bỏ khi mã hóa lại dữ liệu (mật khẩu cũ của các cán "
                                       "bộ này không mở được dữ liệu ghi từ lúc đó):"))
        self.dropped_table.setHorizontalHeaderLabels([QCoreApplication.translate("Officers", str(c))
                                                      for c in self.DROPPED_COLUMNS])
        self._selection_changed()
