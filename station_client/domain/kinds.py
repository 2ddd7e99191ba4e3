"""Record kinds: the one description of every record type, shared by the store, sync, the UI and the server.

A kind lists its synced fields with their types. The store keeps one table per kind with these fields as
columns plus the metadata columns (id, version, deleted, ...); the sync protocol ships the fields as JSON;
the province server validates an incoming change with the same ``validate`` the station used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from .problems import Problem

FieldType = Literal["text", "int", "real", "bool", "date", "datetime", "json"]
Scope = Literal["commune", "reference"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Text that must never be stored or sent: a lone surrogate (it has no UTF-8 form, so SQLite drivers and JSON
# encoders fail on it — one such value once stopped the sync of a whole commune), NUL and the other C0/C1 control
# characters, DEL. Tab, line feed and carriage return only where a field holds several lines (notes, contents,
# addresses, ...) or inside JSON values; a one-line field (a name, a number, a code) refuses them too.
_BAD_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTILINE_WORDS = ("note", "content", "summary", "reason", "resolution", "agreement", "basis", "measures",
                    "violation", "sanction", "outcome", "address", "place", "subject", "offence", "ground",
                    "mediators", "documents", "description")


class InvalidText(ValueError):
    """A text value holds a character that cannot be stored or sent (see ``text_problem``)."""

    def __init__(self, field: str, reason: str):
        super().__init__(field)
        self.field = field
        self.reason = reason  # "surrogate" | "control"


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` cannot be stored or sent ("surrogate" or "control"), or None when it is fine."""
    if value.isprintable():  # the common case, in C: no control character, no surrogate
        return None
    m = (_BAD_MULTILINE if multiline else _BAD_ONE_LINE).search(value)
    if m is None:
        return None
    return "surrogate" if 0xD800 <= ord(m.group()) <= 0xDFFF else "control"


def json_text_problem(value: Any, depth: int = 0) -> str | None:
    """``text_problem`` over every string (keys included) inside a JSON value; line breaks are allowed."""
    if isinstance(value, str):
        return text_problem(value)
    if depth > 64:
        return "control"  # deeper than any record holds: refused rather than walked without end
    if isinstance(value, dict):
        for k, v in value.items():
            problem = (text_problem(k) if isinstance(k, str) else None) or json_text_problem(v, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list | tuple):
        for v in value:
            problem = json_text_problem(v, depth + 1)
            if problem:
                return problem
    return None


def printable(text: str, limit: int = 80) -> str:
    """``text`` safe to show and to encode (invalid characters escaped), cut to ``limit`` characters."""
    out = "".join(ch if text_problem(ch, multiline=False) is None else ascii(ch)[1:-1] for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def invalid_text_problem(name: str, label_vi: str, label_en: str, reason: str) -> Problem:
    if reason == "surrogate":
        vi_why, en_why = "một mã Unicode lẻ (surrogate)", "a lone Unicode surrogate"
    else:
        vi_why, en_why = "một ký tự điều khiển (NUL, xuống dòng ở ô một dòng, ...)", \
            "a control character (NUL, a line break in a one-line field, ...)"
    return Problem(name, "text.invalid", f"{label_vi}: có ký tự không hợp lệ — {vi_why}. Hãy sửa lại nội dung.",
                   f"{label_en}: contains an invalid character — {en_why}. Correct the text.")


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "text"
    vi: str = ""
    en: str = ""
    # Whether the text may hold several lines (tab, LF, CR). None: decided by the field's name (notes, contents,
    # addresses, reasons, ... do).
    multiline: bool | None = None

    @cached_property
    def allows_lines(self) -> bool:
        if self.multiline is not None:
            return self.multiline
        if self.type == "json":
            return True
        return not self.name.endswith("_id") and any(word in self.name for word in _MULTILINE_WORDS)


Validator = Callable[[dict[str, Any]], list[Problem]]
Normalizer = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class RecordKind:
    name: str  # sync name, e.g. "person"
    table: str  # local table, e.g. "persons"
    vi: str
    en: str
    fields: tuple[Field, ...]
    # "commune": made and edited by stations, scoped to one commune. "reference": province-owned, pulled only.
    scope: Scope = "commune"
    # A commune-scoped kind that only the province writes (officer accounts it provisions): stations pull it and
    # never change it, like reference data, but each commune receives only its own.
    province_only: bool = False
    validator: Validator | None = None
    normalizer: Normalizer | None = None
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)
    # Worked out once: read for every saved row.
    field_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "field_names", tuple(f.name for f in self.fields))

    def coerce(self, values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """Check names and types of ``values``; return the cleaned values and any problems.

        Unknown fields are a problem (a typo must not vanish silently). Empty strings become None.
        """
        out: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, value in values.items():
            f = self.by_name.get(name)
            if f is None:
                shown = printable(str(name))
                problems.append(Problem(shown, "field.unknown", f"Trường không tồn tại: {shown}.",
                                        f"Unknown field: {shown}."))
                continue
            try:
                out[name] = coerce_value(f, value)
            except InvalidText as exc:
                problems.append(invalid_text_problem(name, f.vi or name, f.en or name, exc.reason))
            except (TypeError, ValueError, RecursionError):
                label_vi = f.vi or name
                label_en = f.en or name
                problems.append(Problem(name, f"type.{f.type}", f"{label_vi}: giá trị không hợp lệ.",
                                        f"{label_en}: invalid value."))
        if self.normalizer and not problems:
            out = self.normalizer(out)
        return out, problems

    def validate(self, record: dict[str, Any]) -> list[Problem]:
        """Rules over a whole record (all fields present, None where empty)."""
        return self.validator(record) if self.validator else []

    def empty_record(self) -> dict[str, Any]:
        return dict.fromkeys(self.field_names)


def coerce_value(f: Field, value: Any) -> Any:
    """The value of ``f`` in its stored form. Raises ``InvalidText`` (a ValueError) for text that cannot be
    stored or sent, TypeError/ValueError for a value of the wrong type."""
    if value is None:
        return None
    if isinstance(value, str):
        reason = text_problem(value, multiline=f.allows_lines)
        if reason is not None:
            raise InvalidText(f.name, reason)
    if isinstance(value, str) and f.type != "json" and not value.strip():
        return None
    t = f.type
    if t == "text":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise TypeError(f.name)
        return str(value)
    if t == "int":
        if isinstance(value, bool):
            raise TypeError(f.name)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f.name)
        return int(value)
    if t == "real":
        if isinstance(value, bool):
            raise TypeError(f.name)
        return float(value)
    if t == "bool":
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return bool(int(value))
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f.name)
    if t == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and _DATE.match(value):
            return date.fromisoformat(value).isoformat()
        raise ValueError(f.name)
    if t == "datetime":
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        raise ValueError(f.name)
    if t == "json":
        if isinstance(value, str):
            value = json.loads(value)
        elif not isinstance(value, list | dict):
            raise TypeError(f.name)
        reason = json_text_problem(value)
        if reason is not None:
            raise InvalidText(f.name, reason)
        return value
    raise ValueError(f"unknown field type {t}")


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
