"""Build-time: extract the post-2025 province and commune list from the `vietnam-provinces` wheel.

The package is GPL-3.0 and needs Python >= 3.12, so it is never a runtime dependency: this script downloads the
wheel (pip download, no install), reads its data file, and writes the facts we need (codes and names of the
34 provinces and 3,321 communes) to resources/catalogues/communes.json. Run it again when the list changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "catalogues" / "communes.json"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        "vietnam-provinces"], check=True)
        wheel = next(Path(tmp).glob("vietnam_provinces-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            data = json.loads(zf.read("vietnam_provinces/data/nested-divisions.json"))
        version = wheel.name.split("-")[1]
    provinces = []
    for p in data:
        provinces.append({
            "code": f"{p['code']:02d}", "name": p["name"], "type": p["division_type"],
            "communes": [{"code": f"{w['code']:05d}", "name": w["name"], "type": w["division_type"]}
                         for w in p["wards"]],
        })
    OUT.write_text(json.dumps({"_source": f"vietnam-provinces {version} (data extracted at build time)",
                               "provinces": provinces}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    total = sum(len(p["communes"]) for p in provinces)
    print(f"{len(provinces)} provinces, {total} communes -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
