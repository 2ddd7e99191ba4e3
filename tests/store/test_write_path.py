"""Every committed write has its audit entry and its outbox change (hypothesis over random operation sequences)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

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
