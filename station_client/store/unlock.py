"""Logging in to an encrypted station, its first setup, the recovery path and the upgrade of a plain store.

The pieces of ``keys.py`` and ``encrypt.py`` put together for the app's login pages and the headless commands,
so that neither the UI nor the CLI decides anything about keys. A station is in one of these states
(``state(db_path)``):

* ``new``: no database yet — first-run setup makes the data key, the key file and the encrypted database;
* ``plain``: a database from before encryption (or a test/tool file) — opened as before; the station head's
  first login (in the app) encrypts it in place;
* ``locked``: an encrypted database and its key file; a password (or the recovery key) unlocks it;
* ``unlocked``: this process holds the key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ..clock import now_iso
from ..domain.accounts import Account, hash_password, validate_password, validate_username
from ..domain.problems import Problem, ValidationError
from . import accounts as account_store
from . import encrypt, keys
from .connection import forget_key, held_key, hold_key, is_plain_sqlite
from .errors import KeyFileError, StoreError
from .store import Store

State = Literal["new", "plain", "locked", "unlocked"]


def state(db_path: str | Path) -> State:
    db_path = Path(db_path)
    kp = keys.keys_path(db_path)
    if not db_path.exists() or db_path.stat().st_size == 0:
        if kp.exists():
            # The data is gone (deleted, moved, emptied) while its key file stayed: never start a new (plain)
            # database over it, nor move the key file — the officer restores a backup (issue 14, item 5).
            raise missing_data(db_path)
        return "new"
    if held_key(db_path) is not None:
        return "unlocked"
    if kp.exists():
        return "locked"
    if is_plain_sqlite(db_path) or db_path.stat().st_size % 4096:
        # Plain, or not a whole number of SQLCipher pages (damaged, foreign): the plain open says which.
        return "plain"
    raise KeyFileError(
        f"Dữ liệu {db_path.name} đã được mã hoá (hoặc bị hỏng) nhưng thiếu tệp khoá {kp.name}. Hãy chép lại tệp "
        "khoá (có cạnh mỗi bản sao lưu) vào thư mục dữ liệu; dữ liệu không bị thay đổi.",
        f"{db_path.name} is encrypted (or damaged) but its key file {kp.name} is missing. Copy the key file back "
        "(one is beside every backup) into the data folder; the data was not changed.")


class DataMissing(StoreError):
    """The station's key file is there but its database is missing or empty."""


def missing_data(db_path: str | Path) -> DataMissing:
    db_path = Path(db_path)
    kp = keys.keys_path(db_path)
    return DataMissing(
        f"Không thấy dữ liệu {db_path.name} (hoặc tệp rỗng) trong khi tệp khoá {kp.name} vẫn còn: dữ liệu đã bị xoá "
        f"hoặc chuyển đi. Phần mềm không tạo dữ liệu mới và không đổi gì. Hãy khôi phục bản sao lưu gần nhất: "
        f"station-client restore TỆP_SAO_LƯU (hoặc chép {db_path.name} về {db_path.parent}). Nếu đây là lần thiết "
        f"lập đầu tiên bị gián đoạn (chưa có dữ liệu nào), hãy xoá tệp {kp.name} rồi mở lại.",
        f"{db_path.name} is missing (or empty) while its key file {kp.name} is still there: the data was deleted or "
        f"moved. Nothing was created or changed. Restore the latest backup: station-client restore BACKUP_FILE (or "
        f"copy {db_path.name} back into {db_path.parent}). If this was a first setup that was interrupted (no data "
        f"yet), delete {kp.name} and start again.")


def data_missing(db_path: str | Path) -> bool:
    """A key file without its database (``state`` refuses it)."""
    db_path = Path(db_path)
    return keys.keys_path(db_path).exists() and (not db_path.exists() or db_path.stat().st_size == 0)


def unlock(db_path: str | Path, username: str, password: str) -> bytes:
    """Unwrap the key with an officer's password (the key file's own lockout applies) and hold it; finish an
    interrupted encryption. The account itself is then checked by ``accounts.verify`` on an open store."""
    key = keys.unlock_with_password(db_path, username, password)
    encrypt.finish_pending(db_path, key)
    return key


def login(db_path: str | Path, username: str, password: str) -> Account:
    """Headless login: unlock if needed, then the account check (active, lockout, role) in the database."""
    if state(db_path) == "locked":
        unlock(db_path, username, password)
    with Store.open(db_path) as store:
        account = account_store.verify(store, username, password)
        after_login(store, username, password)
    return account


def after_login(store: Store, username: str, password: str) -> None:
    """An officer just proved their password against the database while the key is held (at the lock screen, or
    a new account's first login): give them a key-file entry if they have none, so the next start opens for
    them too."""
    key = held_key(store.path)
    if key is None or not keys.keys_path(store.path).exists():
        return
    if not keys.has_officer_key(store.path, username):
        keys.add_officer_key(store.path, key, username, password)
    account_store.take_issued(store)  # accounts the province issued since: their entries (``password_issued``)


STATION_NAME_SETTING = "station.name"  # the option ui/options.py declares


def remember_station_name(store: Store) -> bool:
    """Copy the station's name from its settings into the key file's clear part (``keys.set_station_name``), so
    the next start shows it on the login page of the locked station. For the writer thread after a setup or a
    login (the key file's other writers there are serialised with it). True if the key file was written."""
    if not keys.keys_path(store.path).exists():
        return False
    return keys.set_station_name(store.path, store.get_setting(STATION_NAME_SETTING) or "")


def station_name(db_path: str | Path) -> str:
    """The name to show before a login: a locked station's, from its key file ('' when plain or unknown)."""
    return keys.station_name(db_path) if keys.keys_path(db_path).exists() else ""


def setup(db_path: str | Path, username: str, password: str, confirm: str | None = None, *,
          full_name: str = "-") -> None:
    """First run of an encrypted station: the data key, held, and the key file with the head's entry, written
    before the database exists (``state`` drops a key file left without a database). The caller then creates
    the account in the store, and shows the recovery key returned by ``setup_recovery_key``."""
    problems = validate_username((username or "").strip().lower()) + validate_password(
        password, confirm, username=(username or "").strip().lower())
    if not " ".join((full_name or "").split()):
        problems.append(Problem("full_name", "required", "Họ và tên là bắt buộc.", "Full name is required."))
    if problems:  # everything the account creation checks, before the key file exists
        raise ValidationError(problems)
    if state(db_path) != "new":
        raise StoreError("Đơn vị này đã được thiết lập.", "This station is already set up.")
    key = keys.new_data_key()
    recovery = keys.create(db_path, key, username, password)
    hold_key(db_path, key)
    _pending_recovery[Path(db_path).resolve()] = recovery


_pending_recovery: dict[Path, str] = {}


def take_recovery_key(db_path: str | Path) -> str | None:
    """The recovery key made by ``setup`` or ``encrypt_at_login``, once: it is kept nowhere after this."""
    return _pending_recovery.pop(Path(db_path).resolve(), None)


def encrypt_at_login(store: Store, account: Account, password: str, *,
                     release: Callable[[], None] | None = None) -> bool:
    """After the station head's login to a plain store from an earlier version: encrypt it in place. ``store``
    is closed first, with ``release`` (the app closes every connection of its own there) — the caller reopens.
    True if encrypted; the recovery key waits in ``take_recovery_key``."""
    path = store.path
    if not account.is_head or keys.keys_path(path).exists() or not is_plain_sqlite(path):
        return False
    hashes = {r[0]: r[1] for r in store.conn.execute("SELECT username, password_hash FROM accounts WHERE active = 1")}
    store.close()
    if release is not None:
        release()
    recovery = encrypt.encrypt_station(path, account.username, password, other_officers=hashes)
    _pending_recovery[Path(path).resolve()] = recovery
    return True


def recover(db_path: str | Path, recovery_key: str, username: str, new_password: str,
            confirm: str | None = None) -> Account:
    """The station head forgot their password (or the key file lost its entry): the recovery key opens the data,
    the head's account gets ``new_password`` (lockout lifted) and a key-file entry under it."""
    username = (username or "").strip().lower()
    problems = validate_password(new_password, confirm, username=username)
    if problems:
        raise ValidationError(problems)
    if state(db_path) == "locked":
        keys.unlock_with_recovery(db_path, recovery_key)
    else:
        keys.parse_recovery_key(recovery_key)  # a typo is still a typo
        key = held_key(db_path)
        if key is None or keys.unwrap_recovery(keys.keys_path(db_path), recovery_key) != key:
            raise keys.WrongPassword("Khoá khôi phục không đúng với dữ liệu của đơn vị này.",
                                     "The recovery key does not belong to this station's data.")
    with Store.open(db_path) as store:
        row = store.conn.execute("SELECT * FROM accounts WHERE username = ? AND active = 1", (username,)).fetchone()
        if row is None or row["role"] != "station_head":
            forget_key(db_path)
            raise StoreError("Khoá khôi phục chỉ đặt lại mật khẩu của một Trưởng Công an đang hoạt động.",
                             "The recovery key only resets the password of an active station head.")
        with store.transaction():
            store.conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = ?, failed_count = 0, "
                               "locked_until = NULL WHERE username = ?",
                               (hash_password(new_password), now_iso(), username))
            keys.rewrap_for_password(db_path, username, new_password)
        return Account(row["username"], row["full_name"], row["role"])


def new_recovery_key(db_path: str | Path) -> str:
    """Replace the recovery entry (the old recovery key stops working); needs the key held. Returns the new key."""
    key = held_key(db_path)
    if key is None:
        raise StoreError("Chưa mở khoá dữ liệu (cần đăng nhập).", "The data is not unlocked (log in first).")
    recovery = keys.new_recovery_key()
    entry = keys.new_keyfile(key, recovery)["recovery"]  # the scrypt, before taking the key file's lock
    with keys.updating(keys.keys_path(db_path)) as data:
        data["recovery"] = entry
    return recovery
