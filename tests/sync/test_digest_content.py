"""Divergence check, scheme 2 (docs/sync-protocol.md, "Divergence check"): the digest covers each record's full
state, so a drifted deleted flag or field value is found; only the buckets that differ are re-pulled; the repair
keeps pending local edits and is logged. Real server over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from province_server.exchange import content_digest_of
from station_client import wire as dg
from station_client.domain.units import communes
from station_client.store import sync_ops as ops
from station_client.store.audit import verify
from station_client.sync.enroll import build_engine
from tests.server.client import Station as RawStation
from tests.server.client import new_person
from tests.server.conftest import BACKENDS, db_url_for, pg_cluster  # noqa: F401 (fixture)
from tests.support.server import RunningServer, start_server

from .conftest import COMMUNE, FAST, FAST_TIMEOUTS, Station, add_people, make_station


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    srv = start_server(tmp_path, db_url_for(request.param, request), quiet=True)
    try:
        yield srv
    finally:
        srv.stop()


def province(server: RunningServer, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The province's current state of ``keys`` (admin API: the same on both backends)."""
    out = {}
    for kind, rid in keys:
        rec = server.admin_get_record(kind, rid)
        assert rec is not None
        out[(kind, rid)] = (rec["version"], rec["deleted"], {k: v for k, v in rec["fields"].items() if v is not None})
    return out


def local(station: Station, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    with station.open() as store:
        state = {(k, i): (v, d, {n: x for n, x in f.items() if x is not None})
                 for k, i, v, d, f in ops.iter_synced_state(store)}
    return {k: state[k] for k in keys}


def behind_sync(station: Station, sql: str, *args: Any) -> None:
    """Alter the station file directly, as a bug (or a tool) would: no outbox, no audit."""
    conn = sqlite3.connect(station.db)
    try:
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def setup_station(tmp_path: Path, server: RunningServer, n: int = 40) -> tuple[Station, list[str], str]:
    station = make_station(tmp_path, server, "s")
    with station.open() as store:
        people = add_people(store, n, seed=11)
        household = store.create("household", {"address": "Thôn 1", "head_id": people[0]}, officer="t")["id"]
    report = station.sync_until_clean()
    assert report.ok
    return station, people, household


def test_drifted_field_and_deleted_flag_are_found_and_only_their_buckets_repaired(
        tmp_path: Path, server: RunningServer) -> None:
    station, people, household = setup_station(tmp_path, server)
    noop = station.sync()
    assert noop.ok and noop.digest == "match" and noop.requests == 1
    target = people[3]
    # Drift the station never noticed: a field value and a deleted flag differ from the province; pending stays 0.
    behind_sync(station, "UPDATE persons SET occupation = 'Drifted' WHERE id = ?", target)
    behind_sync(station, "UPDATE households SET deleted = 1 WHERE id = ?", household)
    with station.open() as store:
        assert ops.pending_count(store) == 0
    report = station.sync()
    assert report.ok, report.summary()
    assert report.digest == "match"  # the last answer of the cycle: after the repair
    assert report.resyncs == []  # no full re-pull
    drifted = {dg.bucket_of("person", target), dg.bucket_of("household", household)}
    assert set(report.repair_buckets) == drifted
    all_keys = [("person", p) for p in people] + [("household", household)]
    in_buckets = [k for k in all_keys if dg.bucket_of(*k) in drifted]
    assert report.repair_pulled == len(in_buckets) < len(all_keys)  # only those buckets' records came down
    assert report.repaired == 2
    assert local(station, all_keys) == province(server, all_keys)
    with station.open() as store:
        assert store.get("household", household) is not None  # live again, as at the province
        last = json.loads(ops.get_state(store, ops.LAST_REPAIR) or "{}")
        assert last["repaired"] == 2 and sorted(last["buckets"]) == sorted(drifted) and last["en"]
        officers = {r[0] for r in store.conn.execute("SELECT officer FROM audit WHERE record_id IN (?, ?)",
                                                     (target, household))}
        assert "sync:digest-repair" in officers  # each repair is an audit entry
        assert verify(store.conn).ok
        assert ops.pending_count(store) == 0
    again = station.sync()
    assert again.ok and again.digest == "match" and again.requests == 1 and again.repair_buckets == []
    status = station.cli("sync", "status")
    assert "Repaired 2 records" in status.stdout, status.stdout + status.stderr
    with station.open() as store:  # what the Sync section shows
        engine = build_engine(store)
        try:
            assert "Repaired 2 records" in (engine.current_status().last_repair_en or "")
        finally:
            engine.client.close()
    # A new drift at the same province head is repaired by bucket again (not by a full re-pull).
    behind_sync(station, "UPDATE persons SET phone = '0999999999' WHERE id = ?", people[5])
    third = station.sync()
    assert third.ok and third.resyncs == [] and third.repair_buckets == [dg.bucket_of("person", people[5])]


def test_a_pending_local_edit_survives_a_repair(tmp_path: Path, server: RunningServer) -> None:
    station, people, _ = setup_station(tmp_path, server, n=10)
    target = people[1]
    behind_sync(station, "UPDATE persons SET occupation = 'Drifted', deleted = 0 WHERE id = ?", target)
    with station.open() as store:
        engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
        real = engine.client.digest_buckets

        def officer_saves_meanwhile(body: dict[str, Any]) -> dict[str, Any]:
            # The officer saves an edit of the same resident between the digest answer and the re-pull.
            if ops.pending_count(store) == 0:
                store.update("person", target, {"phone": "0912345678"}, officer="canbo1")
            return real(body)

        engine.client.digest_buckets = officer_saves_meanwhile  # type: ignore[method-assign]
        try:
            report = engine.run_once()
        finally:
            engine.client.close()
        assert report.ok and report.repaired == 1, report.summary()
        row = store.get("person", target)
        assert row["phone"] == "0912345678" and row["occupation"] != "Drifted"
        assert ops.pending_count(store) == 0  # the edit was pushed in the same cycle
    remote = server.admin_get_record("person", target)
    assert remote is not None and remote["fields"]["phone"] == "0912345678"
    assert remote["fields"]["occupation"] != "Drifted"
    keys = [("person", p) for p in people]
    assert local(station, keys) == province(server, keys)
    assert station.sync().digest == "match"


def test_a_version_drift_and_a_record_the_province_lacks(tmp_path: Path, server: RunningServer) -> None:
    station, people, _ = setup_station(tmp_path, server, n=8)
    behind_sync(station, "UPDATE persons SET server_version = 9 WHERE id = ?", people[0])
    # A record the station believes the province has (acknowledged) but the province never stored.
    with station.open() as store:
        ghost = store.create("person", {"full_name": "Nguyễn Văn Ma", "birth_date": "1990-01-02", "sex": "M",
                                        "personal_id": "022090001234"}, officer="t")["id"]
        store.conn.execute("UPDATE outbox SET state = 'acked' WHERE record_id = ?", (ghost,))
        store.conn.execute("UPDATE persons SET server_version = 1, sync_state = 'synced' WHERE id = ?", (ghost,))
    report = station.sync()
    assert report.ok and report.resyncs == [], report.summary()
    assert report.applied.acked == 1  # the ghost was queued again and sent
    assert server.admin_get_record("person", ghost) is not None
    keys = [("person", p) for p in [*people, ghost]]
    assert local(station, keys) == province(server, keys)
    assert station.sync().digest == "match"


def test_the_server_answers_both_schemes_and_pages_a_bucket(server: RunningServer) -> None:
    st = RawStation.enroll(server, COMMUNE)
    batch = [new_person() for _ in range(30)]
    assert st.push(batch) == [1] * 30
    st.pull_all()
    state = [("person", c["id"], 1, False, c["fields"]) for c in batch]
    buckets = content_digest_of(state)
    count, total = dg.total((b, c, s) for b, (c, s) in buckets.items())
    good = {"scheme": 2, "count": count, "sum": total, "kinds": dg.fingerprint()}
    assert st.sync(digest=good)["digest"] == "match"
    answer = st.sync(digest=good | {"sum": "0" * 16})
    assert answer["digest"] == "mismatch"
    assert {b: (c, int(s, 16)) for b, c, s in answer["digest_buckets"]} == buckets
    # Another version of the record kinds: not comparable, so not a mismatch to repair.
    assert st.sync(digest=good | {"sum": "0" * 16, "kinds": "f" * 16})["digest"] == "skipped"
    # Scheme 1 (a station enrolled before scheme 2) is still answered, without buckets.
    old = st.sync(digest={"count": 30, "sum": "0" * 16})
    assert old["digest"] == "mismatch" and "digest_buckets" not in old
    # The repair feed: only the named buckets' records, paged by key, nothing twice.
    wanted = sorted(buckets)[:5]
    expect = sorted(("person", c["id"]) for c in batch if dg.bucket_of("person", c["id"]) in wanted)
    got: list[tuple[str, str]] = []
    after = None
    while True:
        r = st.post("/v1/digest/buckets", {"buckets": wanted, "after": after, "limit": 2})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["records"]) <= 2
        got += [(x["kind"], x["id"]) for x in page["records"]]
        assert all(x["version"] == 1 and x["deleted"] is False for x in page["records"])
        after = page["next"]
        if after is None:
            break
    assert got == expect
    # Another commune's records never come down a repair.
    other = RawStation.enroll(server, next(c for c in sorted(communes()) if c != COMMUNE))
    r = other.post("/v1/digest/buckets", {"buckets": list(range(256))})
    assert r.status_code == 200 and r.json()["records"] == []
    assert st.post("/v1/digest/buckets", {"buckets": [1], "limit": 0}).status_code == 422


def test_every_kind_hashes_alike_at_station_and_province(tmp_path: Path, server: RunningServer) -> None:
    """No false mismatch: records of every commune kind (dates, datetimes, booleans, numbers, JSON fields) made
    at a station, pulled by another, and edited at the province give the same digest on both sides."""
    from station_client.commands.demo import seed_workload
    from station_client.synthetic import populate

    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        populate(store, 150, seed=3, officer="a1")
        made = seed_workload(store, "a1")
    assert made > 5
    a.sync_until_clean()
    first = a.sync()
    assert first.ok and first.digest == "match" and first.repair_buckets == [] and first.resyncs == []
    b = make_station(tmp_path, server, "b")  # pulls everything A made
    b.sync_until_clean()
    with b.open() as store:
        kinds = {k for k, *_ in ops.iter_synced_state(store)}
        dossier = store.conn.execute("SELECT id FROM dossiers LIMIT 1").fetchone()[0]
    assert {"person", "household", "household_member", "residence", "dossier", "crime_report"} <= kinds
    server.admin_put_record("dossier", dossier, {"note": "Tỉnh ghi chú", "sets": 2})
    for station in (a, b):
        report = station.sync()
        assert report.ok and report.repair_buckets == [] and report.resyncs == [], report.summary()
        again = station.sync()
        assert again.digest == "match" and again.requests == 1


def test_a_province_older_than_scheme_2_still_syncs(tmp_path: Path, server: RunningServer) -> None:
    """Rolled out in the wrong order (stations before the province): the old province's 422 on the unknown
    digest members costs one request, then the station syncs without the divergence check."""
    from station_client.sync.errors import BadRequest

    station = make_station(tmp_path, server, "s")
    with station.open() as store:
        add_people(store, 3, seed=5)
        engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
        real = engine.client.exchange

        def old_province(body: dict[str, Any]) -> dict[str, Any]:
            if "scheme" in (body.get("digest") or {}):
                raise BadRequest("", "body.invalid", code="body.invalid")
            return real(body)

        engine.client.exchange = old_province  # type: ignore[method-assign]
        try:
            first = engine.run_once()
            second = engine.run_once()  # its digest refused once, then the same request without it
            third = engine.run_once()
        finally:
            engine.client.close()
        assert first.ok and first.applied.acked == 3, first.summary()
        assert second.ok and second.digest is None and second.requests == 2, second
        assert third.ok and third.requests == 1
        assert ops.pending_count(store) == 0
