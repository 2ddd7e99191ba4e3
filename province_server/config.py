"""Where the server keeps its data and how a database URL is spelled.

``--db`` > ``PROVINCE_SERVER_DB`` > a SQLite file in the platform's user-data folder. ``postgresql://`` URLs
are rewritten to the psycopg 3 driver, the one we install.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "province-server"
DB_ENV = "PROVINCE_SERVER_DB"


def default_sqlite_path() -> Path:
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path / "province.db"


def resolve_db_url(db: str | None) -> str:
    url = db or os.environ.get(DB_ENV) or ""
    if not url:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in url:  # a bare path means a SQLite file
        return f"sqlite:///{Path(url).resolve()}"
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"
