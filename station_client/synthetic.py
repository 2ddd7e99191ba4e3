"""Synthetic, reproducible Vietnamese residents for demos, tests and benchmarks. Every person is invented.

Names follow the real frequency of family names; ID numbers are structurally valid and agree with the birth
date and sex; addresses are in the demo ward (Mạo Khê, Quảng Ninh) by default. The same seed always gives the
same data, including record UUIDs, so benches and tests can be compared across runs — given the same ``today``:
benches, the demo and tests pass a fixed date (``FIXED_TODAY``), since ages, hence birth years, hence ID
numbers, move with the calendar.

No two persons made by generators used together ever share a personal ID number (``Generator.personal_id``):
a generator numbers the people of each (birth province, birth year, sex) in turn, and its seed picks one of
``LANES`` interleaved lanes of those numbers, so generators whose seeds differ modulo ``LANES`` (consecutive
seeds, say) draw from disjoint sets. A ``bench/store.py --residents 1000000`` run (seed 1, then seed 2 for its
saves) failed after four minutes on a duplicate ID before this.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .domain.identity import make_personal_id

DEMO_PROVINCE = "22"  # Quảng Ninh
DEMO_COMMUNE = "07069"  # Phường Mạo Khê
DEMO_NEIGHBOURS = ("07093", "07081", "07114")  # Đông Triều, Bình Khê, Hoàng Quế

FAMILY_NAMES = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 1),
                ("Phan", 4.5), ("Vũ", 3.5), ("Võ", 1), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3),
                ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8), ("Đào", 0.7), ("Lương", 0.5),
                ("Trịnh", 0.5), ("Mai", 0.4), ("Tạ", 0.3), ("Cao", 0.4), ("Lưu", 0.3), ("Chu", 0.2))
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân", "Đình", "Ngọc",
               "Mạnh", "Tiến", "Quốc", "Trọng", "Gia", "Anh")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương", "Bích", "Kim",
                 "Thùy", "Diệu", "Khánh", "Mai")
GIVEN_MALE = ("Đức", "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Sơn", "Long", "Quân", "Thắng", "Cường",
              "Huy", "Phong", "Trung", "Khánh", "Việt", "Hiếu", "Bảo", "Đạt", "Thành", "Tùng", "Kiên",
              "Hoàng", "Lâm", "Phúc", "Tâm", "Vinh", "Quý", "Lộc", "Thịnh", "Nghĩa", "Toàn", "Bình", "Đông")
GIVEN_FEMALE = ("Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Huyền", "Thảo", "Ngọc", "Hà", "Phương",
                "Nhung", "Yến", "Hằng", "Thủy", "Loan", "Vân", "Oanh", "Quỳnh", "Giang", "Trâm", "Hạnh",
                "Dung", "Nga", "Hiền", "Thư", "Anh", "Ánh", "Diệp", "Châu", "Nhi", "My", "Uyên", "Tuyết")
ETHNICITIES = (("Kinh", 96), ("Tày", 1.2), ("Sán Dìu", 1.5), ("Dao", 0.8), ("Hoa", 0.5))
OCCUPATIONS = ("Công nhân mỏ", "Nông dân", "Buôn bán", "Giáo viên", "Học sinh", "Sinh viên", "Nội trợ",
               "Lái xe", "Thợ xây", "Kế toán", "Công nhân", "Hưu trí", "Lao động tự do", "Bác sĩ", "Kỹ sư")
HAMLETS = ("Khu Vĩnh Sơn", "Khu Vĩnh Phú", "Khu Quang Trung", "Khu Dốc Đỏ", "Khu Hòa Bình", "Khu Đạm Thủy",
           "Khu Xuân Viên", "Khu Yên Thọ", "Khu Kim Sen", "Khu Tân Lập", "Khu Vạn Yên", "Khu Mạo Khê 1")
STREETS = ("đường Nguyễn Văn Cừ", "đường Trần Hưng Đạo", "phố Lê Lợi", "đường Hoàng Quốc Việt", "phố Quang Trung",
           "đường Yên Thọ", "phố Vĩnh Sơn", "đường 18A", "phố Đông Triều", "ngõ Hòa Bình", "phố Mạo Khê")
FIXED_TODAY = date(2026, 1, 1)  # the date benches and the demo build their residents against
LANES = 64  # generators whose seeds differ modulo LANES never make the same ID
PER_BUCKET = 1_000_000 // LANES  # IDs a generator can make per (birth province, birth year, sex): 15,625
_SCRAMBLE = 7_919  # prime, neither 2 nor 5: multiplying by it permutes 0..999,999 (IDs do not look sequential)
BIRTH_PROVINCES = (("022", 85), ("030", 3), ("031", 3), ("024", 2), ("034", 2), ("001", 2), ("036", 1),
                   ("038", 1), ("040", 1))


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


@dataclass
class SyntheticCommune:
    """A commune's worth of related records, each as (kind, values) with a fixed UUID in ``values['id']``."""

    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    residences: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int = 1, commune_name: str = "phường Mạo Khê", province_name: str = "tỉnh Quảng Ninh",
                 today: date | None = None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.commune_name = commune_name
        self.province_name = province_name
        self.today = today or FIXED_TODAY  # the calendar must not move the IDs (bench/store.py's second run)
        self.lane = seed % LANES
        self._counts: dict[tuple[str, int, str], int] = {}

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def name(self, sex: str) -> str:
        family = _weighted(self.rng, FAMILY_NAMES)
        middle = self.rng.choice(MIDDLE_FEMALE if sex == "F" else MIDDLE_MALE)
        given = self.rng.choice(GIVEN_FEMALE if sex == "F" else GIVEN_MALE)
        return f"{family} {middle} {given}"

    def address(self) -> tuple[str, str]:
        hamlet = self.rng.choice(HAMLETS)
        return f"Số {self.rng.randint(1, 250)}, {self.rng.choice(STREETS)}, {hamlet}, {self.commune_name}, " \
               f"{self.province_name}", hamlet

    def personal_id(self, birth: date, sex: str) -> str:
        """A structurally valid ID, never one this generator or another with a different lane has made: the
        ID is (province, century/sex digit, year, serial) and the serial is a bijection of (the count of people
        made so far in this province/year/sex, the lane)."""
        province = _weighted(self.rng, BIRTH_PROVINCES)
        bucket = (province, birth.year, sex)
        n = self._counts.get(bucket, 0)
        if n >= PER_BUCKET:
            raise ValueError(f"more than {PER_BUCKET} synthetic people born in {birth.year} in province {province}")
        self._counts[bucket] = n + 1
        serial = ((n * LANES + self.lane) * _SCRAMBLE) % 1_000_000
        return make_personal_id(province, birth.year, sex, serial)

    def birth_date(self, min_age: int = 0, max_age: int = 90) -> date:
        age_days = self.rng.randint(min_age * 365 + 1, max_age * 365)
        return self.today - timedelta(days=age_days)

    def person(self, *, sex: str | None = None, birth: date | None = None, address: str | None = None,
               household_id: str | None = None, with_id: bool = True) -> dict[str, Any]:
        sex = sex or self.rng.choice("MF")
        birth = birth or self.birth_date()
        address = address or self.address()[0]
        age = (self.today - birth).days // 365
        record: dict[str, Any] = {
            "id": self.uuid(),
            "full_name": self.name(sex),
            "birth_date": birth.isoformat(),
            "sex": sex,
            "personal_id": self.personal_id(birth, sex) if with_id else None,
            "nationality": "VN",
            "ethnicity": _weighted(self.rng, ETHNICITIES),
            "religion": self.rng.choice(("Không", "Không", "Không", "Phật giáo", "Công giáo")),
            "hometown": self.rng.choice((self.province_name, "tỉnh Hải Dương", "tỉnh Thái Bình",
                                         "thành phố Hải Phòng", "tỉnh Nam Định")),
            "occupation": ("Học sinh" if age < 18 else self.rng.choice(OCCUPATIONS)),
            "phone": (f"09{self.rng.randint(10_000_000, 99_999_999)}" if age >= 16 else None),
            "permanent_address": address,
            "current_address": address,
            "household_id": household_id,
        }
        if age >= 14 and self.rng.random() < 0.3 and birth.year < 2008:
            record["old_id"] = f"{self.rng.randint(100_000_000, 199_999_999)}"
        return record

    def people(self, n: int) -> Iterator[dict[str, Any]]:
        """``n`` persons with no household links: the simplest realistic records (benchmarks, sync tests)."""
        for _ in range(n):
            yield self.person()

    def commune(self, n_persons: int) -> SyntheticCommune:
        """Households of 1–7 people (head, spouse, children, sometimes a parent), their membership and their
        permanent residence records, plus some temporary residents and absences."""
        out = SyntheticCommune()
        while len(out.persons) < n_persons:
            address, hamlet = self.address()
            hh_id = self.uuid()
            out.households.append({"id": hh_id, "household_no": f"QN{self.rng.randint(100000, 999999)}",
                                   "address": address, "hamlet": hamlet})
            head_sex = "M" if self.rng.random() < 0.75 else "F"
            head = self.person(sex=head_sex, birth=self.birth_date(25, 80), address=address, household_id=hh_id)
            family = [(head, "head")]
            if self.rng.random() < 0.8:
                family.append((self.person(sex="F" if head_sex == "M" else "M", birth=self.birth_date(22, 78),
                                           address=address, household_id=hh_id), "spouse"))
            head_age = (self.today - date.fromisoformat(head["birth_date"])).days // 365
            for _ in range(self.rng.choice((0, 1, 2, 2, 3, 3, 4))):
                child_age = self.rng.randint(0, max(0, min(head_age - 20, 50)))
                family.append((self.person(birth=self.birth_date(child_age, child_age + 1), address=address,
                                           household_id=hh_id), "child"))
            if head_age < 65 and self.rng.random() < 0.15:
                family.append((self.person(birth=self.birth_date(head_age + 20, head_age + 35), address=address,
                                           household_id=hh_id), "parent"))
            out.households[-1]["head_id"] = head["id"]
            for person, relationship in family:
                if len(out.persons) >= n_persons:
                    break
                out.persons.append(person)
                joined = max(date.fromisoformat(person["birth_date"]), self.today - timedelta(days=365 * 20))
                out.members.append({"id": self.uuid(), "household_id": hh_id, "person_id": person["id"],
                                    "relationship": relationship, "joined_on": joined.isoformat()})
                out.residences.append({"id": self.uuid(), "person_id": person["id"], "type": "permanent",
                                       "household_id": hh_id, "address": address,
                                       "start_date": joined.isoformat()})
                if self.rng.random() < 0.03:
                    start = self.today - timedelta(days=self.rng.randint(1, 300))
                    out.residences.append({"id": self.uuid(), "person_id": person["id"], "type": "absence",
                                           "address": "Thành phố Hà Nội", "start_date": start.isoformat(),
                                           "end_date": (start + timedelta(days=365)).isoformat(),
                                           "reason": "Đi làm ăn xa"})
        return out


def populate(store: Any, n_persons: int, *, seed: int = 1, officer: str = "demo",
             today: date | None = None) -> SyntheticCommune:
    """Write a synthetic commune into ``store`` through its write path (audit and outbox included), its ages
    counted from ``today`` (``FIXED_TODAY`` when not given: the same commune whatever the date)."""
    data = Generator(seed, today=today).commune(n_persons)
    with store.bulk(), store.transaction():
        heads = {h["id"]: h.pop("head_id") for h in data.households}
        for kind, rows in (("household", data.households), ("person", data.persons),
                           ("household_member", data.members), ("residence", data.residences)):
            for values in rows:
                record_id = values.pop("id")
                store.create(kind, values, officer=officer, record_id=record_id)
                values["id"] = record_id
        for hh_id, head_id in heads.items():
            store.update("household", hh_id, {"head_id": head_id}, officer=officer)
        for h in data.households:
            h["head_id"] = heads[h["id"]]
    return data
