"""requirements.lock pins every dependency pyproject.toml names: ``dev.sh`` installs from the lock, then the
project with ``--no-deps``, so a dependency added to pyproject.toml alone would be missing on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_dependency_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("server", "test"):
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    pinned = {_name(line.split("==")[0]) for line in (ROOT / "requirements.lock").read_text().splitlines()
              if "==" in line and not line.lstrip().startswith("#")}
    missing = sorted(wanted - pinned)
    assert not missing, f"not in requirements.lock (run ./dev.sh lock): {missing}"
