"""Personal identification numbers (số định danh cá nhân) and old identity card numbers (CMND).

A personal ID is 12 digits ``PPP G YY RRRRRR``: PPP the province where the birth was registered (pre-2025
codes), G the century and sex (1900s: male 0 / female 1; 2000s: 2 / 3; ...), YY the last two digits of the
birth year. There is no public check digit, so we check structure, a known province, and agreement of G and
YY with the date of birth and sex.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from ..resources import load_json
from .problems import Problem

FIELD = "personal_id"


@cache
def birth_province_codes() -> dict[str, str]:
    data = load_json("catalogues", "birth_provinces.json")
    return {p["code"]: p["name"] for p in data["provinces"]}


def century_sex_digit(birth_year: int, sex: str) -> int:
    """The G digit for a birth year and sex ("M" or "F")."""
    return ((birth_year // 100) - 19) * 2 + (1 if sex == "F" else 0)


def check_personal_id(pid: str, birth_date: date | None = None, sex: str | None = None,
                      field: str = FIELD) -> list[Problem]:
    if not pid.isdigit() or not pid.isascii():
        return [Problem(field, "pid.digits", "Số định danh cá nhân chỉ gồm chữ số.",
                        "The personal ID number must contain digits only.")]
    if len(pid) != 12:
        return [Problem(field, "pid.length", f"Số định danh cá nhân phải có 12 chữ số (đang có {len(pid)}).",
                        f"The personal ID number must have 12 digits (it has {len(pid)}).")]
    problems: list[Problem] = []
    province = pid[:3]
    if province not in birth_province_codes():
        problems.append(Problem(field, "pid.province",
                                f"Mã tỉnh nơi đăng ký khai sinh {province} không tồn tại.",
                                f"Unknown birth-registration province code {province}."))
    g = int(pid[3])
    yy = int(pid[4:6])
    if birth_date is not None:
        century = 1900 + (g // 2) * 100
        if century != (birth_date.year // 100) * 100:
            problems.append(Problem(field, "pid.century",
                                    f"Chữ số thứ tư ({g}) không khớp với thế kỷ sinh {birth_date.year}.",
                                    f"The fourth digit ({g}) does not match the birth century of "
                                    f"{birth_date.year}."))
        if yy != birth_date.year % 100:
            problems.append(Problem(field, "pid.year",
                                    f"Chữ số thứ 5–6 ({pid[4:6]}) không khớp với năm sinh {birth_date.year}.",
                                    f"Digits 5–6 ({pid[4:6]}) do not match the birth year {birth_date.year}."))
    if sex in ("M", "F"):
        id_sex = "F" if g % 2 else "M"
        if id_sex != sex:
            problems.append(Problem(field, "pid.sex",
                                    f"Chữ số thứ tư ({g}) chỉ giới tính "
                                    f"{'nữ' if id_sex == 'F' else 'nam'}, không khớp với giới tính đã nhập.",
                                    f"The fourth digit ({g}) means {'female' if id_sex == 'F' else 'male'}, "
                                    "which does not match the sex entered."))
    return problems


def check_old_id(number: str, field: str = "old_id") -> list[Problem]:
    if not number.isdigit() or not number.isascii() or len(number) not in (9, 12):
        return [Problem(field, "cmnd.format", "Số CMND cũ phải gồm 9 hoặc 12 chữ số.",
                        "An old identity card (CMND) number has 9 or 12 digits.")]
    return []


def make_personal_id(province: str, birth_year: int, sex: str, serial: int) -> str:
    """Build a structurally valid ID (for synthetic data and tests)."""
    return f"{province}{century_sex_digit(birth_year, sex)}{birth_year % 100:02d}{serial % 1_000_000:06d}"
