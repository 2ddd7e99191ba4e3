"""The wire formulas, shared word for word by the station and the province server (both import this module; no
copy of any formula lives on either side). Pure functions, no database:

- canonical JSON: ``canonical_json`` (UTF-8: the station's stored values, audit ``changes``, bundle signatures) and
  ``ascii_json`` (ASCII escapes: the province's stored values and hashes, digest content hashes);
- audit hashing: ``audit_entry_hash`` chains a station's audit entries from ``GENESIS_HASH``; the province
  recomputes it over the entries a station pushes (``province_server/audit.py``);
- bundle signing: HMAC-SHA256 under ``bundle_key(token)`` over the canonical JSON of a bundle without its
  ``signature`` member (docs/sync-protocol.md, "Bundle files");
- the divergence digest's arithmetic, below.

A record's digest *term* covers its whole state as the province holds it: kind, id, version, deleted flag and a
canonical hash of its content. Terms are summed modulo 2**64 per *bucket* (a fixed hash of kind and id into one of
``BUCKETS``), so a divergence is found by comparing a commune's total and repaired by re-pulling only the buckets
whose sums differ (PowerSync's per-bucket checksums are the model). See docs/sync-protocol.md, "Divergence check".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from .domain.kinds import RecordKind
from .domain.registry import KINDS


# ------------------------------------------------------------------------------------------ canonical JSON
def canonical_json(value: Any) -> str:
    """Keys sorted, no spaces, UTF-8 text (non-ASCII kept as is)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json`` encoded as UTF-8 (raises UnicodeEncodeError on a lone surrogate)."""
    return canonical_json(value).encode("utf-8")


def ascii_json(value: Any) -> str:
    """Keys sorted, no spaces, ASCII-only (``\\u`` escapes): a lone surrogate can never break a driver or a hash."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------ audit chain
GENESIS_HASH = "0" * 64  # the prev_hash of a station's first audit entry


def audit_entry_hash(prev_hash: str, at: str, officer: str, kind: str, record_id: str, action: str,
                     changes_json: str, change_id: str | None, rec_hash: str) -> str:
    """An audit entry's hash: its fields (``changes_json`` as stored: canonical JSON) joined by US (0x1f) after the
    previous entry's hash."""
    return sha256_hex("\x1f".join((prev_hash, at, officer, kind, record_id, action, changes_json,
                                   change_id or "", rec_hash)))


# ------------------------------------------------------------------------------------------ bundle signing
def bundle_key(token: str) -> str:
    """A station's bundle key (hex): ``sha256("bundle:" + token)``. The station derives it from its token; the
    province keeps it, never the token."""
    return sha256_hex("bundle:" + token)


def sign(key: str, document: dict[str, Any]) -> str:
    """HMAC-SHA256 (hex) under the hex ``key`` of the canonical JSON of ``document`` less its ``signature``."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(bytes.fromhex(key), canonical_bytes(body), hashlib.sha256).hexdigest()


def signed_by(key: str, document: dict[str, Any], signature: str) -> bool:
    """Whether ``signature`` is ``document``'s under ``key`` (compared in constant time)."""
    return hmac.compare_digest(sign(key, document), signature)


# ------------------------------------------------------------------------------------------ divergence digest
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
    return hashlib.sha256(ascii_json(content).encode("ascii")).hexdigest()


def content_term(kind: RecordKind, record_id: str, version: int, deleted: bool, fields: dict[str, Any]) -> int:
    """One record's contribution to its bucket's sum (64 bits)."""
    text = f"{kind.name}:{record_id}:{int(version)}:{int(bool(deleted))}:{content_hash(kind, fields)}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:16], 16)


def version_term(kind: str, record_id: str, version: int) -> int:
    """The version-only term of digest scheme 1 (stations enrolled before scheme 2 still send it; the province still
    answers it, and tools compare old files with it). Both sides call it ``digest_term``."""
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
