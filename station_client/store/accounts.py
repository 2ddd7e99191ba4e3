"""Officer accounts in the station file: create, verify (slow KDF, lockout), change and reset passwords,
disable and enable, and take the accounts the province issues.

Accounts are local to the station (not synced, not in the outbox); the province's issues arrive as
``officer_account`` records (``domain/accounts.py``) and are taken into ``accounts`` when that officer logs in
or the head lists the officers. Every function takes the writable ``Store`` and runs on its thread; checks that
write counters (failed logins) are transactions like any other write. Managing other officers' accounts is a
head-only action of the logged-in officer, refused by ``Store.authorize`` whatever the UI shows.

``log_in`` is the login: it checks the password and binds the officer to the station file (``Store.session``),
so that every later write is theirs. Every account event (created, password changed or reset, disabled,
enabled, issued by the province, failed login, lockout) is an audit entry (``Store.audit_event``, kind
``account``), never with a password or its hash.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime, timedelta
from typing import Any

from ..clock import now_iso, utcnow
from ..domain import permissions
from ..domain.accounts import (
    LOCK_MINUTES,
    MAX_FAILURES,
    Account,
    AccountInfo,
    DroppedKeyEntry,
    RestoreReport,
    check_password,
    hash_password,
    validate_password,
    validate_role,
    validate_username,
)
from ..domain.problems import Problem, ValidationError
from .errors import StoreError
from .store import Store


class AuthError(StoreError):
    """Wrong username or password, a locked or disabled account."""


def _account(row: object) -> Account:
    return Account(row["username"], row["full_name"], row["role"], bool(row["must_change"]))  # type: ignore[index]


def count_accounts(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM accounts WHERE active = 1").fetchone()[0])


def list_accounts(store: Store) -> list[Account]:
    rows = store.conn.execute("SELECT * FROM accounts WHERE active = 1 ORDER BY full_name").fetchall()
    return [_account(r) for r in rows]


def create_account(store: Store, username: str, full_name: str, role: str, password: str,
                   confirm: str | None = None, *, created_by: str | None = None, kdf_n: int | None = None) -> Account:
    """A new account, made by the logged-in station head (``created_by``, if given, must be them). The first
    account of a station (first run, demo, tests) needs nobody: its creation is its first login — the new
    account is bound to the station file (``Store.session``)."""
    first = store.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None
    store.authorize(permissions.MANAGE_ACCOUNTS, created_by)
    username = (username or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    problems = validate_username(username) + validate_role(role) + validate_password(
        password, confirm, username=username, context=station_words(store))
    if not full_name:
        problems.append(Problem("full_name", "required", "Họ và tên là bắt buộc.", "Full name is required."))
    if not problems and store.conn.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone():
        problems.append(Problem("username", "username.taken", "Tên đăng nhập này đã có.",
                                "This username is already taken."))
    if problems:
        raise ValidationError(problems)
    pw_hash = hash_password(password, n=kdf_n)
    now = now_iso()
    with store.transaction():
        store.conn.execute(
            "INSERT INTO accounts(username, full_name, role, password_hash, created_at, created_by, "
            "password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (username, full_name, role, pw_hash, now, created_by or store.session, now))
        password_changed(store, username, password)  # an encrypted station: the new officer's key-file entry
        event = {"role": [None, role], "full_name": [None, full_name]}
        if first:  # the station's first head set it up: their own first write
            store._bind_session(username)
        store.audit_event("account", username, "account.created", event, create=True)
    return Account(username, full_name, role)  # type: ignore[arg-type]


def station_words(store: Store) -> tuple[str, ...]:
    """What a guesser tries first at this station: its name and its commune's (the password policy refuses
    passwords made of them, ``domain.accounts.validate_password``)."""
    from ..domain.units import commune

    code = store.get_setting("station.commune_code") or ""
    unit = commune(code) if code else None
    return tuple(w for w in (store.get_setting("station.name") or "", unit.name if unit else "") if w)


def verify(store: Store, username: str, password: str, *, now: datetime | None = None) -> Account:
    """The account if the password is right; else ``AuthError`` (the same words for an unknown name and a wrong
    password). After MAX_FAILURES wrong passwords in a row the account is locked for LOCK_MINUTES."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    take_issued(store, username)
    row = store.conn.execute("SELECT * FROM accounts WHERE username = ? AND active = 1", (username,)).fetchone()
    if row is None and store.conn.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone():
        check_password(password, hash_password("timing-equaliser"))
        with store.transaction(), store.acting_as_system("login"):
            store.audit_event("account", username, "login.disabled")  # a disabled account tried
        raise AuthError("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    wrong = AuthError("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    if row is None:
        check_password(password, hash_password("timing-equaliser"))  # same cost as a real check
        raise wrong
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
        minutes = max(1, round((datetime.fromisoformat(row["locked_until"]) - now).total_seconds() / 60))
        raise AuthError(f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau {minutes} phút.",
                        f"The account is locked after too many wrong passwords. Try again in {minutes} min.")
    if not check_password(password, row["password_hash"]):
        failures = row["failed_count"] + 1
        locked = (now + timedelta(minutes=LOCK_MINUTES)).isoformat() if failures >= MAX_FAILURES else None
        with store.transaction(), store.acting_as_system("login"):
            store.conn.execute("UPDATE accounts SET failed_count = ?, locked_until = ? WHERE username = ?",
                               (0 if locked else failures, locked, username))
            store.audit_event("account", username, "login.failed", {"failed_count": [failures - 1, failures]})
            if locked:
                store.audit_event("account", username, "account.locked", {"locked_until": [None, locked]})
        if locked:
            raise AuthError(f"Sai mật khẩu {MAX_FAILURES} lần: tài khoản bị khóa {LOCK_MINUTES} phút.",
                            f"{MAX_FAILURES} wrong passwords: the account is locked for {LOCK_MINUTES} minutes.")
        raise wrong
    with store.transaction():
        store.conn.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, last_login_at = ? "
                           "WHERE username = ?", (now_iso(), username))
    return _account(row)


def log_in(store: Store, username: str, password: str, *, now: datetime | None = None) -> Account:
    """The login (app, command line): ``verify`` the password, then bind the officer to the station file so
    that every write of this process is theirs (``Store.session``). An account whose password someone else set
    (a reset, a province issue) is bound too, but the store refuses its writes until ``change_password``."""
    account = verify(store, username, password, now=now)
    store._bind_session(account.username)
    return account


def change_password(store: Store, username: str, old_password: str, new_password: str,
                    confirm: str | None = None) -> None:
    """The officer's own change: the old password is needed (a lent, unlocked laptop is not enough)."""
    verify(store, username, old_password)
    problems = validate_password(new_password, confirm, username=username, context=station_words(store))
    if not problems and new_password == old_password:
        problems.append(Problem("password", "password.same", "Mật khẩu mới phải khác mật khẩu cũ.",
                                "The new password must differ from the old one."))
    if problems:
        raise ValidationError(problems)
    username = (username or "").strip().lower()
    with store.transaction(), store._acting_as(username):  # the old password was just proved
        store.conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = ?, must_change = 0 "
                           "WHERE username = ?", (hash_password(new_password), now_iso(), username))
        password_changed(store, username, new_password)
        store.audit_event("account", username, "password.changed", {"must_change": [None, False]})


def reset_password(store: Store, username: str, new_password: str, confirm: str | None = None, *,
                   by: str | None = None) -> None:
    """The logged-in station head gives an officer a new password (the officer forgot theirs); the officer must
    replace it at the next login (the store refuses their writes until then), and a lockout is lifted."""
    store.authorize(permissions.MANAGE_ACCOUNTS, by)
    username = (username or "").strip().lower()
    _existing(store, username)
    problems = validate_password(new_password, confirm, username=username, context=station_words(store))
    if problems:
        raise ValidationError(problems)
    with store.transaction():
        store.conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = ?, must_change = 1, "
                           "failed_count = 0, locked_until = NULL WHERE username = ?",
                           (hash_password(new_password), now_iso(), username))
        password_changed(store, username, new_password)
        _make_rekey_due(store, username, "password.reset")  # the old password's entry is in older key-file copies
        store.audit_event("account", username, "password.reset", {"must_change": [None, True]})


def recovered(store: Store, username: str, new_password: str) -> None:
    """The recovery key was just proved (``unlock.recover``): the head's account gets ``new_password``, its
    lockout is lifted, and the event is audited as the head's."""
    row = _existing(store, username)
    with store.transaction(), store._acting_as(username):
        store.conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = ?, failed_count = 0, "
                           "locked_until = NULL, must_change = 0 WHERE username = ?",
                           (hash_password(new_password), now_iso(), username))
        password_changed(store, username, new_password)
        store.audit_event("account", username, "account.recovered", {"locked_until": [row["locked_until"], None]})


def set_active(store: Store, username: str, active: bool, *, by: str | None = None) -> None:
    """Disable an officer (they can no longer log in; their past work keeps their name) or enable them again.
    The logged-in station head does it (``by``, if given, must be them)."""
    by = store.authorize(permissions.MANAGE_ACCOUNTS, by)
    username = (username or "").strip().lower()
    row = _existing(store, username)
    if not active and username == by:
        raise StoreError("Không thể tự khóa tài khoản của mình.", "You cannot disable your own account.")
    if not active and row["role"] == "station_head" and row["active"] and store.conn.execute(
            "SELECT count(*) FROM accounts WHERE role = 'station_head' AND active = 1").fetchone()[0] <= 1:
        raise StoreError("Đơn vị phải còn ít nhất một Trưởng Công an đang hoạt động.",
                         "The station must keep at least one active station head.")
    with store.transaction():
        store.conn.execute("UPDATE accounts SET active = ?, failed_count = 0, locked_until = NULL "
                           "WHERE username = ?", (int(active), username))
        if not active:
            account_disabled(store, username)
        if bool(row["active"]) != active:
            store.audit_event("account", username, "account.enabled" if active else "account.disabled",
                              {"active": [bool(row["active"]), active]})


def account_infos(store: Store, *, now: datetime | None = None) -> list[AccountInfo]:
    """Every account, disabled ones included, for the head's officer list (province issues taken first)."""
    now = now or utcnow()
    take_issued(store)
    key_file_locks = _key_file_locks(store)
    out = []
    for r in store.conn.execute("SELECT * FROM accounts ORDER BY active DESC, full_name").fetchall():
        until = [u for u in (r["locked_until"], key_file_locks.get(r["username"])) if u]
        locked = any(datetime.fromisoformat(u) > now for u in until)
        out.append(AccountInfo(r["username"], r["full_name"], r["role"], bool(r["active"]), locked,
                               bool(r["must_change"]), r["issued_at"] is not None, r["last_login_at"]))
    return out


def dropped_key_entries(conn: Any, *, limit: int = 100) -> list[DroppedKeyEntry]:
    """The key-file entries the station's re-keys dropped, newest first, for the head's officer list: read from
    the re-keys' audit entries (``unlock.rekey_now``: kind ``station``, ``data-key``), so a reader connection
    does. A re-key audited before the reasons were recorded lists its format-1 entries only."""
    names = {str(r[0]): str(r[1]) for r in conn.execute("SELECT username, full_name FROM accounts")}
    out: list[DroppedKeyEntry] = []
    rows = conn.execute("SELECT at, officer, changes FROM audit WHERE kind = 'station' AND record_id = 'data-key' "
                        "ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
    for at, by, raw in rows:
        changes = _json_object(raw)
        if _after(changes, "event") != "data_key.rotated":
            continue
        dropped = _after(changes, "dropped")
        if not isinstance(dropped, list):
            dropped = [{"user": name, "why": "entry.old_format"} for name in _after(changes, "entries_dropped") or []]
        for d in dropped:
            if isinstance(d, dict) and d.get("user"):
                user = str(d["user"])
                out.append(DroppedKeyEntry(user, names.get(user, user), str(at), str(by), str(d.get("why") or ""),
                                           str(d["since"]) if d.get("since") else None))
    return out


def last_restore(conn: Any) -> RestoreReport | None:
    """The last restore of a backup recorded in this station's audit chain (``backup._audit_restore``), with what
    keeping the accounts as they are now changed, for the head's officer list — whether the restore was made in
    the app or with ``station-client restore``. None: never restored."""
    row = conn.execute("SELECT at, officer, changes FROM audit WHERE kind = 'station' AND record_id = 'backup' "
                       "ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return None
    changes = _json_object(row[2])
    if _after(changes, "event") != "backup.restored":
        return None
    names = {str(r[0]): str(r[1]) for r in conn.execute("SELECT username, full_name FROM accounts")}
    lines = []
    for line in _after(changes, "accounts_kept") or []:
        user, _sep, what = str(line).partition(": ")
        lines.append((user, names.get(user, user), what.strip()))
    return RestoreReport(str(row[0]), str(row[1]), str(_after(changes, "file") or ""),
                         bool(_after(changes, "over_existing")), tuple(lines))


def _json_object(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _after(changes: dict[str, Any], field: str) -> Any:
    """The value after an audit entry's change ``[before, after]`` of ``field`` (None when absent)."""
    pair = changes.get(field)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None


def _key_file_locks(store: Store) -> dict[str, str]:
    """An encrypted station counts wrong passwords at the login page in its key file (the database cannot be
    opened to count them): those lockouts too, for the head's officer list."""
    try:
        keys = importlib.import_module(f"{__package__}.keys")
        path = keys.keys_path(store.path)
        if not path.exists():
            return {}
        officers = keys.load(path).get("officers") or {}
    except (ImportError, StoreError, OSError):
        return {}
    return {name: str(e["locked_until"]) for name, e in officers.items()
            if isinstance(e, dict) and e.get("locked_until")}


def take_issued(store: Store, username: str | None = None, *, disabled: list[str] | None = None) -> int:
    """Take the province's officer-account issues (pulled ``officer_account`` records) into ``accounts``: a new
    account, a re-issued password (a later ``issued_at``), a disable. Runs after a pull that brought issues
    (``sync_ops.apply_response``, so an encrypted station writes the key-file entry while the key is held), before
    a login and before the head's list. Returns how many accounts changed; the names of the accounts a disable
    took are appended to ``disabled`` (on an encrypted station each made a re-key due: ``rekey_due``)."""
    sql = "SELECT * FROM officer_accounts"
    args: tuple[str, ...] = ()
    if username is not None:
        sql, args = sql + " WHERE username = ?", (username,)
    changed = 0
    for issue in store.conn.execute(sql, args).fetchall():
        name = issue["username"]
        if not name or not issue["password_hash"] or not issue["issued_at"]:
            continue
        live = bool(issue["active"]) and not issue["deleted"]
        row = store.conn.execute("SELECT * FROM accounts WHERE username = ?", (name,)).fetchone()
        role = issue["role"] if issue["role"] in ("officer", "station_head") else "officer"
        with store.transaction(), store.acting_as_system("sync"):
            if row is None:
                if not live:
                    continue
                now = now_iso()
                store.conn.execute(
                    "INSERT INTO accounts(username, full_name, role, password_hash, created_at, created_by, "
                    "password_changed_at, must_change, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                    (name, issue["full_name"] or name, role, issue["password_hash"], now, permissions.SYSTEM_SYNC,
                     now, issue["issued_at"]))
                password_issued(store, name, issue["password_hash"], issue["issued_at"])
                store.audit_event("account", name, "account.issued", {"role": [None, role]}, create=True)
            elif not live:
                if not row["active"]:
                    continue
                store.conn.execute("UPDATE accounts SET active = 0 WHERE username = ?", (name,))
                account_disabled(store, name)
                store.audit_event("account", name, "account.disabled", {"active": [True, False]})
                if disabled is not None:
                    disabled.append(name)
            elif row["issued_at"] is None or (datetime.fromisoformat(issue["issued_at"])
                                              > datetime.fromisoformat(row["issued_at"])):
                # A new issue for this name: the province's password (to be changed at login), role and name.
                store.conn.execute(
                    "UPDATE accounts SET full_name = ?, role = ?, password_hash = ?, password_changed_at = ?, "
                    "must_change = 1, issued_at = ?, active = 1, failed_count = 0, locked_until = NULL "
                    "WHERE username = ?",
                    (issue["full_name"] or row["full_name"], role, issue["password_hash"], now_iso(),
                     issue["issued_at"], name))
                password_issued(store, name, issue["password_hash"], issue["issued_at"])
                store.audit_event("account", name, "account.reissued",
                                  {"role": [row["role"], role], "must_change": [None, True]})
            else:
                # Taken earlier without the key held (a plain station since encrypted, or a pull before the
                # key-file entry existed): the issued password is still the account's, so it gets its entry.
                if (row["active"] and row["must_change"] and row["password_hash"] == issue["password_hash"]
                        and _unlocked_keys(store) is not None
                        and not _unlocked_keys(store).has_officer_key(store.path, name)):
                    password_issued(store, name, issue["password_hash"], issue["issued_at"])
                continue
        changed += 1
    return changed


def password_changed(store: Store, username: str, new_password: str) -> None:
    """The one place a new password reaches the database encryption (docs/encryption.md): the data key is
    wrapped per officer password in the key file, so a changed, reset or first-login password needs the key
    wrapped for it. Only for an encrypted station whose key this process holds (someone is logged in); a plain
    file (tests, tools, an old version) has no key file to update."""
    keys = _unlocked_keys(store)
    if keys is not None:
        keys.rewrap_for_password(store.path, username, new_password)


def password_issued(store: Store, username: str, password_hash: str, issued_at: str | None = None) -> None:
    """A province-issued password arrives as its scrypt hash only: the key-file entry is derived from that hash
    (what the officer's typed password reproduces) and replaced by a fresh one at their first login. Not for an
    issue older than the station's last re-key: an old copy of the database holds that hash, which would then
    open the new key (the officer logs in while the station is open instead, or the province issues again)."""
    keys = _unlocked_keys(store)
    if keys is None:
        return
    rekeyed_at = keys.load(keys.keys_path(store.path)).get("rekeyed_at")
    if rekeyed_at and issued_at and datetime.fromisoformat(issued_at) < datetime.fromisoformat(rekeyed_at):
        return
    keys.add_officer_key_from_hash(store.path, username, password_hash)


def account_disabled(store: Store, username: str) -> None:
    """A disabled officer's password no longer opens the data; enabling them again goes with a password reset.
    Their entry may survive in an older copy of the key file, so the data key is changed too: a re-key is made
    due — the running app runs it at once (``ui/rekey.py``), else a station head's next unlock does
    (docs/encryption.md, "Re-key")."""
    keys = _unlocked_keys(store)
    if keys is not None:
        keys.remove_officer_key(store.path, username, rekey=True, reason="account.disabled")


def rekey_due(store: Store) -> bool:
    """A re-key is due on this encrypted station (a disable or a reset made it due; ``account_disabled``) and this
    process holds the key, so the running app can run it now (``ui/rekey.py``). False on a plain station."""
    keys = _unlocked_keys(store)
    if keys is None or not keys.keys_path(store.path).exists():
        return False
    try:
        return bool(keys.load(keys.keys_path(store.path)).get("rekey_due"))
    except (StoreError, OSError):
        return False


def _make_rekey_due(store: Store, username: str, reason: str) -> None:
    keys = _unlocked_keys(store)
    if keys is not None and keys.keys_path(store.path).exists():
        keys.make_rekey_due(store.path, username, reason)


def _unlocked_keys(store: Store) -> Any:
    """``store.keys`` when this build has encryption and this process holds the station's key, else None.
    Looked up by name: encryption arrived in the same release as these account functions."""
    try:
        keys = importlib.import_module(f"{__package__}.keys")
        connection = importlib.import_module(f"{__package__}.connection")
    except ImportError:
        return None
    held = getattr(connection, "held_key", None)
    if held is None or not hasattr(keys, "rewrap_for_password") or held(store.path) is None:
        return None
    return keys


def _existing(store: Store, username: str) -> Any:
    row = store.conn.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise StoreError("Không có tài khoản này.", "No such account.")
    return row


# ------------------------------------------------------------------------------------------------ restores
_KEPT = ("password_hash", "role", "active", "must_change", "failed_count", "locked_until", "password_changed_at",
         "issued_at")


def carry_over(current: Any, restored: Any) -> list[str]:
    """A backup restored on the same station: the accounts as they are now (passwords, disabled accounts,
    lockouts, forced changes) replace the backup's, so that nobody is locked out by a password changed since the
    backup and no disabled account comes back. ``current`` and ``restored``: connections to the live file and
    to the restored copy before it replaces it. Returns what changed, one line per account (for the message
    and the audit; never a password or its hash)."""
    def columns(conn: Any) -> list[str]:
        return [r[1] for r in conn.execute("PRAGMA table_info(accounts)")]

    shared = [c for c in columns(current) if c in set(columns(restored))]
    if "username" not in shared:
        return []
    before = {r["username"]: dict(r) for r in _rows(restored)}
    changes: list[str] = []
    for row in _rows(current):
        values = {c: row[c] for c in shared}
        old = before.get(row["username"])
        if old is None:
            changes.append(f"{row['username']}: account.kept")
        else:
            for field in _KEPT:
                if field in shared and old.get(field) != row[field]:
                    what = "password" if field in ("password_hash", "password_changed_at") else field
                    line = f"{row['username']}: {what}"
                    if line not in changes:
                        changes.append(line)
        restored.execute(f"INSERT OR REPLACE INTO accounts ({', '.join(shared)}) "
                         f"VALUES ({', '.join('?' * len(shared))})", tuple(values.values()))
    return changes


def _rows(conn: Any) -> list[Any]:
    previous, conn.row_factory = conn.row_factory, _dict_row
    try:
        return list(conn.execute("SELECT * FROM accounts"))
    finally:
        conn.row_factory = previous


def _dict_row(cursor: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}
