"""Issue 12, defect 7 (and issue 14's property test): one record must never stop a commune's sync.

The province once took a lone surrogate (``\\ud800``) in a field from a station push and from the admin PUT; every
later sync of that commune then crashed in the station's apply (``UnicodeEncodeError``) and its pending changes
stayed unsent. Now:
- invalid text (lone surrogates, NUL and other control characters; line breaks only in multi-line fields) is
  refused at every boundary: the shared ``RecordKind.coerce`` (station forms, imports, the province's push and
  admin PUT, reference loads), and the request models (enrollment, station names, bundles, audit entries);
- a feed entry the station cannot apply is set aside with its reason (listed by ``station-client sync --json``
  and in the Sync section), and the rest of the feed applies and the cursor moves on.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station_client.domain.problems import ValidationError
from station_client.domain.registry import get_kind
from station_client.store import Store
from station_client.store import sync_ops as ops

from .conftest import COMMUNE, add_people, assert_converged, make_station

PERSON = {"full_name": "Nguyễn Văn An", "birth_date": "1980-05-04", "sex": "M", "personal_id": "022080123456"}
BAD_TEXTS = ["Nguyễn \ud800 An", "An\x00", "An\x07", "An\x9b", "\udfff"]


def _token(server) -> tuple[str, str]:
    info = server.enroll(COMMUNE, "raw")
    return str(info["token"]), str(info["station_id"])


def _post(server, path: str, body: Any, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # json.dumps escapes a lone surrogate as \\ud800: exactly what a client would put on the wire
    return requests.post(server.url + path, data=json.dumps(body), headers=headers, timeout=30)


# ----------------------------------------------------------------------------------------------- the domain
@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_coerce_refuses_invalid_text_in_every_field_type(bad: str) -> None:
    person = get_kind("person")
    clean, problems = person.coerce({"full_name": bad, "phone": "0912345678"})
    assert "full_name" not in clean and [p.code for p in problems] == ["text.invalid"]
    assert problems[0].vi and problems[0].en and problems[0].vi != problems[0].en
    json.dumps([p.to_dict() for p in problems]).encode("utf-8")  # the message itself can always be sent
    dossier = get_kind("dossier")
    _, problems = dossier.coerce({"documents": [{"name": bad}]})
    assert [p.code for p in problems] == ["text.invalid"]
    _, problems = dossier.coerce({"documents": json.dumps({"k": bad})})
    assert [p.code for p in problems] == ["text.invalid"]
    _, problems = person.coerce({bad: "x"})
    assert [p.code for p in problems] == ["field.unknown"]
    json.dumps([p.to_dict() for p in problems], ensure_ascii=False).encode("utf-8")


def test_line_breaks_only_where_a_field_holds_several_lines() -> None:
    person = get_kind("person")
    clean, problems = person.coerce({"note": "dòng 1\r\ndòng 2\tcột", "permanent_address": "Thôn 3\nXã Mạo Khê"})
    assert not problems and clean["note"].count("\n") == 1
    for field in ("full_name", "personal_id", "phone"):
        _, problems = person.coerce({field: "a\nb"})
        assert [p.code for p in problems] == ["text.invalid"], field


def test_the_station_write_path_refuses_invalid_text(tmp_path: Path) -> None:
    with Store.open(tmp_path / "station.db") as store:
        with pytest.raises(ValidationError) as refused:
            store.create("person", PERSON | {"full_name": "An\ud800"}, officer="t")
        assert refused.value.problems[0].code == "text.invalid"
        rid = store.create("person", PERSON, officer="t")
        rid = rid if isinstance(rid, str) else rid["id"]
        with pytest.raises(ValidationError):
            store.update("person", rid, {"note": "x\x00y"}, officer="t")
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# ---------------------------------------------------------------------------------------------- the province
def test_the_province_refuses_invalid_text_at_every_boundary(tmp_path: Path, server) -> None:
    token, station_id = _token(server)
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"protocol": 1, "cursor": 0, "changes": [
        {"change_id": str(uuid.uuid4()), "kind": "person", "id": bad, "fields": PERSON | {"full_name": "A\ud800"}},
        {"change_id": str(uuid.uuid4()), "kind": "person", "id": good, "fields": PERSON | {"note": "một\ndòng"}}]}
    r = _post(server, "/v1/sync", body, token)
    assert r.status_code == 200, r.text
    refused, applied = r.json()["results"]
    assert refused["status"] == "rejected" and refused["problems"][0]["code"] == "text.invalid"
    assert refused["problems"][0]["vi"] and refused["problems"][0]["en"]
    assert applied == 1  # one bad change never blocks the others
    assert server.admin_get_record("person", bad) is None

    # The admin PUT: 422 with the problem, nothing written.
    for text in ("A\ud800", "A\x00", "A\nB"):
        r = server.admin("PUT", f"/v1/admin/records/person/{good}", {"fields": {"full_name": text}})
        assert r.status_code == 422, (text, r.text)
        assert r.json()["problems"][0]["code"] == "text.invalid"
    assert server.admin_get_record("person", good)["version"] == 1

    # Reference data: the record is refused with its reason, the others load.
    loaded = server.load_reference("calendar_override", [
        {"id": "t-bad", "fields": {"date": "2026-02-17", "type": "day_off", "name": "Tết\ud800"}},
        {"id": "t-good", "fields": {"date": "2026-02-18", "type": "day_off", "name": "Tết"}}])
    assert loaded["loaded"] == 1 and [x["id"] for x in loaded["rejected"]] == ["t-bad"]

    # Request text outside records: enrollment, station names, bundles.
    code = server.add_station(COMMUNE, "x")
    r = _post(server, "/v1/enroll", {"code": code, "device": "máy\x00"})
    assert r.status_code == 422 and r.json()["code"] == "body.invalid"
    r = _post(server, "/v1/enroll", {"code": code + "\ud800", "device": "máy"})
    assert r.status_code == 422
    assert _post(server, "/v1/enroll", {"code": code, "device": "máy 1"}).status_code == 200
    r = server.admin("POST", "/v1/admin/stations", {"commune_code": COMMUNE, "name": "Trạm\ud800"})
    assert r.status_code == 422
    bundle = {"format": "station-bundle/1", "station_id": station_id, "created_at": "2026-12-01T00:00:00Z",
              "cursor": 0, "signature": "0" * 64, "changes": [
                  {"change_id": str(uuid.uuid4()), "kind": "person", "id": str(uuid.uuid4()),
                   "fields": PERSON | {"full_name": "\ud800"}}]}
    r = server.admin("POST", "/v1/bundles/import", bundle)
    assert r.status_code == 422 and r.json()["code"] == "bundle.text"
    assert server.admin("GET", "/healthz").status_code == 200  # and the server is still fine


# ----------------------------------------------------------------------------------------------- the station
def _plant_legacy_record(server, commune: str, fields: dict[str, Any]) -> str:
    """A record as the province held it before the fix (it cannot be written through the API any more)."""
    rid = str(uuid.uuid4())
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):], timeout=30)
    try:
        with conn:
            text = json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
            at = "2026-12-01T00:00:00.000000Z"
            conn.execute("INSERT INTO history(kind, id, version, deleted, fields, changed, origin, change_id, "
                         "commune_code, at) VALUES ('person', ?, 1, 0, ?, ?, 'province', NULL, ?, ?)",
                         (rid, text, json.dumps(sorted(fields)), commune, at))
            conn.execute("INSERT INTO records(kind, id, commune_code, version, deleted, fields, origin, updated_at) "
                         "VALUES ('person', ?, ?, 1, 0, ?, 'province', ?)", (rid, commune, text, at))
            # and in the commune's divergence digest, as every applied version is
            from province_server.exchange import digest_term

            row = conn.execute("SELECT count, sum FROM digests WHERE commune_code = ?", (commune,)).fetchone()
            count, total = (0, 0) if row is None else (row[0], int(row[1], 16))
            total = (total + digest_term("person", rid, 1)) % 2**64
            conn.execute("INSERT INTO digests(commune_code, count, sum) VALUES (?, ?, ?) ON CONFLICT(commune_code) "
                         "DO UPDATE SET count = excluded.count, sum = excluded.sum", (commune, count + 1,
                                                                                      f"{total:016x}"))
    finally:
        conn.close()
    return rid


def test_a_record_with_invalid_text_is_set_aside_and_the_rest_syncs(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    a.sync_until_clean()
    legacy = _plant_legacy_record(server, COMMUNE, PERSON | {"full_name": "Nguyễn \ud800 An",
                                                             "personal_id": "022080999999"})
    after = server.admin_put_record("person", str(uuid.uuid4()),
                                    PERSON | {"personal_id": "022080777777"}, commune_code=COMMUNE)
    with a.open() as store:
        mine = add_people(store, 3, seed=77)
    result = a.cli("sync", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["ok"] and line["pending"] == 0 and line["acked"] == 3
    assert [(x["id"], x["code"]) for x in line["set_aside"]] == [(legacy, "text.invalid")]
    assert "tỉnh" in line["set_aside"][0]["vi"] and "province" in line["set_aside"][0]["en"]
    with a.open() as store:
        assert store.get("person", after["id"]) is not None  # the entry after it applied
        assert store.conn.execute("SELECT count(*) FROM persons WHERE id = ?", (legacy,)).fetchone()[0] == 0
        assert all(store.get("person", rid) for rid in mine)
        assert ops.counts(store).set_aside == 1
        cursor = ops.position(store).cursor
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = json.loads(a.cli("sync", "status", check=True).stdout)
    assert [x["id"] for x in status["set_aside"]] == [legacy]
    # The next cycles do not trip over it again (the cursor moved past it), and the divergence check counts it
    # as the province does: no resync of the whole commune, no "still differs" failure.
    for _ in range(2):
        report = a.sync()
        assert report.ok and report.digest == "match" and not report.resyncs, report.summary()
    with a.open() as store:
        assert ops.position(store).cursor == cursor and ops.counts(store).set_aside == 1

    # The province corrects the record: the corrected state applies and the note goes away.
    server.admin_put_record("person", legacy, {"full_name": "Nguyễn Văn An"})
    assert a.sync().ok
    with a.open() as store:
        assert store.get("person", legacy)["full_name"] == "Nguyễn Văn An"
        assert ops.counts(store).set_aside == 0


# ------------------------------------------------------------------------------------ property: feed apply
_ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
_TEXT = st.text(alphabet=_ANY_CHAR, max_size=12)
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                     max_leaves=8)
_PERSON_FIELDS = [f.name for f in get_kind("person").fields]
_ENTRY = st.fixed_dictionaries(
    {"kind": st.sampled_from(["person", "household", "dossier"]) | _TEXT,
     "id": st.uuids().map(str) | _TEXT,
     "version": st.integers(-2, 4) | st.booleans() | _JSON,
     "fields": st.dictionaries(st.sampled_from(_PERSON_FIELDS) | _TEXT, _JSON, max_size=6) | _JSON},
    optional={"deleted": _JSON, "seq": _JSON, "origin": _JSON})


def _wire(entry: Any) -> Any:
    """Through JSON text as the transport carries it (lone surrogates travel as \\ud800 escapes)."""
    return json.loads(json.dumps(entry, ensure_ascii=True))


_STATE: dict[str, Any] = {}


def _store() -> Store:
    if "store" not in _STATE:
        _STATE["dir"] = tempfile.TemporaryDirectory()
        store = Store.open(Path(_STATE["dir"].name) / "station.db")
        store.create("person", PERSON, officer="t")  # a pending local change: it must stay pending, untouched
        _STATE["store"] = store
        _STATE["cursor"] = 0
    return _STATE["store"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module", autouse=True)
def _close_property_store() -> Any:
    yield
    if "store" in _STATE:
        _STATE.pop("store").close()
        _STATE.pop("dir").cleanup()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(_ENTRY, max_size=4), after=st.lists(_ENTRY, max_size=3), raw=st.lists(_JSON, max_size=2))
def test_feed_apply_never_crashes_and_never_blocks_the_rest(before: list[Any], after: list[Any],
                                                            raw: list[Any]) -> None:
    store = _store()
    _STATE["cursor"] += 1
    cursor = _STATE["cursor"]
    good_id = str(uuid.uuid4())
    good = {"seq": cursor, "kind": "person", "id": good_id, "version": 1, "deleted": False,
            "fields": PERSON | {"personal_id": f"0220{cursor:08d}"}}
    feed = [_wire(e) for e in before] + [_wire(x) for x in raw] + [good] + [_wire(e) for e in after]
    pending = ops.pending_count(store)
    ops.apply_response(store, [], ops.Response(epoch="e", feed=feed, cursor=cursor))
    assert ops.position(store).cursor == cursor  # the cursor moved on
    got = store.get("person", good_id, include_deleted=True)
    if not any(isinstance(e, dict) and e.get("id") == good_id for e in before + after):
        assert got is not None and got["full_name"] == PERSON["full_name"]
    assert ops.pending_count(store) == pending
    ops.counts(store)  # the set-aside list reads back
    ops.compute_digest(store)
    for entry in ops.set_aside_entries(store):
        json.dumps(entry, ensure_ascii=False).encode("utf-8")  # and it can be shown and sent
    from station_client.store.audit import verify

    report = verify(store.conn)  # every stored state reads back as the audit chain vouched for it
    assert report.ok, report.findings[:3]


def test_the_property_store_is_sound() -> None:
    if "store" in _STATE:
        store = _STATE["store"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        from station_client.store.audit import verify

        report = verify(store.conn)
        assert report.ok, report.findings[:3]


def test_converges_after_a_set_aside(tmp_path: Path, server) -> None:
    """Sanity: a commune without bad records still converges exactly (the guard changes nothing there)."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 5, seed=5)
    a.sync_until_clean()
    assert_converged(a)


def test_the_sync_section_lists_what_was_set_aside(tmp_path: Path) -> None:
    from station_client.store import lists

    with Store.open(tmp_path / "station.db") as store:
        bad = {"seq": 1, "kind": "person", "id": str(uuid.uuid4()), "version": 1, "fields": {"full_name": "\ud800"}}
        report = ops.apply_response(store, [], ops.Response(epoch="e", feed=[_wire(bad)], cursor=1))
        assert report.set_aside == 1
        rows = lists.rejected_records(store.conn)
        assert [(r["id"], r.get("set_aside")) for r in rows] == [(bad["id"], True)]
        assert "tỉnh" in rows[0]["note"] and "province" in rows[0]["note"]


def test_an_entry_the_database_refuses_half_way_is_rolled_back_alone(tmp_path: Path) -> None:
    """A value that passes the checks but fails in the database (an integer too large for SQLite): the response
    is applied again entry by entry; that one entry is set aside, the others apply, the audit chain stays whole."""
    from station_client.store.audit import verify

    with Store.open(tmp_path / "station.db") as store:
        ids = [str(uuid.uuid4()) for _ in range(3)]
        feed = [{"seq": 1, "kind": "person", "id": ids[0], "version": 1, "fields": PERSON},
                {"seq": 2, "kind": "dossier", "id": ids[1], "version": 1, "fields": {"code": "X", "sets": 2**70}},
                {"seq": 3, "kind": "person", "id": ids[2], "version": 1,
                 "fields": PERSON | {"personal_id": "022080123457"}}]
        report = ops.apply_response(store, [], ops.Response(epoch="e", feed=feed, cursor=3))
        assert (report.applied, report.set_aside) == (2, 1)
        assert store.get("person", ids[0]) and store.get("person", ids[2])
        assert store.conn.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
        assert [x["id"] for x in ops.set_aside_entries(store)] == [ids[1]]
        assert ops.position(store).cursor == 3
        result = verify(store.conn)
        assert result.ok, result.findings[:3]


def test_an_answer_whose_state_cannot_be_stored_still_acknowledges_the_change(tmp_path: Path) -> None:
    """The province answers a change with a state it took before the rule (a lone surrogate): the change is
    acknowledged (never sent for ever), the state is set aside, the other results are recorded."""
    with Store.open(tmp_path / "station.db") as store:
        a = store.create("person", PERSON, officer="t")
        b = store.create("person", PERSON | {"personal_id": "022080123457"}, officer="t")
        ids = [x if isinstance(x, str) else x["id"] for x in (a, b)]
        batch = ops.take_batch(store, 10)
        results = [{"status": "duplicate", "version": 2, "deleted": False,
                    "record": PERSON | {"note": "x\ud800"}}, 1]
        report = ops.apply_response(store, batch, ops.Response(epoch="e", results=_wire(results), cursor=0))
        assert (report.acked, report.set_aside) == (2, 1)
        assert ops.pending_count(store) == 0
        assert [x["id"] for x in ops.set_aside_entries(store)] == [ids[0]]
        assert store.get("person", ids[0])["note"] is None
        assert store.conn.execute("SELECT server_version FROM persons WHERE id = ?", (ids[1],)).fetchone()[0] == 1



def test_an_answer_the_database_refuses_half_way_is_set_aside_alone(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(tmp_path / "station.db") as store:
        ids = [store.create("person", PERSON | {"personal_id": f"02208012345{i}"}, officer="t") for i in range(3)]
        ids = [x if isinstance(x, str) else x["id"] for x in ids]
        batch = ops.take_batch(store, 10)
        from station_client.store.sync_ops import remote

        real = remote.apply_state

        def refusing(st: Any, kind: Any, record_id: str, *args: Any, **kw: Any) -> bool:
            if record_id == ids[1]:
                real(st, kind, record_id, *args, **kw)  # wrote part of it ...
                raise sqlite3.IntegrityError("refused by the database")  # ... then the database refused
            return real(st, kind, record_id, *args, **kw)

        monkeypatch.setattr(remote, "apply_state", refusing)
        results = [{"status": "applied", "version": 2, "deleted": False,
                    "record": PERSON | {"note": f"n{i}", "personal_id": f"02208012345{i}"}} for i in range(3)]
        report = ops.apply_response(store, batch, ops.Response(epoch="e", results=results, cursor=1))
        assert (report.acked, report.set_aside) == (2, 1)
        assert ops.pending_count(store) == 0 and ops.position(store).cursor == 1
        assert [store.get("person", i)["note"] for i in ids] == ["n0", None, "n2"]
        assert [x["id"] for x in ops.set_aside_entries(store)] == [ids[1]]
        from station_client.store.audit import verify

        result = verify(store.conn)
        assert result.ok, result.findings[:3]
