"""The station's local store and its one write path.

Every create, update and delete goes through ``Store``: in one SQLite transaction it writes the record, an
audit entry (who, when, field-level before/after, hash-chained) and an outbox change for the sync engine.
Nothing else in the code base writes those tables (``tests/store/test_write_path.py`` checks the source): the
other writers go through this class's public entry points — ``append_audit`` / ``last_audit_hash``,
``derived_columns`` and ``cross_checks`` for the province's state and conflict resolutions (``sync_ops``) and
reference data (``dossiers``), ``audit_event`` for account and settings events. A ``Store``
(one connection) belongs to one thread: the app gives it a single writer thread; readers open their own
read-only connections with ``open_reader``.

Who acts (docs/security.md, "Who is acting"): never a name the caller chooses. A login (``accounts.log_in``,
``unlock.recover``, the first account's creation) *binds* the officer to the station file in this process
(``Store.session``); every write of every ``Store`` on that file is then theirs. An ``officer=`` argument is
kept for the call sites that say who they are: it must be the bound officer, else ``PermissionDenied``.
``system:`` actors exist only inside ``acting_as_system`` blocks of the program's own paths; a caller that passes
one is refused. A station without any account yet acts as the name given (a label: nobody to check it
against) or ``system:setup``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..domain import permissions
from ..domain.kinds import RecordKind
from ..domain.problems import Problem, ValidationError
from ..domain.registry import get_kind
from ..ids import new_change_id, new_id
from ..wire import GENESIS_HASH, audit_entry_hash, canonical_json, sha256_hex
from . import search
from .codec import fields_only, from_db, record_hash, to_db
from .connection import open_connection
from .errors import PermissionDenied, RecordNotFound, StaleVersion, StoreError
from .migrate import migrate

SETUP_ACTOR = permissions.SYSTEM_SETUP  # who acts on a station without any account yet, when nobody is named
# Audit entries that are not record writes (no outbox change): ``kind`` is one of these, ``action`` "create" (a
# new account) or "update", and ``changes["event"]`` says what happened (docs/security.md, "Account events").
EVENT_KINDS = frozenset({"account", "setting", "station"})
# Who the province's state is attributed to: ``sync`` (``sync:<origin>``) for pulled records
# (``sync_ops.REMOTE_OFFICER``), ``catalogue`` for shipped reference data (``dossiers.REFERENCE_OFFICER``).
REMOTE_ACTORS = ("sync", "catalogue")

# The officer each station file is bound to in this process by a login: {resolved path: username}.
_sessions: dict[Path, str] = {}


def _session_key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def bound_officer(path: str | Path) -> str | None:
    """The officer a login bound to this station file in this process, if any."""
    return _sessions.get(_session_key(Path(path)))


def forget_session(path: str | Path | None = None) -> None:
    """Nobody is logged in to this file (every file: None) any more — a logout, the end of a command."""
    if path is None:
        _sessions.clear()
    else:
        _sessions.pop(_session_key(Path(path)), None)


@dataclass
class ChangeSet:
    """What a committed transaction changed, for views to refresh once (not per row)."""

    kinds: set[str] = field(default_factory=set)
    record_ids: set[str] = field(default_factory=set)
    sync_state: bool = False

    def merge(self, other: ChangeSet) -> None:
        self.kinds |= other.kinds
        self.record_ids |= other.record_ids
        self.sync_state = self.sync_state or other.sync_state

    def __bool__(self) -> bool:
        return bool(self.kinds or self.sync_state)


Listener = Callable[[ChangeSet], None]


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._depth = 0
        self._changes = ChangeSet()
        self._listeners: list[Listener] = []
        self._acting_stack: list[str] = []  # ``acting_as_system`` / ``_acting_as`` blocks, innermost last

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, *, check_same_thread: bool = True) -> Store:
        path = Path(path)
        conn = open_connection(path, check_same_thread=check_same_thread)
        try:
            migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def open_reader(self) -> sqlite3.Connection:
        """A read-only connection for another thread (WAL lets it read while the writer writes)."""
        return open_connection(self.path, readonly=True)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` (take the write lock up front: no read-to-write upgrade deadlocks between
        processes); nested calls become savepoints. Listeners hear the change set after the outer commit."""
        depth = self._depth
        self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self._depth -= 1
            if depth == 0:
                if self.conn.in_transaction:  # an exception (SIGTERM's) may land right after COMMIT returned
                    self.conn.execute("ROLLBACK")
                self._changes = ChangeSet()
            else:
                self.conn.execute(f"ROLLBACK TO sp{depth}")
                self.conn.execute(f"RELEASE sp{depth}")
            raise
        self._depth -= 1
        if depth == 0:
            self.conn.execute("COMMIT")
            changes, self._changes = self._changes, ChangeSet()
            if changes:
                for listener in list(self._listeners):
                    listener(changes)
        else:
            self.conn.execute(f"RELEASE sp{depth}")

    @contextmanager
    def bulk(self, cache_mb: int = 1024) -> Iterator[None]:
        """For large loads (CSV import, first sync, demo data): a bigger page cache while it runs.

        Random UUID keys spread inserts over the whole file; once the indexes outgrow the default 64 MiB cache,
        every insert reads pages from disk. The cache shrinks back afterwards, so day-to-day use stays small.
        """
        previous = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {-cache_mb * 1024}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {previous}")

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` (on the writing thread) after each commit that changed something."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def note_change(self, kind: str | None = None, record_id: str | None = None, sync_state: bool = False) -> None:
        if kind:
            self._changes.kinds.add(kind)
        if record_id:
            self._changes.record_ids.add(record_id)
        self._changes.sync_state = self._changes.sync_state or sync_state

    # ---------------------------------------------------------------- settings
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str | None, *, officer: str | None = None) -> None:
        """Set a station setting, audited (kind ``setting``) when it changes. A head-only one
        (``permissions.HEAD_ONLY_SETTINGS``: who the station is, where its data goes) that actually changes needs
        the acting officer (``officer`` must be the logged-in one) to be the station head — checked here, below
        every UI, inside the write's transaction. Other settings (language, printer, the program's own markers)
        written with nobody logged in are the program's (``system:store``)."""
        with self.transaction():
            old = self.get_setting(key)
            if old == value:
                return
            if key in permissions.HEAD_ONLY_SETTINGS:
                actor = self._acting(officer)
                self._check_role(permissions.head_only_action("setting", fields={key: value}), actor)
            elif officer is None and not self._acting_stack:
                try:  # the logged-in officer's preference, else (nobody, or not yet allowed to work) the program's
                    actor = self._acting(None)
                except PermissionDenied:
                    actor = permissions.SYSTEM_STORE
            else:
                actor = self._acting(officer)
            self.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
            self._event("setting", key, "update", {"event": [None, "setting.changed"], key: [old, value]}, actor)

    # ------------------------------------------------------------------- reads
    def get(self, kind_name: str, record_id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
        kind = get_kind(kind_name)
        row = self.conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
        if row is None or (row["deleted"] and not include_deleted):
            return None
        return from_db(kind, row)

    def find_one(self, kind_name: str, **criteria: Any) -> dict[str, Any] | None:
        """The first live record whose fields equal ``criteria`` (field names are checked against the kind)."""
        kind = get_kind(kind_name)
        unknown = set(criteria) - set(kind.field_names)
        if unknown:
            raise ValueError(f"unknown fields for {kind.name}: {sorted(unknown)}")
        where = " AND ".join(f"{name} = ?" for name in criteria)
        row = self.conn.execute(f"SELECT * FROM {kind.table} WHERE {where} AND deleted = 0 LIMIT 1",
                                tuple(criteria.values())).fetchone()
        return from_db(kind, row) if row else None

    def iter_records(self, kind_name: str, order_by: str = "n", batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every live record of a kind, read in batches (never the whole table in memory)."""
        kind = get_kind(kind_name)
        if order_by not in ("n", "search_name"):
            raise ValueError(order_by)
        last_key: Any = -1 if order_by == "n" else ""
        last_n = -1
        while True:
            if order_by == "n":
                rows = self.conn.execute(f"SELECT * FROM {kind.table} WHERE n > ? AND deleted = 0 ORDER BY n LIMIT ?",
                                         (last_n, batch)).fetchall()
            else:
                rows = self.conn.execute(
                    f"SELECT * FROM {kind.table} WHERE (search_name, n) > (?, ?) AND deleted = 0 "
                    "ORDER BY search_name, n LIMIT ?", (last_key, last_n, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield from_db(kind, row)
            last_n = rows[-1]["n"]
            if order_by != "n":
                last_key = rows[-1]["search_name"]

    def count(self, kind_name: str) -> int:
        kind = get_kind(kind_name)
        return int(self.conn.execute(f"SELECT count(*) FROM {kind.table} WHERE deleted = 0").fetchone()[0])

    def search_persons(self, query: str, limit: int = 50) -> list[search.PersonHit]:
        return search.search_persons(self.conn, query, limit)

    # -------------------------------------------------------------- write path
    def create(self, kind_name: str, values: dict[str, Any], *, officer: str | None = None,
               record_id: str | None = None) -> dict[str, Any]:
        actor = self._acting(officer)
        with self.transaction():
            record = self._create(get_kind(kind_name), values, actor, record_id, self._last_hash())
        record.pop("_audit_hash")
        return record

    def create_many(self, kind_name: str, rows: Iterable[dict[str, Any]], *, officer: str | None = None,
                    on_error: Callable[[int, ValidationError], None] | None = None) -> int:
        """Create many records in one transaction through the same path as ``create``.

        With ``on_error`` a row that fails validation is reported (its index, its problems) and skipped;
        without it the first bad row raises and nothing is written.
        """
        kind = get_kind(kind_name)
        actor = self._acting(officer)
        created = 0
        with self.transaction():
            prev = self._last_hash()
            for i, values in enumerate(rows):
                try:
                    # No savepoint per row: _create validates everything before its first write, so a
                    # rejected row has written nothing.
                    record = self._create(kind, values, actor, None, prev)
                except ValidationError as exc:
                    if on_error is None:
                        raise
                    on_error(i, exc)
                    continue
                prev = record["_audit_hash"]
                created += 1
        return created

    def update(self, kind_name: str, record_id: str, changes: dict[str, Any], *, officer: str | None = None,
               expected_version: int | None = None) -> dict[str, Any]:
        kind = get_kind(kind_name)
        self._check_local_write(kind)
        officer = self._acting(officer)
        with self.transaction():
            row = self.conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is None or row["deleted"]:
                raise RecordNotFound("Không tìm thấy hồ sơ (có thể đã bị xóa).",
                                     "The record was not found (it may have been deleted).")
            # Head-only fields count only when their value really changes (a form saving every field as it was
            # is no override).
            changing = {f for f, v in changes.items() if f in kind.by_name and row[f] != to_db(kind, {f: v})[f]}
            self._check_role(permissions.head_only_action("update", kind.name, dict.fromkeys(changing)), officer)
            self._check_province_only(kind, changing)
            if expected_version is not None and row["version"] != expected_version:
                raise StaleVersion(
                    "Hồ sơ vừa được thay đổi ở nơi khác. Hãy mở lại để xem bản mới nhất trước khi sửa.",
                    "The record was changed elsewhere meanwhile. Reopen it to see the latest version.")
            current = from_db(kind, row)
            clean, problems = kind.coerce(changes)
            new_fields = fields_only(kind, current) | clean
            problems += kind.validate(new_fields)
            problems += self.cross_checks(kind, new_fields, record_id)
            if problems:
                raise ValidationError(problems)
            diff = {f: [current[f], v] for f, v in clean.items() if current[f] != v}
            if not diff:
                return current
            now = now_iso()
            db_values = to_db(kind, {f: new_fields[f] for f in diff})
            db_values |= self.derived_columns(kind, record_id, new_fields, row)
            assignments = ", ".join(f"{c} = ?" for c in db_values)
            self.conn.execute(
                f"UPDATE {kind.table} SET {assignments}, version = version + 1, updated_at = ?, updated_by = ?, "
                "sync_state = 'pending', sync_note = NULL WHERE id = ?",
                (*db_values.values(), now, officer, record_id))
            # The full record only when the province may not have it and nothing queued ahead will bring it. A
            # pending change of this record (its create, sent but unacknowledged after a kill or a lost answer)
            # carries the full state and is applied first, so the officer's changed fields suffice; sending the
            # fields they did not touch at base 0 would clash with the province's later edits of those fields.
            # During a resync a record the province has is based on the version kept aside (``base_version``).
            base = self.base_version(kind, record_id, row)
            full = base == 0 and self.conn.execute(
                "SELECT 1 FROM outbox WHERE kind = ? AND record_id = ? AND state = 'pending' AND op = 'upsert' "
                "LIMIT 1", (kind.name, record_id)).fetchone() is None
            payload = new_fields if full else {f: new_fields[f] for f in diff}
            change_id = self._enqueue(kind, record_id, "upsert", base, payload, officer, now)
            self._audit(kind, record_id, "update", diff, officer, now, change_id,
                        record_hash(kind, record_id, new_fields, False), self._last_hash())
            self.note_change(kind.name, record_id, sync_state=True)
            return current | new_fields | {"version": row["version"] + 1, "updated_at": now,
                                           "updated_by": officer, "sync_state": "pending", "sync_note": None}

    def delete(self, kind_name: str, record_id: str, *, officer: str | None = None) -> None:
        kind = get_kind(kind_name)
        self._check_local_write(kind)
        officer = self._acting(officer)
        self._check_role(permissions.head_only_action("delete", kind.name), officer)
        with self.transaction():
            row = self.conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is None or row["deleted"]:
                raise RecordNotFound("Không tìm thấy hồ sơ (có thể đã bị xóa).",
                                     "The record was not found (it may have been deleted).")
            current = from_db(kind, row)
            now = now_iso()
            if kind.table == "persons":
                search.fts_remove(self.conn, row["n"], dict(row))
            self.conn.execute(
                f"UPDATE {kind.table} SET deleted = 1, version = version + 1, updated_at = ?, updated_by = ?, "
                "sync_state = 'pending', sync_note = NULL WHERE id = ?", (now, officer, record_id))
            change_id = self._enqueue(kind, record_id, "delete", self.base_version(kind, record_id, row), {},
                                      officer, now)
            self._audit(kind, record_id, "delete", {"deleted": [False, True]}, officer, now, change_id,
                        record_hash(kind, record_id, current, True), self._last_hash())
            self.note_change(kind.name, record_id, sync_state=True)

    # ------------------------------------------------------------------- roles
    @property
    def session(self) -> str | None:
        """The officer a login bound to this station file in this process (None: nobody logged in)."""
        return bound_officer(self.path)

    @property
    def actor(self) -> str:
        """Who a write made now is attributed to (``PermissionDenied`` when nobody may write: a station with
        accounts and nobody logged in)."""
        return self._acting(None)

    def log_out(self) -> None:
        """Unbind the logged-in officer from this station file (in this process)."""
        forget_session(self.path)

    def _bind_session(self, username: str) -> None:
        """For the login paths only (``accounts.log_in`` after a password check, ``unlock.recover`` after the
        recovery key, the first account's creation): from now on this process writes as ``username``."""
        _sessions[_session_key(self.path)] = username

    @contextmanager
    def acting_as_system(self, name: str) -> Iterator[str]:
        """The program's own paths (``sync``, ``import`` of province data, ``login`` bookkeeping, ``setup``) act
        as ``system:<name>`` inside this block, on this ``Store`` only. Not reachable by passing a string: a
        write that names a ``system:`` actor is refused."""
        with self._acting_as(permissions.SYSTEM_PREFIX + name) as actor:
            yield actor

    @contextmanager
    def _acting_as(self, name: str) -> Iterator[str]:
        """For ``store/accounts.py`` after a password check (an officer's own password change, first login):
        the writes of this block are that officer's."""
        self._acting_stack.append(name)
        try:
            yield name
        finally:
            self._acting_stack.pop()

    def _acting(self, officer: str | None) -> str:
        """The actor of a write: the ``acting_as_system`` block, else the logged-in officer, else (a station
        without accounts) the name given. ``officer`` is a claim checked against that, never trusted."""
        if self._acting_stack:
            actor = self._acting_stack[-1]
            if officer is not None and officer != actor and officer != self.session:
                raise PermissionDenied("Không được ghi nhân danh người khác.", "A write cannot name someone else.")
            return actor
        if officer is not None and permissions.is_system_actor(officer):
            raise PermissionDenied("Tài khoản hệ thống chỉ dành cho chính phần mềm.",
                                   "System actors are reserved to the program's own paths.")
        bound = self.session
        if bound is not None:
            if officer is not None and officer != bound:
                raise PermissionDenied(
                    "Chỉ được ghi nhân danh cán bộ đang đăng nhập.",
                    "A write can only be made as the officer who is logged in.")
            row = self.conn.execute("SELECT active, must_change FROM accounts WHERE username = ?",
                                    (bound,)).fetchone()
            if row is None or not row["active"]:
                raise PermissionDenied("Tài khoản đang đăng nhập đã bị khóa.",
                                       "The logged-in account has been disabled.")
            if row["must_change"]:
                raise PermissionDenied("Cần đổi mật khẩu trước khi làm việc.",
                                       "The password must be changed before working.")
            return bound
        if self.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None:
            return officer or SETUP_ACTOR
        raise PermissionDenied(
            "Cần đăng nhập để ghi dữ liệu (dòng lệnh: --user TÊN --password-stdin).",
            "Writing needs an officer to log in (command line: --user NAME --password-stdin).")

    def authorize(self, action: permissions.Action | None, officer: str | None = None) -> str:
        """Refuse ``action`` (a head-only action, or None for anything any officer may do) unless the acting
        officer (``_acting``: the logged-in one; ``officer`` only a claim checked against it) is an active station
        head, a system actor, or the station has no account yet (domain/permissions.py). Returns the actor."""
        actor = self._acting(officer)
        self._check_role(action, actor)
        return actor

    def _check_province_only(self, kind: RecordKind, fields: set[str]) -> None:
        """A station never writes the province's fields (the investigation agency's answer): they arrive by sync,
        which does not come this way."""
        names = permissions.province_only_fields(kind.name, fields)
        if names:
            raise PermissionDenied(*permissions.province_only_refusal(names))

    def _check_role(self, action: permissions.Action | None, actor: str) -> None:
        """One indexed read, and only for head-only actions, so ordinary writes pay nothing."""
        if action is None or permissions.is_system_actor(actor):
            return
        row = self.conn.execute("SELECT role, active FROM accounts WHERE username = ?", (actor,)).fetchone()
        if row is None and self.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None:
            return
        if row is not None and row["active"] and row["role"] == "station_head":
            return
        vi, en = permissions.refusal(action)
        raise PermissionDenied(vi, en)

    # ------------------------------------- entry points for the write path's own modules (sync_ops, dossiers)
    def last_audit_hash(self) -> str:
        """The audit chain's last hash (for a write-path module carrying it through a transaction)."""
        return self._last_hash()

    def append_audit(self, kind: RecordKind, record_id: str, action: str, changes: dict[str, Any],
                     officer: str | None, at: str, change_id: str | None, rec_hash: str,
                     prev_hash: str | None = None) -> str:
        """Append an audit entry for a record write made by a write-path module (``sync_ops``, ``dossiers``).
        ``remote``: the province's state (or shipped reference data), attributed to ``officer`` as given — a name
        that is not an account (``sync``, ``sync:<origin>``, ``catalogue``). Any other action is the acting
        officer's (``officer`` is a claim checked like every write's). Returns the entry's hash."""
        if action == "remote":
            if officer not in REMOTE_ACTORS and not (officer or "").startswith(REMOTE_ACTORS[0] + ":"):
                raise PermissionDenied("Dữ liệu của tỉnh không được ghi nhân danh cán bộ.",
                                       "The province's data cannot be attributed to an officer.")
            actor = str(officer)
        else:
            actor = self._acting(officer)
        return self._audit(kind, record_id, action, changes, actor, at, change_id, rec_hash,
                           self._last_hash() if prev_hash is None else prev_hash)

    def audit_event(self, kind: str, subject: str, event: str, changes: dict[str, Any] | None = None, *,
                    create: bool = False) -> str:
        """Audit something that is not a record write: an account event (``kind`` "account", ``subject`` the
        username: created, password reset, disabled, failed login, lockout, recovery…) or a station event
        (``station``: a new recovery key, a restore, a re-key). Attributed to the acting officer (or the
        ``acting_as_system`` block). No outbox change; pushed to the province with the chain. ``changes`` never
        holds a password or a hash of one."""
        if kind not in EVENT_KINDS:
            raise ValueError(kind)
        actor = self._acting(None)
        with self.transaction():
            return self._event(kind, subject, "create" if create else "update",
                               {"event": [None, event]} | (changes or {}), actor)

    def _event(self, kind: str, subject: str, action: str, changes: dict[str, Any], actor: str) -> str:
        at = now_iso()
        changes_json = canonical_json(changes)
        state_hash = sha256_hex(f"{kind}\x1f{subject}\x1f{changes_json}")
        prev = self._last_hash()
        entry_hash = audit_entry_hash(prev, at, actor, kind, subject, action, changes_json, None, state_hash)
        self.conn.execute(
            "INSERT INTO audit(at, officer, kind, record_id, action, changes, change_id, record_hash, prev_hash, "
            "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor, kind, subject, action, changes_json, None, state_hash, prev, entry_hash))
        return entry_hash

    def base_version(self, kind: RecordKind, record_id: str, row: sqlite3.Row) -> int:
        """The province version a local change of this record is based on: its ``server_version``, or while a
        resync has set that to 0 and not yet re-pulled the record, the version the station knew before
        (``resync_bases``, kept only when the province's history is intact). 0: the province may not have it."""
        if row["server_version"]:
            return int(row["server_version"])
        kept = self.conn.execute("SELECT server_version FROM resync_bases WHERE kind = ? AND record_id = ?",
                                 (kind.name, record_id)).fetchone()
        return int(kept[0]) if kept else 0

    def derived_columns(self, kind: RecordKind, record_id: str, record: dict[str, Any],
                         old_row: sqlite3.Row | None) -> dict[str, Any]:
        """Store-maintained columns (folded search text) and index upkeep for kinds that have them.

        Part of the write path's public surface for its own modules (``sync_ops`` applying the province's state
        or an officer's conflict resolution): a module that writes a record row asks here for the columns the
        store derives from it, so the search columns and the person index stay the store's business. ``old_row``:
        the row as it was, when the record stays live (its index entry is replaced); None for a new or revived
        record (the caller adds the index entry) and for one being deleted. Call inside ``transaction()``."""
        if kind.table == "persons":
            hh_addr = None
            if record.get("household_id"):
                hh = self.conn.execute("SELECT address, hamlet FROM households WHERE id = ?",
                                       (record["household_id"],)).fetchone()
                if hh:
                    hh_addr = " ".join(p for p in (hh["address"], hh["hamlet"]) if p)
            cols = search.person_search_columns(record, hh_addr)
            if old_row is not None:
                search.fts_remove(self.conn, old_row["n"], dict(old_row))
                search.fts_add(self.conn, old_row["n"], cols)
            return dict(cols)
        if kind.table == "households":
            addr = search.household_search_addr(record)
            if old_row is not None and (old_row["address"] != record.get("address")
                                        or old_row["hamlet"] != record.get("hamlet")):
                full = " ".join(p for p in (record.get("address"), record.get("hamlet")) if p)
                search.reindex_household_members(self.conn, record_id, full)
            return {"search_addr": addr}
        return {}

    def cross_checks(self, kind: RecordKind, record: dict[str, Any], record_id: str | None) -> list[Problem]:
        """Rules that need other records (a personal ID already used, a household or person that does not exist).

        Only local writes run them — ``create``, ``update`` and an officer's conflict resolution (``sync_ops``),
        which is a local write too; pulled records are the province's and are taken as they come. Returns the
        problems (empty when the record passes)."""
        problems: list[Problem] = []
        if kind.name == "person" and record.get("personal_id"):
            dup = self.conn.execute(
                "SELECT full_name FROM persons WHERE personal_id = ? AND deleted = 0 AND id != ?",
                (record["personal_id"], record_id or "")).fetchone()
            # Refuse only a write that would make a duplicate (a new record, or an ID changed to a used one). A
            # record that already shares its ID (the same person made at two stations, synced down) stays
            # editable: the province lists it as a duplicate-person review item (store/duplicates.py).
            if dup and record_id is not None and self.conn.execute(
                    "SELECT 1 FROM persons WHERE id = ? AND personal_id = ?",
                    (record_id, record["personal_id"])).fetchone():
                dup = None
            if dup:
                problems.append(Problem(
                    "personal_id", "pid.duplicate",
                    f"Số định danh này đã được dùng cho nhân khẩu {dup[0]}.",
                    f"This personal ID number is already used by {dup[0]}."))
        for ref, table, vi, en in (("household_id", "households", "Hộ gia đình", "Household"),
                                   ("person_id", "persons", "Nhân khẩu", "Person"),
                                   ("head_id", "persons", "Chủ hộ", "Head of household")):
            if ref in kind.by_name and record.get(ref):
                ok = self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ? AND deleted = 0",
                                       (record[ref],)).fetchone()
                if not ok and table == "persons":  # a person merged into another still resolves (through its link)
                    ok = self.conn.execute("SELECT 1 FROM person_merges WHERE merged_id = ? AND deleted = 0",
                                           (record[ref],)).fetchone()
                if not ok:
                    problems.append(Problem(ref, "ref.missing", f"{vi} không tồn tại.", f"{en} does not exist."))
        return problems

    # --------------------------------------------------------------- internals
    def _check_local_write(self, kind: RecordKind) -> None:
        if kind.scope == "reference" or kind.province_only:
            raise StoreError(f"{kind.vi} là dữ liệu dùng chung của tỉnh; chỉ Công an tỉnh được thay đổi.",
                             f"{kind.en} is province reference data; only the province may change it.")

    def _create(self, kind: RecordKind, values: dict[str, Any], officer: str, record_id: str | None,
                prev_hash: str) -> dict[str, Any]:
        self._check_local_write(kind)
        # A dict lookup for most kinds; an account read only for the few head-only ones (a period report).
        self._check_role(permissions.head_only_action("create", kind.name), officer)
        clean, problems = kind.coerce(values)
        self._check_province_only(kind, {f for f, v in clean.items() if v not in (None, "")})
        record = kind.empty_record() | clean
        problems += kind.validate(record)
        problems += self.cross_checks(kind, record, None)
        if problems:
            raise ValidationError(problems)
        rid = record_id or new_id()
        now = now_iso()
        db_values = to_db(kind, record) | self.derived_columns(kind, rid, record, None)
        columns = ["id", *db_values, "created_at", "updated_at", "updated_by"]
        cur = self.conn.execute(
            f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (rid, *db_values.values(), now, now, officer))
        if kind.table == "persons":
            search.fts_add(self.conn, int(cur.lastrowid or 0),
                           {k: db_values[k] for k in ("search_name", "search_ids", "search_addr")})
        # A new record's change carries its non-empty fields only: absent means null for a record the province
        # does not have yet (docs/sync-protocol.md), and the nulls are bytes on a slow link.
        change_id = self._enqueue(kind, rid, "upsert", 0, {f: v for f, v in record.items() if v is not None},
                                  officer, now, new_record=True)
        diff = {f: [None, v] for f, v in record.items() if v is not None}
        audit_hash = self._audit(kind, rid, "create", diff, officer, now, change_id,
                                 record_hash(kind, rid, record, False), prev_hash)
        self.note_change(kind.name, rid, sync_state=True)
        return record | {"id": rid, "version": 1, "server_version": 0, "deleted": False, "created_at": now,
                         "updated_at": now, "updated_by": officer, "sync_state": "pending", "sync_note": None,
                         "_audit_hash": audit_hash}

    def _last_hash(self) -> str:
        row = self.conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else GENESIS_HASH

    def _audit(self, kind: RecordKind, record_id: str, action: str, changes: dict[str, Any], officer: str,
               at: str, change_id: str | None, rec_hash: str, prev_hash: str) -> str:
        changes_json = canonical_json(changes)
        entry_hash = audit_entry_hash(prev_hash, at, officer, kind.name, record_id, action, changes_json,
                                      change_id, rec_hash)
        self.conn.execute(
            "INSERT INTO audit(at, officer, kind, record_id, action, changes, change_id, record_hash, prev_hash, "
            "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, officer, kind.name, record_id, action, changes_json, change_id, rec_hash, prev_hash, entry_hash))
        return entry_hash

    def _enqueue(self, kind: RecordKind, record_id: str, op: str, base_version: int, payload: dict[str, Any],
                 officer: str, now: str, new_record: bool = False) -> str:
        """Append an outbox change, or fold an upsert into this record's change that has not left yet.

        Only an officer's own plain change takes a fold. An orphan copy (a record re-sent after a re-pull) is
        answered with the province's state when the province has the record, and a replay of a lost history is
        applied as it was then, unjudged: an edit folded into either would be dropped or escape conflict checks
        (bench/soak.py seed 5201: an officer's note folded into an orphan copy, acknowledged, gone)."""
        if op == "upsert" and not new_record:
            row = self.conn.execute(
                "SELECT seq, change_id, fields FROM outbox WHERE kind = ? AND record_id = ? AND state = 'pending' "
                "AND sent_at IS NULL AND op = 'upsert' AND resolves IS NULL AND orphan = 0 "
                "AND replay_version IS NULL AND replay_conflicted IS NULL ORDER BY seq DESC LIMIT 1",
                (kind.name, record_id)).fetchone()
            last = self.conn.execute("SELECT max(seq) FROM outbox WHERE kind = ? AND record_id = ?",
                                     (kind.name, record_id)).fetchone()[0]
            if row is not None and row["seq"] == last:
                merged = json.loads(row["fields"]) | payload
                self.conn.execute("UPDATE outbox SET fields = ? WHERE seq = ?",
                                  (canonical_json(merged), row["seq"]))
                return str(row["change_id"])
        change_id = new_change_id()
        self.conn.execute(
            "INSERT INTO outbox(change_id, kind, record_id, op, base_version, fields, created_at, officer) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (change_id, kind.name, record_id, op, base_version, canonical_json(payload), now, officer))
        return change_id
