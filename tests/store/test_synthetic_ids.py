"""Issue 14, item 8: synthetic generators used together never make the same personal ID number, whatever date
each counts ages from, and benches build against a fixed date."""

from __future__ import annotations

import itertools
from datetime import date

from station_client.domain.identity import check_personal_id
from station_client.synthetic import FIXED_TODAY, LANES, Generator


def test_the_bench_generators_never_share_an_id():
    # bench/store.py: the N residents from seed 1, then its saves from seed 2 — once on different days (the
    # defect: birth years, hence ID slots, moved with the calendar and hit the first million).
    built = Generator(1, today=date(2026, 1, 1))
    saves = Generator(2, today=date(2026, 12, 6))
    seen: set[str] = set()
    for person in itertools.chain(built.people(100_000), saves.people(20_000)):
        pid = person["personal_id"]
        assert pid not in seen, pid
        seen.add(pid)
    assert len(seen) == 120_000


def test_ids_are_unique_in_a_crowded_year_and_across_lanes():
    # Everyone born the same day in the same province: the per-year counter, not luck, keeps them apart.
    gens = [Generator(seed, today=FIXED_TODAY) for seed in (5, 6, 7 + LANES)]
    birth = date(1990, 5, 17)
    ids = [g.personal_id(birth, sex) for g in gens for sex in "MF" for _ in range(3000)]
    assert len(set(ids)) == len(ids)
    for pid in ids[:50]:
        assert not check_personal_id(pid, birth, "M" if pid[3] in "02468" else "F")


def test_a_fixed_date_gives_the_same_people_every_day():
    a = list(Generator(3, today=FIXED_TODAY).people(200))
    b = list(Generator(3, today=FIXED_TODAY).people(200))
    assert a == b
    assert all(date.fromisoformat(p["birth_date"]) <= FIXED_TODAY for p in a)
