"""Engine, transactions and schema migrations, the same on SQLite and PostgreSQL.

Writes that touch the feed are serialized (``Database.write``): on PostgreSQL with a transaction-scoped advisory
lock, on SQLite with ``BEGIN IMMEDIATE`` plus a process lock (so threads queue instead of spinning on
SQLITE_BUSY). Serializing is what makes ``history.seq`` become visible in commit order: a reader that sees seq n
also sees every seq below it, so a pull can never skip a change.

On PostgreSQL a station's push holds that lock only for the end of its transaction (``Database.write`` with
``commune``): pushes of different communes judge and write side by side, each under its commune's lock and the
feed lock in shared mode, and take the sequence lock just to insert their history rows and commit. Every other
feed writer (province edits, restores, the replay window's end) holds the feed lock exclusively, as before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, String, create_engine, event, inspect, select, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from . import schema
from .config import backend_of, resolve_db_url
from .rows import begin_with, drop_later, lock_insert_commit, send_later

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
WRITE_LOCK_KEY = 7_404_202_611  # arbitrary, fixed: the advisory lock id of the feed writer
SEQ_LOCK_KEY = 7_404_202_612  # the sequence lock: from a commune push's history insert to its commit
COMMUNE_LOCK_SPACE = 7404  # (this, hashtext(commune)): a commune's lock (the two-int key space is apart from bigint)
IDLE_PING_S = 5.0  # a pooled connection idle longer than this is pinged before use
LATE_HISTORY = "late_history"  # conn.info: history rows a commune push inserts at its end, under the sequence lock
_MASK64 = (1 << 64) - 1
lock_log = logging.getLogger("province_server.lock")  # DEBUG: one line per feed write (wait and hold times)


class hex64_add(GenericFunction[str]):
    """``hex64_add(a, b)``: the sum mod 2^64 of two 16-hex-digit sums, as 16 hex digits (the digest tables'
    ``sum``), so a digest upsert adds its delta in one statement. SQLite: a Python function registered on each
    connection; PostgreSQL: the same arithmetic in SQL (below)."""
    type = String()
    inherit_cache = True


def _hex64_add_py(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    return f"{(int(a, 16) + int(b, 16)) & _MASK64:016x}"


@compiles(hex64_add, "postgresql")
def _hex64_add_pg(element: hex64_add, compiler: SQLCompiler, **kw: object) -> str:
    # 16 hex digits -> bit(64) -> bigint is the two's-complement reading; the sum of two of them, taken back into
    # the bigint range mod 2^64 in numeric (bigint addition would overflow), prints as the same 16 hex digits
    # (to_hex of a negative bigint is its two's complement).
    a, b = (f"('x' || lpad({compiler.process(arg, **kw)}, 16, '0'))::bit(64)::bigint::numeric"
            for arg in element.clauses)
    total = f"({a} + {b})"
    wrapped = (f"(CASE WHEN {total} >= 9223372036854775808 THEN {total} - 18446744073709551616 "
               f"WHEN {total} < -9223372036854775808 THEN {total} + 18446744073709551616 ELSE {total} END)")
    return f"lpad(to_hex({wrapped}::bigint), 16, '0')"


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SchemaError(RuntimeError):
    """The database schema is not the one this server version expects."""


# The newest migration's revision. A constant, so that starting the server or any subcommand reads no migration
# script and loads no Alembic (a third of a second per process, most of it Alembic's own imports); Alembic is loaded
# only to migrate. tests/server/test_schema_head.py holds it to the migrations' head.
SCHEMA_HEAD = "0011"


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The schema revision this server needs (the newest migration)."""
    return SCHEMA_HEAD


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def migrations_head() -> str | None:
    """The head of the migration scripts, as Alembic reads them (what ``SCHEMA_HEAD`` must be)."""
    return _scripts().get_current_head()


def _known_revisions() -> set[str]:
    return {s.revision for s in _scripts().walk_revisions()}


@dataclass
class Database:
    url: str
    pool_size: int = 20
    engine: Engine = field(init=False)
    backend: str = field(init=False)
    _sqlite_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.url = resolve_db_url(self.url)
        self.backend = backend_of(self.url)
        if self.backend == "sqlite":
            # hide_parameters: a statement's values (names, ID numbers) never appear in SQLAlchemy's log lines
            # nor in the text of a database error that ends up in a traceback in the log (docs/security.md).
            self.engine = create_engine(self.url, poolclass=NullPool, hide_parameters=True,
                                        connect_args={"timeout": 30, "check_same_thread": False})
            self._setup_sqlite()
        else:
            # psycopg prepares no statement (not even executemany's): after any rollback it would then deallocate
            # every prepared statement of the connection, rows._Direct's too. The statements kept prepared on
            # purpose (multi-row inserts, lookups by key, a push's list reads) are prepared by rows._Direct, which
            # prepares them anew as the tables grow; every other statement is planned for its own values at each run.
            self.engine = create_engine(self.url, pool_size=self.pool_size, max_overflow=self.pool_size,
                                        pool_recycle=1800, hide_parameters=True,
                                        connect_args={"prepare_threshold": None})
            self._ping_when_idle()
            self._send_waiting_writes()
            self._generic_plans()

    def _setup_sqlite(self) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE / savepoints do what they say.
        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            dbapi_conn.create_function("hex64_add", 2, _hex64_add_py, deterministic=True)

        @event.listens_for(self.engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    def _generic_plans(self) -> None:
        """Each connection keeps one generic plan for each statement rows._Direct prepares: it prepares only those
        whose best plan does not depend on their values (``rows._execute_raw``), and prepares them anew as the
        tables grow. Left to choose (``auto``), PostgreSQL planned the record-state read anew at every push all
        the same, and revalidated the inserts' plans: about a sixth of a millisecond of its CPU per sync cycle
        (pg_stat_statements, 1,750 stations). Statements not prepared are planned for their values as before."""

        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            with dbapi_conn.cursor() as cur:
                cur.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_conn.commit()

    def _ping_when_idle(self) -> None:
        """Check a pooled connection before use only if it sat idle a while (``pool_pre_ping`` pings at every
        checkout, and a sync request checks out several: a round trip each, measured at 5 % of a request's time).
        A connection used within the last few seconds is alive or its failure shows in the statement that meets
        it (SQLAlchemy then drops the pool's connections); one idle longer, across a database restart or a
        firewall's idle cut, is pinged and replaced when dead, as pre-ping would."""
        dialect = self.engine.dialect

        @event.listens_for(self.engine, "checkout")
        def _checkout(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
            last = record.info.get("idle_since")
            if last is None or time.monotonic() - last > IDLE_PING_S:
                try:
                    alive = dialect.do_ping(dbapi_conn)
                except Exception as exc:
                    raise DisconnectionError("a pooled connection is gone") from exc
                if not alive:
                    raise DisconnectionError("a pooled connection is gone")

        @event.listens_for(self.engine, "checkin")
        def _checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
            record.info["idle_since"] = time.monotonic()

    def _send_waiting_writes(self) -> None:
        """Writes no one waits on go with a transaction's next round trip (``rows.insert_rows(later=True)``): before
        any statement SQLAlchemy runs and before the commit they are sent, and a rollback forgets them."""

        @event.listens_for(self.engine, "before_cursor_execute")
        def _before(conn: Connection, *_args: object) -> None:
            send_later(conn)

        @event.listens_for(self.engine, "commit")
        def _commit(conn: Connection) -> None:
            send_later(conn)

        @event.listens_for(self.engine, "rollback")
        def _rollback(conn: Connection) -> None:
            drop_later(conn.connection.info)

        @event.listens_for(self.engine, "checkin")
        def _checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
            drop_later(record.info)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def statement_reads(self) -> Iterator[Connection]:
        """Reads where each statement may see what was committed when it started: on PostgreSQL outside any
        transaction (autocommit), which is what each statement of a READ COMMITTED transaction sees anyway, without
        the BEGIN and COMMIT round trips (two of a sync answer's six statements). SQLite: ``read``."""
        if self.backend == "sqlite":
            with self.read() as conn:
                yield conn
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    @contextmanager
    def write(self, feed: bool = True, commune: str | None = None) -> Iterator[Connection]:
        """A write transaction (commits on success, rolls back on error).

        ``feed``: it may add to ``history``, so it must be serialized with every other feed writer. Other small
        writes (last-seen, tokens) skip the PostgreSQL advisory lock; SQLite serializes every writer anyway.

        ``commune`` (PostgreSQL): the transaction writes records of this commune only (a station's push). It
        holds the feed lock shared and the commune's lock, so pushes of other communes run beside it, and any
        writer holding the feed lock exclusively (everything else that writes the feed) waits for it, and it for
        them. Its history rows are not inserted when written but kept in ``conn.info[LATE_HISTORY]``, and inserted
        at the end under the sequence lock, held to the commit: ``seq`` is drawn in commit order, so the feed's
        promise (seeing seq n means seeing every seq below it) holds as under the one lock. Nothing in such a
        transaction reads back the history it writes. A clash with a concurrent push of another commune (the same
        change id, lookup code or deadlock: only a station that reuses another's ids) surfaces as a database error
        and the caller retries the push with the exclusive lock (``exchange.push_changes``).
        """
        asked = time.perf_counter()
        held: float | None = None  # when the serializing lock was granted (None: none was taken)
        if self.backend == "sqlite":
            with self._sqlite_lock, self.engine.connect() as conn:
                conn.info["write"] = True
                try:
                    with conn.begin():
                        held = time.perf_counter()
                        yield conn
                finally:
                    conn.info.pop("write", None)
        elif commune is not None and feed:
            with self.engine.connect() as conn:
                late: list[dict[str, object]] = []
                conn.info[LATE_HISTORY] = late
                try:
                    with conn.begin():
                        # BEGIN and the locks in one round trip.
                        begin_with(conn, "SELECT pg_advisory_xact_lock_shared($1), "
                                         "pg_advisory_xact_lock($2, hashtext($3))",
                                   [WRITE_LOCK_KEY, COMMUNE_LOCK_SPACE, commune])
                        waited = time.perf_counter() - asked
                        yield conn
                        if late:
                            # Lock, insert and commit in one round trip: the sequence lock is held only while
                            # the database inserts and flushes. (lock-times: ``wait`` is the wait for the
                            # commune's lock; ``hold``, that round trip, the sequence lock's wait included.)
                            held = time.perf_counter()
                            asked = held - waited
                            lock_insert_commit(conn, SEQ_LOCK_KEY, schema.history.insert, late, "history")
                finally:
                    conn.info.pop(LATE_HISTORY, None)
        else:
            with self.engine.connect() as conn, conn.begin():
                if not feed:
                    yield conn
                    return
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
                held = time.perf_counter()
                yield conn
        if feed and held is not None and lock_log.isEnabledFor(logging.DEBUG):
            # From the lock granted to the commit done (SQLite: BEGIN IMMEDIATE to commit, under the process
            # lock; a commune push: the sequence lock's): the critical section every feed writer queues for
            # (bench/server_load.py --lock-times).
            done = time.perf_counter()
            lock_log.debug(json.dumps({"event": "write.lock", "wait_ms": round((held - asked) * 1000, 3),
                                       "hold_ms": round((done - held) * 1000, 3)}))

    # --- migrations -------------------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        """The revision in Alembic's own table (None: no such table, or no row), read as Alembic reads it."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if len(rows) > 1:  # (one linear history: several heads mean a database this server did not make)
            raise SchemaError(f"database has several schema revisions ({', '.join(sorted(rows))})")
        return rows[0] if rows else None

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not inspect(conn).get_table_names()

    def migrate(self) -> tuple[str | None, str]:
        """Upgrade to the newest schema; make the epoch if the database is new. Returns (before, after)."""
        from alembic import command

        before = self.current_revision()
        if before is not None and before not in _known_revisions():
            raise SchemaError(f"database schema revision {before} is newer than this server knows "
                              f"(newest: {head_revision()}); upgrade the server")
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with self.write() as conn:
            if conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "epoch")).first() is None:
                conn.execute(schema.meta.insert(), [{"key": "epoch", "value": str(uuid.uuid4())},
                                                    {"key": "created_at", "value": utcnow()}])
        return before, head_revision()

    def check_schema(self, auto_migrate_empty: bool = True) -> None:
        """At start: migrate an empty database, refuse a stale or foreign one with a clear message."""
        if self.is_empty() and auto_migrate_empty:
            self.migrate()
            return
        current, head = self.current_revision(), head_revision()
        if current == head:
            return
        if current is None:
            raise SchemaError("this database has tables but no province-server schema; use an empty database")
        raise SchemaError(f"database schema is at revision {current}, this server needs {head}: "
                          "stop the servers and run `province-server migrate --db ...` first")

    # --- meta --------------------------------------------------------------------------------------------

    def get_meta(self, conn: Connection, key: str) -> str | None:
        return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def set_meta(self, conn: Connection, key: str, value: str) -> None:
        if conn.execute(schema.meta.update().where(schema.meta.c.key == key).values(value=value)).rowcount == 0:
            conn.execute(schema.meta.insert().values(key=key, value=value))

    def epoch(self) -> str:
        with self.read() as conn:
            value = self.get_meta(conn, "epoch")
        if value is None:
            raise SchemaError("database has no epoch; run `province-server migrate`")
        return value

    def new_epoch(self) -> str:
        value = str(uuid.uuid4())
        with self.write() as conn:
            self.set_meta(conn, "epoch", value)
        return value


def ready_db(url: str | None) -> Database:
    """The database at ``url`` (None: ``PROVINCE_SERVER_DB`` or the default file) for an admin subcommand: the
    schema is created in an empty database, and one older or newer than this version is refused (SchemaError)."""
    db = Database(resolve_db_url(url))
    db.check_schema(auto_migrate_empty=True)
    return db
