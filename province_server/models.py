"""Request bodies (pydantic, unknown fields forbidden). Responses are plain dicts kept small on purpose."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from station_client.domain.kinds import text_problem

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
KIND_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MAX_CHANGES = 2000  # changes per request (stations before 0.2 send at most 500)
MAX_LIMIT = 5000
MAX_INT = 2**53


def _one_line(value: str) -> str:
    if text_problem(value, multiline=False) is not None:
        raise ValueError("the text holds an invalid character (a lone surrogate or a control character) / "
                         "văn bản có ký tự không hợp lệ (mã Unicode lẻ hoặc ký tự điều khiển)")
    return value


def _storable(value: str) -> str:
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError("the text holds a NUL or a lone surrogate, which cannot be stored / "
                         "văn bản có ký tự NUL hoặc mã Unicode lẻ, không lưu được")
    return value


# Free text in request bodies: refused (422) when it holds a lone surrogate, NUL or another control character —
# the same rule as record fields (``RecordKind.coerce``), so nothing that cannot be stored and sent back gets in.
Text = Annotated[str, AfterValidator(_one_line)]
# Audit entries are hashed exactly as the station stored them (older data may hold other control characters):
# only what no database can store is refused.
Storable = Annotated[str, AfterValidator(_storable)]


class Strict(BaseModel):
    # Unknown fields refused, and no coercion between JSON types: ``"resync": 0`` is not a boolean, ``"cursor":
    # true`` or ``"5"`` not an integer (422 ``body.invalid``).
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorOut(BaseModel):
    """Every error body: a stable ``code`` and the message in Vietnamese and English, plus details by code
    (``errors`` for a malformed body, ``retry_after`` for 429, ``problems`` for an invalid record, ...)."""
    model_config = ConfigDict(extra="allow")
    code: str
    vi: str
    en: str


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
    # Scheme 2 (full state per record, in buckets); absent: scheme 1 (versions only), as old stations send it.
    scheme: int | None = Field(None, ge=1, le=2)
    kinds: str | None = Field(None, pattern=r"^[0-9a-f]{16}$")  # fingerprint of the record kinds hashed


class BucketsIn(Strict):
    """A digest repair: the current state of the station's commune records in these buckets, paged by key."""
    buckets: list[int] = Field(min_length=1, max_length=256)
    after: list[str] | None = Field(None, min_length=2, max_length=2)
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)


class SyncIn(Strict):
    protocol: Literal[1] = 1
    epoch: Text | None = Field(None, max_length=64)
    cursor: int = Field(0, ge=0, le=MAX_INT)
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)
    # Not bounded here on purpose: more than MAX_CHANGES is a 413 ("halve the batch"), not a 422.
    changes: list[ChangeIn] = Field(default_factory=list)
    digest: DigestIn | None = None
    resync: bool = False
    # Additive: audit entries riding on this request's changes (docs/sync-protocol.md, "Audit riding on the
    # changes"); sent only to a province whose answers carry ``audit_rides``.
    audit: AuditRideIn | None = None


NONCE_PATTERN = r"^[A-Za-z0-9_-]{16,128}$"


class EnrollIn(Strict):
    code: Text = Field(min_length=4, max_length=64)
    device: Text = Field("", max_length=200)
    # Additive: a random value the station keeps; the same code with the same nonce (a retry after a lost
    # answer) gets a fresh token for the same station within the code's life. Absent: the code works once.
    nonce: str | None = Field(None, pattern=NONCE_PATTERN)


class StationIn(Strict):
    commune_code: str = Field(pattern=r"^\d{5}$")
    name: Text = Field("", max_length=200)


class AdminRecordIn(Strict):
    fields: dict[str, Any] = Field(default_factory=dict)
    deleted: bool = False
    # The version the author read before editing. Given, a station change since then to the same fields (or a
    # delete) is answered 409 ``record.changed`` with the record as it is now, never overwritten unseen; absent,
    # the edit applies as given (scripts that own the record).
    base_version: int | None = Field(None, ge=1, le=MAX_INT)
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
    created_at: Text = Field("", max_length=40)
    epoch: Text | None = Field(None, max_length=64)
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
    at: Storable = Field(max_length=40)
    officer: Storable = Field(max_length=200)
    kind: str = Field(pattern=KIND_PATTERN)
    record_id: str = Field(pattern=ID_PATTERN)
    action: Literal["create", "update", "delete", "remote", "resolve"]
    changes: Storable = Field(max_length=4 << 20)
    change_id: Storable | None = Field(None, max_length=64)
    record_hash: str = Field(pattern=HASH_PATTERN)
    prev_hash: str = Field(pattern=HASH_PATTERN)
    hash: str = Field(pattern=HASH_PATTERN)


class AuditRideIn(Strict):
    """A run of consecutive audit entries from ``first``: each whole (an ``AuditEntryIn``) or compact, a list
    ``[change step, at step in ms, officer index, {overrides}?]`` the province rebuilds (``province_server/audit.py``
    checks the compact form itself: a malformed one is asked for whole, never a 422 of the station's records)."""
    first: int = Field(ge=1, le=MAX_INT)
    head: str = Field(pattern=HASH_PATTERN)  # the station's hash of the last entry
    officers: list[Annotated[Storable, Field(max_length=200)]] = Field(default_factory=list, max_length=5000)
    # Not bounded here: more than audit.MAX_ENTRIES is answered in the ``audit`` member, as for POST /v1/audit.
    entries: list[AuditEntryIn | list[Any]] = Field(default_factory=list)


class AuditIn(Strict):
    # Not bounded here: more than audit.MAX_ENTRIES is a 413 ("halve the batch"), as for changes.
    entries: list[AuditEntryIn] = Field(default_factory=list)


SyncOut = dict[str, Any]
Op = Literal["upsert", "delete"]


BundleIn.model_rebuild()  # its ``audit`` member refers to AuditEntryIn, defined after it
SyncIn.model_rebuild()  # and SyncIn's to AuditRideIn
