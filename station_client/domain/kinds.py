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
from typing import Any, Literal

from .problems import Problem

FieldType = Literal["text", "int", "real", "bool", "date", "datetime", "json"]
Scope = Literal["commune", "reference"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "text"
    vi: str = ""
    en: str = ""


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
                problems.append(Problem(name, "field.unknown", f"Trường không tồn tại: {name}.",
                                        f"Unknown field: {name}."))
                continue
            try:
                out[name] = coerce_value(f, value)
            except (TypeError, ValueError):
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
    if value is None:
        return None
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
            return json.loads(value)
        if isinstance(value, list | dict):
            return value
        raise TypeError(f.name)
    raise ValueError(f"unknown field type {t}")


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
