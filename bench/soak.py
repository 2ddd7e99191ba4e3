"""Soak: long simulated schedules over real processes (issue 12), with the oracle after each.

    .venv/bin/python bench/soak.py --rounds 2000 --seed 1 [--db postgresql://USER@HOST:PORT/DB | --db pg]
                                   [--length 250]

``--rounds`` steps in all, played as schedules of ``--length`` steps (seeds S, S+1, ...), each against a fresh
province database and fresh stations, each with a restore from an older backup per ~300 steps (at least one),
then healed and checked by the oracle (tests/sim/model.py). ``--db`` a PostgreSQL server URL: a new database is
made on that server for each schedule; ``pg``: a throwaway cluster (tests/support/postgres.py); default SQLite.

Each schedule prints its report (seed, failing conditions, the replay command). The last line is one JSON object:
rounds, schedules, syncs, kills, restarts, restores, faults, writes, conflicts_created, conflicts_detected, lost,
resurrected, diverged, duplicates, plus refused_writes, the crime reports and agency steps (reports, agency_steps,
agency_refused: stale forms refused with 409, agency_lost: the oracle's `agency` failures), failed_schedules (seed ->
conditions), backend, seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sim.sim import run, shrink

SUMMED = ("syncs", "streams", "kills", "restarts", "restores", "faults", "writes", "conflicts_created",
          "conflicts_detected", "lost", "resurrected", "diverged", "duplicates", "refused_writes", "reports",
          "agency_steps", "agency_refused", "agency_lost")


def _databases_on(url: str) -> Callable[[], str]:
    """A new, empty database on the PostgreSQL server of ``url`` for each call."""
    import psycopg

    parts = urlsplit(url)

    def new() -> str:
        name = f"soak_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path="/" + name))
    return new


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=300, help="steps in all")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--db", default=None, help="PostgreSQL server URL, or 'pg' for a throwaway cluster")
    p.add_argument("--length", type=int, default=250, help="steps per schedule")
    p.add_argument("--shrink-budget", type=float, default=0.0,
                   help="seconds to look for the shortest failing prefix of each failing schedule (0: print the "
                        "replay command only)")
    args = p.parse_args(argv)
    cluster = None
    new_db: Callable[[], str] | None = None
    backend = "sqlite"
    if args.db == "pg":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        new_db = cluster.new_database
        backend = "postgresql"
    elif args.db:
        new_db = _databases_on(args.db)
        backend = "postgresql"
    totals = dict.fromkeys(SUMMED, 0)
    failed: dict[str, list[str]] = {}
    t0 = time.monotonic()
    done = 0
    schedules = 0
    try:
        seed = args.seed
        while done < args.rounds:
            steps = min(args.length, args.rounds - done)
            steps = max(steps, 12)
            r = run(seed, steps, new_db=new_db)
            print(r.report(), flush=True)
            for k, v in r.figures().items():
                if k in totals:
                    totals[k] += int(v)
            if not r.ok:
                failed[str(seed)] = r.conditions()
                pg = " --db pg" if backend == "postgresql" else ""
                if args.shrink_budget > 0:
                    s = shrink(seed, steps, r, budget_s=args.shrink_budget, new_db=new_db)
                    print(f"  shortest failing prefix found: {s.prefix} steps ({', '.join(s.conditions())}): "
                          f"python -m tests.sim --seed {seed} --steps {steps} --prefix {s.prefix}{pg} -v", flush=True)
                else:
                    print(f"  replay: python -m tests.sim --seed {seed} --steps {steps}{pg} --shrink", flush=True)
            done += steps
            schedules += 1
            seed += 1
    finally:
        if cluster is not None:
            cluster.stop()
    out = {"rounds": done, "schedules": schedules, **totals, "failed_schedules": failed, "backend": backend,
           "seconds": round(time.monotonic() - t0, 1)}
    print(json.dumps(out))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
