"""``province-server duplicates scan``: a personal ID held twice in a commune from before duplicate detection (no
review item yet) gets its review item, written as the province's record in the feed both stations pull; a second
scan writes nothing. The review item is decided by duplicates.py and applied by the exchange (no import cycle)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from province_server.db import Database
from province_server.duplicates import NAMESPACE, open_items, review_id
from province_server.ops import scan_duplicates
from tests.server.client import Station, new_person, person_fields
from tests.support.server import RunningServer


def test_scan_lists_a_duplicate_held_from_before_detection(fresh_server: RunningServer,
                                                           new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(fresh_server, commune, "A"), Station.enroll(fresh_server, commune, "B")
    fields = person_fields()
    one, two = new_person(**fields), new_person(**fields)
    assert a.push([one]) + b.push([two]) == [1, 1]  # each applied at version 1
    db = Database(fresh_server.db_url)
    try:
        with db.read() as conn:
            (item,) = open_items(conn, commune)  # written by the push that brought the second (after_apply)
        # The database as an upgrade from before detection leaves it: both persons and their index rows (migration
        # 0004), no review item.
        with db.engine.begin() as conn:
            for table in ("records", "history"):
                conn.execute(text(f"DELETE FROM {table} WHERE kind = 'duplicate_person'"))

        assert fresh_server.cli("duplicates", "scan").stdout.startswith("1 duplicate-person review item(s) written")
        with db.read() as conn:
            (again,) = open_items(conn, commune)
        assert again["id"] == item["id"] == review_id(commune, fields["personal_id"])
        assert sorted(again["person_ids"]) == sorted([one["id"], two["id"]])
        assert scan_duplicates(db) == 0  # nothing left unlisted
    finally:
        db.dispose()
    (pulled,) = [e for e in a.pull_all() if e["kind"] == "duplicate_person"]  # the province's record, in the feed
    assert pulled["id"] == item["id"] and sorted(pulled["fields"]["person_ids"]) == sorted([one["id"], two["id"]])



_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)  # no lone surrogates


@given(commune=_TEXT, personal_id=_TEXT)
def test_review_id_is_the_uuid5_it_always_was(commune: str, personal_id: str) -> None:
    """review_id spells uuid5 out for speed: the ids must stay what they were (stations and the feed hold them)."""
    assert review_id(commune, personal_id) == str(uuid.uuid5(NAMESPACE, f"{commune}:{personal_id}"))
