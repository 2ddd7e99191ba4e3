"""Every committed write has its audit entry and its outbox change (hypothesis over random operation sequences)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station_client.domain.problems import ValidationError
from station_client.store import RecordNotFound, Store
from station_client.store.audit import verify
from station_client.synthetic import Generator

OFFICERS = ("dung", "hoa", "truong-cong-an")

operation = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(OFFICERS)),
    st.tuples(st.just("update"), st.integers(0, 50), st.sampled_from(("phone", "note", "occupation", "bad_id")),
              st.sampled_from(OFFICERS)),
    st.tuples(st.just("delete"), st.integers(0, 50), st.sampled_from(OFFICERS)),
    st.tuples(st.just("sent"), st.integers(0, 50)),  # the sync engine picks a change up: no more folding into it
)


def replay_audit(store: Store) -> dict[str, dict]:
    """Rebuild every record's fields from the audit trail alone."""
    state: dict[str, dict] = {}
    for row in store.conn.execute("SELECT record_id, action, changes FROM audit WHERE kind = 'person' ORDER BY seq"):
        fields = state.setdefault(row["record_id"], {})
        for name, (_before, after) in json.loads(row["changes"]).items():
            fields[name] = after
    return state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=40), seed=st.integers(0, 10_000))
def test_random_sequences_keep_record_audit_and_outbox_together(ops, seed):
    gen = Generator(seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "station.db")
        ids: list[str] = []
        expected_writes = 0
        for op in ops:
            try:
                if op[0] == "create":
                    values = gen.person()
                    values.pop("id")
                    ids.append(store.create("person", values, officer=op[1])["id"])
                    expected_writes += 1
                elif op[0] == "update" and ids:
                    rid = ids[op[1] % len(ids)]
                    value = {"phone": f"09{seed:08d}", "note": f"ghi chú {op[1]}", "occupation": "Giáo viên",
                             "bad_id": None}[op[2]]
                    changes = {"personal_id": "12345"} if op[2] == "bad_id" else {op[2]: value}
                    before = store.get("person", rid)
                    after = store.update("person", rid, changes, officer=op[3])
                    expected_writes += int(after["version"] != before["version"])
                elif op[0] == "delete" and ids:
                    store.delete("person", ids[op[1] % len(ids)], officer=op[2])
                    expected_writes += 1
                elif op[0] == "sent" and ids:
                    with store.transaction():
                        store.conn.execute("UPDATE outbox SET sent_at = 'now' WHERE sent_at IS NULL")
            except (ValidationError, RecordNotFound):
                pass  # rejected writes must leave no trace: checked below
        audit_rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        assert audit_rows == expected_writes
        report = verify(store.conn)
        assert report.ok, report.findings
        # The audit alone reproduces every record's current fields.
        rebuilt = replay_audit(store)
        for rid in ids:
            row = store.get("person", rid, include_deleted=True)
            for name, value in rebuilt[rid].items():
                if name != "deleted":
                    assert row[name] == value
        # Folding the outbox changes of each record, in order, gives its current state.
        for rid in set(ids):
            row = store.get("person", rid, include_deleted=True)
            shipped: dict = {}
            deleted = False
            for change in store.conn.execute(
                    "SELECT op, fields FROM outbox WHERE record_id = ? ORDER BY seq", (rid,)):
                if change["op"] == "delete":
                    deleted = True
                else:
                    shipped |= json.loads(change["fields"])
            assert deleted == row["deleted"]
            for name, value in shipped.items():
                assert row[name] == value
            assert row["version"] >= 1 and row["sync_state"] == "pending"
        store.close()


def test_rejected_write_leaves_nothing(store):
    gen = Generator(1)
    values = gen.person()
    values.pop("id")
    values["personal_id"] = "99"
    try:
        store.create("person", values, officer="dung")
    except ValidationError as exc:
        assert exc.by_field()["personal_id"]
    for table in ("persons", "audit", "outbox"):
        assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_audit_records_field_level_before_and_after(store):
    gen = Generator(2)
    values = gen.person()
    values.pop("id")
    rid = store.create("person", values, officer="dung")["id"]
    store.update("person", rid, {"phone": "0987654321", "occupation": values["occupation"]}, officer="hoa")
    row = store.conn.execute("SELECT officer, action, changes FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert row["officer"] == "hoa" and row["action"] == "update"
    assert json.loads(row["changes"]) == {"phone": [values["phone"], "0987654321"]}
    record = store.get("person", rid)
    assert record["updated_by"] == "hoa" and record["version"] == 2


# ------------------------------------------------------------------------------------ the one write path
STORE_DIR = Path(__file__).resolve().parents[2] / "station_client"
_WRITE = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"'`]?"
                    r"(\{[^}]+\}|\w+)", re.IGNORECASE)
RECORD = "<record table>"
# Who may write which protected table. Records, audit and outbox: the store's write path and the modules that
# carry it for the province's state (the sync_ops package: a record's sync state, push results, remote apply,
# resync and repair, conflicts; dossiers: shipped reference data) and the search columns (search.py); accounts:
# store/accounts.py; settings: the store's set_setting.
ALLOWED: dict[str, set[str]] = {
    "store/store.py": {RECORD, "audit", "outbox", "settings"},
    "store/sync_ops/state.py": {RECORD, "outbox"},
    "store/sync_ops/results.py": {RECORD, "outbox"},
    "store/sync_ops/remote.py": {RECORD},
    "store/sync_ops/resync.py": {RECORD, "outbox"},
    "store/sync_ops/conflicts.py": {RECORD, "outbox"},
    "store/dossiers.py": {RECORD},
    "store/search.py": {"persons"},
    "store/accounts.py": {"accounts"},
}


def _protected() -> dict[str, str]:
    from station_client.domain.registry import KINDS

    tables = {kind.table: RECORD for kind in KINDS.values()}
    return tables | {"audit": "audit", "outbox": "outbox", "accounts": "accounts", "settings": "settings",
                     "{kind.table}": RECORD}


def test_nothing_outside_the_write_path_writes_records_audit_outbox_accounts_or_settings() -> None:
    """Issue 13, defect 2: a module that writes the record, audit, outbox, accounts or settings tables outside
    the write path fails here (the SQL of every module, migrations aside: they make the tables)."""
    protected = _protected()
    found: list[str] = []
    for path in sorted(STORE_DIR.rglob("*.py")):
        rel = path.relative_to(STORE_DIR).as_posix()
        if rel.startswith("store/migrations/"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in _WRITE.finditer(text):
            table = match.group(1)
            what = protected.get(table) or (RECORD if table.startswith("{") else None)
            if what is None:
                continue
            allowed = ALLOWED.get(rel, set())
            if what not in allowed and table not in allowed:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{rel}:{line} writes {table}")
    assert not found, "writes outside the write path:\n" + "\n".join(found)
    # and nobody outside the store reaches for its private chain helpers
    private = [f"{p.relative_to(STORE_DIR).as_posix()}" for p in STORE_DIR.rglob("*.py")
               if p.name != "store.py" and re.search(r"\._(?:audit|last_hash|enqueue|derived_columns|cross_checks)\(",
                                                     p.read_text("utf-8"))]
    assert not private, private


def test_an_authorizer_sees_only_write_path_modules_write_protected_tables(tmp_path: Path) -> None:
    """The same rule, at run time: SQLite tells which table each statement writes; the innermost station_client
    frame says which module runs it. A day of work (records, accounts, settings, a conflict, reference data)."""
    import inspect
    import sqlite3 as stdlib

    from station_client.store import accounts as acc
    from station_client.store.dossiers import ensure_reference_data

    protected = _protected()
    seen: set[tuple[str, str]] = set()

    def authorizer(action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
        if action in (stdlib.SQLITE_INSERT, stdlib.SQLITE_UPDATE, stdlib.SQLITE_DELETE) and arg1 in protected:
            for frame in inspect.stack()[1:]:
                name = Path(frame.filename).resolve()
                if STORE_DIR in name.parents:
                    seen.add((name.relative_to(STORE_DIR).as_posix(), arg1))
                    break
        return stdlib.SQLITE_OK

    with Store.open(tmp_path / "station.db") as store:
        store.conn.set_authorizer(authorizer)
        ensure_reference_data(store)
        acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025")
        acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass")
        acc.reset_password(store, "canbo1", "moimoi2025x")
        with pytest.raises(acc.AuthError):
            acc.verify(store, "canbo1", "wrong-pass1")
        store.set_setting("sync.server_url", "https://tinh.example.vn")
        values = Generator(4).person()
        values.pop("id")
        rid = store.create("person", values)["id"]
        store.update("person", rid, {"occupation": "Giáo viên"})
        store.delete("person", rid)
        store.conn.set_authorizer(None)
        assert verify(store.conn).ok
    bad = {(module, table) for module, table in seen
           if protected[table] not in ALLOWED.get(module, set()) and table not in ALLOWED.get(module, set())}
    assert not bad, bad
    assert ("store/store.py", "audit") in seen and ("store/accounts.py", "accounts") in seen
