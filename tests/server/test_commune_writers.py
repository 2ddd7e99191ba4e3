"""Pushes of different communes apply side by side on PostgreSQL (``Database.write`` with ``commune``), and a
push that meets what another commune's concurrent push wrote is judged again alone, exactly as if the two had
been serialized: nothing is overwritten, nothing applied twice.

Each test holds one commune's push open inside its transaction (written, not committed) while another commune's
push runs in a thread: the second must wait on the first's row, then, once the first commits, be retried under
the exclusive lock and answered as it would have been after it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from province_server import schema
from province_server.db import Database
from province_server.exchange import Actor, _apply, apply_changes, epoch_info, prepare
from province_server.models import ChangeIn
from tests.support.postgres import PostgresCluster

from .client import change, person_fields

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_cluster: PostgresCluster) -> Iterator[Database]:
    d = Database(pg_cluster.new_database())
    d.check_schema()
    yield d
    d.dispose()


def _while_held(db: Database, first: Actor, first_changes: list[dict[str, Any]], second: Actor,
                second_changes: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """``first``'s push written and held uncommitted while ``second``'s runs; returns both answers."""
    answers: list[Any] = []
    with db.write(commune=first.commune_code) as conn:
        mine = _apply(conn, first, [prepare(ChangeIn.model_validate(c), first) for c in first_changes], None,
                      epoch_info(conn))
        other = threading.Thread(target=lambda: answers.append(
            apply_changes(db, second, [ChangeIn.model_validate(c) for c in second_changes])))
        other.start()
        time.sleep(0.5)
        assert other.is_alive(), "the second push did not wait for the first one's row"
    other.join(30)
    assert not other.is_alive()
    return mine, answers[0]


def _history(db: Database, record_id: str) -> list[tuple[str, int]]:
    h = schema.history
    with db.read() as conn:
        return [(r.commune_code, r.version) for r in conn.execute(
            select(h.c.commune_code, h.c.version).where(h.c.id == record_id).order_by(h.c.seq))]


def test_a_record_made_meanwhile_in_another_commune_is_not_overwritten(
        db: Database, new_commune: Callable[[], str], caplog: pytest.LogCaptureFixture) -> None:
    a, b = Actor("st-a", new_commune()), Actor("st-b", new_commune())
    rid = str(uuid.uuid4())
    caplog.set_level(logging.WARNING, logger="province_server.sync")
    mine, theirs = _while_held(db, a, [change("person", rid, person_fields(full_name="Nguyễn Văn An"))],
                               b, [change("person", rid, person_fields(full_name="Trần Thị Bình"))])
    assert mine == [1]
    assert theirs == [{"status": "forbidden", "code": "scope"}]  # as if it had come second: another commune's
    assert any("write.commune_retry" in r.message for r in caplog.records)
    r = schema.records
    with db.read() as conn:
        row = conn.execute(select(r.c.commune_code, r.c.version, r.c.fields).where(r.c.id == rid)).one()
    assert (row.commune_code, row.version) == (a.commune_code, 1)
    assert json.loads(row.fields)["full_name"] == "Nguyễn Văn An"
    assert _history(db, rid) == [(a.commune_code, 1)]


def test_a_change_id_used_meanwhile_in_another_commune_is_refused(db: Database,
                                                                  new_commune: Callable[[], str]) -> None:
    a, b = Actor("st-a", new_commune()), Actor("st-b", new_commune())
    cid = str(uuid.uuid4())
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    mine, theirs = _while_held(db, a, [change("person", first, person_fields(), change_id=cid)],
                               b, [change("person", second, person_fields(), change_id=cid)])
    assert mine == [1]
    assert theirs[0]["status"] == "rejected" and theirs[0]["code"] == "change_id.reused", theirs
    assert _history(db, second) == []
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(schema.records)
                            .where(schema.records.c.id == second)).scalar_one() == 0


def test_pushes_of_different_communes_do_not_wait_for_each_other(db: Database,
                                                                  new_commune: Callable[[], str]) -> None:
    """While one commune's push is held open, another commune's push of other records commits; a push of the
    same commune waits for it."""
    a, b = Actor("st-a", new_commune()), Actor("st-b", new_commune())
    a2 = Actor("st-a2", a.commune_code)
    done: dict[str, float] = {}

    def push(actor: Actor) -> None:
        apply_changes(db, actor, [ChangeIn.model_validate(change("person", str(uuid.uuid4()), person_fields()))])
        done[actor.id] = time.monotonic()

    with db.write(commune=a.commune_code) as conn:
        _apply(conn, a, [prepare(ChangeIn.model_validate(change("person", str(uuid.uuid4()), person_fields())),
                                 a)], None, epoch_info(conn))
        threads = [threading.Thread(target=push, args=(x,)) for x in (b, a2)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        assert "st-b" in done, "another commune's push waited"
        assert "st-a2" not in done, "a push of the same commune did not wait"
        released = time.monotonic()
    for t in threads:
        t.join(30)
    assert done["st-a2"] >= released
