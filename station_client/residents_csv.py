"""Import and export of residents as CSV, the way Excel writes and reads it.

Export writes UTF-8 with a BOM (so Excel shows Vietnamese correctly), Vietnamese column headers and dates as
dd/mm/yyyy. Import accepts UTF-8 with or without BOM, comma or semicolon separators, headers as field names or
as the Vietnamese or English labels, dates as dd/mm/yyyy or yyyy-mm-dd, sex as Nam/Nữ or M/F. Good rows go
through the store's write path (audit and outbox included); each bad row is reported with its line number and
reasons. A person is matched on the personal ID number (foreigners: passport number), so running the same
import twice creates nothing the second time.
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

from .domain.problems import Problem, ValidationError
from .domain.residents import PERSON
from .domain.text import fold
from .store import Store
from .store.errors import StoreError

EXPORT_FIELDS = ("full_name", "birth_date", "sex", "personal_id", "old_id", "passport_no", "nationality",
                 "ethnicity", "religion", "hometown", "birth_place", "occupation", "phone", "email",
                 "permanent_address", "current_address", "note")
CHUNK = 500
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass
class RowError:
    line: int
    problems: list[Problem]

    def message(self, language: str = "vi") -> str:
        prefix = f"Dòng {self.line}" if language != "en" else f"Line {self.line}"
        return f"{prefix}: " + "; ".join(p.message(language) for p in self.problems)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self, language: str = "vi") -> str:
        if language == "en":
            return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                    f"{len(self.errors)} rejected")
        return (f"Thêm mới {self.created}, cập nhật {self.updated}, không đổi {self.unchanged}, "
                f"bị từ chối {len(self.errors)}")


def _header_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for f in PERSON.fields:
        for label in (f.name, f.vi, f.en):
            if label:
                mapping[fold(label)] = f.name
    return mapping


def _parse_date(text: str) -> str:
    text = text.strip()
    m = _DMY.match(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
    return date.fromisoformat(text).isoformat()


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoreError(
            f"Tệp {path.name} không phải UTF-8. Trong Excel hãy lưu bằng \"CSV UTF-8 (Comma delimited)\".",
            f"{path.name} is not UTF-8. In Excel, save as \"CSV UTF-8 (Comma delimited)\".") from exc


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """(line number, values, problems) per data row; values is None when the row could not be parsed."""
    text = _read_text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    mapping = _header_map()
    columns = [mapping.get(fold(h)) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c is None and h.strip()]
    if unknown or "full_name" not in columns:
        raise StoreError(
            f"Tiêu đề cột không nhận ra: {', '.join(unknown) or '(thiếu cột Họ và tên)'}.",
            f"Unrecognised column headers: {', '.join(unknown) or '(no Full name column)'}.")
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        problems: list[Problem] = []
        if len(cells) > len(columns):
            problems.append(Problem("", "csv.columns", f"Dòng có {len(cells)} cột, tiêu đề có {len(columns)}.",
                                    f"The row has {len(cells)} columns, the header {len(columns)}."))
            yield line, None, problems
            continue
        values: dict[str, Any] = {}
        for name, cell in zip(columns, cells, strict=False):
            if name is None:
                continue
            cell = cell.strip()
            if cell and PERSON.by_name[name].type == "date":
                try:
                    cell = _parse_date(cell)
                except ValueError:
                    f = PERSON.by_name[name]
                    problems.append(Problem(name, "date.invalid", f"{f.vi}: ngày không hợp lệ ({cell}).",
                                            f"{f.en}: invalid date ({cell})."))
                    continue
            values[name] = cell or None
        yield line, values, problems


def import_residents(store: Store, path: Path, *, officer: str) -> ImportReport:
    report = ImportReport()
    rows = read_rows(Path(path))
    while True:
        chunk = [r for _, r in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            return report
        with store.bulk(), store.transaction():
            for line, values, problems in chunk:
                if values is None or problems:
                    report.errors.append(RowError(line, problems))
                    continue
                _import_one(store, line, values, officer, report)


def _import_one(store: Store, line: int, values: dict[str, Any], officer: str, report: ImportReport) -> None:
    clean, problems = PERSON.coerce(values)
    if problems:
        report.errors.append(RowError(line, problems))
        return
    existing = None
    if clean.get("personal_id"):
        existing = store.find_one("person", personal_id=clean["personal_id"])
    elif clean.get("passport_no"):
        existing = store.find_one("person", passport_no=clean["passport_no"])
    try:
        if existing is None:
            store.create("person", values, officer=officer)
            report.created += 1
        else:
            after = store.update("person", existing["id"], values, officer=officer)
            if after["version"] == existing["version"]:
                report.unchanged += 1
            else:
                report.updated += 1
    except ValidationError as exc:
        report.errors.append(RowError(line, exc.problems))


def export_residents(store: Store, path: Path) -> int:
    """Write every live resident, sorted by name. Returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([PERSON.by_name[n].vi for n in EXPORT_FIELDS])
        for record in store.iter_records("person", order_by="search_name"):
            row = []
            for name in EXPORT_FIELDS:
                value = record.get(name)
                if value and PERSON.by_name[name].type == "date":
                    value = date.fromisoformat(value).strftime("%d/%m/%Y")
                elif name == "sex" and value:
                    value = {"M": "Nam", "F": "Nữ"}.get(value, value)
                row.append("" if value is None else value)
            writer.writerow(row)
            count += 1
    return count
