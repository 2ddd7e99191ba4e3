"""The module import graph of station_client and province_server: no cycles, and nothing below ui/ imports ui/.

The graph is read from the source with ``ast`` (nothing is imported). Every ``import`` statement counts, wherever
it stands: at module level, inside a function (a lazy import is still a dependency, and lazy imports were how the
old cycles hid: ``domain/reports.py`` importing its own importers inside ``all_kinds()``), and under
``if TYPE_CHECKING:`` (a type-only import still ties the two modules' designs together). ``from pkg import name``
counts as an import of ``pkg.name`` when that is a module, else of ``pkg``; an import of a package counts as an
import of its ``__init__``. Dynamic imports (``importlib.import_module``) are not seen: the CLI loads its command
modules that way, downwards only.

Only the entry points may import ui/ from outside it: ``station_client.cli`` (it starts the app, and hands
``run_app`` to the commands that start it, e.g. ``demo``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station_client", "province_server")
UI = "station_client.ui"
ENTRY_POINTS = {"station_client.cli", "station_client.__main__", "province_server.cli", "province_server.__main__"}

def modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package)."""
    found = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module of ours: first line importing it}."""
    mods = modules()

    def ours(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {}
    for name, (path, is_pkg) in mods.items():
        out = graph.setdefault(name, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module for a in node.names]
            for target in targets:
                t = ours(target)
                if t is not None and t != name:
                    out.setdefault(t, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph.get(w, {}))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(frozenset(comp))
    return found


def _describe(graph: dict[str, dict[str, int]], comp: frozenset[str]) -> str:
    return "\n".join(f"  {a} -> {b} (line {line})" for a in sorted(comp) for b, line in sorted(graph[a].items())
                     if b in comp)


def test_the_graph_sees_lazy_imports() -> None:
    graph = import_graph()
    assert "station_client.ui.app" in graph["station_client.cli"]  # a function-level import
    assert "station_client.store.connection" in graph["station_client.store.keys"]
    assert len(graph) > 100


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(_describe(graph, c) for c in found)


def test_only_ui_and_entry_points_import_ui() -> None:
    graph = import_graph()
    bad = [f"{m} -> {t} (line {line})" for m, out in sorted(graph.items())
           if not (m == UI or m.startswith(UI + ".")) and m not in ENTRY_POINTS
           for t, line in sorted(out.items()) if t == UI or t.startswith(UI + ".")]
    assert not bad, "lower layers import ui/:\n" + "\n".join(bad)


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}, "e": {"e": 1}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
