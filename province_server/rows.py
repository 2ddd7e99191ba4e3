"""Many rows in one statement, fast, on both backends: a sync push writes a few dozen rows to each of several
tables, and how each statement reaches the database was a third of a push's CPU (py-spy, docs/server-profile.md).
"""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

_ROWS_PER_STATEMENT = 500  # a multi-row VALUES: at most 500 x 11 bind parameters (SQLite allows 32,766)
_MULTI_VALUES_MAX = 64  # above this, executemany


def insert_rows(conn: Connection, build: Callable[[], Any], rows: list[dict[str, Any]], shape: str,
                later: bool = False) -> int:
    """The statement ``build()`` makes (an insert or upsert) for ``rows``; returns how many rows it returned (with
    a RETURNING clause). ``shape`` names the statement (the cache key, with the row count and columns): ``build``
    runs only when that is not cached yet (building an upsert's expressions was itself a few % of a push). A few rows
    (a day's exchange): one multi-row VALUES statement, one execution, where an executemany runs the upsert once
    per row (measured: 20 bucket rows 0.7 ms instead of 1.6-1.9 ms). SQLAlchemy never caches a multi-row VALUES
    (it has no cache key: compiled anew at every execution, a fifth of a sync request's CPU by py-spy), so the
    statement for each ``shape`` and row count is compiled once here, with its values as parameters named by
    position, and kept. Many rows (a first push of thousands): executemany, compiled once and cached likewise.

    ``later`` (no one reads what it returns): on PostgreSQL, within a transaction, the statement waits to go with
    the transaction's next round trip (``_Direct.later``), so it costs none of its own; it still runs before
    anything after it and before the commit, and an error it meets is raised there (returns 0)."""
    if len(rows) > _MULTI_VALUES_MAX:
        result = conn.execute(build(), rows)
        return len(result.all()) if result.returns_rows else 0
    n = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        sql, params = _compiled(conn, build, rows[start:start + _ROWS_PER_STATEMENT], shape)
        if conn.dialect.name == "postgresql":
            # psycopg parses a query's %(name)s placeholders at every execution unless it is short and has few
            # parameters (py-spy: a sixth of a request's CPU for these statements); a raw cursor takes the
            # statement's own $n placeholders as they are, in this connection's transaction.
            direct = _direct(conn) if later else None
            if direct is not None and direct.in_transaction():  # (autocommit: a statement alone is sent now)
                direct.later.append((sql, params))
            else:
                n += len(_execute_raw(conn, sql, params, generic=True))
        else:
            result = conn.exec_driver_sql(sql, tuple(params))
            n += len(result.all()) if result.returns_rows else 0
    return n


def _compiled(conn: Connection, build: Callable[[], Any], part: list[dict[str, Any]], shape: str
              ) -> tuple[str, list[Any]]:
    """One multi-row VALUES statement for ``part`` in the driver's placeholders ($n on PostgreSQL, ? on SQLite),
    compiled once per shape, row count and columns; and its parameters in order."""
    cols = list(part[0])
    key = (shape, conn.dialect.name, len(part), tuple(cols))
    multi = _MULTI_STATEMENTS.get(key)
    if multi is None:
        # The values are plain str/int/bool, which both drivers take as they are: no type processing is lost.
        names = {f"{c}_{i}": (i, c) for i in range(len(part)) for c in cols}
        shaped = build().values([{c: bindparam(f"{c}_{i}") for c in cols} for i in range(len(part))])
        compiled = shaped.compile(dialect=conn.dialect)
        if conn.dialect.name == "postgresql":
            sql, order = _dollar_placeholders(compiled.string)
        else:
            sql, order = compiled.string, tuple(compiled.positiontup or ())
        multi = (sql, tuple(names[n] for n in order))  # each placeholder's (row, column)
        if len(_MULTI_STATEMENTS) > 4096:
            _MULTI_STATEMENTS.clear()
        _MULTI_STATEMENTS[key] = multi
    sql, where = multi
    return sql, [part[i][c] for i, c in where]


def _dollar_placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    """A statement compiled for psycopg (``%(name)s`` placeholders, ``%%`` for a percent sign) in PostgreSQL's
    own ``$n`` form, and the parameter names in their order."""
    names: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        if m.group(0) == "%%":
            return "%"
        return f"${names.setdefault(m.group(1), len(names) + 1)}"

    return _PYFORMAT.sub(number, sql), tuple(names)


_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")
_MULTI_STATEMENTS: dict[tuple[str, str, int, tuple[str, ...]], tuple[str, tuple[tuple[int, str], ...]]] = {}


def lock_insert_commit(conn: Connection, lock_key: int, build: Callable[[], Any], rows: list[dict[str, Any]],
                       shape: str) -> None:
    """PostgreSQL: take the transaction-scoped advisory lock ``lock_key``, insert ``rows`` and commit, sent in one
    pipeline: one round trip, so the lock is held only while the database inserts and flushes the commit, never
    while this thread waits for the interpreter lock between statements (which doubled the hold under load)."""
    import psycopg

    statements = [_compiled(conn, build, rows[start:start + _ROWS_PER_STATEMENT], shape)
                  for start in range(0, len(rows), _ROWS_PER_STATEMENT)]
    direct = _direct(conn)
    if direct is None:  # (never: the transaction's earlier statements began it)
        raise RuntimeError("lock_insert_commit: no transaction begun")
    try:
        # Prepared (generic plans, see _execute_raw); the COMMIT queued last: SQLAlchemy's own commit then finds
        # nothing to do.
        direct.pipeline([("SELECT pg_advisory_xact_lock($1)", [lock_key]), *statements], commit=True)
    except psycopg.Error as exc:
        raise _translated(conn, exc, statements[0][0] if statements else "", []) from exc


def begin_with(conn: Connection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: begin the connection's transaction and run ``sql`` (prepared, as ``generic``) as its first
    statement, both in one round trip (psycopg would send its BEGIN alone first); returns its rows. The connection
    must be outside a transaction, in transaction mode, with SQLAlchemy's ``begin()`` called: SQLAlchemy sends
    nothing at its begin, and psycopg, seeing a transaction open, sends no BEGIN of its own. A connection already in
    a transaction runs the statement in it."""
    import psycopg

    direct = _direct(conn, begin=True)
    if direct is None:  # (a transaction already open: the statement alone, in it)
        return _execute_raw(conn, sql, params, generic=True)
    try:
        return direct.pipeline([(sql, params)], begin=True)[-1]
    except psycopg.Error as exc:
        raise _translated(conn, exc, sql, params) from exc


def send_later(conn: Connection) -> None:
    """Send the connection's waiting statements (``insert_rows(later=True)``) now, before another statement of its
    transaction runs through SQLAlchemy, or its commit (``db.Database``'s engine events)."""
    import psycopg

    direct = conn.connection.info.get(_DIRECT)
    if direct is not None and direct.later:
        try:
            direct.pipeline([])
        except psycopg.Error as exc:
            raise _translated(conn, exc, direct.failed_sql, []) from exc


def drop_later(info: dict[str, Any]) -> None:
    """Forget the waiting statements of a connection whose transaction rolled back (``info``: its pool record's)."""
    direct = info.get(_DIRECT)
    if direct is not None:
        direct.later.clear()


def _translated(conn: Connection, exc: Any, sql: str, params: list[Any]) -> DBAPIError:
    """A psycopg error as SQLAlchemy raises it from a statement, the connection dropped from the pool if lost."""
    import psycopg

    dbapi_conn = conn.connection.dbapi_connection
    gone = conn.dialect.is_disconnect(exc, dbapi_conn, None)
    if gone:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, params, exc, psycopg.Error, hide_parameters=True, connection_invalidated=gone,
                               dialect=conn.dialect)


def _execute_raw(conn: Connection, sql: str, params: list[Any], generic: bool = False) -> list[tuple[Any, ...]]:
    """``sql`` with PostgreSQL's own ``$n`` placeholders on a psycopg raw cursor of the connection (in its
    transaction); returns the rows it returned (none for a statement without RETURNING). A database error is raised
    as SQLAlchemy raises it from any statement (``IntegrityError``, ``OperationalError``, ...), and a lost
    connection is dropped from the pool, so callers see no difference from ``Connection.execute``.

    ``generic``: run it as a prepared statement, so PostgreSQL may keep one generic plan for it instead of planning
    it at every run (``db.Database``: nothing else is ever prepared). Only for a statement whose plan cannot depend
    on its values: a multi-row insert, a lookup by a whole primary key, a read whose values are constants, a range
    read in the order of the index it ranges over and stopped by a ``LIMIT`` (the feed page: the ordered index scan
    is the best plan for any range, tests/server/test_feed_plan.py), a lookup of a list of keys (``AnyOf``: an
    index scan for any count of keys). Never for an expanding ``IN`` list (a new statement for each count of
    values), nor a range read whole. Prepared statements are made anew as the tables grow (``_REPLAN_S``)."""
    import psycopg

    try:
        direct = _direct(conn)
        if direct is not None:
            if direct.later:  # (the waiting statements first, in the same round trip)
                return direct.pipeline([(sql, params)], prepared=generic)[-1]
            return direct.run_prepared(sql, params) if generic else direct.run(sql, params)
        # (A transaction's first statement: psycopg sends its BEGIN. psycopg prepares nothing: see _Direct.)
        cur = _raw_cursor(conn)
        cur.execute(sql.encode(), params, prepare=False)
        # (The result's status, not ``description``: that builds a column list only to be tested.)
        result = cur.pgresult
        if result is None or result.status != psycopg.pq.ExecStatus.TUPLES_OK:
            return []
        return cur.fetchall()  # type: ignore[no-any-return]
    except psycopg.Error as exc:
        failed = getattr(conn.connection.info.get(_DIRECT), "failed_sql", "") or sql
        raise _translated(conn, exc, failed, params if failed == sql else []) from exc


def _raw_cursor(conn: Connection) -> Any:
    """The pooled connection's one psycopg raw cursor, kept with it (``info`` lives as long as the database
    connection, and is emptied if the pool drops it): making and closing a cursor per statement cost a quarter of
    psycopg's client CPU per statement (23 of 100 µs measured)."""
    import psycopg

    dbapi_conn = conn.connection.dbapi_connection
    info = conn.connection.info
    cur = info.get(_RAW_CURSOR)
    if cur is None or cur.closed or cur.connection is not dbapi_conn:
        cur = info[_RAW_CURSOR] = psycopg.RawCursor(dbapi_conn)  # type: ignore[call-overload]
    return cur


_RAW_CURSOR = "province_server.raw_cursor"

# A prepared statement is prepared anew after 5 s, then after 10, 20, 40 and every 60 s. PostgreSQL keeps a prepared
# statement's generic plan for as long as it exists, made for the tables as they were: one made while a table was
# small (a new database's first seconds) read it by a sequential scan and went on doing so as it grew (bench: the
# applied changes read by sequential scan, PostgreSQL's CPU per sync doubled). Prepared anew, the plan follows the
# table; sooner at first, while the tables grow fastest against their size.
_REPLAN_FIRST_S = 5.0
_REPLAN_S = 60.0
_clock = time.monotonic  # (a test moves it on)


class _Direct:
    """One statement straight through libpq (psycopg's ``pq`` layer, in C), for a connection in a plain state: the
    cursor's own way (its generators, bookkeeping, result set-up) cost about 90 µs of this process's CPU per
    statement where this costs 30 (measured alone, a point read); a push runs several such reads. Parameters are
    dumped and rows loaded by psycopg's own Transformer of the connection, so values go and come back exactly as
    through a cursor. The statements kept prepared (``generic``) are prepared here too, under names of this
    connection: psycopg deallocates every prepared statement of a connection after a rollback once it has
    prepared one of its own (its executemany prepares), so its connections are made with ``prepare_threshold``
    None (``db.Database``), and it never prepares. A transaction's last insert and its COMMIT go in one libpq
    pipeline (``pipeline``). At 1,750 stations the cursor's way for those statements cost 1.5-2 ms of
    the server's CPU per sync (docs/server-profile.md)."""

    def __init__(self, dbapi_conn: Any) -> None:
        from psycopg.adapt import Transformer

        self.pgconn = dbapi_conn.pgconn
        self.encoding = dbapi_conn.info.encoding
        self.tx = Transformer(dbapi_conn)
        # statement -> the name it is prepared under on this connection, when to prepare it anew (time.monotonic),
        # and for how long it was prepared (``_REPLAN_S``)
        self.prepared: dict[str, tuple[bytes, float, float]] = {}
        self.stale: list[bytes] = []  # names made anew (``_REPLAN_S``) and not yet deallocated
        # Statements no one waits on (``insert_rows(later=True)``), sent with the transaction's next round trip.
        self.later: list[tuple[str, list[Any]]] = []
        self.failed_sql = ""  # the statement of the last pipeline's error ("" if none, or a BEGIN or COMMIT)
        self._names = 0  # names handed out (never reused: a prepare whose outcome was not read may exist)

    def in_transaction(self) -> bool:
        from psycopg import pq

        return bool(self.pgconn.transaction_status == pq.TransactionStatus.INTRANS)

    def _dump_text(self, params: list[Any]) -> Any:
        """Parameters as text, for a prepared statement: PostgreSQL parses each as the type it inferred when it
        prepared the statement, whatever Python type a later run's value has."""
        from psycopg.adapt import PyFormat

        return self.tx.dump_sequence(params, [PyFormat.TEXT] * len(params))

    def _new_name(self) -> bytes:
        self._names += 1
        return b"pr_%d" % self._names

    def _current(self, sql: str, now: float) -> bytes | None:
        """The name ``sql`` is prepared under, unless it is not prepared or its time is up (``_REPLAN_S``): it is then
        to be prepared anew, and its old name is left to ``_deallocate_stale``."""
        name, replan_at, lifetime = self.prepared.get(sql) or (b"", 0.0, 0.0)
        if name and now >= replan_at:
            self.stale.append(name)
            self.prepared[sql] = (b"", 0.0, lifetime)  # (no name until prepared again; its lifetime kept)
            return None
        return name or None

    def _made(self, sql: str, name: bytes, now: float) -> None:
        """``sql`` is now prepared as ``name``: for twice as long as the last time, up to ``_REPLAN_S``."""
        entry = self.prepared.get(sql)
        lifetime = _REPLAN_FIRST_S if entry is None else min(entry[2] * 2, _REPLAN_S)
        self.prepared[sql] = (name, now + lifetime, lifetime)

    def _deallocate_stale(self) -> None:
        """Deallocate the names made anew (in a transaction or not: DEALLOCATE is not transactional, and a name
        this connection prepared and never deallocated cannot fail to)."""
        from psycopg import errors, pq

        while self.stale:
            done = self.pgconn.exec_params(b"DEALLOCATE " + self.stale.pop(), None)
            if done.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(done, encoding=self.encoding)

    def run_prepared(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """``sql`` as a named prepared statement of this connection (prepared at its first run here), so that
        PostgreSQL keeps one generic plan for it (see ``_execute_raw``)."""
        from psycopg import errors, pq

        now = _clock()
        name = self._current(sql, now)
        if self.stale:
            self._deallocate_stale()
        if name is None:
            name = self._new_name()
            made = self.pgconn.prepare(name, sql.encode(), None)
            if made.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(made, encoding=self.encoding)
            self._made(sql, name, now)
        values = self._dump_text(params)
        return self._rows(self.pgconn.exec_prepared(name, values, [0] * len(values)))

    def _rows(self, result: Any) -> list[tuple[Any, ...]]:
        from psycopg import errors, pq

        status = result.status
        if status == pq.ExecStatus.TUPLES_OK:
            self.tx.set_pgresult(result)
            return self.tx.load_rows(0, result.ntuples, tuple)  # type: ignore[no-any-return]
        if status == pq.ExecStatus.COMMAND_OK:
            return []
        raise errors.error_from_result(result, encoding=self.encoding)

    def pipeline(self, statements: list[tuple[str, list[Any]]], *, prepared: bool = True, begin: bool = False,
                 commit: bool = False) -> list[list[tuple[Any, ...]]]:
        """The waiting statements (``later``, prepared), then ``statements`` (prepared as ``run_prepared``, or
        unless ``prepared`` is False run as ``run``), all sent at once in libpq's pipeline mode and answered in one
        round trip; ``begin``: a BEGIN first, ``commit``: a COMMIT last. Returns each statement's rows, the waiting
        ones' first. The first error is raised (the server skips the commands after it, a COMMIT included: the
        transaction is then left to be rolled back), and ``failed_sql`` names its statement."""
        from psycopg import errors, pq
        from psycopg.adapt import PyFormat

        todo = [(sql, params, True) for sql, params in self.later]
        todo += [(sql, params, prepared) for sql, params in statements]
        self.later = []  # (sent now, whatever comes of it)
        self.failed_sql = ""
        pg = self.pgconn
        now = _clock()
        names: dict[str, bytes] = {}
        new: dict[str, bytes] = {}
        for sql, _, prep in todo:
            if prep and sql not in names:
                name = self._current(sql, now)
                if name is None:
                    name = new[sql] = self._new_name()
                names[sql] = name
        if self.stale:
            self._deallocate_stale()
        # What each command sent answers: a statement's SQL, a prepared name's (SQL, name), or None (BEGIN, COMMIT).
        sent: list[str | tuple[str, bytes] | None] = []
        pg.enter_pipeline_mode()
        try:
            if begin:
                # (READ COMMITTED, as SQLAlchemy has psycopg begin them: a push reads after taking its locks)
                pg.send_query_params(b"BEGIN ISOLATION LEVEL READ COMMITTED", None)
                sent.append(None)
            for sql, name in new.items():
                pg.send_prepare(name, sql.encode(), None)
                sent.append((sql, name))
            for sql, params, prep in todo:
                if prep:
                    values = self._dump_text(params)
                    pg.send_query_prepared(names[sql], values, [0] * len(values))
                else:
                    values = self.tx.dump_sequence(params, [PyFormat.AUTO] * len(params))
                    pg.send_query_params(sql.encode(), values, self.tx.types, self.tx.formats)
                sent.append(sql)
            if commit:
                pg.send_query_params(b"COMMIT", None)
                sent.append(None)
            pg.pipeline_sync()
            while pg.flush():  # (a non-blocking connection: send what is left as the socket takes it)
                select.select([], [pg.socket], [])
            failed = None
            out: list[list[tuple[Any, ...]]] = []
            for what in sent:
                while (result := _next_result(pg)) is not None:
                    status = result.status
                    if status == pq.ExecStatus.FATAL_ERROR and failed is None:
                        failed = result
                        self.failed_sql = what if isinstance(what, str) else ""
                    if isinstance(what, tuple) and status == pq.ExecStatus.COMMAND_OK:
                        self._made(*what, now)
                    elif isinstance(what, str):
                        if status == pq.ExecStatus.TUPLES_OK:
                            self.tx.set_pgresult(result)
                            out.append(self.tx.load_rows(0, result.ntuples, tuple))
                        else:
                            out.append([])
            end = _next_result(pg)
            if end is None or end.status != pq.ExecStatus.PIPELINE_SYNC:
                raise errors.OperationalError("the pipeline's end was not read")
        finally:
            if pg.pipeline_status != pq.PipelineStatus.OFF:
                pg.exit_pipeline_mode()
        if failed is not None:
            raise errors.error_from_result(failed, encoding=self.encoding)
        return out

    def run(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        from psycopg.adapt import PyFormat

        tx = self.tx
        values = tx.dump_sequence(params, [PyFormat.AUTO] * len(params))
        return self._rows(self.pgconn.exec_params(sql.encode(), values, tx.types, tx.formats))


def _next_result(pg: Any) -> Any:
    """The connection's next result, waited for with the interpreter lock let go (``select``): libpq's own wait in
    ``PQgetResult`` would hold it, and the thread whose transaction the database is waiting for (the sequence
    lock) could then never run to release it."""
    while True:
        pg.consume_input()
        if not pg.is_busy():
            return pg.get_result()
        select.select([pg.socket], [], [])


def _direct(conn: Connection, begin: bool = False) -> _Direct | None:
    """The connection's ``_Direct`` when a statement may bypass psycopg's cursor: no pipeline, nothing running, and
    a transaction already begun unless in autocommit. (psycopg sends the ``BEGIN`` of a transaction itself, before
    its first statement; a transaction's first statement therefore goes through the cursor, and later ones here
    run inside that transaction, which psycopg's ``commit`` then ends as usual.) ``begin``: a connection in
    transaction mode with no transaction yet, for ``begin_with``."""
    from psycopg import pq

    dbapi_conn = conn.connection.dbapi_connection
    pgconn = dbapi_conn.pgconn  # type: ignore[union-attr]
    if pgconn.pipeline_status != pq.PipelineStatus.OFF:
        return None
    state = pgconn.transaction_status
    autocommit = dbapi_conn.autocommit  # type: ignore[union-attr]
    if begin and (autocommit or state != pq.TransactionStatus.IDLE):
        return None
    if not begin and state != (pq.TransactionStatus.IDLE if autocommit else pq.TransactionStatus.INTRANS):
        return None
    info = conn.connection.info
    direct = info.get(_DIRECT)
    if direct is None or direct.pgconn is not pgconn:
        direct = info[_DIRECT] = _Direct(dbapi_conn)
    return direct  # type: ignore[no-any-return]


_DIRECT = "province_server.direct"


def fetch(conn: Connection, name: str, build: Callable[[], Any], params: dict[str, Any] | None = None,
          generic: bool = False) -> list[tuple[Any, ...]]:
    """The rows (plain tuples, in the statement's column order) of the select (or the statement with RETURNING)
    ``build()`` makes, built once as ``name`` (``built_once``), with ``params`` (a list value fills an ``expanding``
    IN). On PostgreSQL it runs on a raw cursor as ``$n`` SQL compiled once per name and list lengths: SQLAlchemy's
    way for a cached statement (cache key, expansion, result rows) cost a push's eight reads a tenth of its CPU
    (py-spy). The statements given here take plain str/int/bool values and return plain columns, so no type
    processing is skipped. ``generic``: see ``_execute_raw``."""
    params = params or {}
    stmt = built_once(name, build)
    if conn.dialect.name != "postgresql":
        return [tuple(row) for row in conn.execute(stmt, params)]
    key = (name, tuple((k, len(v)) for k, v in params.items() if isinstance(v, list)))
    plan = _FETCH_PLANS.get(key)
    if plan is None:
        if len(_FETCH_PLANS) > 4096:
            _FETCH_PLANS.clear()
        plan = _FETCH_PLANS[key] = _fetch_plan(conn, stmt, params)
    sql, order = plan
    return _execute_raw(conn, sql, [params[p] if i == -1 else p if i == -2 else _array_text(params[p]) if i == -3
                                    else params[p][i] for p, i in order], generic)


class AnyOf(ColumnElement[Any]):
    """``column IN (the values of parameter name)``, written on PostgreSQL as ``column = ANY(CAST($n AS
    VARCHAR[]))``: one statement text for any number of values, so a ``fetch`` with ``generic`` prepares it once
    and PostgreSQL keeps one plan (an index scan). An expanding IN is a new statement for each count of values,
    parsed, analysed and planned at every run: a push's four such reads were a sixth of PostgreSQL's CPU per
    sync (perf). Elsewhere (SQLite) an expanding IN. The values are strings."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement), ("name", InternalTraversal.dp_string)]
    # Untyped: SQLite, which has no boolean type, would have a Boolean compared with 1 (``x IN (...) = 1``), and
    # its planner looks up no index for such a term: a push's reads of record states scanned every record of the
    # kind, and the duplicate check every person of the commune.
    type = NullType()

    def __init__(self, column: Any, name: str) -> None:
        self.column = column
        self.name = name


@compiles(AnyOf)
def _in_list(element: AnyOf, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)  # type: ignore[no-any-return]


@compiles(AnyOf, "postgresql")
def _any_array(element: AnyOf, compiler: Any, **kw: Any) -> str:
    return (f"{compiler.process(element.column, **kw)} = "
            f"ANY(CAST({compiler.process(bindparam(element.name), **kw)} AS VARCHAR[]))")


def _array_text(values: list[str]) -> str:
    """``values`` as PostgreSQL's text form of an array, each element quoted (psycopg's list dumper does this in
    Python per element, slower; ``"`` and ``\\`` are the only characters to escape inside the quotes)."""
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def _fetch_plan(conn: Connection, stmt: Any, params: dict[str, Any]) -> tuple[str, list[tuple[Any, int]]]:
    """``fetch``'s SQL for these list lengths, and where each ``$n`` takes its value: (name, -1) a parameter,
    (name, i) item i of a list parameter, (value, -2) a constant the statement carries (a ``literal``, or an item
    of a list written in the statement), (name, -3) a list parameter as one array (``AnyOf``)."""
    state = stmt.compile(dialect=conn.dialect).construct_expanded_state(params)
    if state.processors:
        raise TypeError(f"rows.fetch: statement needs bind processing ({sorted(state.processors)})")
    sql, names = _dollar_placeholders(state.statement)
    item = {n: (base, i) for base, expanded in state.parameter_expansion.items() for i, n in enumerate(expanded)}
    order: list[tuple[Any, int]] = []
    for n in names:
        if n in item and item[n][0] in params:
            order.append(item[n])
        elif n in params:
            order.append((n, -3 if isinstance(params[n], list) else -1))
        else:
            order.append((state.parameters[n], -2))
    return sql, order


_FETCH_PLANS: dict[tuple[str, tuple[tuple[str, int], ...]], tuple[str, list[tuple[Any, int]]]] = {}
_BUILT: dict[str, Any] = {}


def built_once(name: str, build: Callable[[], Any]) -> Any:
    """The statement ``build()`` makes, built the first time ``name`` is asked for and kept (its values are bound
    parameters): a push's reads were rebuilt from SQLAlchemy expressions at every request, a few % of its CPU
    each (py-spy). SQLAlchemy caches the compiled form; this keeps the expression too."""
    stmt = _BUILT.get(name)
    if stmt is None:
        stmt = _BUILT[name] = build()
    return stmt
