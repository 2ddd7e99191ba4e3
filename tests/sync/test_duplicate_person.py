"""The same person created at two stations of one commune (docs/sync-protocol.md, "Duplicate persons"): the
province lists it as a review item both stations pull; edits of either record keep syncing; a merge keeps one
record and links the other with nothing lost; both stations converge. Real server over HTTP, SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from province_server.duplicates import review_id
from station_client.domain.problems import ValidationError
from station_client.store import duplicates
from station_client.store import sync_ops as ops
from station_client.store.audit import verify
from station_client.sync.enroll import build_engine
from station_client.synthetic import Generator
from tests.server.conftest import BACKENDS, db_url_for, pg_cluster  # noqa: F401 (fixture)
from tests.support.server import RunningServer, start_server

from .conftest import COMMUNE, Station, make_station


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    srv = start_server(tmp_path, db_url_for(request.param, request), quiet=True)
    try:
        yield srv
    finally:
        srv.stop()


def synced(station: Station) -> dict[tuple[str, str], Any]:
    with station.open() as store:
        assert ops.pending_count(store) == 0
        return {(k, i): (v, d, {n: x for n, x in f.items() if x is not None})
                for k, i, v, d, f in ops.iter_synced_state(store)}


def province_matches(server: RunningServer, state: dict[tuple[str, str], Any]) -> None:
    for (kind, rid), (version, deleted, fields) in state.items():
        rec = server.admin_get_record(kind, rid)
        assert rec is not None, (kind, rid)
        assert (rec["version"], rec["deleted"], {k: v for k, v in rec["fields"].items() if v is not None}) == (
            version, deleted, fields), (kind, rid)


def sync_all(*stations: Station) -> None:
    for _ in range(2):
        for s in stations:
            assert s.sync_until_clean().ok


def two_stations_one_person(tmp_path: Path, server: RunningServer) -> tuple[Station, Station, str, str, str]:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    person = next(iter(Generator(5, today=date(2000, 12, 31)).people(1)))
    person.pop("id")
    with a.open() as store:
        x = store.create("person", person | {"phone": "0911111111", "occupation": None}, officer="a1")["id"]
    with b.open() as store:  # offline from A: B records the same resident again, with other details
        y = store.create("person", person | {"phone": "0922222222", "occupation": "Thợ mộc",
                                             "note": "Khai tại trạm B"}, officer="b1")["id"]
    sync_all(a, b)
    return a, b, x, y, str(person["personal_id"])


def test_a_duplicate_becomes_a_review_item_both_stations_see_and_edits_keep_syncing(
        tmp_path: Path, server: RunningServer) -> None:
    a, b, x, y, pid = two_stations_one_person(tmp_path, server)
    for station in (a, b):
        with station.open() as store:
            (item,) = duplicates.list_review_items(store)
            assert item.id == review_id(COMMUNE, pid) and item.status == "open"
            assert sorted(item.person_ids) == sorted([x, y]) and {p["id"] for p in item.persons} == {x, y}
            # Both records are held, with the same ID, and neither is refused an edit.
            store.update("person", x if station is a else y, {"religion": "Phật giáo"}, officer="o")
            store.update("person", y if station is a else x, {"ethnicity": "Kinh"}, officer="o")
            # A new record with that ID is still refused: only a duplicate already known is tolerated.
            with pytest.raises(ValidationError):
                store.create("person", {k: v for k, v in store.get("person", x).items()
                                        if k in ("full_name", "birth_date", "sex", "personal_id")}, officer="o")
    sync_all(a, b)
    state = synced(a)
    assert state == synced(b)
    province_matches(server, state)
    assert state[("person", x)][2]["religion"] == "Phật giáo" and state[("person", y)][2]["ethnicity"] == "Kinh"
    listed = b.cli("duplicates")
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["personal_id"] == pid
    (at_province,) = json.loads(server.cli("duplicates", "list").stdout)
    assert at_province["id"] == review_id(COMMUNE, pid) and sorted(at_province["person_ids"]) == sorted([x, y])
    assert server.cli("duplicates", "scan").stdout.startswith("0 ")  # nothing left unlisted
    api = server.admin("GET", "/v1/admin/duplicates", params={"commune_code": COMMUNE})
    assert api.status_code == 200 and [i["id"] for i in api.json()] == [at_province["id"]]
    # A station of an older version (scheme-1 digest, no review-item kinds) still matches: scheme 1 leaves the
    # kinds it does not know out.
    with a.open() as store:
        engine = build_engine(store)
        try:
            pos = ops.position(store)
            answer = engine.client.exchange({"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor, "changes": [],
                                             "digest": ops.compute_digest_v1(store)})
        finally:
            engine.client.close()
    assert answer["digest"] == "match" and "digest_buckets" not in answer
    assert_status_duplicates(b, 1)


def assert_status_duplicates(station: Station, n: int) -> None:
    """The Sync section's status line counts the open review items."""
    with station.open() as store:
        engine = build_engine(store)
        try:
            assert engine.current_status().duplicates == n
        finally:
            engine.client.close()


def test_a_merge_keeps_one_links_the_other_and_both_stations_converge(tmp_path: Path, server: RunningServer) -> None:
    a, b, x, y, pid = two_stations_one_person(tmp_path, server)
    # B files work against its record: a household headed by it, a membership and a residence.
    with b.open() as store:
        hh = store.create("household", {"address": "Thôn 2", "head_id": y}, officer="b1")["id"]
        member = store.create("household_member", {"household_id": hh, "person_id": y, "relationship": "head"},
                              officer="b1")["id"]
        res = store.create("residence", {"person_id": y, "type": "permanent", "address": "Thôn 2",
                                         "start_date": "2020-01-01"}, officer="b1")["id"]
        y_before = {k: v for k, v in store.get("person", y).items() if k in store.get("person", y)}
    sync_all(b, a)
    rid = review_id(COMMUNE, pid)
    merged = a.cli("duplicates", "merge", rid, "--keep", x, "--officer", "truong")
    assert merged.returncode == 0, merged.stderr
    # Meanwhile B, not yet aware, records another residence of its own record.
    with b.open() as store:
        late = store.create("residence", {"person_id": y, "type": "stay", "address": "Nhà nghỉ",
                                          "start_date": "2024-05-01"}, officer="b1")["id"]
    sync_all(a, b)
    state = synced(a)
    assert state == synced(b)
    province_matches(server, state)
    for station in (a, b):
        with station.open() as store:
            assert duplicates.list_review_items(store) == []
            (item,) = duplicates.list_review_items(store, "merged")
            assert item.kept_id == x and item.merged_ids == [y]
            kept = store.get("person", x)
            assert store.get("person", y) is None and store.get("person", y, include_deleted=True)["deleted"]
            # Nothing lost: the empty field was filled, the differing value and B's note are in the kept note,
            # and the merge record holds the merged-away record whole.
            assert kept["occupation"] == "Thợ mộc" and kept["phone"] == "0911111111"
            assert "0922222222" in kept["note"] and "Khai tại trạm B" in kept["note"]
            link = store.find_one("person_merge", merged_id=y)
            assert link is not None and link["kept_id"] == x and link["review_id"] == rid
            assert link["merged_record"]["phone"] == "0922222222"
            assert all(link["merged_record"][k] == v for k, v in y_before.items()
                       if k in link["merged_record"] and v is not None)
            # References made before the merge now point at the kept person.
            assert store.get("household", hh)["head_id"] == x
            assert store.get("household_member", member)["person_id"] == x
            assert store.get("residence", res)["person_id"] == x
            # One made elsewhere meanwhile still resolves (through the link) and stays editable.
            assert store.get("residence", late)["person_id"] == y
            assert duplicates.current_person_id(store, y) == x
            assert verify(store.conn).ok
    assert_status_duplicates(b, 0)
    with b.open() as store:
        store.update("residence", late, {"reason": "Công tác"}, officer="b1")
    sync_all(b, a)
    assert synced(a) == synced(b)
    with a.open() as store:
        assert store.get("residence", late)["reason"] == "Công tác"
        assert a.sync().digest == "match"


def test_an_upgraded_province_fills_its_digest_and_person_index(tmp_path: Path, server: RunningServer) -> None:
    """A province database from before schema 0003/0004 (records held, no bucket sums, no person index) is
    filled by ``province-server migrate``: stations still match, and the duplicate already held stays listed."""
    from sqlalchemy import text

    from province_server.db import Database

    a, b, x, y, pid = two_stations_one_person(tmp_path, server)
    server.stop()
    db = Database(server.db_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE digest_buckets"))
            # (0004 makes the person table that 0011 replaces with this column)
            conn.execute(text("DROP INDEX ix_records_person_id"))
            conn.execute(text("ALTER TABLE records DROP COLUMN person_id"))
            # and what the later restore-recovery revision (0005) added, so that 0003.. run again from 0002
            conn.execute(text("DROP TABLE deferred_changes"))
            conn.execute(text("ALTER TABLE history DROP COLUMN replay_epoch"))
            # and the console's revision (0006)
            for table in ("staff", "staff_sessions", "staff_audit"):
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("ALTER TABLE stations DROP COLUMN app_version"))
            # and the receipt keys' (0007): the stations get new keys at their next sync
            conn.execute(text("ALTER TABLE stations DROP COLUMN receipt_key"))
            # and the record indexes' (0008)
            conn.execute(text("DROP INDEX ix_records_scope_updated"))
            conn.execute(text("DROP INDEX ix_records_scope_status"))
            # and the leaner write indexes' (0009): the indexes it dropped were there at 0002
            conn.execute(text("CREATE INDEX ix_records_commune_code ON records (commune_code)"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    finally:
        db.dispose()
    done = server.cli("migrate")
    assert "0002 -> " in done.stdout, done.stdout + done.stderr
    server.restart()
    for station in (a, b):
        report = station.sync()
        assert report.ok and report.digest == "match" and report.repair_buckets == [], report.summary()
    assert server.cli("duplicates", "scan").stdout.startswith("0 ")
    (item,) = json.loads(server.cli("duplicates", "list").stdout)
    assert sorted(item["person_ids"]) == sorted([x, y]) and item["personal_id"] == pid
    with a.open() as store:  # the index knows both: deleting one closes the item
        store.delete("person", y, officer="a1")
    sync_all(a, b)
    assert json.loads(server.cli("duplicates", "list").stdout) == []
    with b.open() as store:
        (closed,) = duplicates.list_review_items(store, "closed")
        assert closed.id == item["id"]
