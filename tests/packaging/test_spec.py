"""The bundle's spec keeps every Qt module the station client imports (it excludes the rest of PySide6 by name, so
a module imported later but not added would be missing only from the bundle, found by a station, not by CI's
other tests)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "station-client.spec"


def spec_qt_used() -> set[str]:
    for node in ast.walk(ast.parse(SPEC.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "QT_USED" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("QT_USED not found in the spec")


def qt_imported() -> dict[str, Path]:
    """Qt module -> a file of station_client importing it."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "station_client").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "PySide6" and len(parts) > 1 and parts[1].startswith("Qt"):
                    found.setdefault(parts[1], path.relative_to(ROOT))
    return found


def test_the_spec_keeps_every_qt_module_the_app_imports() -> None:
    imported = qt_imported()
    assert {"QtCore", "QtGui", "QtWidgets"} <= set(imported)  # the scan sees the app's imports
    missing = {m: str(p) for m, p in imported.items() if m not in spec_qt_used()}
    assert not missing, f"add to QT_USED in {SPEC.relative_to(ROOT)}: {missing}"
