"""Personal ID number rules (domain.md): 12 digits PPP G YY RRRRRR, no check digit."""

from __future__ import annotations

from datetime import date

import pytest

from station_client.domain.identity import century_sex_digit, check_old_id, check_personal_id, make_personal_id
from station_client.domain.residents import PERSON


def codes(problems):
    return sorted(p.code for p in problems)


def test_valid_male_1985_quang_ninh():
    assert check_personal_id("022085000123", date(1985, 3, 2), "M") == []


def test_valid_female_2003_and_2100s_digit():
    assert check_personal_id("001303123456", date(2003, 7, 1), "F") == []
    assert century_sex_digit(2101, "M") == 4 and century_sex_digit(2101, "F") == 5


def test_wrong_province():
    problems = check_personal_id("099085000123", date(1985, 3, 2), "M")
    assert codes(problems) == ["pid.province"]
    assert "099" in problems[0].vi and "099" in problems[0].en


def test_sex_mismatch():
    assert codes(check_personal_id("022185000123", date(1985, 3, 2), "M")) == ["pid.sex"]


def test_century_mismatch():
    # G = 2 means born in the 2000s; the birth date says 1985.
    assert codes(check_personal_id("022285000123", date(1985, 3, 2), "M")) == ["pid.century"]


def test_year_mismatch():
    assert codes(check_personal_id("022086000123", date(1985, 3, 2), "M")) == ["pid.year"]


@pytest.mark.parametrize("pid", ["02208500012", "0220850001234"])
def test_wrong_length(pid):
    problems = check_personal_id(pid, date(1985, 3, 2), "M")
    assert codes(problems) == ["pid.length"]
    assert "12" in problems[0].vi


@pytest.mark.parametrize("pid", ["02208500012A", "O22085000123", "022-85000123", "０２２０８５０００１２３"])
def test_letters_and_non_ascii_digits(pid):
    assert codes(check_personal_id(pid, date(1985, 3, 2), "M")) == ["pid.digits"]


def test_messages_in_both_languages():
    [p] = check_personal_id("02208500012", None, None)
    assert p.message("vi").startswith("Số định danh") and p.message("en").startswith("The personal ID")


def test_old_id_cmnd():
    assert check_old_id("123456789") == [] and check_old_id("123456789012") == []
    assert codes(check_old_id("12345678")) == ["cmnd.format"]


def test_make_personal_id_roundtrip():
    pid = make_personal_id("079", 2010, "F", 42)
    assert pid == "079310000042"
    assert check_personal_id(pid, date(2010, 1, 1), "F") == []


def test_person_validation_collects_every_problem():
    record = PERSON.empty_record() | {"full_name": "Nguyễn Văn 3", "birth_date": "2999-01-01", "sex": "X"}
    found = codes(PERSON.validate(record))
    assert {"name.digits", "date.future", "sex.invalid", "required"} <= set(found)


def test_foreigner_needs_passport_not_personal_id():
    record = PERSON.empty_record() | {"full_name": "John Smith", "birth_date": "1980-01-01", "sex": "M",
                                      "nationality": "GB"}
    assert [p.field for p in PERSON.validate(record)] == ["passport_no"]
    record["passport_no"] = "123456789"
    assert PERSON.validate(record) == []
