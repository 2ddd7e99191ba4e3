"""Officer accounts: roles, the password policy and the password hash (scrypt, salted). No Qt, no SQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Any, Literal

from .kinds import Field, RecordKind
from .problems import Problem

Role = Literal["officer", "station_head"]
ROLES: dict[str, tuple[str, str]] = {
    "officer": ("Cán bộ", "Officer"),
    "station_head": ("Trưởng Công an xã/phường", "Station head"),
}

MIN_PASSWORD = 8
MAX_FAILURES = 5  # wrong passwords in a row before the account is locked for LOCK_MINUTES
LOCK_MINUTES = 5
_USERNAME = re.compile(r"^[a-z0-9._-]{3,32}$")

# scrypt cost per password check: N=2^16, r=8 — 64 MiB and about 0.23 s on the test machine (2^14 was 0.05 s), so
# a stolen key file or database costs a guesser 4x more per guess (about 0.37 M guesses per core per day instead
# of 1.6 M; 2.4 M at the old measurement) while an encrypted station's login (two checks: the key file, then the
# account) takes about 0.5 s, which an officer does not notice.
# Stored with every hash and key-file entry: older ones keep their own cost until the password changes.
# Tests and benches may lower it (``STATION_CLIENT_TEST_SCRYPT_N``, read once here, or a monkeypatch of
# SCRYPT_N): never in production, where the variable is not set.
SCRYPT_N, SCRYPT_R, SCRYPT_P = int(os.environ.get("STATION_CLIENT_TEST_SCRYPT_N") or 2**16), 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: Role
    must_change: bool = False  # a reset or province-issued password: the officer sets their own before working

    @property
    def is_head(self) -> bool:
        return self.role == "station_head"


@dataclass(frozen=True)
class AccountInfo:
    """One line of the station head's officer list."""

    username: str
    full_name: str
    role: Role
    active: bool
    locked: bool
    must_change: bool
    from_province: bool
    last_login_at: str | None


@dataclass(frozen=True)
class DroppedKeyEntry:
    """One line of the head's list of key-file entries a re-key dropped: whose (``username``, ``full_name``),
    when the re-key ran (``at``) and by whom (``by``: the head, or ``system:rekey`` at a login or after the
    province's disable), why (``why``: ``account.disabled``, ``password.reset`` — the entry in older copies of the
    key file opens nothing new —, ``entry.old_format`` — an entry the re-key could not carry) and since when
    (``since``: the disable or reset)."""

    username: str
    full_name: str
    at: str
    by: str
    why: str
    since: str | None


@dataclass(frozen=True)
class RestoreReport:
    """The last restore of a backup over this station, from its audit entry: when, by whom, which file, and what
    keeping the accounts as they are now changed (``changes``: (username, full name, what) with ``what`` one of
    ``password``, ``role``, ``active``, ``must_change``, ``failed_count``, ``locked_until``, ``issued_at`` or
    ``account.kept`` — an account the backup did not have)."""

    at: str
    by: str
    file: str
    over_existing: bool
    changes: tuple[tuple[str, str, str], ...]


def hash_password(password: str, *, n: int | None = None) -> str:
    n = n or SCRYPT_N
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32,
                            maxmem=SCRYPT_MAXMEM)
    b64 = base64.b64encode
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(expected), maxmem=SCRYPT_MAXMEM)
    return hmac.compare_digest(actual, expected)


def validate_username(username: str) -> list[Problem]:
    if not _USERNAME.match(username or ""):
        return [Problem("username", "username.format",
                        "Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch.",
                        "A username has 3–32 characters: lowercase letters, digits, dot, dash, underscore.")]
    return []


def _fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, letters and digits only: 'Mật khẩu 1' and 'matkhau1' are one."""
    import unicodedata

    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


_COMMON: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    """The shipped list of passwords guessed first (resources/security/common-passwords.txt), folded."""
    global _COMMON
    if _COMMON is None:
        from ..resources import resource_path

        try:
            lines = resource_path("security", "common-passwords.txt").read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        _COMMON = frozenset(_fold(line) for line in lines if line.strip() and not line.startswith("#"))
    return _COMMON


def validate_password(password: str, confirm: str | None = None, *, username: str = "",
                      context: tuple[str, ...] = ()) -> list[Problem]:
    """The password policy: 8 characters or more with letters and digits, not a common password, not made of
    the username or of the station's own words (``context``: its name, its commune — what a guesser tries
    first)."""
    problems: list[Problem] = []
    if len(password) < MIN_PASSWORD:
        problems.append(Problem("password", "password.short", f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
                                f"A password needs at least {MIN_PASSWORD} characters."))
    elif not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        problems.append(Problem("password", "password.mix", "Mật khẩu phải có cả chữ và số.",
                                "A password needs both letters and digits."))
    elif username and username.lower() in password.lower():
        problems.append(Problem("password", "password.username", "Mật khẩu không được chứa tên đăng nhập.",
                                "A password must not contain the username."))
    elif _fold(password) in common_passwords():
        problems.append(Problem("password", "password.common", "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn "
                                "mật khẩu khác.", "This password is too common and easily guessed. Choose another."))
    elif _station_words(password, context):
        problems.append(Problem("password", "password.station", "Mật khẩu không được dựa trên tên đơn vị hoặc "
                                "xã/phường.", "A password must not be based on the station's or commune's name."))
    if confirm is not None and confirm != password:
        problems.append(Problem("confirm", "password.confirm", "Hai lần nhập mật khẩu không khớp.",
                                "The two passwords do not match."))
    return problems


def _station_words(password: str, context: tuple[str, ...]) -> bool:
    """The password is (digits aside) a station or commune name, or a word of one of 4+ letters plus digits."""
    core = _fold(password).strip("0123456789")
    if not core:
        return False
    for text in context:
        folded = _fold(text)
        words = {_fold(w) for w in (text or "").split()} | {folded}
        words |= {folded.removeprefix(p) for p in ("congan", "conganxa", "conganphuong", "xa", "phuong")}
        if any(len(w) >= 4 and (core == w or (core in folded and len(core) >= 6)) for w in words if w):
            return True
    return False


def validate_role(role: str) -> list[Problem]:
    if role not in ROLES:
        return [Problem("role", "role.invalid", "Vai trò không hợp lệ.", "Invalid role.")]
    return []


# ------------------------------------------------------------------------------ accounts from the province
def _validate_officer_account(record: dict[str, Any]) -> list[Problem]:
    problems = validate_username(record.get("username") or "") + validate_role(record.get("role") or "")
    if not (record.get("full_name") or "").strip():
        problems.append(Problem("full_name", "required", "Họ và tên là bắt buộc.", "Full name is required."))
    if not str(record.get("password_hash") or "").startswith("scrypt$"):
        problems.append(Problem("password_hash", "password_hash.format", "Mật khẩu ban đầu không hợp lệ.",
                                "The initial password hash is invalid."))
    if not record.get("issued_at"):
        problems.append(Problem("issued_at", "required", "Thiếu thời điểm cấp.", "The issue time is missing."))
    return problems


# An officer account the province issues to a commune (``province-server officer add``): pulled by the
# commune's stations only, never written by them. ``password_hash`` is the scrypt hash of a one-time password
# the province hands to the officer, who must replace it at first login; a later ``issued_at`` (a re-issue)
# replaces the station's password again, which is how the province unlocks a station head who forgot theirs.
OFFICER_ACCOUNT = RecordKind(
    name="officer_account", table="officer_accounts", vi="Tài khoản cán bộ do tỉnh cấp",
    en="Officer account issued by the province",
    fields=(
        Field("username", "text", "Tên đăng nhập", "Username"),
        Field("full_name", "text", "Họ và tên", "Full name"),
        Field("role", "text", "Vai trò", "Role"),
        Field("password_hash", "text", "Mật khẩu ban đầu (băm)", "Initial password (hash)"),
        Field("active", "bool", "Đang hoạt động", "Active"),
        Field("issued_at", "datetime", "Thời điểm cấp", "Issued at"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    province_only=True, validator=_validate_officer_account)

KINDS = (OFFICER_ACCOUNT,)
