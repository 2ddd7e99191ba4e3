"""Issue 14: the residents importer fed random bytes, encodings, cells and headers never crashes, and changes
nothing stored except the rows the file means (property-based, hypothesis)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from station_client.residents_csv import HOUSEHOLD_COLUMNS, IDENTITY_FIELDS, import_residents
from station_client.store import Store
from station_client.store.audit import verify
from station_client.store.errors import StoreError

STORED = [
    {"full_name": "Nguyễn Văn Đức", "birth_date": "1985-03-02", "sex": "M", "personal_id": "022085000123",
     "phone": "0912345678", "permanent_address": "Số 12 phố Lê Lợi", "note": "cũ"},
    {"full_name": "Trần Thị Mai", "birth_date": "1992-08-15", "sex": "F", "personal_id": "022192000456",
     "permanent_address": "Số 4 đường Yên Thọ"},
    {"full_name": "Lê Văn Không Đụng", "birth_date": "1970-01-01", "sex": "M", "personal_id": "022070000777",
     "permanent_address": "Khu Dốc Đỏ", "note": "không có trong tệp nào"},
]
HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Số điện thoại", "Nơi thường trú",
           "Ghi chú", "full_name", "birth_date", "sex", "personal_id", "passport_no", "Quốc tịch", "Số hộ",
           "Quan hệ với chủ hộ", "Chủ hộ", "Địa chỉ hộ", "Household number", "Tuổi", ""]
GOOD_CELLS = ["Nguyễn Văn Đức", "Trần Thị Mai", "Vũ Thị Lan", "02/03/1985", "15/08/1992", "20/10/2001",
              "1985-03-02", "Nam", "Nữ", "M", "F", "022085000123", "022192000456", "022301000789", "022070000777",
              "0912345678", "-", "'-", "'=1+1", "=HYPERLINK(\"x\")", "@SUM(1)", "Chủ hộ", "Vợ", "Con", "QN-1",
              "Khu Dốc Đỏ", "31/02/1990", "VN", "Pháp", "AB123456", ""]
NASTY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    ['"', ",", ";", "\t", "\r", "\n", "\x00", "\ufeff", "'", "-", "="]), max_size=12)
CELL = st.sampled_from(GOOD_CELLS) | NASTY_TEXT
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"]

_template_dir = Path(tempfile.mkdtemp(prefix="import-hypothesis-"))
TEMPLATE = _template_dir / "template.db"
with Store.open(TEMPLATE) as _store:
    for _values in STORED:
        _store.create("person", _values, officer="setup")
    _store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


GOOD_BY_COLUMN = {
    "Họ và tên": ["Nguyễn Văn Đức", "Trần Thị Mai", "Vũ Thị Lan", "Nguyễn Văn Đực", "-"],
    "Ngày sinh": ["02/03/1985", "15/08/1992", "20/10/2001", "1985-03-02", "31/02/1990"],
    "Giới tính": ["Nam", "Nữ", "M", "F"],
    "Số định danh cá nhân": ["022085000123", "022192000456", "022301000789", "022 085 000 123", "02219200045"],
    "Số điện thoại": ["0912345678", "0988888888", "-", "'-"],
    "Nơi thường trú": ["Khu Dốc Đỏ", "-", "=HYPERLINK(\"x\")", "'=1+1"],
    "Ghi chú": ["mới", "-", "'-", "@SUM(1)"],
    "Số hộ": ["QN-1", "QN-2", "-"],
    "Quan hệ với chủ hộ": ["Chủ hộ", "Vợ", "Con", "Bạn"],
    "Chủ hộ": ["022085000123", "022301000789"],
    "Địa chỉ hộ": ["Số 1 phố Mạo Khê", ""],
}


PEOPLE = [
    {"Họ và tên": "Nguyễn Văn Đức", "Ngày sinh": "02/03/1985", "Giới tính": "Nam",
     "Số định danh cá nhân": "022085000123", "Quan hệ với chủ hộ": "Chủ hộ", "Chủ hộ": "022085000123"},
    {"Họ và tên": "Nguyễn Văn Đực", "Ngày sinh": "02/03/1985", "Giới tính": "Nam",
     "Số định danh cá nhân": "022 085 000 123"},
    {"Họ và tên": "Trần Thị Mai", "Ngày sinh": "15/08/1992", "Giới tính": "Nữ",
     "Số định danh cá nhân": "022192000456", "Quan hệ với chủ hộ": "Vợ", "Chủ hộ": "022085000123"},
    {"Họ và tên": "Vũ Thị Lan", "Ngày sinh": "20/10/2001", "Giới tính": "Nữ",
     "Số định danh cá nhân": "022301000789", "Quan hệ với chủ hộ": "Chủ hộ"},
]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.binary(max_size=300))  # anything at all
    if shape <= 2:  # headers and cells of any kind
        header = draw(st.lists(st.sampled_from(HEADERS) | NASTY_TEXT, min_size=1, max_size=8))
        rows = draw(st.lists(st.lists(CELL, max_size=len(header) + 1), max_size=6))
    else:  # a register as officers keep it, with odd cells here and there
        columns = list(GOOD_BY_COLUMN)
        core = ["Ngày sinh", "Giới tính", "Số định danh cá nhân"] if draw(st.integers(0, 3)) else []
        extra = draw(st.lists(st.sampled_from([c for c in columns[1:] if c not in core]), unique=True, max_size=6))
        header = ["Họ và tên", *core, *extra]
        header = draw(st.permutations(header))
        rows = []
        chosen = draw(st.permutations([p for i, p in enumerate(PEOPLE) if i != 1 or draw(st.booleans())]))
        chosen = chosen[:draw(st.integers(min(1, len(chosen)), len(chosen)))]
        if chosen and not draw(st.integers(0, 4)):
            chosen.append(draw(st.sampled_from(PEOPLE)))  # sometimes the same person twice
        for person in chosen:
            rows.append([person.get(h) or draw(st.sampled_from(GOOD_BY_COLUMN[h]) | st.just(""))
                         if draw(st.integers(0, 7)) else draw(st.sampled_from(GOOD_BY_COLUMN[h]) | CELL)
                         for h in header])
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quote = draw(st.booleans())

    def line(cells: list[str]) -> str:
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return delimiter.join(cells)

    text = "\n".join(line(r) for r in [header, *rows]) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(st.sampled_from(ENCODINGS)) if draw(st.integers(0, 3)) == 0 else "utf-8-sig"
    return text.encode(encoding, errors="replace")


def _persons(store: Store) -> dict[str, dict]:
    return {p["id"]: p for p in store.iter_records("person")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=csv_files(), update=st.booleans())
def test_the_importer_never_crashes_and_touches_only_the_rows_it_means(content: bytes, update: bool) -> None:
    work = Path(tempfile.mkdtemp(dir=_template_dir))
    try:
        db = work / "station.db"
        shutil.copy(TEMPLATE, db)
        source = work / "in.csv"
        source.write_bytes(content)
        with Store.open(db) as store:
            before = _persons(store)
            audit_before = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
            try:
                report = import_residents(store, source, officer="cli", update_identity=update)
            except StoreError as exc:  # the file as a whole: refused with both languages, nothing written
                event("refused")
                assert exc.vi and exc.en
                assert _persons(store) == before
                assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
                return
            if report.errors and not report.created and not report.updated:
                event("first rejection: " + report.errors[0].problems[0].code if report.errors[0].problems else "?")
            event("imported" + "".join(f" {k}" for k, n in (("created", report.created), (
                "updated", report.updated), ("held", len(report.held)), ("rejected", len(report.errors))) if n))
            after = _persons(store)
            assert len(after) == len(before) + report.created
            assert set(before) <= set(after)
            untouched = before[next(i for i, p in before.items() if p["personal_id"] == "022070000777")]
            text = content.decode("utf-8", errors="ignore") + content.decode("utf-16", errors="ignore")
            for record_id, old in before.items():
                new = after[record_id]
                if old["personal_id"] not in text.replace(" ", "").replace(".", ""):
                    assert new == old  # a person the file does not name is never touched
                if not update:
                    assert all(new[f] == old[f] for f in IDENTITY_FIELDS)  # identity only with --update
            if untouched["personal_id"] not in text:
                assert after[untouched["id"]] == untouched
            assert verify(store.conn).ok  # every write went through the write path
            for error in report.errors:
                assert error.line >= 2 and error.message().count(" / ") >= 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_household_columns_are_known_headers() -> None:
    # The strategy above draws household headers: they must be columns the importer knows.
    from station_client.domain.text import fold
    from station_client.residents_csv import _header_map

    known = _header_map()
    assert all(fold(label) in known for labels in HOUSEHOLD_COLUMNS.values() for label in labels)
