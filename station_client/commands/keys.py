"""Headless access to an encrypted station, ``station-client recover`` and ``station-client key ...``.

A headless command (sync from a scheduler, backup, import/export, audit verify) needs the data key without the
login page. In order (docs/encryption.md):

1. the OS keyring, if the station head has put the key there with ``station-client key remember`` and this
   machine has a real keyring (Windows Credential Manager, macOS Keychain, Secret Service) — for unattended
   sync; never a plaintext file (without a real keyring there is no unattended mode);
2. an officer's login: ``--user NAME`` (or ``STATION_CLIENT_USER``) and the password from ``--password-stdin``
   (or ``STATION_CLIENT_PASSWORD``), else asked on the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import sys
from pathlib import Path
from typing import Any

from ..domain.accounts import Account
from ..paths import db_path
from ..store import keys
from ..store import unlock as unlocking
from ..store.backup import backup_keys_path, restore
from ..store.connection import held_key, hold_key
from ..store.errors import StoreError, StoreLocked
from .common import add_command, read_login, read_password

KEYRING_SERVICE = "station-client"


def _keyring_name(db: Path) -> str:
    return "datakey-" + hashlib.sha256(str(db.resolve()).encode()).hexdigest()[:16]


def _keyring() -> Any:
    from ..sync.credentials import _real_keyring  # the same "is there a real keyring" rule as the token

    return _real_keyring()


def _from_keyring(db: Path) -> bytes | None:
    backend = _keyring()
    if backend is None:
        return None
    try:
        value = backend.get_password(KEYRING_SERVICE, _keyring_name(db))
        key = bytes.fromhex(value) if value else None
    except Exception:  # locked keyring, no D-Bus, a damaged entry: fall back to a login
        return None
    if key is None or keys.key_id(key) != keys.load(keys.keys_path(db)).get("key_id"):
        return None
    return key


def ensure_unlocked(args: argparse.Namespace) -> Account | None:
    """Hold the data key for the command's station when it is encrypted (see the module's docstring), and log
    in the officer named by ``--user`` (also on a plain station): the login binds them to the station file, so
    the command's writes are theirs (``Store.session``). Returns the officer who logged in, None when no login
    was needed. An account whose password someone else set (a reset, a province issue) may only run
    ``station-client --user NAME password`` until it has chosen its own."""
    db = db_path(getattr(args, "data_dir", None))
    current = unlocking.state(db)
    if current != "locked":
        if current != "plain" or not getattr(args, "user", None):
            return None
        password = read_password(args, "Mật khẩu / Password: ")
        return _logged_in(args, unlocking.login(db, args.user, password or ""), password or "")
    key = None if getattr(args, "user", None) else _from_keyring(db)
    if key is not None:
        hold_key(db, key)
        return None
    user, password = read_login(args)
    if not user or password is None:
        raise StoreLocked(
            "Dữ liệu đã được mã hóa: cần đăng nhập (--user TÊN --password-stdin, hoặc STATION_CLIENT_USER và "
            "STATION_CLIENT_PASSWORD), hoặc Trưởng Công an bật đồng bộ tự động bằng 'station-client key remember'.",
            "The data is encrypted: log in (--user NAME --password-stdin, or STATION_CLIENT_USER and "
            "STATION_CLIENT_PASSWORD), or have the station head enable unattended use with "
            "'station-client key remember'.")
    return _logged_in(args, unlocking.login(db, user, password), password)


def _logged_in(args: argparse.Namespace, account: Account, password: str) -> Account:
    if account.must_change and getattr(args, "command", None) != "password":
        raise StoreError(
            "Mật khẩu này do người khác đặt: hãy đặt mật khẩu của riêng mình trước (đăng nhập phần mềm, hoặc "
            "'station-client --user TÊN password').",
            "This password was set by someone else: choose your own first (log in to the app, or "
            "'station-client --user NAME password').")
    args.login_password = password  # for ``password``: the old one, proved again there
    return account

# ------------------------------------------------------------------------------------------------ commands
def cmd_recover(args: argparse.Namespace) -> int:
    db = db_path(getattr(args, "data_dir", None))
    if args.stdin:  # three lines: recovery key, username, new password (scripts and tests)
        recovery, user, password = (sys.stdin.readline().strip() for _ in range(3))
        confirm = password
    else:
        recovery = input("Khóa khôi phục / Recovery key: ")
        user = getattr(args, "user", None) or input("Tên đăng nhập của Trưởng Công an / Station head's username: ")
        password = getpass.getpass("Mật khẩu mới / New password: ")
        confirm = getpass.getpass("Nhập lại / Again: ")
    account = unlocking.recover(db, recovery, user, password, confirm)
    print(f"Đã đặt mật khẩu mới cho {account.full_name}. / New password set for {account.full_name}.")
    fresh = unlocking.take_recovery_key(db)
    if fresh:
        print("Khóa khôi phục vừa dùng đã hết hiệu lực; khóa mới (chép lại vào mẫu của tỉnh) / The recovery key "
              f"just used no longer works; the new one (copy it onto the province's form):\n{fresh}")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    """The logged-in officer chooses a new password (after a reset, a province issue, or at will)."""
    from ..store import Store
    from ..store.accounts import change_password

    account: Account | None = getattr(args, "logged_in", None)
    if account is None:
        raise StoreError("Cần đăng nhập: --user TÊN.", "Log in first: --user NAME.")
    if args.stdin:
        new = sys.stdin.readline().rstrip("\r\n")
        confirm = new
    else:
        new = getpass.getpass("Mật khẩu mới / New password: ")
        confirm = getpass.getpass("Nhập lại / Again: ")
    with Store.open(db_path(getattr(args, "data_dir", None))) as store:
        change_password(store, account.username, getattr(args, "login_password", ""), new, confirm)
    print("Đã đổi mật khẩu. / The password was changed.")
    return 0


def cmd_remember(args: argparse.Namespace) -> int:
    db = db_path(getattr(args, "data_dir", None))
    key = held_key(db)
    backend = _keyring()
    if key is None:
        raise StoreError("Dữ liệu chưa được mã hóa hoặc chưa mở khóa.", "The data is not encrypted or not unlocked.")
    if backend is None:
        raise StoreError("Máy này không có kho khóa của hệ điều hành; không lưu khóa dữ liệu ra tệp thường.",
                         "This machine has no OS keyring; the data key is never saved to a plain file.")
    backend.set_password(KEYRING_SERVICE, _keyring_name(db), key.hex())
    print("Đã lưu khóa dữ liệu vào kho khóa của hệ điều hành (đồng bộ tự động). / The data key is in the OS "
          "keyring (unattended sync).")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    db = db_path(getattr(args, "data_dir", None))
    backend = _keyring()
    if backend is not None:
        with contextlib.suppress(Exception):  # nothing stored: nothing to forget
            backend.delete_password(KEYRING_SERVICE, _keyring_name(db))
    print("Kho khóa không còn giữ khóa dữ liệu. / The OS keyring no longer holds the data key.")
    return 0


def cmd_new_recovery(args: argparse.Namespace) -> int:
    account: Account | None = getattr(args, "logged_in", None)
    if account is None or not account.is_head:
        raise StoreError("Chỉ Trưởng Công an (đăng nhập bằng --user) được tạo khóa khôi phục mới.",
                         "Only the station head (logged in with --user) may make a new recovery key.")
    recovery = unlocking.new_recovery_key(db_path(getattr(args, "data_dir", None)))
    print(f"Khóa khôi phục mới (khóa cũ hết hiệu lực) / New recovery key (the old one no longer works):\n{recovery}")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    """The head suspects a copy of the data folder or a backup (with its key file) has leaked, or an officer who
    left kept one: a new data key for the database (re-key) and a new recovery key."""
    account: Account | None = getattr(args, "logged_in", None)
    if account is None or not account.is_head:
        raise StoreError("Chỉ Trưởng Công an (đăng nhập bằng --user) được đổi khóa dữ liệu.",
                         "Only the station head (logged in with --user) may change the data key.")
    db = db_path(getattr(args, "data_dir", None))

    def progress(step: str, done: int, total: int) -> None:
        if step == "rekey" and done == 0:
            print(f"Đang mã hóa lại {total} trang dữ liệu… / Re-encrypting {total} pages…", flush=True)

    unlocking.rekey_now(db, new_recovery=True, on_progress=progress)
    recovery = unlocking.take_recovery_key(db)
    print("Đã đổi khóa dữ liệu: bản sao cũ của thư mục dữ liệu và tệp khóa không mở được dữ liệu ghi từ nay. / "
          "The data key was changed: older copies of the data folder and key file open nothing written from now "
          "on.")
    print(f"Khóa khôi phục mới (khóa cũ hết hiệu lực) / New recovery key (the old one no longer works):\n{recovery}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """``restore FILE`` with the recovery key: an encrypted backup on a new machine (or over another station)."""
    db = db_path(getattr(args, "data_dir", None))
    key = None
    if args.recovery_key_stdin:
        key = keys.unwrap_recovery(backup_keys_path(Path(args.file)), sys.stdin.readline().strip())
    if unlocking.state(db) == "locked":
        args.logged_in = ensure_unlocked(args)
    _authorize_restore(args, db)
    info, kept = restore(Path(args.file), db, key=key)
    print(f"Đã khôi phục / Restored: {info.path} ({info.persons} nhân khẩu / residents, {info.households} hộ / "
          f"households, lược đồ / schema {info.schema})")
    if kept is not None:
        print(f"Dữ liệu trước đó được giữ tại / The previous data was kept at: {kept}")
        print("Tài khoản giữ như hiện tại (mật khẩu, tài khoản bị khóa, khóa tạm) / Accounts kept as they are now "
              "(passwords, disabled accounts, lockouts)" + (":" if info.accounts_kept else ": —"))
        for line in info.accounts_kept:
            print(f"  {line}")
    return 0


def _authorize_restore(args: argparse.Namespace, db: Path) -> None:
    """Replacing a station's data is the head's action (``permissions.BACKUP_RESTORE``), headless as in the app.
    Nothing to check on a new machine (no station file yet) or over a file that is not a readable station (damaged
    or foreign: the restore is the way back, and nobody's role can be read from it)."""
    from ..domain import permissions
    from ..store import Store
    from ..store.connection import DatabaseErrors
    from ..store.errors import NotAStationDatabase
    from .common import acting_officer

    if not db.exists() or db.stat().st_size == 0:
        return
    unreadable: tuple[type[Exception], ...] = (NotAStationDatabase, *DatabaseErrors)
    try:
        store = Store.open(db)
    except unreadable:
        return
    with store:
        store.authorize(permissions.BACKUP_RESTORE, acting_officer(args, store))


def register(sub: Any) -> None:
    p = add_command(sub, "recover", "đặt lại mật khẩu Trưởng Công an bằng khóa khôi phục / reset the station "
                    "head's password with the recovery key", cmd_recover)
    p.add_argument("--stdin", action="store_true",
                   help="đọc khóa khôi phục, tên đăng nhập, mật khẩu mới (3 dòng) / read recovery key, username, new "
                        "password (3 lines)")
    p = add_command(sub, "password", "đổi mật khẩu của cán bộ đăng nhập (--user) / change the password of the "
                    "officer logged in with --user", cmd_password)
    p.add_argument("--stdin", action="store_true",
                   help="đọc mật khẩu mới từ stdin (dòng sau mật khẩu đăng nhập) / read the new password from "
                        "stdin (the line after the login password)")
    key = add_command(sub, "key", "khóa mã hóa dữ liệu / the data encryption key")
    key_sub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    add_command(key_sub, "remember", "giữ khóa trong kho khóa của hệ điều hành cho đồng bộ tự động / keep the key "
                "in the OS keyring for unattended sync", cmd_remember)
    add_command(key_sub, "forget", "xóa khóa khỏi kho khóa của hệ điều hành / remove the key from the OS keyring",
                cmd_forget)
    add_command(key_sub, "new-recovery", "tạo khóa khôi phục mới / make a new recovery key", cmd_new_recovery)
    add_command(key_sub, "rotate", "đổi khóa dữ liệu (mã hóa lại) khi bản sao có thể đã lộ / change the data key "
                "(re-key) when a copy may have leaked", cmd_rotate)
