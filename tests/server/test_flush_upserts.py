"""The push's writes as upserts (digest tables, records) and the one-statement reads, on both backends: the
digests the province keeps stay exactly those of its records, and the sums wrap mod 2^64 in SQL as in Python."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import literal, select

from province_server import schema
from province_server.db import Database, hex64_add
from province_server.exchange import commune_buckets, commune_digest, content_digest_of, digest_of
from station_client.domain.registry import KINDS
from station_client.wire import counted, counted_v1
from tests.support.server import RunningServer

from .client import Station, change, new_person, person_fields

EDGES = ["0000000000000000", "0000000000000001", "7fffffffffffffff", "8000000000000000", "ffffffffffffffff",
         "fffffffffffffffe", "123456789abcdef0"]


def test_hex64_add_wraps_like_python(server: RunningServer) -> None:
    rng = random.Random(11)
    values = EDGES + [f"{rng.getrandbits(64):016x}" for _ in range(30)]
    pairs = [(a, b) for a in EDGES for b in EDGES] + list(zip(values, reversed(values), strict=True))
    db = Database(server.db_url)
    try:
        with db.read() as conn:
            for a, b in pairs:
                got = conn.execute(select(hex64_add(literal(a), literal(b)))).scalar_one()
                assert got == f"{(int(a, 16) + int(b, 16)) % 2**64:016x}", (a, b)
    finally:
        db.dispose()


def _province_state(db: Database, commune: str) -> list[tuple[str, str, int, bool, dict]]:
    r = schema.records
    with db.read() as conn:
        return [(k, i, v, bool(d), json.loads(f)) for k, i, v, d, f in conn.execute(
            select(r.c.kind, r.c.id, r.c.version, r.c.deleted, r.c.fields).where(r.c.commune_code == commune))]


def test_digests_follow_the_records_through_new_edits_and_deletes(server: RunningServer,
                                                                   new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    rng = random.Random(5)
    first = [change("person", str(uuid.uuid4()), person_fields(rng)) for _ in range(40)]
    assert all(isinstance(v, int) for v in a.push(first))
    versions = {c["id"]: 1 for c in first}
    # new and changed records in one push (the records upsert), then edits and deletes from the other station
    mixed = [change("person", c["id"], {"note": "sửa"}, base_version=1) for c in first[:10]]
    mixed += [change("person", str(uuid.uuid4()), person_fields(rng)) for _ in range(10)]
    results = a.push(mixed)
    assert all(isinstance(v, int) for v in results)
    versions.update({c["id"]: v for c, v in zip(mixed, results, strict=True)})
    b.pull_all()
    later = [change("person", c["id"], {}, base_version=versions[c["id"]], op="delete") for c in first[10:15]]
    later += [change("person", c["id"], {"phone": "0912345678"}, base_version=versions[c["id"]])
              for c in first[15:25]]
    for res in b.push(later):
        assert isinstance(res, int) or res["status"] == "applied", res

    db = Database(server.db_url)
    try:
        state = _province_state(db, commune)
        assert len(state) == 50 and sum(1 for s in state if s[3]) == 5
        assert {i: v for _, i, v, _, _ in state if i in versions and i not in {c["id"] for c in later}} == \
            {i: v for i, v in versions.items() if i not in {c["id"] for c in later}}
        kept = [s for s in state if counted(KINDS[s[0]])]
        want_buckets = content_digest_of(kept)
        want_v1 = digest_of([(k, i, v) for k, i, v, _, _ in kept if counted_v1(KINDS[k])])
        with db.read() as conn:
            got_buckets = commune_buckets(conn, commune)
            got_v1 = commune_digest(conn, commune)
        assert got_buckets == {b_: cs for b_, cs in want_buckets.items() if cs[0] or cs[1]}
        assert got_v1 == want_v1
    finally:
        db.dispose()


def test_duplicate_person_review_from_the_one_statement_read(server: RunningServer,
                                                             new_commune: Callable[[], str]) -> None:
    """The person index's delete-returning and the combined read of index rows and review items: a duplicate
    opens an item, a changed ID closes it, in the same push that causes it."""
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    pid_fields = person_fields(random.Random(8))
    one, two = new_person(**pid_fields), new_person(**pid_fields)
    assert isinstance(a.push([one])[0], int)
    assert isinstance(b.push([two])[0], int)
    items = [e for e in a.pull_all() if e["kind"] == "duplicate_person"]
    assert len(items) == 1 and items[0]["fields"]["status"] == "open"
    assert sorted(items[0]["fields"]["person_ids"]) == sorted([one["id"], two["id"]])
    other = person_fields(random.Random(9))
    assert other["personal_id"] != pid_fields["personal_id"]
    res = b.push([change("person", two["id"], other, base_version=1)])
    assert isinstance(res[0], int) or res[0]["status"] == "applied", res
    items = [e for e in a.pull_all() if e["kind"] == "duplicate_person"]
    assert items[-1]["fields"]["status"] == "closed"


@pytest.mark.parametrize("n", [1, 3])
def test_a_resent_push_is_answered_duplicate(server: RunningServer, new_commune: Callable[[], str], n: int) -> None:
    """The records upsert never applies a change twice: the dedupe read inside the lock still answers a re-sent
    batch, and the versions stay those of the first apply."""
    st = Station.enroll(server, new_commune())
    batch = [new_person() for _ in range(n)]
    first = st.push(batch)
    again = st.push(batch)
    assert [r["status"] for r in again] == ["duplicate"] * n
    assert [r["version"] for r in again] == first


def test_fetch_reads_as_sqlalchemy_does(server: RunningServer) -> None:
    """``rows.fetch`` (raw $n SQL on PostgreSQL) answers what SQLAlchemy's own execution of the same statement
    answers: list parameters of every length (none included), a list and literals written in the statement, the
    same statement name with other lengths later, RETURNING, and a database error raised as SQLAlchemy's."""
    from sqlalchemy import String, bindparam, union_all
    from sqlalchemy.exc import IntegrityError

    from province_server.rows import fetch

    m = schema.meta
    db = Database(server.db_url)
    keys = [f"test.fetch.{uuid.uuid4().hex[:8]}.{i}" for i in range(5)]

    def build() -> object:
        mine = select(literal("k", String).label("tag"), m.c.key, m.c.value).where(
            m.c.key.in_(bindparam("keys", expanding=True)), m.c.value != bindparam("not"))
        fixed = select(literal("e", String), m.c.key, m.c.value).where(m.c.key.in_(["epoch", "no.such.key"]))
        return union_all(mine, fixed)

    try:
        with db.write() as conn:
            conn.execute(m.insert(), [{"key": k, "value": f"v{i}"} for i, k in enumerate(keys)])
        with db.read() as conn:
            for n in (0, 1, 3, 5, 2, 0):
                params = {"keys": keys[:n], "not": "v1"}
                got = sorted(fetch(conn, "test.fetch", build, params))
                assert got == sorted(tuple(row) for row in conn.execute(build(), params))  # type: ignore[arg-type]
                assert [k for tag, k, _ in got if tag == "k"] == sorted(k for k in keys[:n] if k != keys[1])
                assert [k for tag, k, _ in got if tag == "e"] == ["epoch"]
        with db.write() as conn:
            gone = fetch(conn, "test.fetch.delete", lambda: m.delete().where(
                m.c.key.in_(bindparam("keys", expanding=True))).returning(m.c.key), {"keys": keys[3:]})
            assert sorted(k for (k,) in gone) == sorted(keys[3:])
        with pytest.raises(IntegrityError), db.write() as conn:
            fetch(conn, "test.fetch.insert", lambda: m.insert().values(key=bindparam("k"), value="x").returning(
                m.c.key), {"k": keys[0]})
        with db.read() as conn:  # the failed insert took nothing with it; the pool's connection still works
            assert len(fetch(conn, "test.fetch", build, {"keys": keys, "not": ""})) == 3 + 1
    finally:
        with db.write() as conn:
            conn.execute(m.delete().where(m.c.key.in_(keys)))
        db.dispose()
