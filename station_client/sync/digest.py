"""The divergence digest's arithmetic, shared word for word by the station and the province server.

A record's digest *term* covers its whole state as the province holds it: kind, id, version, deleted flag and a
canonical hash of its content. Terms are summed modulo 2**64 per *bucket* (a fixed hash of kind and id into one of
``BUCKETS``), so a divergence is found by comparing a commune's total and repaired by re-pulling only the buckets
whose sums differ (PowerSync's per-bucket checksums are the model). See docs/sync-protocol.md, "Divergence check".

Pure functions only (no database): ``province_server.exchange`` imports this module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ..domain.kinds import RecordKind
from ..domain.registry import KINDS

SCHEME = 2  # digest version 1 (versions only) is still answered for stations that send it
BUCKETS = 256
MASK64 = (1 << 64) - 1


def bucket_of(kind: str, record_id: str) -> int:
    """The record's bucket: fixed for life (kind and id never change)."""
    return int(hashlib.sha256(f"{kind}:{record_id}".encode()).hexdigest()[:8], 16) % BUCKETS


def content_hash(kind: RecordKind, fields: dict[str, Any]) -> str:
    """SHA-256 of the record's non-empty fields of its kind, as ASCII-only canonical JSON.

    Empty (None) fields are left out, so a field added to a kind by a later version changes no hash; fields the
    kind does not know are ignored; ASCII escapes keep even a malformed string (a lone surrogate) hashable.
    """
    content = {name: fields[name] for name in kind.field_names if fields.get(name) is not None}
    text = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def content_term(kind: RecordKind, record_id: str, version: int, deleted: bool, fields: dict[str, Any]) -> int:
    """One record's contribution to its bucket's sum (64 bits)."""
    text = f"{kind.name}:{record_id}:{int(version)}:{int(bool(deleted))}:{content_hash(kind, fields)}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:16], 16)


def version_term(kind: str, record_id: str, version: int) -> int:
    """The version-only term of digest scheme 1 (stations enrolled before scheme 2 still send it)."""
    return int(hashlib.sha256(f"{kind}:{record_id}:{version}".encode()).hexdigest()[:16], 16)


# Commune kinds that came with or after scheme 2: a station that still sends scheme 1 is of an older version and
# does not hold them, so scheme 1 leaves them out (else every such station would mismatch for ever).
NOT_IN_SCHEME1 = frozenset({"duplicate_person", "person_merge"})


def counted(kind: RecordKind) -> bool:
    """Kinds the digest covers: every commune kind (the station's scope besides reference data)."""
    return kind.scope == "commune"


def counted_v1(kind: RecordKind) -> bool:
    """Kinds scheme 1 covers: the commune kinds older stations know."""
    return kind.scope == "commune" and kind.name not in NOT_IN_SCHEME1


def fingerprint() -> str:
    """The record kinds and fields both sides hash. A station on another version of the kinds sends another
    fingerprint; the province then answers ``skipped`` rather than a mismatch no repair could fix."""
    text = ";".join(f"{k.name}:{','.join(sorted(k.field_names))}"
                    for k in sorted(KINDS.values(), key=lambda k: k.name) if counted(k))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def hex64(value: int) -> str:
    return f"{value & MASK64:016x}"


def total(buckets: Iterable[tuple[int, int, int]]) -> tuple[int, str]:
    """(count, sum hex) over (bucket, count, sum) rows."""
    count = 0
    value = 0
    for _b, c, s in buckets:
        count += c
        value = (value + s) & MASK64
    return count, hex64(value)


def differing(mine: dict[int, tuple[int, int]], theirs: dict[int, tuple[int, int]]) -> list[int]:
    """Buckets whose (count, sum) differ; a bucket missing on one side is (0, 0)."""
    return sorted(b for b in set(mine) | set(theirs) if mine.get(b, (0, 0)) != theirs.get(b, (0, 0)))
