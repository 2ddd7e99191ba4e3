"""tools/mypy_budget.py counts mypy's errors by part (the count itself runs in ./dev.sh test, not here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mypy_budget.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mypy_budget", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_are_counted_by_part_and_notes_are_not() -> None:
    tool = _tool()
    output = "\n".join([
        "station_client/ui/gate.py:100: error: Argument 1  [arg-type]",
        "station_client/ui/gate.py:100: note: Possible overload variants:",
        "station_client/store/keys.py:3:5: error: Missing annotation  [no-untyped-def]",
        "station_client/wire.py:9: error: x  [misc]",
        "province_server/app.py:1: error: y  [misc]",
        "station_client/commands/demo.py:2: error: z  [arg-type]",
        "Found 5 errors in 5 files (checked 177 source files)",
    ])
    counts = tool.count(output)
    assert counts == {"station_client/ui": 1, "strict: domain, store, sync, wire": 2, "province_server": 1,
                      "station_client, the rest": 1}
    assert all(ceiling < 98 for _name, _prefixes, ceiling in tool.PARTS)
