"""Build ``dossiers_en.ts``, ``reports_en.ts`` and ``statistics_en.ts``: the English catalogues of the Dossiers,
Reports and Statistics sections.

Those packages translate through ``self.tr(...)`` (context: the class), ``QCoreApplication.translate(CTX, ...)``
and small helpers around it (``tr(LABELS[key])``, ``lazy("...")``) whose arguments lupdate cannot follow. So
this collects every Vietnamese string literal of a package (docstrings and f-string pieces aside) and writes it
into every translation context the package uses; the English comes from ``feature_strings_en.json`` (one
table, source -> English; a key "Context|source" overrides one context, e.g. a button that reads as a verb).
A string without English is written "unfinished" and listed on stdout, so the catalogue test fails until
someone adds it.

    .venv/bin/python resources/translations/feature_strings.py      # then ./dev.sh setup builds the .qm
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# A catalogue's sources: a package folder (its modules) and single modules that translate in its contexts.
PACKAGES: dict[str, tuple[Path, ...]] = {
    "dossiers": (ROOT / "station_client" / "ui" / "dossiers",),
}
ENGLISH = HERE / "feature_strings_en.json"


def _vietnamese(text: str) -> bool:
    return any(ord(c) > 127 for c in text) and not text.lstrip().startswith("<")


def scan(sources: tuple[Path, ...]) -> tuple[list[str], set[str]]:
    """(Vietnamese literals in first-seen order, translation contexts used) of the catalogue's modules."""
    strings: dict[str, None] = {}
    contexts: set[str] = set()
    paths = [p for src in sources for p in (sorted(src.glob("*.py")) if src.is_dir() else [src])]
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                skip.update(id(v) for v in node.values)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    skip.add(id(first.value))
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "tr"
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == "self" for n in ast.walk(node)):
                contexts.add(node.name)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "translate" \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                contexts.add(node.args[0].value)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CONTEXT"
                                                    for t in node.targets) and isinstance(node.value, ast.Constant):
                contexts.add(str(node.value.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                    and _vietnamese(node.value):
                strings.setdefault(node.value, None)
    return list(strings), contexts


def write(name: str, strings: list[str], contexts: set[str], english: dict[str, str]) -> list[str]:
    def english_of(context: str, source: str) -> str | None:
        return english.get(f"{context}|{source}") or english.get(source)

    missing = [s for s in strings if not english.get(s)]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
             '<TS version="2.1" language="en_GB" sourcelanguage="vi_VN">']
    for context in sorted(contexts):
        lines += ["<context>", f"    <name>{escape(context)}</name>"]
        for source in strings:
            text = english_of(context, source)
            lines += ["    <message>", f"        <source>{escape(source)}</source>",
                      f"        <translation>{escape(text)}</translation>" if text
                      else '        <translation type="unfinished"></translation>', "    </message>"]
        lines.append("</context>")
    lines.append("</TS>")
    (HERE / f"{name}_en.ts").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return missing


def main() -> int:
    english = json.loads(ENGLISH.read_text(encoding="utf-8")) if ENGLISH.exists() else {}
    all_missing = []
    for name, sources in PACKAGES.items():
        strings, contexts = scan(sources)
        missing = write(name, strings, contexts, english)
        all_missing += missing
        print(f"{name}_en.ts: {len(strings)} strings x {len(contexts)} contexts, {len(missing)} without English")
    for s in dict.fromkeys(all_missing):
        print("  missing:", json.dumps(s, ensure_ascii=False))
    return 1 if all_missing else 0


if __name__ == "__main__":
    sys.exit(main())
