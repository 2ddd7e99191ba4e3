"""Store benchmark: build a store of N synthetic residents through the write path, then time saves and searches.

    .venv/bin/python bench/store.py --residents 1000000 [--today 2026-01-01]

Residents are built against a fixed date (``--today``, default ``synthetic.FIXED_TODAY``), so a run measures the
same data whatever the calendar says; the build (seed S) and the saves (seed S+1) never make the same ID number.

Last line: one JSON object with residents, build_s, insert_rows_per_s, save_median_ms (one record through the
full write path: record + audit + outbox, committed with synchronous=FULL), fsync_median_ms (what one fsync
costs on this disk — the floor under save_median_ms), search_p50_ms / search_p95_ms (mixed full-name,
partial-name, given-name, ID and partial-ID queries), db_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station_client.store import Store
from station_client.store.keys import keys_path
from station_client.synthetic import FIXED_TODAY, Generator

BATCH = 5000


def fsync_cost(folder: Path, samples: int = 50) -> float:
    path = folder / "fsync.probe"
    times = []
    with path.open("wb") as f:
        for _ in range(samples):
            f.write(os.urandom(4096))
            f.flush()
            t = time.perf_counter()
            os.fsync(f.fileno())
            times.append((time.perf_counter() - t) * 1000)
    path.unlink()
    return statistics.median(times)


def build(store: Store, n: int, seed: int, today: date = FIXED_TODAY) -> float:
    gen = Generator(seed, today=today)
    people = gen.people(n)
    t = time.perf_counter()
    done = 0
    while done < n:
        rows = []
        for _ in range(min(BATCH, n - done)):
            p = next(people)
            p.pop("id")
            rows.append(p)
        store.create_many("person", rows, officer="bench")
        done += len(rows)
        if done % 100_000 == 0:
            print(f"  {done} residents, {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return time.perf_counter() - t


def queries(store: Store, rng: random.Random, count: int) -> list[str]:
    sample = store.conn.execute(
        "SELECT full_name, personal_id FROM persons WHERE n IN (SELECT abs(random()) % (SELECT max(n) FROM persons) "
        "FROM persons LIMIT ?)", (count,)).fetchall()
    out = []
    for i, row in enumerate(sample):
        name, pid = row["full_name"], row["personal_id"]
        words = name.split()
        kind = i % 6
        if kind == 0:
            out.append(name)  # full name with diacritics
        elif kind == 1:
            from station_client.domain.text import fold
            out.append(fold(name))  # typed without diacritics
        elif kind == 2:
            out.append(f"{words[0]} {words[-1]}".lower())  # family + given name
        elif kind == 3:
            out.append(words[-1][:3].lower())  # start of a given name while typing
        elif kind == 4:
            out.append(pid)  # exact ID
        else:
            start = rng.randint(0, 6)
            out.append(pid[start:start + rng.randint(5, 8)])  # part of an ID
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=FIXED_TODAY,
                        help="the date ages are counted from (default: %(default)s, so runs stay comparable)")
    parser.add_argument("--dir", help="where to build the store (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the store file")
    parser.add_argument("--encrypted", action="store_true",
                        help="an SQLCipher store, as the app keeps it (docs/encryption.md)")
    args = parser.parse_args()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-store-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"station-{args.residents}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    keys_path(path).unlink(missing_ok=True)
    if args.encrypted:
        from station_client.store import unlock

        unlock.setup(path, "truong", "bench2026pass", full_name="Bench")  # holds the key: Store.open encrypts
    store = Store.open(path)
    with store.bulk():
        build_s = build(store, args.residents, args.seed, args.today)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("ANALYZE")

    gen = Generator(args.seed + 1, today=args.today)  # another lane: none of its IDs is among the N
    rng = random.Random(args.seed)
    save_times = []
    ids = []
    for i in range(200):
        values = gen.person()
        values.pop("id")
        t = time.perf_counter()
        if i % 2 == 0 or not ids:
            ids.append(store.create("person", values, officer="bench")["id"])
        else:
            store.update("person", rng.choice(ids), {"phone": values["phone"] or "0912345678",
                                                     "note": f"bench {i}"}, officer="bench")
        save_times.append((time.perf_counter() - t) * 1000)

    search_times = []
    for q in queries(store, rng, 600):
        t = time.perf_counter()
        store.search_persons(q, limit=50)
        search_times.append((time.perf_counter() - t) * 1000)
    search_times.sort()
    result = {
        "residents": args.residents,
        "encrypted": args.encrypted,
        "build_s": round(build_s, 1),
        "insert_rows_per_s": round(args.residents / build_s),
        "save_median_ms": round(statistics.median(save_times), 2),
        "fsync_median_ms": round(fsync_cost(folder), 2),
        "search_p50_ms": round(search_times[len(search_times) // 2], 2),
        "search_p95_ms": round(search_times[int(len(search_times) * 0.95)], 2),
        "search_max_ms": round(search_times[-1], 2),
        "db_mb": round(sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
                       / 1e6, 1),
    }
    store.close()
    if not args.keep and not args.dir:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        keys_path(path).unlink(missing_ok=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
