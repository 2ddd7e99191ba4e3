"""Backup and restore as gzip JSON lines of every table: the same on SQLite and PostgreSQL.

A restore gives the database a new epoch: stations then see the epoch change, re-send everything they sent
since, and resync — nothing made after the backup is lost (docs/sync-protocol.md, "Epoch").
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from . import ops, schema
from .db import Database, head_revision, ready_db, utcnow

FORMAT = "province-backup/1"


def backup(db: Database, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    tmp = path.with_suffix(path.suffix + ".tmp")
    with db.engine.connect() as conn:
        if db.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin(), gzip.open(tmp, "wt", encoding="utf-8") as out:
            out.write(json.dumps({"format": FORMAT, "revision": head_revision(), "at": utcnow()}) + "\n")
            for table in schema.ALL_TABLES:
                n = 0
                for row in conn.execute(select(table)).mappings():
                    out.write(json.dumps({"t": table.name, "r": dict(row)}, ensure_ascii=False) + "\n")
                    n += 1
                counts[table.name] = n
    tmp.replace(path)
    return counts


def restore(db: Database, path: Path, replay_hours: float | None = None) -> str:
    """Replace every row with the backup's, then make a new epoch. Returns the new epoch."""
    by_name = {t.name: t for t in schema.ALL_TABLES}
    with gzip.open(path, "rt", encoding="utf-8") as src:
        header = json.loads(src.readline())
        if header.get("format") != FORMAT:
            raise ValueError(f"{path} is not a province-server backup")
        if header.get("revision") != head_revision():
            raise ValueError(f"backup schema {header.get('revision')} differs from this server's {head_revision()}")
        with db.write() as conn:
            prior = ops.prior_epoch(conn)
            for table in reversed(schema.ALL_TABLES):
                conn.execute(table.delete())
            batch: dict[str, list[dict[str, Any]]] = {}
            for line in src:
                item = json.loads(line)
                rows = batch.setdefault(item["t"], [])
                rows.append(item["r"])
                if len(rows) >= 1000:
                    conn.execute(by_name[item["t"]].insert(), rows)
                    rows.clear()
            for name, rows in batch.items():
                if rows:
                    conn.execute(by_name[name].insert(), rows)
            if db.backend == "postgresql":  # sequences do not follow explicit ids
                for table, col in ((schema.history, "seq"), (schema.scope_denials, "id")):
                    top = conn.execute(select(func.coalesce(func.max(table.c[col]), 0))).scalar_one()
                    conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                                 {"t": table.name, "c": col, "v": max(int(top), 1), "called": int(top) > 0})
            epoch = str(uuid.uuid4())
            # Which lost histories the restored one still shares, and the replay window (docs/sync-protocol.md).
            ops.open_replay_window(conn, prior, epoch, replay_hours)
            db.set_meta(conn, "restored_at", utcnow())
    return epoch


def cmd_backup(args: argparse.Namespace) -> int:
    counts = backup(ready_db(args.db), Path(args.file))
    print(f"backup written to {args.file}: {sum(counts.values())} rows ({counts.get('records', 0)} records)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        epoch = restore(ready_db(args.db), Path(args.file), args.replay_hours)
    except (OSError, ValueError) as exc:
        print(f"province-server: cannot restore: {exc}", file=sys.stderr)
        return 2
    print(f"restored from {args.file}; new epoch {epoch} (stations will re-send and resync)")
    return 0


def add_cli(add: Any) -> None:
    p = add("backup", cmd_backup, "write a consistent backup file (gzip JSON lines)")
    p.add_argument("file")
    p = add("restore", cmd_restore, "replace the database's contents with a backup; makes a new epoch")
    p.add_argument("file")
    p.add_argument("--replay-hours", type=float, default=None,
                   help="hours stations' re-sent changes may wait for one another (default 72, or "
                        "$PROVINCE_SERVER_REPLAY_HOURS); `province-server replay close` ends it sooner")
