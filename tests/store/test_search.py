"""Search as an officer types it: without diacritics, part of a name, part of an ID, an address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_client.domain.text import fold
from station_client.synthetic import Generator

OFFICER = "can-bo-test"


@pytest.fixture
def people(store):
    hh = store.create("household", {"address": "Số 12 phố Lê Lợi", "hamlet": "Khu Vĩnh Sơn"}, officer=OFFICER)
    duc = store.create("person", {"full_name": "Nguyễn Văn Đức", "birth_date": "1985-03-02", "sex": "M",
                                  "personal_id": "022085000123", "household_id": hh["id"]}, officer=OFFICER)
    # Noise: many other people, some sharing words with the query.
    gen = Generator(seed=11)
    store.create_many("person", ({k: v for k, v in p.items() if k != "id"} for p in gen.people(300)),
                      officer=OFFICER)
    other = store.create("person", {"full_name": "Trần Đức Anh", "birth_date": "1990-05-05", "sex": "M",
                                    "personal_id": "022090000777"}, officer=OFFICER)
    return {"duc": duc, "other": other, "household": hh}


def test_fold_handles_d_with_stroke():
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("ĐẶNG  THỊ   ĐÀO") == "dang thi dao"


@pytest.mark.parametrize("query", ["nguyen van duc", "Nguyễn Văn Đức", "NGUYEN VAN DUC", "nguyễn văn đức",
                                   "nguyen van d", "van duc"])
def test_finds_full_name_however_typed(store, people, query):
    ids = [h.id for h in store.search_persons(query)]
    assert people["duc"]["id"] in ids


def test_finds_by_given_name_alone(store, people):
    ids = [h.id for h in store.search_persons("duc", limit=500)]
    assert people["duc"]["id"] in ids and people["other"]["id"] in ids


def test_full_name_prefix_ranks_before_word_matches(store, people):
    hits = store.search_persons("nguyen van duc")
    assert hits[0].id == people["duc"]["id"] and hits[0].match == "name_prefix"


def test_exact_id_first_then_fragments(store, people):
    hits = store.search_persons("022085000123")
    assert hits[0].id == people["duc"]["id"] and hits[0].match == "id"
    assert people["duc"]["id"] in [h.id for h in store.search_persons("85000123")]
    assert people["duc"]["id"] in [h.id for h in store.search_persons("0850001")]


def test_start_of_an_id_ranks_before_fragments_inside_numbers(store, people):
    hits = store.search_persons("0220850", limit=500)
    assert hits[0].id == people["duc"]["id"] and hits[0].match == "id_prefix"
    assert all(h.personal_id.startswith("0220850") for h in hits if h.match == "id_prefix")
    # Digits split by a space are the same number, as an officer copies it off a card.
    assert store.search_persons("022 085 000")[0].id == people["duc"]["id"]


def test_finds_by_household_address(store, people):
    assert people["duc"]["id"] in [h.id for h in store.search_persons("le loi", limit=500)]
    # Moving the household updates its members' index in the same write.
    store.update("household", people["household"]["id"], {"address": "Số 3 đường Yên Thọ"}, officer=OFFICER)
    assert people["duc"]["id"] not in [h.id for h in store.search_persons("le loi", limit=500)]
    assert people["duc"]["id"] in [h.id for h in store.search_persons("yen tho", limit=500)]


def test_updates_and_deletes_reach_the_index(store, people):
    store.update("person", people["duc"]["id"], {"full_name": "Nguyễn Văn Định"}, officer=OFFICER)
    assert people["duc"]["id"] not in [h.id for h in store.search_persons("nguyen van duc")]
    assert store.search_persons("nguyen van dinh")[0].id == people["duc"]["id"]
    store.delete("person", people["duc"]["id"], officer=OFFICER)
    assert people["duc"]["id"] not in [h.id for h in store.search_persons("nguyen van dinh")]


def test_punctuation_and_empty_queries_are_harmless(store, people):
    assert store.search_persons("") == []
    assert store.search_persons('"*)(') == []
    assert isinstance(store.search_persons("nguyen AND OR NOT"), list)


def _reference_fold(value: str) -> str:
    """The plain definition fold() is a fast equivalent of: NFD, drop combining marks, đ/ð → d, lower-case."""
    import re
    import unicodedata
    decomposed = unicodedata.normalize("NFD", value.translate(str.maketrans("đĐðÐ", "dddd")))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


_VI_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
               "ĐÂĂÊÔƠƯÀÁẢÃẠ 0123456789,.-\t\n\u0301\u0300\u0303\u0309\u0323")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_VI_LETTERS) | st.text())
def test_fold_matches_its_definition(value: str) -> None:
    assert fold(value) == _reference_fold(value)
