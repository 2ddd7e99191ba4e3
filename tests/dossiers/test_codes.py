"""Lookup codes (check value) and dossier codes that stay unique across stations working offline."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_client.domain.dossiers import (
    DEFAULT_CODE_PATTERN,
    check_code_pattern,
    check_lookup_code,
    make_lookup_code,
    normalize_lookup_code,
    parse_qr_payload,
    qr_payload,
    render_code,
)
from station_client.domain.problems import ValidationError
from station_client.store import Store
from station_client.store import dossiers as sd

from .conftest import at, receive

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_lookup_code_shape_and_typing_leniency() -> None:
    code = make_lookup_code("a-record-id")
    assert len(code) == 14 and code.count("-") == 2
    assert code == make_lookup_code("a-record-id")  # a reprint shows the same code
    assert check_lookup_code(code)
    assert check_lookup_code(code.lower().replace("-", " "))
    assert normalize_lookup_code(code.replace("0", "o").replace("1", "l")) == code
    assert not check_lookup_code("")
    assert not check_lookup_code(code[:-1])


@settings(max_examples=200, deadline=None)
@given(seed=st.uuids(), pos=st.integers(min_value=0, max_value=11), replacement=st.sampled_from(ALPHABET))
def test_a_single_wrong_character_is_caught(seed: uuid.UUID, pos: int, replacement: str) -> None:
    raw = make_lookup_code(str(seed)).replace("-", "")
    if raw[pos] == replacement:
        return
    typo = raw[:pos] + replacement + raw[pos + 1:]
    assert not check_lookup_code(typo)


@settings(max_examples=200, deadline=None)
@given(seed=st.uuids(), pos=st.integers(min_value=0, max_value=10))
def test_a_swap_of_neighbours_is_caught(seed: uuid.UUID, pos: int) -> None:
    raw = make_lookup_code(str(seed)).replace("-", "")
    if raw[pos] == raw[pos + 1]:
        return
    assert not check_lookup_code(raw[:pos] + raw[pos + 1] + raw[pos] + raw[pos + 2:])


def test_qr_payload_roundtrip() -> None:
    code = make_lookup_code("x")
    assert parse_qr_payload(qr_payload("22.ABCD-260212-0001", code)) == ("22.ABCD-260212-0001", code)
    assert parse_qr_payload("22.ABCD-260212-0001|AAAA-AAAA-AAAA") is None


def test_code_pattern_rules() -> None:
    assert render_code(DEFAULT_CODE_PATTERN, "26170.K7QM", date(2026, 2, 12), 7) == "26170.K7QM-260212-0007"
    assert check_code_pattern("{yyyy}-{counter}")  # no station: not unique offline
    with pytest.raises(ValidationError):
        render_code("{yyyy}{bogus}{station}{counter}", "S", date(2026, 1, 1), 1)


def test_counter_restarts_with_the_pattern_scope(store: Store) -> None:
    store.set_setting(sd.SETTING_STATION_CODE, "S1")
    a = receive(store, at(2026, 3, 2))
    b = receive(store, at(2026, 3, 2, 10))
    c = receive(store, at(2026, 3, 3))
    assert (a["code"], b["code"], c["code"]) == ("S1-260302-0001", "S1-260302-0002", "S1-260303-0001")
    store.set_setting(sd.SETTING_PATTERN, "{station}/{yyyy}/{counter:05d}")
    assert receive(store, at(2026, 3, 3))["code"] == "S1/2026/00001"


def test_codes_unique_across_two_offline_stations(tmp_path: Path) -> None:
    """Two machines of the same commune, never connected to each other, receive dossiers the same day."""
    codes: list[str] = []
    lookups: list[str] = []
    for name in ("may1.db", "may2.db"):
        with Store.open(tmp_path / name) as s:
            s.set_setting(sd.SETTING_COMMUNE, "07117")
            for i in range(15):
                d = receive(s, at(2026, 3, 2, 8 + i % 8))
                codes.append(d["code"])
                lookups.append(d["lookup_code"])
            assert sd.station_code(s).startswith("07117.")
    assert len(set(codes)) == len(codes) == 30
    assert len(set(lookups)) == 30


def test_rolled_back_intake_returns_its_number(store: Store) -> None:
    store.set_setting(sd.SETTING_STATION_CODE, "S1")
    with pytest.raises(ValidationError):
        receive(store, at(2026, 3, 2), applicant={"name": "Nguyễn Văn 3"})  # digits in a name
    assert receive(store, at(2026, 3, 2))["code"] == "S1-260302-0001"
