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
from typing import Any, Literal

from ..domain.accounts import Account, validate_password, validate_username
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
        f"Dữ liệu {db_path.name} đã được mã hóa (hoặc bị hỏng) nhưng thiếu tệp khóa {kp.name}. Hãy chép lại tệp "
        "khóa (có cạnh mỗi bản sao lưu) vào thư mục dữ liệu; dữ liệu không bị thay đổi.",
        f"{db_path.name} is encrypted (or damaged) but its key file {kp.name} is missing. Copy the key file back "
        "(one is beside every backup) into the data folder; the data was not changed.")


class DataMissing(StoreError):
    """The station's key file is there but its database is missing or empty."""


def missing_data(db_path: str | Path) -> DataMissing:
    db_path = Path(db_path)
    kp = keys.keys_path(db_path)
    return DataMissing(
        f"Không thấy dữ liệu {db_path.name} (hoặc tệp rỗng) trong khi tệp khóa {kp.name} vẫn còn: dữ liệu đã bị xóa "
        f"hoặc chuyển đi. Phần mềm không tạo dữ liệu mới và không đổi gì. Hãy khôi phục bản sao lưu gần nhất: "
        f"station-client restore TỆP_SAO_LƯU (hoặc chép {db_path.name} về {db_path.parent}). Nếu đây là lần thiết "
        f"lập đầu tiên bị gián đoạn (chưa có dữ liệu nào), hãy xóa tệp {kp.name} rồi mở lại.",
        f"{db_path.name} is missing (or empty) while its key file {kp.name} is still there: the data was deleted or "
        f"moved. Nothing was created or changed. Restore the latest backup: station-client restore BACKUP_FILE (or "
        f"copy {db_path.name} back into {db_path.parent}). If this was a first setup that was interrupted (no data "
        f"yet), delete {kp.name} and start again.")


def data_missing(db_path: str | Path) -> bool:
    """A key file without its database (``state`` refuses it)."""
    db_path = Path(db_path)
    return keys.keys_path(db_path).exists() and (not db_path.exists() or db_path.stat().st_size == 0)


def unlock(db_path: str | Path, username: str, password: str, *,
           on_progress: encrypt.Progress | None = None) -> bytes:
    """Unwrap the key with an officer's password (the key file's own lockout applies) and hold it; finish an
    interrupted encryption or re-key. A disabled account is refused here already (an old copy of the key file
    may still hold its entry). A re-key made due by a disable runs at a station head's unlock (they see a new
    recovery key if one had to be made: ``take_recovery_key``). The account itself is then checked by
    ``accounts.log_in`` on an open store."""
    encrypt.settle_rekey(db_path, username, password)
    key = keys.unlock_with_password(db_path, username, password)
    encrypt.finish_pending(db_path, key)
    role = _active_role(db_path, key, username)
    if role is None:
        forget_key(db_path)
        raise keys.WrongPassword("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    if role == "station_head" and rekey_due(db_path):
        key = rekey_now(db_path, on_progress=on_progress) or key
    return key


def rekey_due(db_path: str | Path) -> bool:
    """A disable made a re-key due (it runs at a station head's next unlock)."""
    try:
        return bool(keys.load(keys.keys_path(db_path)).get("rekey_due"))
    except (KeyFileError, OSError):
        return False


def _active_role(db_path: str | Path, key: bytes, username: str) -> str | None:
    """The role of an active account ``username`` in the database (None: disabled or unknown); a plain file
    waiting for ``finish_pending`` has no say yet."""
    from .connection import open_connection

    if is_plain_sqlite(db_path):
        return "officer"
    conn = open_connection(db_path, readonly=True, key=key)  # WrongKey: a key file that is not this data's
    try:
        row = conn.execute("SELECT role, active FROM accounts WHERE username = ?",
                           ((username or "").strip().lower(),)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row is not None and row[1] else None


RekeyWaitsForHead = encrypt.RekeyWaitsForHead


def rekey_now(db_path: str | Path, *, new_recovery: bool = False,
              on_progress: encrypt.Progress | None = None, head_present: bool = True,
              by_program: bool = False) -> bytes | None:
    """Re-key the station's database now (``encrypt.rekey``): needs the key held and no connection open. Audits
    it (kind ``station``); a new recovery key waits in ``take_recovery_key``. Returns the new key (None when
    another program has the file open: the re-key stays due).

    ``head_present=False``: the logged-in officer is not a station head (the app, after a sync took the
    province's disable of an account). Every carried entry is re-boxed to its public key, so nobody's password is
    needed; but a re-key that would make a new recovery key (for the head's eyes only) or drop an active head's
    entry raises ``RekeyWaitsForHead`` and changes nothing: it stays due for a head. ``by_program``: the program
    runs it on its own (the province's disable), so the audit entry is ``system:rekey``'s and names who was
    logged in, not an officer who decided nothing."""
    key = held_key(db_path)
    if key is None:
        raise StoreError("Chưa mở khóa dữ liệu (cần đăng nhập).", "The data is not unlocked (log in first).")
    heads = () if head_present else _active_heads(db_path, key)
    try:
        done = encrypt.rekey(db_path, key, on_progress=on_progress, new_recovery=new_recovery,
                             head_present=head_present, heads=heads)
    except RekeyWaitsForHead:
        raise
    except StoreError:
        if new_recovery:
            raise
        return None
    if done.recovery is not None:
        _pending_recovery[Path(db_path).resolve()] = done.recovery
    # Who no longer opens what is written from now on, and why (the head's list: ``accounts.dropped_key_entries``):
    # the accounts disabled or reset since the last re-key (their entries in older key-file copies), and the
    # entries of this key file the re-key could not carry (format 1).
    dropped: list[dict[str, str | None]] = [{"user": r["user"], "why": r["event"], "since": r["at"]}
                                            for r in done.reasons]
    dropped += [{"user": name, "why": "entry.old_format", "since": None} for name in done.dropped]
    # In the app and `key rotate` the head is logged in (their name); at a login, before the store opens, or after
    # the province's disable (``by_program``): the program, naming who was logged in.
    with Store.open(db_path) as store:
        session = store.session
        changes: dict[str, Any] = {"key_id": [keys.key_id(key), keys.key_id(held_key(db_path) or key)],
                                   "entries_dropped": [None, done.dropped], "dropped": [None, dropped],
                                   "new_recovery_key": [None, done.recovery is not None]}
        if by_program and session is not None:
            changes["logged_in"] = [None, session]
        actor = "system:rekey" if by_program or session is None else session
        with store._acting_as(actor):
            store.audit_event("station", "data-key", "data_key.rotated", changes)
    return held_key(db_path)


def _active_heads(db_path: str | Path, key: bytes) -> list[str]:
    """The active station heads' usernames (their key-file entries must survive a re-key run without them)."""
    from .connection import open_connection

    conn = open_connection(db_path, readonly=True, key=key)
    try:
        return [str(r[0]) for r in conn.execute(
            "SELECT username FROM accounts WHERE role = 'station_head' AND active = 1")]
    finally:
        conn.close()


def login(db_path: str | Path, username: str, password: str) -> Account:
    """Headless login: unlock if needed, then the account check (active, lockout, role) in the database, and
    the officer is bound to the station file for this process (``accounts.log_in``)."""
    if state(db_path) == "locked":
        unlock(db_path, username, password)
    with Store.open(db_path) as store:
        account = account_store.log_in(store, username, password)
        after_login(store, username, password)
    return account


def after_login(store: Store, username: str, password: str) -> None:
    """An officer just proved their password against the database while the key is held (at the lock screen, or
    a new account's first login): give them a key-file entry if they have none, so the next start opens for
    them too."""
    key = held_key(store.path)
    if key is None or not keys.keys_path(store.path).exists():
        return
    audit_locked_station_events(store)
    if not keys.has_officer_key(store.path, username):
        keys.add_officer_key(store.path, key, username, password)
    account_store.take_issued(store)  # accounts the province issued since: their entries (``password_issued``)
    from ..sync.credentials import TokenStore  # a plain token file from an earlier version: sealed now

    TokenStore(Path(store.path).parent).seal_plain()


def audit_locked_station_events(store: Store) -> int:
    """Write the wrong passwords and lockouts of the locked station's login page (kept in the key file while the
    database was closed) into the audit chain, with the moment each happened, then drop them from the key file.
    Written first, dropped after: a crash between the two repeats an entry rather than loses one."""
    events = keys.unaudited_events(store.path)
    if not events:
        return 0
    with store.transaction(), store.acting_as_system("login"):
        for e in events:
            changes = dict(e.get("changes") or {}) | {"at_locked_station": [None, str(e.get("at") or "")]}
            store.audit_event("account", str(e.get("user") or ""), str(e.get("event") or "login.failed"), changes)
    keys.forget_unaudited(store.path, events)
    return len(events)


STATION_NAME_SETTING = "station.name"  # the option settings_schema.py declares


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
          full_name: str = "-", station_name: str = "") -> None:
    """First run of an encrypted station: the data key, held, and the key file with the head's entry, written
    before the database exists (``state`` drops a key file left without a database). The caller then creates
    the account in the store, and shows the recovery key returned by ``setup_recovery_key``."""
    problems = validate_username((username or "").strip().lower()) + validate_password(
        password, confirm, username=(username or "").strip().lower(), context=(station_name,) if station_name else ())
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
    the head's account gets ``new_password`` (lockout lifted) and a key-file entry under it, and the used
    recovery key is replaced by a new one, waiting in ``take_recovery_key`` to be shown once."""
    username = (username or "").strip().lower()
    problems = validate_password(new_password, confirm, username=username,
                                 context=(keys.station_name(db_path),) if keys.keys_path(db_path).exists() else ())
    if problems:
        raise ValidationError(problems)
    if state(db_path) == "locked":
        keys.unlock_with_recovery(db_path, recovery_key)
    else:
        keys.parse_recovery_key(recovery_key)  # a typo is still a typo
        key = held_key(db_path)
        if key is None or keys.unwrap_recovery(keys.keys_path(db_path), recovery_key) != key:
            raise keys.WrongPassword("Khóa khôi phục không đúng với dữ liệu của đơn vị này.",
                                     "The recovery key does not belong to this station's data.")
    with Store.open(db_path) as store:
        row = store.conn.execute("SELECT * FROM accounts WHERE username = ? AND active = 1", (username,)).fetchone()
        if row is None or row["role"] != "station_head":
            forget_key(db_path)
            raise StoreError("Khóa khôi phục chỉ đặt lại mật khẩu của một Trưởng Công an đang hoạt động.",
                             "The recovery key only resets the password of an active station head.")
        account_store.recovered(store, username, new_password)
        store._bind_session(username)
        account = Account(row["username"], row["full_name"], row["role"])
    # A recovery key that has been typed may have been seen: it is replaced now, shown once
    # (``take_recovery_key``).
    _pending_recovery[Path(db_path).resolve()] = new_recovery_key(db_path)
    return account


def new_recovery_key(db_path: str | Path) -> str:
    """Replace the recovery entry (the old recovery key stops working); needs the key held. Returns the new key."""
    key = held_key(db_path)
    if key is None:
        raise StoreError("Chưa mở khóa dữ liệu (cần đăng nhập).", "The data is not unlocked (log in first).")
    recovery = keys.new_recovery_key()
    entry = keys.new_keyfile(key, recovery)["recovery"]  # the scrypt, before taking the key file's lock
    with keys.updating(keys.keys_path(db_path)) as data:
        data["recovery"] = entry
    with Store.open(db_path) as store:
        store.audit_event("station", "recovery-key", "recovery_key.replaced")
    return recovery
