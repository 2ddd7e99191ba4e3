"""``station-client``: with no subcommand it starts the app; subcommands run headless.

Every command accepts ``--data-dir DIR`` (else ``STATION_CLIENT_HOME``, else the user-data folder). Errors
reach the user as one clear line (Vietnamese, then English) and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from .domain.problems import ValidationError
from .store.errors import StoreError

# Modules under station_client.commands that add subcommands. A module missing while its feature is being
# built is skipped so that the rest of the CLI keeps working.
COMMAND_MODULES = ("residents", "generate", "sync", "backup", "demo", "receipt", "audit", "stats", "keys",
                   "retention", "reports", "duplicates")

# Commands that show windows (every other command is headless: its printing runs on Qt's offscreen platform).
_GUI_COMMANDS = {"demo"}

# Commands that open no existing station, or deal with its keys themselves.
_NEEDS_NO_UNLOCK = {"recover", "demo", "restore"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="station-client",
                                     description="Phần mềm Công an xã/phường — Station Client")
    parser.add_argument("--data-dir", help="thư mục dữ liệu của trạm / station data folder")
    parser.add_argument("--lang", choices=("vi", "en"), default=None, help="ngôn ngữ / language")
    parser.add_argument("--user", default=None,
                        help="cán bộ đăng nhập để mở dữ liệu đã mã hóa / officer who unlocks encrypted data")
    parser.add_argument("--password-stdin", action="store_true",
                        help="đọc mật khẩu từ stdin (một dòng) / read the password from stdin (one line)")
    # The GUI, handed to the commands that start it (``demo``): only this entry point imports ui/.
    parser.set_defaults(run_app=run_app)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f".commands.{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def run_app(args: argparse.Namespace, **kwargs: Any) -> int:
    """Start the app (Qt is imported only when the GUI starts)."""
    from .ui.app import run_app as run

    return run(args, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    from .shutdown import Terminated, terminate_by_exception

    try:
        with terminate_by_exception():  # SIGTERM unwinds like Ctrl+C: finally blocks run, nothing half done
            return _main(argv)
    except Terminated:
        return Terminated.exit_code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return run_app(args)
    if args.command not in _GUI_COMMANDS:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # PDFs and charts need no display (set here only)
    try:
        if args.command not in _NEEDS_NO_UNLOCK:
            from .commands.keys import ensure_unlocked  # an encrypted station: the key before any command

            args.logged_in = ensure_unlocked(args)
        return int(args.func(args) or 0)
    except StoreError as exc:
        print(f"Lỗi: {exc.vi}\nError: {exc.en}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        for p in exc.problems:
            print(f"Lỗi: {p.vi}\nError: {p.en}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:  # the command's login ends with it (``Store.session``)
        from .paths import db_path
        from .store.store import forget_session

        forget_session(db_path(getattr(args, "data_dir", None)))


if __name__ == "__main__":
    sys.exit(main())
