"""Helpers shared by subcommands: ``--data-dir`` on every command, opening the store."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from ..paths import db_path
from ..store import Store

Handler = Callable[[argparse.Namespace], int | None]


def add_command(sub: Any, name: str, help_text: str, func: Handler | None = None,
                **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand that also accepts ``--data-dir`` after its name (``station-client sync --data-dir D``)."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="thư mục dữ liệu của trạm / station data folder")
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def open_store(args: argparse.Namespace, *, damaged_ok: bool = False) -> Store:
    """The station's store for a headless command, checked first (``store/integrity.py``: a bounded
    quick_check). A damaged file is refused with what to do; with ``damaged_ok`` (export: getting out what can
    still be read) the warning is printed and ``args.damaged`` set. A key file whose database is missing or empty
    is refused (never a new, unencrypted database beside it: ``unlock.missing_data`` says how to restore)."""
    from ..store.connection import DatabaseErrors
    from ..store.integrity import DamagedDatabase, damaged, ensure_sound
    from ..store.unlock import data_missing, missing_data

    path = db_path(getattr(args, "data_dir", None))
    if data_missing(path):
        raise missing_data(path)
    try:
        store = Store.open(path)
    except DatabaseErrors as exc:  # a damaged page met by the migrations' reads
        raise damaged(path, [str(exc)]) from exc
    try:
        ensure_sound(store.conn, path)
    except DamagedDatabase as exc:
        if not damaged_ok:
            store.close()
            raise
        print(f"Cảnh báo: {exc.vi}\nWarning: {exc.en}", file=sys.stderr)
        args.damaged = True
    return store


def officer_name(args: argparse.Namespace) -> str | None:
    """Who a headless write is attributed to: the officer who logged in with ``--user`` (``cli.main`` binds them
    to the station file: ``Store.session``), whatever ``--officer`` says — ``--officer`` is only a claim, which
    the store refuses unless it is that officer. On a station without accounts (tests, tools) nobody can be
    checked and the name is a label: ``--officer``, else ``cli``."""
    if getattr(args, "logged_in", None) is not None:
        return getattr(args, "officer", None) or None
    return getattr(args, "officer", None) or "cli"


def read_password(args: argparse.Namespace, prompt: str) -> str | None:
    """The password for ``--user``: one line of stdin with ``--password-stdin``, else STATION_CLIENT_PASSWORD, else
    a prompt on a terminal; None when none of these can give one."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if os.environ.get("STATION_CLIENT_PASSWORD"):
        return os.environ["STATION_CLIENT_PASSWORD"]
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def read_login(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(user, password) for a login: the user from ``--user``, else STATION_CLIENT_USER, else a prompt on a
    terminal; the password as ``read_password`` finds it (None without a user)."""
    user = getattr(args, "user", None) or os.environ.get("STATION_CLIENT_USER")
    if not user and sys.stdin.isatty():
        user = input("Tên đăng nhập / Username: ").strip()
    return user, (read_password(args, "Mật khẩu / Password: ") if user else None)


def acting_officer(args: argparse.Namespace, store: Store) -> str | None:
    """Who takes a head-only action headless (retention --apply, restore, stats --submit): the officer who
    logged in (``--user``; an encrypted station's unlock). ``--officer`` is a claim, not a login: it is taken
    only on a station without accounts (tests, tools), where nobody's role could be checked anyway; the store
    then decides (``Store.authorize``)."""
    from ..store.accounts import count_accounts, log_in
    from ..store.errors import PermissionDenied

    if store.session is not None:
        return store.session
    if getattr(args, "user", None):
        return log_in(store, args.user, read_password(args, "Mật khẩu / Password: ") or "").username
    if count_accounts(store):
        raise PermissionDenied(
            "Việc này cần Trưởng Công an đăng nhập: --user TÊN --password-stdin (hoặc STATION_CLIENT_USER và "
            "STATION_CLIENT_PASSWORD).",
            "This needs the station head to log in: --user NAME --password-stdin (or STATION_CLIENT_USER and "
            "STATION_CLIENT_PASSWORD).")
    return getattr(args, "officer", None) or "cli"
