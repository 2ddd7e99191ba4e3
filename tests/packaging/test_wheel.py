"""The app's resources are package data (``station_client._resources``, setup.py), read through
``importlib.resources``: a wheel installed away from the checkout finds them, and nothing the app reads is left out
of the wheel or the bundle (both ship pyproject.toml's package-data list)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
PACKAGE = "station_client._resources"

# Sources that stay in the checkout: the translators' .ts files and the list of catalogues lupdate writes (the app
# reads the built .qm), and the icons' note on where they come from.
SOURCE_ONLY = ("translations/*.ts", "translations/catalogues.txt",
               "icons/README.txt", "__init__.py")


def shipped_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"][PACKAGE])


def resource_files() -> list[Path]:
    return sorted(p.relative_to(RESOURCES) for p in RESOURCES.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def test_every_resource_the_app_reads_is_package_data() -> None:
    patterns = shipped_patterns()
    left_out = [str(p) for p in resource_files()
                if not any(p.match(pat) for pat in patterns) and not any(p.match(pat) for pat in SOURCE_ONLY)]
    assert not left_out, f"add to pyproject.toml's package-data for {PACKAGE} (or to SOURCE_ONLY): {left_out}"
    for ts in RESOURCES.glob("translations/*.ts"):  # each translation ships built
        assert any(ts.with_suffix(".qm").relative_to(RESOURCES).match(pat) for pat in patterns), ts


def test_a_wheel_installed_outside_the_checkout_reads_its_resources(tmp_path: Path) -> None:
    # Built from a copy of the sources, so the checkout gets no build/ or egg-info of this test's.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("station_client", "province_server", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "wheels"), str(src)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheels").glob("station_client-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for rel in resource_files():
        if any(rel.match(pat) for pat in shipped_patterns()):
            assert f"station_client/_resources/{rel.as_posix()}" in names, rel
    assert not any(n.startswith("resources/") for n in names)  # no top-level "resources" package in site-packages

    # The installed copy first on the path, run from elsewhere: the checkout's own import hook (the editable
    # install) comes after it, and the answer says which one was used.
    probe = """
import json
import station_client
from station_client.resources import load_json, resource_path, resources_dir
from station_client.printing.templating import environment
print(json.dumps({"package": station_client.__file__, "resources": str(resources_dir()),
                  "communes": len(load_json("catalogues", "communes.json")),
                  "fonts": sorted(p.name for p in resource_path("fonts").glob("*.ttf")),
                  "templates": len(environment().list_templates())}))
"""
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    site = tmp_path / "site"
    assert Path(seen["package"]).is_relative_to(site)
    assert Path(seen["resources"]) == site / "station_client" / "_resources"
    assert seen["communes"] > 0 and seen["fonts"] == ["NotoSans-Bold.ttf", "NotoSans-Regular.ttf"]
    assert seen["templates"] == len(list(RESOURCES.glob("templates/*.html")))
