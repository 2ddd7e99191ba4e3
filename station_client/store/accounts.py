"""Officer accounts in the station file: create, verify (slow KDF, lockout), change password.

Accounts are local to the station (not synced, not in the outbox). Every function takes the writable ``Store``
and runs on its thread; checks that write counters (failed logins) are transactions like any other write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import now_iso, utcnow
from ..domain.accounts import (
    LOCK_MINUTES,
    MAX_FAILURES,
    Account,
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
    return Account(row["username"], row["full_name"], row["role"])  # type: ignore[index]


def count_accounts(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM accounts WHERE active = 1").fetchone()[0])


def list_accounts(store: Store) -> list[Account]:
    rows = store.conn.execute("SELECT * FROM accounts WHERE active = 1 ORDER BY full_name").fetchall()
    return [_account(r) for r in rows]


def create_account(store: Store, username: str, full_name: str, role: str, password: str,
                   confirm: str | None = None, *, created_by: str | None = None, kdf_n: int | None = None) -> Account:
    username = (username or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    problems = validate_username(username) + validate_role(role) + validate_password(password, confirm,
                                                                                      username=username)
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
            (username, full_name, role, pw_hash, now, created_by, now))
    return Account(username, full_name, role)  # type: ignore[arg-type]


def verify(store: Store, username: str, password: str, *, now: datetime | None = None) -> Account:
    """The account if the password is right; else ``AuthError`` (the same words for an unknown name and a wrong
    password). After MAX_FAILURES wrong passwords in a row the account is locked for LOCK_MINUTES."""
    now = now or utcnow()
    username = (username or "").strip().lower()
    row = store.conn.execute("SELECT * FROM accounts WHERE username = ? AND active = 1", (username,)).fetchone()
    wrong = AuthError("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    if row is None:
        check_password(password, hash_password("timing-equaliser"))  # same cost as a real check
        raise wrong
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
        minutes = max(1, round((datetime.fromisoformat(row["locked_until"]) - now).total_seconds() / 60))
        raise AuthError(f"Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần. Thử lại sau {minutes} phút.",
                        f"The account is locked after too many wrong passwords. Try again in {minutes} min.")
    if not check_password(password, row["password_hash"]):
        failures = row["failed_count"] + 1
        locked = (now + timedelta(minutes=LOCK_MINUTES)).isoformat() if failures >= MAX_FAILURES else None
        with store.transaction():
            store.conn.execute("UPDATE accounts SET failed_count = ?, locked_until = ? WHERE username = ?",
                               (0 if locked else failures, locked, username))
        if locked:
            raise AuthError(f"Sai mật khẩu {MAX_FAILURES} lần: tài khoản bị khoá {LOCK_MINUTES} phút.",
                            f"{MAX_FAILURES} wrong passwords: the account is locked for {LOCK_MINUTES} minutes.")
        raise wrong
    with store.transaction():
        store.conn.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, last_login_at = ? "
                           "WHERE username = ?", (now_iso(), username))
    return _account(row)


def change_password(store: Store, username: str, old_password: str, new_password: str,
                    confirm: str | None = None) -> None:
    verify(store, username, old_password)
    problems = validate_password(new_password, confirm, username=username)
    if problems:
        raise ValidationError(problems)
    with store.transaction():
        store.conn.execute("UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE username = ?",
                           (hash_password(new_password), now_iso(), username))
