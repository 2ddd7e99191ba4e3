"""``province-server officer add|disable``: officer accounts the province issues to a commune's stations.

An issue is an ordinary ``officer_account`` record (``station_client/domain/accounts.py``) written by the
province into the commune's scope, so it reaches that commune's stations by the normal pull and nowhere else.
It carries the scrypt hash of a one-time password printed here once; the station takes it at the officer's
first login, and the officer must set their own password before working. Issuing again for the same username
(the record id is derived from commune and username) replaces the password: the province's way to let a
station head who forgot theirs back in. Stations never write this kind (refused in ``exchange.prepare``).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from station_client.domain.accounts import hash_password, validate_role, validate_username

from .db import Database, ready_db
from .exchange import PROVINCE, Actor, apply_changes
from .models import ChangeIn

_NAMESPACE = uuid.UUID("6c1f3b52-3f7e-4c55-9a43-0d6e7f0f9b11")
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud over the phone or from paper


def record_id(commune: str, username: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{commune}/{username}"))


def one_time_password() -> str:
    """12 characters, letters and digits (the station's password policy), easy to read out."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def issue(db: Database, commune: str, username: str, full_name: str, role: str, *, active: bool = True,
          note: str = "") -> tuple[str, str | None]:
    """Write the officer_account record; returns (record id, the one-time password or None for a disable)."""
    problems = validate_username(username) + validate_role(role)
    if problems:
        raise ValueError("; ".join(p.en for p in problems))
    password = one_time_password() if active else None
    fields: dict[str, Any] = {
        "username": username, "full_name": full_name, "role": role, "active": active,
        # A disable keeps a hash (the kind requires one) that nobody knows.
        "password_hash": hash_password(password or secrets.token_urlsafe(24)),
        "issued_at": datetime.now(UTC).isoformat(timespec="microseconds"), "note": note or None,
    }
    rid = record_id(commune, username)
    change = ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="officer_account", id=rid, base_version=0,
                      fields=fields, resolves=None)
    result = apply_changes(db, Actor(PROVINCE, None), [change], new_commune=commune)[0]
    if isinstance(result, dict) and result.get("status") == "rejected":
        raise ValueError(json.dumps(result, ensure_ascii=False))
    return rid, password


def _cmd_add(args: argparse.Namespace) -> int:
    username = args.username.strip().lower()
    try:
        rid, password = issue(ready_db(args.db), args.commune, username, args.name, args.role)
    except ValueError as exc:
        print(f"province-server: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"id": rid, "commune_code": args.commune, "username": username,
                          "one_time_password": password}, ensure_ascii=False))
    else:
        print(f"officer {username} ({args.role}) issued to commune {args.commune}; record {rid}")
        print(f"one-time password (printed once; the officer changes it at first login): {password}")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    username = args.username.strip().lower()
    try:
        issue(ready_db(args.db), args.commune, username, args.name or username, args.role, active=False)
    except ValueError as exc:
        print(f"province-server: {exc}", file=sys.stderr)
        return 2
    print(f"officer {username} disabled at commune {args.commune} (taken by its stations at their next sync)")
    return 0


def add_cli(add: Any, sub: Any) -> None:
    officer = sub.add_parser("officer", help="officer accounts issued to a commune's stations").add_subparsers(
        dest="officer_cmd", required=True)
    a = add("add", _cmd_add, "issue an officer account (or a new one-time password); prints the password once",
            officer)
    a.add_argument("--commune", required=True, help="5-digit commune code")
    a.add_argument("--username", required=True)
    a.add_argument("--name", required=True, help="full name")
    a.add_argument("--role", default="officer", choices=("officer", "station_head"))
    a.add_argument("--json", action="store_true")
    d = add("disable", _cmd_disable, "disable an officer account at a commune's stations", officer)
    d.add_argument("--commune", required=True)
    d.add_argument("--username", required=True)
    d.add_argument("--name", default="")
    d.add_argument("--role", default="officer", choices=("officer", "station_head"))
