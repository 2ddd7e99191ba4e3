"""Where the shipped resources (catalogues, translations, fonts, templates) live.

The project runs from its checkout (installed editable by ``dev.sh``), so resources sit in ``resources/``
at the repository root; ``STATION_CLIENT_RESOURCES`` overrides that for packaged installs.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any


def resources_dir() -> Path:
    override = os.environ.get("STATION_CLIENT_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def load_json(*parts: str) -> Any:
    with resource_path(*parts).open(encoding="utf-8") as f:
        return json.load(f)
