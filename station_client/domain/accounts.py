"""Officer accounts: roles, the password policy and the password hash (scrypt, salted). No Qt, no SQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Literal

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

# scrypt cost: ~50 ms and 16 MiB per check on an old PC — slow for a guesser, unnoticed at the counter.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: Role

    @property
    def is_head(self) -> bool:
        return self.role == "station_head"


def hash_password(password: str, *, n: int | None = None) -> str:
    n = n or SCRYPT_N
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
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
                            dklen=len(expected), maxmem=128 * 1024 * 1024)
    return hmac.compare_digest(actual, expected)


def validate_username(username: str) -> list[Problem]:
    if not _USERNAME.match(username or ""):
        return [Problem("username", "username.format",
                        "Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch.",
                        "A username has 3–32 characters: lowercase letters, digits, dot, dash, underscore.")]
    return []


def validate_password(password: str, confirm: str | None = None, *, username: str = "") -> list[Problem]:
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
    if confirm is not None and confirm != password:
        problems.append(Problem("confirm", "password.confirm", "Hai lần nhập mật khẩu không khớp.",
                                "The two passwords do not match."))
    return problems


def validate_role(role: str) -> list[Problem]:
    if role not in ROLES:
        return [Problem("role", "role.invalid", "Vai trò không hợp lệ.", "Invalid role.")]
    return []
