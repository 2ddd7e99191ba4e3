"""mypy over the whole tree (station_client and province_server, with pyproject.toml's configuration), its errors
counted by part, each part held to a ceiling.

The strict parts (domain, store, sync, the wire formulas: strict per pyproject.toml) must stay at 0. The others
print their count and fail above their recorded ceiling: lower a ceiling when a part gets better, never raise it.
Run by ``./dev.sh test``; by hand: ``.venv/bin/python tools/mypy_budget.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("station_client", "province_server")

# (part, path prefixes, ceiling). The first part whose prefix matches an error's file takes it.
PARTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("strict: domain, store, sync, wire", ("station_client/domain/", "station_client/store/",
                                            "station_client/sync/", "station_client/wire.py"), 0),
    ("station_client/ui", ("station_client/ui/",), 23),
    ("province_server", ("province_server/",), 0),
    ("station_client, the rest", ("station_client/",), 6),
)
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error:")


def part_of(path: str) -> str:
    for name, prefixes, _ceiling in PARTS:
        if path.startswith(prefixes):
            return name
    return "elsewhere"


def count(output: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in output.splitlines():
        m = ERROR.match(line)
        if m:
            counts[part_of(m["path"].replace("\\", "/"))] += 1
    return counts


def main() -> int:
    run = subprocess.run([sys.executable, "-m", "mypy", *TARGETS], cwd=ROOT, capture_output=True, text=True)
    if run.returncode not in (0, 1) or ("error: " not in run.stdout and run.returncode == 1):
        print(run.stdout + run.stderr, file=sys.stderr)  # mypy itself failed (a crash, a bad configuration)
        return 2
    counts = count(run.stdout)
    failed = False
    for name, _prefixes, ceiling in PARTS:
        n = counts.get(name, 0)
        over = n > ceiling
        failed |= over
        print(f"mypy {name}: {n} error(s) (ceiling {ceiling}){'  <-- over the ceiling' if over else ''}")
    if counts.get("elsewhere"):
        failed = True
        print(f"mypy elsewhere: {counts['elsewhere']} error(s) (ceiling 0)")
    if failed:
        print(run.stdout, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
