"""Push: idempotency, change-id reuse, validation, field merge and conflicts — real server over HTTP."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from tests.server.client import Station, change, new_person
from tests.support.server import RunningServer


def two_stations(server: RunningServer, commune: str) -> tuple[Station, Station]:
    return Station.enroll(server, commune, "A"), Station.enroll(server, commune, "B")


def test_repush_same_batch_changes_nothing(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    batch = [new_person() for _ in range(5)]
    first = a.push(batch)
    assert first == [1] * 5
    again = a.push(batch)
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert [r["version"] for r in again] == [1] * 5
    assert again[0]["record"]["full_name"] == batch[0]["fields"]["full_name"]
    feed = b.pull_all()
    assert sorted(e["id"] for e in feed) == sorted(c["id"] for c in batch)
    assert all(e["version"] == 1 for e in feed)
    for c in batch:
        assert server.admin_get_record("person", c["id"])["version"] == 1


def test_same_batch_twice_concurrently_applies_once(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    batch = [new_person() for _ in range(20)]
    answers: list[list[Any]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        s = Station(server, a.station_id, a.commune_code, a.token)
        barrier.wait()
        answers.append(s.push(batch))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 4
    for i in range(len(batch)):
        column = [ans[i] for ans in answers]
        # exactly one sender applied each change; the others were told it is a duplicate of version 1
        assert column.count(1) == 1, column
        assert all(x == 1 or (x["status"] == "duplicate" and x["version"] == 1) for x in column)
    feed = b.pull_all()
    assert sorted((e["id"], e["version"]) for e in feed) == sorted((c["id"], 1) for c in batch)


def test_same_change_id_other_content_refused(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, _ = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    forged = dict(c, fields={**c["fields"], "full_name": "Người Khác"})
    [res] = a.push([forged])
    assert res["status"] == "rejected" and res["code"] == "change_id.reused"
    assert res["problems"][0]["vi"] and res["problems"][0]["en"]
    record = server.admin_get_record("person", c["id"])
    assert record["version"] == 1 and record["fields"]["full_name"] == c["fields"]["full_name"]


def test_invalid_change_rejected_rest_applies(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, _ = two_stations(server, new_commune())
    good1, good2 = new_person(), new_person()
    future = new_person(birth_date="2999-01-01")
    unknown_field = new_person(shoe_size=42)
    unknown_kind = change("spaceship", str(uuid.uuid4()), {"name": "x"})
    wrong_type = new_person(birth_date=12345)
    res = a.push([good1, future, unknown_field, unknown_kind, wrong_type, good2])
    assert res[0] == 1 and res[5] == 1
    for r, code in zip(res[1:5], ["validation", "validation", "kind.unknown", "validation"], strict=True):
        assert r["status"] == "rejected" and r["code"] == code, r
        assert r["problems"] and all(p["vi"] and p["en"] for p in r["problems"])
    assert {p["field"] for p in res[1]["problems"]} >= {"birth_date"}
    assert res[2]["problems"][0]["code"] == "field.unknown"
    assert server.admin_get_record("person", future["id"]) is None


def test_own_successive_changes_never_conflict(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, _ = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    # two edits both based on version 1 (the second made before the first was acknowledged)
    res = a.push([change("person", c["id"], {"phone": "0912345678"}, 1),
                  change("person", c["id"], {"phone": "0987654321", "note": "x"}, 1)])
    assert res == [2, 3]
    assert server.admin_get_record("person", c["id"])["fields"]["phone"] == "0987654321"


def test_non_overlapping_fields_merge(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    server.admin_put_record("person", c["id"], {"occupation": "Giáo viên"})  # province edit: version 2
    [res] = b.push([change("person", c["id"], {"phone": "0912345678"}, 1)])
    assert res["status"] == "applied" and res["version"] == 3
    assert res["record"]["occupation"] == "Giáo viên" and res["record"]["phone"] == "0912345678"
    feed = a.pull_all()
    last = [e for e in feed if e["id"] == c["id"]][-1]
    assert last["version"] == 3 and last["fields"]["occupation"] == "Giáo viên"


def test_same_field_conflict_keeps_both_and_resolves(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    server.admin_put_record("person", c["id"], {"phone": "0911111111"})  # v2 by the province
    edit = change("person", c["id"], {"phone": "0922222222", "email": "b@example.vn"}, 1)
    [res] = b.push([edit])
    assert res["status"] == "conflict"
    conflict = res["conflict"]
    assert conflict["type"] == "edit" and conflict["origin"] == "province"
    assert conflict["fields"] == {"phone": {"station": "0922222222", "server": "0911111111"}}
    # the non-conflicting field was merged; the server kept its value for the contested one
    assert res["version"] == 3 and res["record"]["email"] == "b@example.vn"
    assert res["record"]["phone"] == "0911111111"
    stats = {s["id"]: s for s in server.stats()["stations"]}
    assert stats[b.station_id]["open_conflicts"] == 1
    # a retry of the same change (lost response) re-answers the same conflict, it does not make a second one
    [again] = b.push([edit])
    assert again["status"] == "conflict" and again["conflict"]["id"] == conflict["id"]
    assert server.admin_get_record("person", c["id"])["version"] == 3
    # the officer keeps the station's value
    [done] = b.push([change("person", c["id"], {"phone": "0922222222"}, res["version"], resolves=conflict["id"])])
    assert done == 4
    assert {s["id"]: s for s in server.stats()["stations"]}[b.station_id]["open_conflicts"] == 0
    feed = a.pull_all()
    assert [e for e in feed if e["id"] == c["id"]][-1]["fields"]["phone"] == "0922222222"


def test_equal_values_on_both_sides_are_no_conflict(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    server.admin_put_record("person", c["id"], {"phone": "0911111111"})
    [res] = b.push([change("person", c["id"], {"phone": "0911111111"}, 1)])
    assert res["status"] == "applied" and res["version"] == 2


def test_delete_vs_edit_is_a_conflict(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    assert b.push([change("person", c["id"], {"note": "đã xác minh"}, 1)]) == [2]
    [res] = a.push([change("person", c["id"], {}, 1, op="delete")])
    assert res["status"] == "conflict" and res["conflict"]["type"] == "delete_vs_edit"
    assert res["conflict"]["origin"] == b.station_id
    assert res["deleted"] is False and res["record"]["note"] == "đã xác minh"
    assert server.admin_get_record("person", c["id"])["deleted"] is False
    # the officer confirms the deletion after seeing the edit
    [done] = a.push([change("person", c["id"], {}, 2, op="delete", resolves=res["conflict"]["id"])])
    assert done == 3
    assert server.admin_get_record("person", c["id"])["deleted"] is True


def test_edit_vs_delete_keeps_station_values_and_restores(server: RunningServer,
                                                          new_commune: Callable[[], str]) -> None:
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    server.admin_put_record("person", c["id"], {}, deleted=True)  # v2: deleted by the province
    [res] = b.push([change("person", c["id"], {"phone": "0933333333"}, 1)])
    assert res["status"] == "conflict" and res["conflict"]["type"] == "edit_vs_delete"
    assert res["conflict"]["fields"]["phone"]["station"] == "0933333333"
    assert res["deleted"] is True
    assert server.admin_get_record("person", c["id"])["deleted"] is True
    [done] = b.push([change("person", c["id"], {"phone": "0933333333"}, 2, resolves=res["conflict"]["id"])])
    assert done == 3
    record = server.admin_get_record("person", c["id"])
    assert record["deleted"] is False and record["fields"]["phone"] == "0933333333"


def test_settling_a_field_conflict_does_not_revive_a_record_deleted_since(server: RunningServer,
                                                                        new_commune: Callable[[], str]) -> None:
    """An officer settles an old field conflict; another station deleted the record meanwhile, and the officer's
    station pushes the resolution on the delete's version (bench/soak.py seed 8602). The resolution says which
    value a field keeps, nothing of the delete: the record stays deleted and the officer's values wait in an
    edit_vs_delete conflict (which replaces the settled one). Resolving that one, keeping the record, revives it."""
    a, b = two_stations(server, new_commune())
    c = new_person()
    assert a.push([c]) == [1]
    assert a.push([change("person", c["id"], {"phone": "0911111111"}, 1)]) == [2]
    [res] = b.push([change("person", c["id"], {"phone": "0922222222"}, 1)])
    assert res["status"] == "conflict" and res["conflict"]["type"] == "edit"
    assert a.push([change("person", c["id"], {}, 2, op="delete")]) == [3]
    [settled] = b.push([change("person", c["id"], {"phone": "0922222222"}, 3, resolves=res["conflict"]["id"])])
    assert settled["status"] == "conflict" and settled["conflict"]["type"] == "edit_vs_delete"
    assert settled["conflict"]["fields"]["phone"]["station"] == "0922222222"
    record = server.admin_get_record("person", c["id"])
    assert record["deleted"] is True and record["version"] == 3
    assert {s["id"]: s for s in server.stats()["stations"]}[b.station_id]["open_conflicts"] == 1
    [kept] = b.push([change("person", c["id"], {"phone": "0922222222"}, 3, resolves=settled["conflict"]["id"])])
    assert kept == 4
    record = server.admin_get_record("person", c["id"])
    assert record["deleted"] is False and record["fields"]["phone"] == "0922222222"
