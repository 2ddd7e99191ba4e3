from __future__ import annotations

import uuid

from station_client.ids import new_id


def test_new_ids_are_version_7_unique_and_time_ordered():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    prefixes = [u.int >> 80 for u in parsed]  # millisecond timestamps never go backwards within a run
    assert prefixes == sorted(prefixes)
