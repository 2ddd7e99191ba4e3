"""Import and export of residents as CSV, the way Excel writes and reads it.

Export writes UTF-8 with a BOM (so Excel shows Vietnamese correctly), Vietnamese column headers and dates as
dd/mm/yyyy; a cell that a spreadsheet would run as a formula is written as text (``spreadsheet_safety``).

Import accepts UTF-8 with or without BOM (and Excel's "Unicode text", UTF-16 with tabs), comma, semicolon or tab
separators, headers as field names or as the Vietnamese or English labels, dates as dd/mm/yyyy or yyyy-mm-dd, sex
as Nam/Nữ or M/F. A person is matched on the personal ID number (foreigners: passport number), so running the
same import twice creates nothing the second time. The rules that keep stored data safe:

* **A blank cell changes nothing** for a person already stored. To clear a stored value on purpose the cell
  holds exactly ``-`` (``CLEAR_MARK``; typed as ``'-`` it is the text "-").
* **The same person twice in one file** (same ID or passport number) is reported on every line that has it, and
  none of those lines is imported: the file must say which one is right.
* **Identity fields** (name, date of birth, sex) of a stored person are not changed by an import unless asked
  (``update_identity``: ``--update`` on the command line, the tick in the app's preview): without it the row is
  held and its differences listed (``ImportReport.held``), and nothing of that row is written.
* **Households**: optional columns household number, relationship to the head, the head's ID number and the
  household's address create a household the first time its number is seen and link each person to it (member
  record and the person's household). Re-running the file adds and changes nothing.
* A file that cannot be read as a table (not UTF-8, an unclosed quote or a cell longer than the limit, no data
  row, unknown headers) is refused as a whole before anything is written, with the line where it went wrong.

Every write goes through the store's write path (``Store.create / update``: audit and outbox included); each
bad row is reported with its line number and reasons, in Vietnamese and English.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .clock import office_today
from .domain.problems import Problem, ValidationError
from .domain.residents import HOUSEHOLD, HOUSEHOLD_MEMBER, PERSON, RELATIONSHIPS, normalize_person
from .domain.text import fold, normalize_text
from .spreadsheet_safety import csv_row, unescape_cell
from .store import Store
from .store.errors import StoreError

EXPORT_FIELDS = ("full_name", "birth_date", "sex", "personal_id", "old_id", "passport_no", "nationality",
                 "ethnicity", "religion", "hometown", "birth_place", "occupation", "phone", "email",
                 "permanent_address", "current_address", "note")
IDENTITY_FIELDS = ("full_name", "birth_date", "sex")
CLEAR_MARK = "-"
MAX_CELL = 4000  # characters: far above any real name or address; a longer cell is a broken file or an attack
FIELD_LIMIT = csv.field_size_limit()  # what csv reads in one cell (131,072); past it the file is refused as broken
CHUNK = 500
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")

# Household columns (not person fields): each its name, the household field's own labels (domain/residents.py,
# the one place they are written) and the other labels an officer may have typed.
def _labels(name: str, field: str, *aliases: str) -> tuple[str, ...]:
    f = HOUSEHOLD.by_name.get(field) or HOUSEHOLD_MEMBER.by_name[field]
    return (name, f.vi, f.en, *aliases)


HOUSEHOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "household_no": _labels("household_no", "household_no", "Số hộ khẩu", "Hộ gia đình", "Household", "household_id",
                            "Mã hộ"),
    "relationship": _labels("relationship", "relationship", "Quan hệ", "Relationship to the head", "Relationship"),
    "head": _labels("head", "head_id", "Số định danh chủ hộ", "Head's personal ID"),
    "household_address": ("household_address", "Địa chỉ hộ", "Household address"),
    "hamlet": _labels("hamlet", "hamlet", "Thôn", "Tổ dân phố", "Hamlet"),
}
CLEARED = None  # the value a CLEAR_MARK cell stands for


def _both(vi: str, en: str) -> str:
    return f"{vi} / {en}"


@dataclass
class RowError:
    line: int
    problems: list[Problem]

    def message(self, language: str | None = None) -> str:
        """Both languages unless one is asked for: "Dòng 4: … / Line 4: …"."""
        vi = f"Dòng {self.line}: " + "; ".join(p.vi for p in self.problems)
        en = f"Line {self.line}: " + "; ".join(p.en for p in self.problems)
        if language == "vi":
            return vi
        if language == "en":
            return en
        return _both(vi, en)


@dataclass
class HeldChange:
    """A stored person whose identity (name, date of birth, sex) or household the file would change."""

    line: int
    record_id: str
    label: str  # the person as stored: name and ID number
    diffs: list[tuple[str, Any, Any]]  # (field, stored, in the file)

    def message(self, language: str | None = None) -> str:
        def show(v: Any) -> str:
            return "(trống / empty)" if v in (None, "") else str(v)

        vi = f"Dòng {self.line}: {self.label} — " + "; ".join(
            f"{_label(f, 'vi')}: {show(a)} → {show(b)}" for f, a, b in self.diffs)
        en = f"Line {self.line}: {self.label} — " + "; ".join(
            f"{_label(f, 'en')}: {show(a)} → {show(b)}" for f, a, b in self.diffs)
        if language == "vi":
            return vi
        if language == "en":
            return en
        return _both(vi, en)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    households_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    held: list[HeldChange] = field(default_factory=list)
    applied: bool = True  # False for a preview (``dry_run``): nothing was kept

    def summary(self, language: str | None = None) -> str:
        vi = (f"Thêm mới {self.created}, cập nhật {self.updated}, không đổi {self.unchanged}, "
              f"bị từ chối {len(self.errors)}")
        en = (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
              f"{len(self.errors)} rejected")
        if self.held:
            vi += f", chờ xác nhận {len(self.held)}"
            en += f", {len(self.held)} awaiting confirmation"
        if self.households_created:
            vi += f"; hộ mới {self.households_created}"
            en += f"; {self.households_created} new households"
        if language == "vi":
            return vi
        if language == "en":
            return en
        return f"{vi}\n{en}"

    def held_note(self) -> str:
        return _both(
            "Các dòng trên đổi họ tên, ngày sinh, giới tính hoặc hộ của người đã có: chưa ghi. Nếu đúng, chạy lại "
            "với --update (trong phần mềm: đánh dấu \"Áp dụng cả thay đổi nhân thân\").",
            "The lines above change the name, date of birth, sex or household of a stored person: not written. "
            "If they are right, run again with --update (in the app: tick \"Apply identity changes too\").")


def _label(name: str, language: str) -> str:
    f = PERSON.by_name.get(name) or HOUSEHOLD.by_name.get(name)
    if name == "household_no":
        return "Hộ" if language == "vi" else "Household"
    if f is None:
        return name
    return f.en if language == "en" else f.vi


def _header_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for f in PERSON.fields:
        if f.name == "household_id":
            continue  # a household is named by its number (HOUSEHOLD_COLUMNS), never by an internal id
        for label in (f.name, f.vi, f.en):
            if label:
                mapping[fold(label)] = f.name
    for name, labels in HOUSEHOLD_COLUMNS.items():
        for label in labels:
            mapping.setdefault(fold(label), name)
    return mapping


def _parse_date(text: str) -> str:
    text = text.strip()
    m = _DMY.match(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
    return date.fromisoformat(text).isoformat()


def _file_error(vi: str, en: str) -> StoreError:
    return StoreError(vi + " Không nhập gì.", en + " Nothing was imported.")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"Không đọc được tệp {path.name} ({exc.strerror or exc}).",
                         f"Could not read {path.name} ({exc.strerror or exc}).") from exc
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"Tệp {path.name} không phải UTF-8. Trong Excel hãy lưu bằng \"CSV UTF-8 (Comma delimited)\".",
            f"{path.name} is not UTF-8. In Excel, save as \"CSV UTF-8 (Comma delimited)\".") from exc


@dataclass
class _Row:
    line: int
    values: dict[str, Any] | None  # person fields: absent = blank (unchanged); None = cleared
    problems: list[Problem]
    household: dict[str, str | None] = field(default_factory=dict)  # the household columns that were filled

    def key(self) -> tuple[str, str] | None:
        """What identifies the person across the file and the store."""
        if self.values is None:
            return None
        ids = normalize_person({k: self.values.get(k) for k in ("personal_id", "passport_no")
                                if isinstance(self.values.get(k), str)})
        if ids.get("personal_id"):
            return ("personal_id", ids["personal_id"])
        if ids.get("passport_no"):
            return ("passport_no", ids["passport_no"])
        return None


class _Table:
    """The file read as a table: ``rows()`` can be walked more than once (the duplicate check, then the import)."""

    def __init__(self, path: Path):
        self.path = path
        text = _read_text(path)
        if "\x00" in text:
            raise _file_error(f"Tệp {path.name} chứa ký tự NUL: không phải tệp CSV văn bản.",
                              f"{path.name} contains NUL characters: not a CSV text file.")
        self.text = text
        first_line = text.split("\n", 1)[0]
        counts = {d: first_line.count(d) for d in (",", ";", "\t")}
        self.delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        reader = self._reader()
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise self._broken(1, exc) from exc
        if header is None or not any(h.strip() for h in header):
            raise _file_error(f"Tệp {path.name} trống: không có dòng tiêu đề hay dữ liệu nào.",
                              f"{path.name} is empty: no header and no data.")
        mapping = _header_map()
        self.columns = [mapping.get(fold(h)) for h in header]
        unknown = [h for h, c in zip(header, self.columns, strict=True) if c is None and h.strip()]
        if unknown or "full_name" not in self.columns:
            shown = ", ".join(h[:60] for h in unknown[:10])
            raise _file_error(
                f"Tiêu đề cột không nhận ra: {shown or '(thiếu cột Họ và tên)'}.",
                f"Unrecognised column headers: {shown or '(no Full name column)'}.")
        named = [c for c in self.columns if c]
        doubled = sorted({c for c in named if named.count(c) > 1})
        if doubled:
            vi = ", ".join(_label(c, "vi") for c in doubled)
            en = ", ".join(_label(c, "en") for c in doubled)
            raise _file_error(f"Cột lặp lại trong tiêu đề: {vi}.", f"Columns repeated in the header: {en}.")

    def _reader(self) -> Any:
        return csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)

    def _broken(self, line: int, exc: csv.Error) -> StoreError:
        return _file_error(
            f"Tệp {self.path.name} hỏng từ dòng {line}: có dấu ngoặc kép không được đóng hoặc một ô dài quá "
            f"{FIELD_LIMIT:,} ký tự ({exc}).".replace(",", "."),
            f"{self.path.name} is broken from line {line}: a quotation mark is not closed or a cell is longer "
            f"than {FIELD_LIMIT:,} characters ({exc}).")

    def rows(self) -> Iterator[_Row]:
        reader = self._reader()
        next(reader)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self._broken(start, exc) from exc
            if not any(c.strip() for c in cells):
                continue
            yield self._row(start, cells)

    def _row(self, line: int, cells: list[str]) -> _Row:
        columns = self.columns
        problems: list[Problem] = []
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            problems.append(Problem("", "csv.columns", f"Dòng có {len(cells)} cột, tiêu đề có {len(columns)}.",
                                    f"The row has {len(cells)} columns, the header {len(columns)}."))
            return _Row(line, None, problems)
        values: dict[str, Any] = {}
        household: dict[str, str | None] = {}
        for name, raw in zip(columns, cells, strict=False):
            if name is None:
                continue
            cell, literal = unescape_cell(raw.strip())
            cell = cell.strip() if not literal else cell
            if len(cell) > MAX_CELL:
                label_vi, label_en = _label(name, "vi"), _label(name, "en")
                problems.append(Problem(name, "csv.cell_too_long",
                                        f"{label_vi}: ô dài {len(cell)} ký tự, quá giới hạn {MAX_CELL}.",
                                        f"{label_en}: the cell has {len(cell)} characters, over the limit of "
                                        f"{MAX_CELL}."))
                continue
            if not cell:
                continue  # blank: unchanged
            cleared = cell == CLEAR_MARK and not literal
            if name in HOUSEHOLD_COLUMNS:
                household[name] = None if cleared else cell
                continue
            if cleared:
                values[name] = CLEARED
                continue
            if PERSON.by_name[name].type == "date":
                try:
                    cell = _parse_date(cell)
                except ValueError:
                    f = PERSON.by_name[name]
                    shown = cell[:40]
                    problems.append(Problem(name, "date.invalid", f"{f.vi}: ngày không hợp lệ ({shown}).",
                                            f"{f.en}: invalid date ({shown})."))
                    continue
            values[name] = cell
        return _Row(line, values, problems, household)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """(line number, values, problems) per data row; values is None when the row could not be parsed. Blank
    cells are absent from values, cleared ones (``CLEAR_MARK``) are None."""
    for row in _Table(Path(path)).rows():
        yield row.line, row.values, row.problems


class _Preview(Exception):
    """Raised at the end of a preview to roll everything back."""


def import_residents(store: Store, path: Path, *, officer: str, update_identity: bool = False,
                     dry_run: bool = False) -> ImportReport:
    """Import ``path`` (see the module's docstring). ``dry_run``: do everything in a transaction that is then
    rolled back, so the report says exactly what an import would do and nothing is kept (the app's preview).
    Raises ``StoreError`` for a file that cannot be read as a whole; then nothing was written."""
    table = _Table(Path(path))
    duplicates, total, places = _survey(table)
    if total == 0:
        raise _file_error(f"Tệp {Path(path).name} chỉ có dòng tiêu đề, không có dòng dữ liệu nào.",
                          f"{Path(path).name} has a header but no data rows.")
    report = ImportReport(applied=not dry_run)
    importer = _Importer(store, officer, update_identity, report, places)
    rows = table.rows()
    try:
        with store.transaction() if dry_run else _nothing():
            while True:
                chunk = [r for _, r in zip(range(CHUNK), rows, strict=False)]
                if not chunk:
                    break
                with store.bulk(), store.transaction():
                    for row in chunk:
                        if row.values is None or row.problems:
                            report.errors.append(RowError(row.line, row.problems))
                            continue
                        key = row.key()
                        if key is not None and key in duplicates:
                            report.errors.append(RowError(row.line, [_duplicate_problem(key, duplicates[key])]))
                            continue
                        importer.row(row)
            with store.transaction():
                importer.finish()
            if dry_run:
                raise _Preview
    except _Preview:
        pass
    report.errors.sort(key=lambda e: e.line)
    return report


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _survey(table: _Table) -> tuple[dict[tuple[str, str], list[int]], int, dict[str, dict[str, str]]]:
    """The whole file read once before anything is written: keys that more than one line has (with those lines),
    how many data rows there are, and each household's address and hamlet (from whichever of its lines gives
    them: often only the head's line does; else the head's, else a member's permanent residence)."""
    seen: dict[tuple[str, str], list[int]] = {}
    total = 0
    places: dict[str, dict[str, str]] = {}
    for row in table.rows():
        total += 1
        key = row.key()
        if key is not None:
            seen.setdefault(key, []).append(row.line)
        number = row.household.get("household_no")
        if not number:
            continue
        place = places.setdefault(normalize_text(number), {})
        for column in ("household_address", "hamlet"):
            if row.household.get(column):
                place.setdefault(column, str(row.household[column]))
        address = (row.values or {}).get("permanent_address")
        if address:
            head = _relationship(row.household.get("relationship")) == "head"
            place["head_address" if head else "member_address"] = place.get(
                "head_address" if head else "member_address") or address
    return {k: lines for k, lines in seen.items() if len(lines) > 1}, total, places


def _duplicate_problem(key: tuple[str, str], lines: list[int]) -> Problem:
    what_vi = "Số định danh" if key[0] == "personal_id" else "Số hộ chiếu"
    what_en = "Personal ID number" if key[0] == "personal_id" else "Passport number"
    at = ", ".join(str(n) for n in lines[:20]) + (", …" if len(lines) > 20 else "")
    return Problem(key[0], "csv.duplicate",
                   f"{what_vi} {key[1]} có ở nhiều dòng ({at}); không dòng nào được nhập — hãy giữ một dòng đúng.",
                   f"{what_en} {key[1]} is on several lines ({at}); none of them was imported — keep the right "
                   "one.")


class _Importer:
    """One import: persons row by row, then the households' heads once every person is known."""

    def __init__(self, store: Store, officer: str, update_identity: bool, report: ImportReport,
                 places: dict[str, dict[str, str]]):
        self.store = store
        self.places = places
        self.officer = officer
        self.update_identity = update_identity
        self.report = report
        # household number -> (line, the head's key) for heads named by ID number, resolved in finish()
        self.heads: dict[str, list[tuple[int, tuple[str, str]]]] = {}
        self._household_ids: dict[str, str] | None = None  # household number -> id (no index on the number)
        self._numbers: dict[str, str] = {}

    def _find_household(self, number: str) -> dict[str, Any] | None:
        """The live household with this number: the numbers are read once per import (a million-row file must
        not scan the households table for each of its rows), then kept up to date as households are created."""
        if self._household_ids is None:
            self._household_ids = {}
            for row in self.store.conn.execute("SELECT household_no, id FROM households WHERE deleted = 0 AND "
                                               "household_no IS NOT NULL ORDER BY n DESC"):
                self._household_ids[row[0]] = row[1]
        record_id = self._numbers.get(number) or self._household_ids.get(number)
        return self.store.get("household", record_id) if record_id else None

    # ------------------------------------------------------------------ persons
    def row(self, row: _Row) -> None:
        assert row.values is not None
        report, store = self.report, self.store
        clean, problems = PERSON.coerce(row.values)
        household_problems = _check_household_cells(row.household)
        if problems or household_problems:
            report.errors.append(RowError(row.line, problems + household_problems))
            return
        key = row.key()
        existing = store.find_one("person", **{key[0]: key[1]}) if key is not None else None
        households_before = report.households_created
        numbers_before = dict(self._numbers)
        try:
            if existing is None:
                with store.transaction():
                    person = store.create("person", row.values, officer=self.officer)
                    self._household(row, person, None)
                report.created += 1
                return
            diffs = [(f, existing[f], clean[f]) for f in IDENTITY_FIELDS if f in clean and existing[f] != clean[f]]
            hh_diff = self._household_change(row, existing)
            if hh_diff is not None:
                diffs.append(hh_diff)
            if diffs and not self.update_identity:
                label = f"{existing['full_name']} ({existing.get('personal_id') or existing.get('passport_no')})"
                report.held.append(HeldChange(row.line, existing["id"], label, diffs))
                return
            with store.transaction():
                after = store.update("person", existing["id"], row.values, officer=self.officer)
                changed = self._household(row, after, existing)
            if after["version"] == existing["version"] and not changed:
                report.unchanged += 1
            else:
                report.updated += 1
        except ValidationError as exc:
            report.households_created = households_before  # rolled back with the row
            self._numbers = numbers_before
            report.errors.append(RowError(row.line, exc.problems))

    # --------------------------------------------------------------- households
    def _household_change(self, row: _Row, existing: dict[str, Any]) -> tuple[str, Any, Any] | None:
        """The stored person belongs to another household than the file says: (field, stored, file)."""
        number = row.household.get("household_no")
        if not number or not existing.get("household_id"):
            return None
        current = self.store.get("household", existing["household_id"])
        if current is None or (current.get("household_no") or "") == number:
            return None
        return ("household_no", current.get("household_no"), number)

    def _household(self, row: _Row, person: dict[str, Any], before: dict[str, Any] | None) -> bool:
        """Link ``person`` to the household its row names (creating the household the first time its number is
        seen). True when something was written."""
        cells = row.household
        number = cells.get("household_no")
        if not number:
            if any(cells.get(c) for c in ("relationship", "head", "household_address")):
                raise ValidationError([Problem("household_no", "required", "Thiếu số hộ cho các cột về hộ.",
                                               "The household columns need a household number.")])
            return False
        store, officer = self.store, self.officer
        relationship = _relationship(cells.get("relationship"))
        head_key = _head_key(cells.get("head"))
        if head_key is not None and head_key == row.key():
            relationship = relationship or "head"
        if relationship == "head" and head_key is None:
            head_key = row.key()
        written = False
        household = self._find_household(number)
        if household is None:
            place = self.places.get(number, {})
            address = (cells.get("household_address") or place.get("household_address")
                       or place.get("head_address") or place.get("member_address"))
            if not address:
                raise ValidationError([Problem("household_address", "required",
                                               f"Hộ {number} chưa có: cần cột Địa chỉ hộ (hoặc Nơi thường trú).",
                                               f"Household {number} is new: it needs a Household address (or a "
                                               "Permanent residence).")])
            household = store.create("household", {"household_no": number, "address": address,
                                                    "hamlet": cells.get("hamlet") or place.get("hamlet")},
                                     officer=officer)
            self.report.households_created += 1
            self._numbers[number] = household["id"]  # dropped with the row if it is rolled back (``row``)
            written = True
        else:
            changes = {}
            if cells.get("household_address") and cells["household_address"] != household.get("address"):
                changes["address"] = cells["household_address"]
            if "hamlet" in cells and cells["hamlet"] != household.get("hamlet"):
                changes["hamlet"] = cells["hamlet"]
            if changes:
                after = store.update("household", household["id"], changes, officer=officer)
                written = after["version"] != household["version"]
        if head_key is not None:
            self.heads.setdefault(number, []).append((row.line, head_key))
        if person.get("household_id") != household["id"]:
            if before is not None and before.get("household_id"):
                self._leave(person["id"], before["household_id"])
            store.update("person", person["id"], {"household_id": household["id"]}, officer=officer)
            written = True
        member = store.find_one("household_member", household_id=household["id"], person_id=person["id"])
        if member is not None and member.get("left_on"):
            member = None
        if member is None:
            store.create("household_member", {"household_id": household["id"], "person_id": person["id"],
                                              "relationship": relationship or "other",
                                              "joined_on": office_today().isoformat()}, officer=officer)
            written = True
        elif relationship and member.get("relationship") != relationship:
            store.update("household_member", member["id"], {"relationship": relationship}, officer=officer)
            written = True
        return written

    def _leave(self, person_id: str, household_id: str) -> None:
        member = self.store.find_one("household_member", household_id=household_id, person_id=person_id)
        if member is not None and not member.get("left_on"):
            self.store.update("household_member", member["id"], {"left_on": office_today().isoformat()},
                              officer=self.officer)

    def finish(self) -> None:
        """Each household's head, once every row is in: the person the file names as head (by relationship
        "Chủ hộ" or the head column). Two different heads for one household are reported on their lines."""
        store = self.store
        for number, claims in self.heads.items():
            keys = {k for _, k in claims}
            lines = sorted({line for line, _ in claims})
            if len(keys) > 1:
                at = ", ".join(str(n) for n in lines)
                for line in lines:
                    self.report.errors.append(RowError(line, [Problem(
                        "head", "csv.two_heads", f"Hộ {number} có nhiều chủ hộ khác nhau (dòng {at}); chưa đặt chủ hộ.",
                        f"Household {number} has different heads (lines {at}); no head was set.")]))
                continue
            (field_name, value), = keys
            head = store.find_one("person", **{field_name: value})
            household = self._find_household(number)
            if household is None:
                continue
            if head is None:
                self.report.errors.append(RowError(lines[0], [Problem(
                    "head", "csv.head_missing", f"Chủ hộ {value} của hộ {number} không có trong tệp hay trong dữ liệu.",
                    f"The head {value} of household {number} is neither in the file nor stored.")]))
                continue
            if household.get("head_id") == head["id"]:
                continue
            if household.get("head_id") and not self.update_identity:
                old = store.get("person", household["head_id"])
                label = f"Hộ {number} / Household {number}"
                self.report.held.append(HeldChange(lines[0], household["id"], label, [
                    ("head_id", old["full_name"] if old else household["head_id"], head["full_name"])]))
                continue
            store.update("household", household["id"], {"head_id": head["id"]}, officer=self.officer)


def _relationship(text: str | None) -> str | None:
    if not text:
        return None
    folded = fold(text)
    for key, (vi, en) in RELATIONSHIPS.items():
        if folded in (fold(key), fold(vi), fold(en)) or folded in (fold(p) for p in vi.split("/")):
            return key
    return {"vo": "spouse", "chong": "spouse", "con trai": "child", "con gai": "child", "bo": "parent",
            "me": "parent", "cha": "parent", "ong": "grandparent", "ba": "grandparent", "anh": "sibling",
            "chi": "sibling", "em": "sibling"}.get(folded, "?")


def _head_key(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    value = normalize_person({"personal_id": text})["personal_id"]
    if value.isdigit():
        return ("personal_id", value)
    return ("passport_no", normalize_person({"passport_no": text})["passport_no"])


def _check_household_cells(cells: dict[str, str | None]) -> list[Problem]:
    problems = []
    if _relationship(cells.get("relationship")) == "?":
        problems.append(Problem("relationship", "relationship.invalid",
                                f"Quan hệ với chủ hộ không nhận ra: {str(cells['relationship'])[:40]} (ví dụ: Chủ hộ, "
                                "Vợ, Chồng, Con, Bố, Mẹ, Cháu, Ông, Bà, Anh, Chị, Em, Khác).",
                                f"Unrecognised relationship to the head: {str(cells['relationship'])[:40]} (e.g. "
                                "Head of household, Spouse, Child, Parent, Grandchild, Sibling, Other)."))
    number = cells.get("household_no")
    if number is not None and normalize_text(number) != number:
        cells["household_no"] = normalize_text(number)
    return problems


def export_residents(store: Store, path: Path) -> int:
    """Write every live resident, sorted by name. Returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(csv_row(PERSON.by_name[n].vi for n in EXPORT_FIELDS))
        for record in store.iter_records("person", order_by="search_name"):
            row = []
            for name in EXPORT_FIELDS:
                value = record.get(name)
                if value and PERSON.by_name[name].type == "date":
                    value = date.fromisoformat(value).strftime("%d/%m/%Y")
                elif name == "sex" and value:
                    value = {"M": "Nam", "F": "Nữ"}.get(value, value)
                row.append("" if value is None else value)
            writer.writerow(csv_row(row))
            count += 1
    return count
