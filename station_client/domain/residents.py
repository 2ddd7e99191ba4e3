"""Residents register: persons, households, household membership and residence records."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..clock import office_today
from .identity import check_old_id, check_personal_id
from .kinds import Field, RecordKind, parse_date
from .problems import Problem, required
from .text import normalize_text

SEXES = {"M": ("Nam", "Male"), "F": ("Nữ", "Female")}

RESIDENCE_TYPES = {
    "permanent": ("Thường trú", "Permanent residence"),
    "temporary": ("Tạm trú", "Temporary residence"),
    "absence": ("Tạm vắng", "Temporary absence"),
    "stay": ("Lưu trú", "Stay notification"),
    "foreigner_stay": ("Tạm trú người nước ngoài", "Foreigner's stay"),
}

RELATIONSHIPS = {
    "head": ("Chủ hộ", "Head of household"),
    "spouse": ("Vợ/Chồng", "Spouse"),
    "child": ("Con", "Child"),
    "parent": ("Bố/Mẹ", "Parent"),
    "grandchild": ("Cháu", "Grandchild"),
    "grandparent": ("Ông/Bà", "Grandparent"),
    "sibling": ("Anh/Chị/Em", "Sibling"),
    "other": ("Khác", "Other"),
}


def _today() -> date:
    return office_today()


def _not_future(record: dict[str, Any], field: str, vi: str, en: str) -> Problem | None:
    try:
        value = parse_date(record.get(field))
    except ValueError:
        return Problem(field, "date.invalid", f"{vi}: ngày không hợp lệ.", f"{en}: invalid date.")
    if value is not None and value > _today():
        return Problem(field, "date.future", f"{vi} không được ở tương lai.", f"{en} cannot be in the future.")
    return None


def _date_order(record: dict[str, Any], start: str, end: str) -> Problem | None:
    a, b = parse_date(record.get(start)), parse_date(record.get(end))
    if a and b and b < a:
        return Problem(end, "date.order", "Ngày kết thúc phải sau ngày bắt đầu.",
                       "The end date must be after the start date.")
    return None


def normalize_person(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("full_name", "ethnicity", "hometown", "birth_place", "occupation", "permanent_address",
                 "current_address", "nationality"):
        if isinstance(out.get(name), str):
            out[name] = normalize_text(out[name])
    for name in ("personal_id", "old_id", "phone", "passport_no"):
        if isinstance(out.get(name), str):
            out[name] = out[name].replace(" ", "").replace(".", "").strip()
    if isinstance(out.get("passport_no"), str):
        out["passport_no"] = out["passport_no"].upper()
    if isinstance(out.get("sex"), str):
        out["sex"] = {"nam": "M", "nữ": "F", "nu": "F", "m": "M", "f": "F"}.get(out["sex"].lower(), out["sex"])
    return out


def validate_person(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "full_name", "Họ và tên", "Full name"),
        required(r, "birth_date", "Ngày sinh", "Date of birth"),
        required(r, "sex", "Giới tính", "Sex"),
        _not_future(r, "birth_date", "Ngày sinh", "Date of birth"),
    ) if p]
    sex = r.get("sex")
    if sex is not None and sex not in SEXES:
        problems.append(Problem("sex", "sex.invalid", "Giới tính phải là Nam hoặc Nữ.", "Sex must be male or female."))
    name = r.get("full_name") or ""
    if name and any(ch.isdigit() for ch in name):
        problems.append(Problem("full_name", "name.digits", "Họ và tên không được chứa chữ số.",
                                "A full name cannot contain digits."))
    nationality = (r.get("nationality") or "VN").upper()
    foreign = nationality not in ("VN", "VIỆT NAM", "VIET NAM")
    pid = r.get("personal_id")
    if pid:
        try:
            birth = parse_date(r.get("birth_date"))
        except ValueError:
            birth = None
        problems += check_personal_id(pid, birth, sex if sex in SEXES else None)
    elif not foreign:
        problems.append(Problem("personal_id", "required", "Số định danh cá nhân là bắt buộc với công dân Việt Nam.",
                                "A personal ID number is required for a Vietnamese citizen."))
    if foreign and not r.get("passport_no"):
        problems.append(Problem("passport_no", "required", "Người nước ngoài phải có số hộ chiếu.",
                                "A foreigner must have a passport number."))
    if r.get("old_id"):
        problems += check_old_id(r["old_id"])
    phone = r.get("phone")
    if phone and not (phone.lstrip("+").isdigit() and 9 <= len(phone.lstrip("+")) <= 12):
        problems.append(Problem("phone", "phone.format", "Số điện thoại không hợp lệ.", "Invalid phone number."))
    return problems


def validate_household(r: dict[str, Any]) -> list[Problem]:
    return [p for p in (required(r, "address", "Địa chỉ hộ", "Household address"),) if p]


def validate_member(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "household_id", "Hộ gia đình", "Household"),
        required(r, "person_id", "Nhân khẩu", "Person"),
        required(r, "relationship", "Quan hệ với chủ hộ", "Relationship to head"),
        _date_order(r, "joined_on", "left_on"),
    ) if p]
    rel = r.get("relationship")
    if rel and rel not in RELATIONSHIPS:
        problems.append(Problem("relationship", "relationship.invalid", "Quan hệ với chủ hộ không hợp lệ.",
                                "Invalid relationship to the head of household."))
    return problems


def validate_residence(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "person_id", "Nhân khẩu", "Person"),
        required(r, "type", "Loại cư trú", "Residence type"),
        required(r, "start_date", "Ngày bắt đầu", "Start date"),
        _date_order(r, "start_date", "end_date"),
    ) if p]
    rtype = r.get("type")
    if rtype and rtype not in RESIDENCE_TYPES:
        problems.append(Problem("type", "residence.type", "Loại cư trú không hợp lệ.", "Invalid residence type."))
    if rtype in ("temporary", "foreigner_stay", "absence") and not r.get("end_date"):
        problems.append(Problem("end_date", "required", "Cần có ngày hết hạn.", "An expiry date is required."))
    if rtype in ("permanent", "temporary", "absence") and not r.get("address"):
        problems.append(Problem("address", "required", "Địa chỉ là bắt buộc.", "The address is required."))
    if rtype != "stay":  # a stay may be notified ahead of the guest's arrival
        p = _not_future(r, "start_date", "Ngày bắt đầu", "Start date")
        if p:
            problems.append(p)
    return problems


PERSON = RecordKind(
    name="person", table="persons", vi="Nhân khẩu", en="Person",
    fields=(
        Field("full_name", "text", "Họ và tên", "Full name"),
        Field("birth_date", "date", "Ngày sinh", "Date of birth"),
        Field("sex", "text", "Giới tính", "Sex"),
        Field("personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("old_id", "text", "Số CMND cũ", "Old ID card (CMND)"),
        Field("passport_no", "text", "Số hộ chiếu", "Passport number"),
        Field("nationality", "text", "Quốc tịch", "Nationality"),
        Field("ethnicity", "text", "Dân tộc", "Ethnicity"),
        Field("religion", "text", "Tôn giáo", "Religion"),
        Field("hometown", "text", "Quê quán", "Hometown"),
        Field("birth_place", "text", "Nơi đăng ký khai sinh", "Place of birth registration"),
        Field("occupation", "text", "Nghề nghiệp", "Occupation"),
        Field("phone", "text", "Số điện thoại", "Phone"),
        Field("email", "text", "Thư điện tử", "E-mail"),
        Field("permanent_address", "text", "Nơi thường trú", "Permanent residence"),
        Field("current_address", "text", "Nơi ở hiện tại", "Current residence"),
        Field("household_id", "text", "Hộ gia đình", "Household"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_person, normalizer=normalize_person,
)

HOUSEHOLD = RecordKind(
    name="household", table="households", vi="Hộ gia đình", en="Household",
    fields=(
        Field("household_no", "text", "Số hộ", "Household number"),
        Field("head_id", "text", "Chủ hộ", "Head of household"),
        Field("address", "text", "Địa chỉ", "Address"),
        Field("hamlet", "text", "Thôn/Tổ dân phố", "Hamlet / residential group"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_household,
    normalizer=lambda v: {k: normalize_text(x) if isinstance(x, str) else x for k, x in v.items()},
)

HOUSEHOLD_MEMBER = RecordKind(
    name="household_member", table="household_members", vi="Thành viên hộ", en="Household member",
    fields=(
        Field("household_id", "text", "Hộ gia đình", "Household"),
        Field("person_id", "text", "Nhân khẩu", "Person"),
        Field("relationship", "text", "Quan hệ với chủ hộ", "Relationship to head"),
        Field("joined_on", "date", "Ngày nhập hộ", "Joined on"),
        Field("left_on", "date", "Ngày rời hộ", "Left on"),
    ),
    validator=validate_member,
)

RESIDENCE = RecordKind(
    name="residence", table="residences", vi="Cư trú", en="Residence",
    fields=(
        Field("person_id", "text", "Nhân khẩu", "Person"),
        Field("type", "text", "Loại cư trú", "Residence type"),
        Field("household_id", "text", "Hộ gia đình", "Household"),
        Field("address", "text", "Địa chỉ", "Address"),
        Field("start_date", "date", "Từ ngày", "From"),
        Field("end_date", "date", "Đến ngày", "Until"),
        Field("host_name", "text", "Chủ cơ sở lưu trú", "Host"),
        Field("reason", "text", "Lý do", "Reason"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_residence,
    normalizer=lambda v: {k: normalize_text(x) if isinstance(x, str) else x for k, x in v.items()},
)

KINDS = (PERSON, HOUSEHOLD, HOUSEHOLD_MEMBER, RESIDENCE)
