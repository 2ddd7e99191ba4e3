"""Run several ``station-client`` / ``province-server`` command lines through their real entry points
(``station_client.cli.main``, ``province_server.cli.main``) in one interpreter, so the end-of-schedule checks
(export residents, audit verify on every station and at the province) cost one process start, not fifteen.

    python -m tests.sim.cli_batch < [["station-client", ARGS...], ["province-server", ARGS...], ...]

Prints one JSON list: ``[{"code": exit code, "output": stdout + stderr}, ...]``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

os.environ.setdefault("STATION_CLIENT_NO_KEYRING", "1")


def run(argv: list[str]) -> dict[str, object]:
    from province_server.cli import main as province_main
    from station_client.cli import main as station_main

    program, *args = argv
    main = {"station-client": station_main, "province-server": province_main}[program]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = int(main(args) or 0)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # the command crashed: that is its answer
            code = 99
            print(f"{type(exc).__name__}: {exc}")
    return {"code": code, "output": out.getvalue()}


if __name__ == "__main__":
    commands = json.loads(sys.stdin.read())
    print(json.dumps([run(c) for c in commands], ensure_ascii=False))
