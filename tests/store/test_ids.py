from __future__ import annotations

import itertools
import subprocess
import sys
import uuid

from station_client.ids import new_change_id, new_id


def test_new_ids_are_version_7_unique_and_time_ordered():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    prefixes = [u.int >> 80 for u in parsed]  # millisecond timestamps never go backwards within a run
    assert prefixes == sorted(prefixes)


def test_change_ids_count_up_within_a_process_and_start_afresh_in_another():
    ids = [new_change_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    low = [u.int & ((1 << 62) - 1) for u in parsed]
    steps = {b - a for a, b in itertools.pairwise(low)}
    assert steps <= {1, 1 - (1 << 62)}  # one up each time (the 62 low bits may wrap into rand_a once)
    # Another process (a restarted app, a restored station) draws its own start: never the same run again.
    code = "from station_client.ids import new_change_id; print(new_change_id())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    mine = uuid.UUID(new_change_id()).int & ((1 << 74) - 1)
    theirs = uuid.UUID(other).int & ((1 << 74) - 1)
    assert abs(mine - theirs) > 1_000_000
