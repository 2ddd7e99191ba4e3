"""Staff accounts of the province console: roles, passwords, sessions, CSRF tokens, lockout, the staff audit.

Passwords are hashed with the same salted scrypt as officer passwords (``station_client.domain.accounts``).
A session is a random cookie value; the server keeps only its SHA-256 hash with the session's CSRF token, which
every form of the session carries. ``MAX_FAILURES`` wrong passwords in a row lock an account for
``LOCK_MINUTES``. Every console action is written to ``staff_audit`` (never a password, never personal data).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, func, select

from station_client.domain.accounts import MIN_PASSWORD, check_password, hash_password

from .. import schema
from ..db import Database, utcnow

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("Quản trị trung tâm dữ liệu", "Data-centre administrator"),
    "viewer": ("Cán bộ phòng nghiệp vụ (chỉ xem)", "Department viewer (read only)"),
    "agency": ("Cán bộ cơ quan điều tra", "Investigation-agency officer"),
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12  # absolute life of a session
IDLE_MINUTES = 60  # a session unused this long ends
SEEN_EVERY_S = 60  # seen_at is refreshed at most this often
_USERNAME = re.compile(r"^[a-z0-9._-]{3,32}$")


@cache
def _dummy_hash() -> str:
    """A hash nobody knows: an unknown username costs the same scrypt time as a known one."""
    return hash_password(secrets.token_urlsafe(16))


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class StaffError(ValueError):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


@dataclass(frozen=True)
class Staff:
    username: str
    full_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    staff: Staff
    csrf: str
    token_hash: str


def validate(username: str, full_name: str, role: str, password: str) -> list[StaffError]:
    problems = []
    if not _USERNAME.match(username):
        problems.append(StaffError("Tên đăng nhập gồm 3–32 ký tự a-z, 0-9, dấu chấm, gạch.",
                                   "A username is 3–32 characters: a-z, 0-9, dot, dash, underscore."))
    if not full_name.strip():
        problems.append(StaffError("Cần nhập họ tên.", "A full name is required."))
    if role not in ROLES:
        problems.append(StaffError("Vai trò không hợp lệ.", f"Unknown role: {role}."))
    if len(password) < MIN_PASSWORD or not any(c.isdigit() for c in password) \
            or not any(c.isalpha() for c in password):
        problems.append(StaffError(f"Mật khẩu tối thiểu {MIN_PASSWORD} ký tự, có cả chữ và số.",
                                   f"A password has at least {MIN_PASSWORD} characters, letters and digits."))
    return problems


def add_staff(db: Database, username: str, full_name: str, role: str, password: str, *, by: str) -> Staff:
    username = username.strip().lower()
    problems = validate(username, full_name, role, password)
    if problems:
        raise problems[0]
    s = schema.staff
    with db.write(feed=False) as conn:
        if conn.execute(select(s.c.username).where(s.c.username == username)).first() is not None:
            raise StaffError("Tên đăng nhập đã có.", "That username exists already.")
        conn.execute(s.insert().values(username=username, full_name=full_name.strip(), role=role,
                                       password_hash=hash_password(password), active=True, failures=0,
                                       locked_until=None, created_at=utcnow(), created_by=by))
        audit(conn, by, "staff.add", username, "ok", "", {"role": role})
    return Staff(username, full_name.strip(), role)


def set_active(db: Database, username: str, active: bool, *, by: str, client: str = "") -> bool:
    s = schema.staff
    with db.write(feed=False) as conn:
        n = conn.execute(s.update().where(s.c.username == username).values(active=active, failures=0,
                                                                           locked_until=None)).rowcount
        if not active:
            conn.execute(schema.staff_sessions.delete().where(schema.staff_sessions.c.username == username))
        audit(conn, by, "staff.enable" if active else "staff.disable", username, "ok" if n else "failed", client,
              {})
    return bool(n)


def unlock(db: Database, username: str, *, by: str, client: str = "") -> bool:
    s = schema.staff
    with db.write(feed=False) as conn:
        n = conn.execute(s.update().where(s.c.username == username).values(failures=0, locked_until=None)).rowcount
        audit(conn, by, "staff.unlock", username, "ok" if n else "failed", client, {})
    return bool(n)


def list_staff(db: Database) -> list[dict[str, Any]]:
    s = schema.staff
    with db.read() as conn:
        rows = conn.execute(select(s.c.username, s.c.full_name, s.c.role, s.c.active, s.c.failures, s.c.locked_until,
                                   s.c.created_at, s.c.created_by, s.c.last_login_at)
                            .order_by(s.c.username)).mappings().all()
    now = utcnow()
    return [dict(r) | {"locked": bool(r["locked_until"] and r["locked_until"] > now)} for r in rows]


def count_admins(db: Database) -> int:
    s = schema.staff
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(s)
                                .where(s.c.role == "admin", s.c.active.is_(True))).scalar_one())


class LoginRefused(Exception):
    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.vi = vi
        self.en = en


_WRONG = ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")


def login(db: Database, username: str, password: str, client: str) -> tuple[str, Session]:
    """Check the password; returns (cookie value, session). Raises ``LoginRefused`` (wrong, locked, disabled)."""
    username = username.strip().lower()[:64]
    s = schema.staff
    with db.read() as conn:
        row = conn.execute(select(s).where(s.c.username == username)).mappings().first()
    now = datetime.now(UTC)
    if row is None:
        check_password(password, _dummy_hash())
        with db.write(feed=False) as conn:
            audit(conn, "", "login", username, "failed", client, {"reason": "unknown"})
        raise LoginRefused("login.wrong", *_WRONG)
    if row["locked_until"] and row["locked_until"] > _iso(now):
        with db.write(feed=False) as conn:
            audit(conn, username, "login", username, "denied", client, {"reason": "locked"})
        raise LoginRefused("login.locked", f"Tài khoản đang bị khóa do nhập sai mật khẩu {MAX_FAILURES} lần; "
                           f"thử lại sau {LOCK_MINUTES} phút hoặc nhờ quản trị mở khóa.",
                           f"The account is locked after {MAX_FAILURES} wrong passwords; try again in "
                           f"{LOCK_MINUTES} minutes or ask an administrator to unlock it.")
    ok = check_password(password, row["password_hash"])
    if not row["active"]:
        with db.write(feed=False) as conn:
            audit(conn, username, "login", username, "denied", client, {"reason": "disabled"})
        if not ok:  # only the account's holder learns that it is disabled
            raise LoginRefused("login.wrong", *_WRONG)
        raise LoginRefused("login.disabled", "Tài khoản đã bị vô hiệu hóa.", "The account is disabled.")
    if not ok:
        failures = int(row["failures"]) + 1
        values: dict[str, Any] = {"failures": failures}
        locked = failures >= MAX_FAILURES
        if locked:
            values |= {"failures": 0, "locked_until": _iso(now + timedelta(minutes=LOCK_MINUTES))}
        with db.write(feed=False) as conn:
            conn.execute(s.update().where(s.c.username == username).values(**values))
            audit(conn, username, "login", username, "failed", client,
                  {"reason": "password", "failures": failures} | ({"locked": True} if locked else {}))
        raise LoginRefused("login.wrong", *_WRONG)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    h = sha256_hex(token)
    with db.write(feed=False) as conn:
        conn.execute(s.update().where(s.c.username == username).values(failures=0, locked_until=None,
                                                                       last_login_at=_iso(now)))
        ss = schema.staff_sessions
        conn.execute(ss.delete().where(ss.c.expires_at < _iso(now)))
        conn.execute(ss.insert().values(token_hash=h, username=username, csrf=csrf, created_at=_iso(now),
                                        seen_at=_iso(now),
                                        expires_at=_iso(now + timedelta(hours=SESSION_HOURS))))
        audit(conn, username, "login", username, "ok", client, {})
    return token, Session(Staff(username, row["full_name"], row["role"]), csrf, h)


def session_of(db: Database, token: str | None) -> Session | None:
    """The live session of a cookie value (None: no cookie, unknown, expired, idle too long, account off)."""
    if not token or len(token) > 100:
        return None
    h = sha256_hex(token)
    ss, s = schema.staff_sessions, schema.staff
    now = datetime.now(UTC)
    with db.read() as conn:
        row = conn.execute(select(ss.c.csrf, ss.c.seen_at, ss.c.expires_at, s.c.username, s.c.full_name, s.c.role,
                                  s.c.active).join(s, s.c.username == ss.c.username)
                           .where(ss.c.token_hash == h)).mappings().first()
    if row is None or not row["active"] or row["expires_at"] < _iso(now) \
            or row["seen_at"] < _iso(now - timedelta(minutes=IDLE_MINUTES)):
        return None
    if row["seen_at"] < _iso(now - timedelta(seconds=SEEN_EVERY_S)):
        with db.write(feed=False) as conn:
            conn.execute(ss.update().where(ss.c.token_hash == h).values(seen_at=_iso(now)))
    return Session(Staff(row["username"], row["full_name"], row["role"]), row["csrf"], h)


def change_password(db: Database, session: Session, current: str, new: str, client: str) -> None:
    """The account holder's own change: the current password first; every other session of the account ends."""
    s, ss = schema.staff, schema.staff_sessions
    with db.read() as conn:
        stored = conn.execute(select(s.c.password_hash).where(s.c.username == session.staff.username)).scalar()
    if stored is None or not check_password(current, stored):
        record(db, session.staff.username, "password.change", session.staff.username, "failed", client,
               {"reason": "current"})
        raise StaffError("Mật khẩu hiện tại không đúng.", "The current password is wrong.")
    problems = [p for p in validate(session.staff.username, session.staff.full_name, session.staff.role, new)]
    if new == current:
        problems.append(StaffError("Mật khẩu mới phải khác mật khẩu cũ.", "The new password must differ."))
    if problems:
        raise problems[0]
    with db.write(feed=False) as conn:
        conn.execute(s.update().where(s.c.username == session.staff.username)
                     .values(password_hash=hash_password(new)))
        conn.execute(ss.delete().where(ss.c.username == session.staff.username, ss.c.token_hash != session.token_hash))
        audit(conn, session.staff.username, "password.change", session.staff.username, "ok", client, {})


def logout(db: Database, session: Session, client: str) -> None:
    ss = schema.staff_sessions
    with db.write(feed=False) as conn:
        conn.execute(ss.delete().where(ss.c.token_hash == session.token_hash))
        audit(conn, session.staff.username, "logout", session.staff.username, "ok", client, {})


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def audit(conn: Connection, username: str, action: str, target: str, outcome: str, client: str,
          detail: dict[str, Any]) -> None:
    conn.execute(schema.staff_audit.insert().values(at=utcnow(), username=username[:32], action=action[:48],
                                                    target=target[:200], outcome=outcome, client=client[:64],
                                                    detail=json.dumps(detail, ensure_ascii=False)))


def record(db: Database, username: str, action: str, target: str, outcome: str, client: str,
           detail: dict[str, Any] | None = None) -> None:
    with db.write(feed=False) as conn:
        audit(conn, username, action, target, outcome, client, detail or {})


def recent_audit(db: Database, limit: int = 200, username: str | None = None) -> list[dict[str, Any]]:
    a = schema.staff_audit
    q = select(a).order_by(a.c.id.desc()).limit(limit)
    if username:
        q = q.where(a.c.username == username)
    with db.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
