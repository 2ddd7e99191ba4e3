"""``province-server staff add|list|unlock|disable``: accounts of the web console (province_server/console).

``staff add --role admin`` creates the first administrator; the password is read from standard input with
``--password-stdin``, otherwise a random one is made and printed once.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import auth


def _cmd_add(args: argparse.Namespace) -> int:
    from ..db import ready_db
    from ..officers import one_time_password

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        made = False
    else:
        password, made = one_time_password(), True
    try:
        staff = auth.add_staff(ready_db(args.db), args.username, args.name, args.role, password, by="cli")
    except auth.StaffError as exc:
        print(f"province-server: {exc.en}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"username": staff.username, "role": staff.role,
                          "password": password if made else None}, ensure_ascii=False))
    else:
        print(f"staff {staff.username} ({staff.role}: {auth.ROLES[staff.role][1]}) created")
        if made:
            print(f"password (printed once): {password}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from ..db import ready_db

    rows = auth.list_staff(ready_db(args.db))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        state = "disabled" if not r["active"] else ("locked" if r["locked"] else "active")
        print(f"{r['username']:<20} {r['role']:<7} {state:<8} last login {r['last_login_at'] or '-':<28} "
              f"{r['full_name']}")
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    from ..db import ready_db

    if not auth.unlock(ready_db(args.db), args.username, by="cli"):
        print(f"province-server: no staff account {args.username}", file=sys.stderr)
        return 1
    print(f"staff {args.username} unlocked")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    from ..db import ready_db

    if not auth.set_active(ready_db(args.db), args.username, False, by="cli"):
        print(f"province-server: no staff account {args.username}", file=sys.stderr)
        return 1
    print(f"staff {args.username} disabled; their sessions ended")
    return 0


def add_cli(add: Any, sub: Any) -> None:
    staff = sub.add_parser("staff", help="web console accounts: add (the first admin too), list, unlock, disable"
                           ).add_subparsers(dest="staff_cmd", required=True)
    a = add("add", _cmd_add, "create a console account; prints a random password once unless --password-stdin",
            staff)
    a.add_argument("--username", required=True)
    a.add_argument("--name", required=True, help="full name")
    a.add_argument("--role", default="admin", choices=tuple(auth.ROLES))
    a.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    a.add_argument("--json", action="store_true")
    ls = add("list", _cmd_list, "list console accounts", staff)
    ls.add_argument("--json", action="store_true")
    u = add("unlock", _cmd_unlock, "unlock an account locked after wrong passwords", staff)
    u.add_argument("username")
    d = add("disable", _cmd_disable, "disable an account (its sessions end at once)", staff)
    d.add_argument("username")
