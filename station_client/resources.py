"""Where the shipped resources (catalogues, translations, fonts, templates) live.

They are package data of ``station_client._resources`` (the checkout's ``resources/``, mapped by setup.py), read
through ``importlib.resources``, so the same code finds them in the editable checkout, an installed wheel and the
PyInstaller bundle. ``STATION_CLIENT_RESOURCES`` points elsewhere (a folder of the same layout) for support staff
trying a corrected catalogue or template without reinstalling.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

PACKAGE = "station_client._resources"


def resources_dir() -> Path:
    override = os.environ.get("STATION_CLIENT_RESOURCES")
    if override:
        return Path(override)
    return _installed()


@cache
def _installed() -> Path:
    # A folder on disk in every way the app is installed: Qt's font and translation loaders and Jinja2's
    # FileSystemLoader need real paths, so a zipped install (which importlib.resources would also allow) is not
    # supported, and said so here rather than failing later with a missing file.
    try:
        root = files(PACKAGE)
    except ModuleNotFoundError as exc:  # an editable install from before setup.py mapped resources/
        raise RuntimeError(f"{PACKAGE} is not installed: run ./dev.sh setup (or pip install the app)") from exc
    path = Path(str(root))
    if not isinstance(root, Path) or not path.is_dir():
        raise RuntimeError(f"{PACKAGE} is not a folder on disk ({root!r}): install the app unzipped")
    return path


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def load_json(*parts: str) -> Any:
    with resource_path(*parts).open(encoding="utf-8") as f:
        return json.load(f)
