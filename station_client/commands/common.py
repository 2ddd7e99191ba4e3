"""Helpers shared by subcommands: ``--data-dir`` on every command, opening the store."""

from __future__ import annotations

import argparse
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


def open_store(args: argparse.Namespace) -> Store:
    return Store.open(db_path(getattr(args, "data_dir", None)))


def officer_name(args: argparse.Namespace) -> str:
    """Headless commands act as the account named by ``--officer`` (default: the station's CLI account)."""
    return getattr(args, "officer", None) or "cli"
