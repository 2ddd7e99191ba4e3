"""Request bodies (pydantic, unknown fields forbidden). Responses are plain dicts kept small on purpose."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
KIND_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MAX_CHANGES = 500
MAX_LIMIT = 5000
MAX_INT = 2**53


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangeIn(Strict):
    change_id: str = Field(pattern=ID_PATTERN)
    kind: str = Field(pattern=KIND_PATTERN)
    id: str = Field(pattern=ID_PATTERN)
    op: Literal["upsert", "delete"] = "upsert"
    base_version: int = Field(0, ge=0, le=MAX_INT)
    fields: dict[str, Any] = Field(default_factory=dict)
    resolves: str | None = Field(None, pattern=ID_PATTERN)
    # Restore recovery (docs/sync-protocol.md, "Epoch"; additive, absent on every ordinary change): the epoch that
    # ``base_version`` belongs to when it is not the request's; ``replay``: the version an older epoch's server gave
    # this change (a re-sent acknowledged change); ``orphan``: a station's copy of a record the province lacks,
    # not a change of its own.
    base_epoch: Annotated[str | None, Field(max_length=64)] = None
    replay: Annotated[int | None, Field(ge=1, le=MAX_INT)] = None
    orphan: bool = False
    # With ``replay``: the fields of this change the older epoch's server answered with a conflict (kept there, not
    # applied); the replay applies the others only.
    conflicted: Annotated[list[Annotated[str, Field(max_length=64)]] | None, Field(max_length=500)] = None


class DigestIn(Strict):
    count: int = Field(ge=0, le=MAX_INT)
    sum: str = Field(pattern=r"^[0-9a-f]{16}$")


class SyncIn(Strict):
    protocol: Literal[1] = 1
    epoch: str | None = Field(None, max_length=64)
    cursor: int = Field(0, ge=0, le=MAX_INT)
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)
    # Not bounded here on purpose: more than MAX_CHANGES is a 413 ("halve the batch"), not a 422.
    changes: list[ChangeIn] = Field(default_factory=list)
    digest: DigestIn | None = None
    resync: bool = False


class EnrollIn(Strict):
    code: str = Field(min_length=4, max_length=64)
    device: str = Field("", max_length=200)


class StationIn(Strict):
    commune_code: str = Field(pattern=r"^\d{5}$")
    name: str = Field("", max_length=200)


class AdminRecordIn(Strict):
    fields: dict[str, Any] = Field(default_factory=dict)
    deleted: bool = False
    # Needed only to create a commune-kind record: which commune it belongs to.
    commune_code: str | None = Field(None, pattern=r"^\d{5}$")


class ReferenceRecordIn(Strict):
    id: str = Field(pattern=ID_PATTERN)
    fields: dict[str, Any] = Field(default_factory=dict)
    deleted: bool = False


class ReferenceIn(Strict):
    records: list[ReferenceRecordIn] = Field(max_length=5000)


class BundleIn(Strict):
    """A station's offline bundle: the push it would have made, signed with its bundle key."""
    format: Literal["station-bundle/1"] = "station-bundle/1"
    station_id: str = Field(pattern=ID_PATTERN)
    created_at: str = Field("", max_length=40)
    epoch: str | None = Field(None, max_length=64)
    cursor: int = Field(0, ge=0, le=MAX_INT)
    changes: list[ChangeIn] = Field(default_factory=list, max_length=20000)
    # Additive: the station's audit entries the province has not stored (see POST /v1/audit); a station with no
    # link sends its audit trail this way too.
    audit: list[AuditEntryIn] = Field(default_factory=list, max_length=20000)
    signature: str = Field(pattern=r"^[0-9a-f]{64}$")


HASH_PATTERN = r"^[0-9a-f]{64}$"


class AuditEntryIn(Strict):
    """One station audit entry exactly as the station stored it (every hashed field, ``changes`` as its JSON
    text: the hash covers that text byte for byte)."""
    seq: int = Field(ge=1, le=MAX_INT)
    at: str = Field(max_length=40)
    officer: str = Field(max_length=200)
    kind: str = Field(pattern=KIND_PATTERN)
    record_id: str = Field(pattern=ID_PATTERN)
    action: Literal["create", "update", "delete", "remote", "resolve"]
    changes: str = Field(max_length=4 << 20)
    change_id: str | None = Field(None, max_length=64)
    record_hash: str = Field(pattern=HASH_PATTERN)
    prev_hash: str = Field(pattern=HASH_PATTERN)
    hash: str = Field(pattern=HASH_PATTERN)


class AuditIn(Strict):
    # Not bounded here: more than audit.MAX_ENTRIES is a 413 ("halve the batch"), as for changes.
    entries: list[AuditEntryIn] = Field(default_factory=list)


SyncOut = dict[str, Any]
Op = Literal["upsert", "delete"]


BundleIn.model_rebuild()  # its ``audit`` member refers to AuditEntryIn, defined after it
