"""Where a station keeps its data: ``--data-dir`` > ``STATION_CLIENT_HOME`` > the platform's user-data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "station-client"
DB_FILENAME = "station.db"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        path = Path(override)
    elif os.environ.get("STATION_CLIENT_HOME"):
        path = Path(os.environ["STATION_CLIENT_HOME"])
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path(override: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(override) / DB_FILENAME
