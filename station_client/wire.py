"""The wire formulas, shared word for word by the station and the province server (both import this module; no
copy of any formula lives on either side). Pure functions, no database:

- canonical JSON: ``canonical_json`` (UTF-8: the station's stored values, audit ``changes``, bundle signatures) and
  ``ascii_json`` (ASCII escapes: the province's stored values and hashes, digest content hashes);
- audit hashing: ``audit_entry_hash`` chains a station's audit entries from ``GENESIS_HASH``; the province
  recomputes it over the entries a station pushes (``province_server/audit.py``), and rebuilds the entries that ride
  on their changes with ``rebuild_audit_fields`` (the station checks the same rebuild before it sends one compact);
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
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from .domain.kinds import RecordKind
from .domain.registry import KINDS


# ------------------------------------------------------------------------------------------ canonical JSON
def _compact_encoder(*, ensure_ascii: bool, sort_keys: bool = True, allow_nan: bool = True) -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=..., ensure_ascii=..., allow_nan=..., separators=(",", ":"))``, made once.

    ``json.dumps`` with any argument builds a ``JSONEncoder`` and then CPython's C encoder on every call: for a
    person record that is a third of the call (14 -> 9.7 us), and for a short list two thirds (5.9 -> 1.5 us); the
    province calls it several times per change (bench/server_load.py, py-spy). The C encoder made here once gives
    the same text: it is the one ``json.dumps`` makes, with the same arguments. Without circular-reference markers
    (values come from JSON, which has no cycles: a cycle would end in RecursionError instead of ValueError)."""
    plain = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=ensure_ascii, allow_nan=allow_nan,
                             separators=(",", ":"), check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (an interpreter without the C accelerator: the same text, slower)
        return plain.encode
    strings = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    encode = make(None, plain.default, strings, None, ":", ",", sort_keys, False, allow_nan)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))
    return dumps


_canonical = _compact_encoder(ensure_ascii=False)
_ascii = _compact_encoder(ensure_ascii=True)
_strict = _compact_encoder(ensure_ascii=False, sort_keys=False, allow_nan=False)


def all_finite(value: Any) -> bool:
    """Whether every number in ``value`` (JSON types) is finite: NaN and infinity have no JSON form (Python's
    ``json`` writes them anyway unless told not to)."""
    try:
        _strict(value)
    except ValueError:
        return False
    return True


def canonical_json(value: Any) -> str:
    """Keys sorted, no spaces, UTF-8 text (non-ASCII kept as is)."""
    return _canonical(value)


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json`` encoded as UTF-8 (raises UnicodeEncodeError on a lone surrogate)."""
    return canonical_json(value).encode("utf-8")


def ascii_json(value: Any) -> str:
    """Keys sorted, no spaces, ASCII-only (``\\u`` escapes): a lone surrogate can never break a driver or a hash."""
    return _ascii(value)


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


def record_content_hash(kind: RecordKind, record_id: str, fields: dict[str, Any], deleted: bool) -> str:
    """Hash of a record's content (not its sync metadata): the ``record_hash`` an audit entry vouches for. Fields the
    kind does not know are ignored; a missing field counts as null."""
    return sha256_hex(canonical_json({"kind": kind.name, "id": record_id, "deleted": bool(deleted),
                                      "fields": {name: fields.get(name) for name in kind.field_names}}))


# An audit entry that rides on its change (docs/sync-protocol.md, "Audit riding on the changes"): the province
# rebuilds ``action``, ``changes`` and ``record_hash`` from the change it receives in the same request, plus the
# overrides ``extra`` carries where a default does not hold: "a" the action, "b" the before-values of an update
# ({field: before}; the after-value is the change's), "r" the record hash, or "p": 1, the record before this
# change was the province's state at the change's ``base_version`` (``base``): the before-values and the record hash
# come from that state. The station checks, entry by entry, that this rebuild gives exactly what it stored before it
# sends the compact form (for "p", all it can check without the province's state), and sends the entry whole
# otherwise; the province checks the rebuilt chain against the station's hashes.
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def at_to_ms(at: str) -> int | None:
    """An audit ``at`` (``clock.now_iso``: UTC, milliseconds, "Z") as milliseconds since 1970, or None when the
    text is not exactly in that form (such an entry travels whole)."""
    if len(at) != 24 or not at.endswith("Z"):
        return None
    try:
        when = datetime.strptime(at[:-1] + "000", AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    ms = round(when.timestamp() * 1000)
    return ms if ms_to_at(ms) == at else None


def ms_to_at(ms: int) -> str:
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return when.strftime(AT_FORMAT)[:-3] + "Z"


def default_action(change: dict[str, Any]) -> str:
    if change.get("op", "upsert") == "delete":
        return "delete"
    return "create" if not change.get("base_version") and change.get("resolves") is None else "update"


def rebuild_audit_fields(change: dict[str, Any], extra: dict[str, Any],
                         base: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """``(action, changes_json, record_hash)`` of the audit entry of ``change`` (a change as sent in a sync request)
    under the overrides ``extra``; ``base``: the record's fields at the change's ``base_version`` (needed for "p").
    Raises KeyError for a kind this side does not know (or "p" without ``base``), TypeError/ValueError for a
    malformed change or override."""
    kind = KINDS[str(change["kind"])]
    fields = change.get("fields") or {}
    if not isinstance(fields, dict) or not isinstance(extra, dict):
        raise TypeError("fields")
    delete = change.get("op", "upsert") == "delete"
    action = str(extra.get("a") or default_action(change))
    before = extra.get("b")
    if extra.get("p"):
        if base is None:
            raise KeyError("base")
        state = dict(base) if delete else dict(base) | fields
        changes: dict[str, Any] = {"deleted": [False, True]} if delete else {
            f: [base.get(f), v] for f, v in fields.items()}
        return action, canonical_json(changes), record_content_hash(kind, str(change["id"]), state, delete)
    if before is not None:
        if not isinstance(before, dict):
            raise TypeError("b")
        changes = {f: [b, fields.get(f)] for f, b in before.items()}
    elif delete:
        changes = {"deleted": [False, True]}
    else:
        changes = {f: [None, v] for f, v in fields.items() if v is not None}
    rec_hash = extra.get("r")
    if rec_hash is None:
        rec_hash = record_content_hash(kind, str(change["id"]), fields, delete)
    if not isinstance(rec_hash, str):
        raise TypeError("r")
    return action, canonical_json(changes), rec_hash


# A ``remote`` audit entry (written when the station applies a pulled state) rebuilt by the province from its own
# history (docs/sync-protocol.md, "Remote entries"): ``fields``/``deleted`` are the state it sent (the history row
# the feed entry was), ``base``/``base_deleted`` its state at the version the station held before, or None for a
# record the station did not hold. Exactly the station's ``remote.apply_state`` when no local change was pending and
# the pulled values needed no coercion (the station registers an entry for the compact form only then).
def rebuild_remote_fields(kind: RecordKind, record_id: str, fields: dict[str, Any], deleted: bool,
                          base: dict[str, Any] | None = None, base_deleted: bool = False) -> tuple[str, str]:
    """``(changes_json, record_hash)`` of the ``remote`` entry of pulling ``fields`` (raises TypeError when a
    state is not an object)."""
    if not isinstance(fields, dict) or (base is not None and not isinstance(base, dict)):
        raise TypeError("fields")
    pulled = {k: v for k, v in fields.items() if k in kind.by_name}
    changes: dict[str, Any]
    if base is None:
        new = kind.empty_record() | pulled
        changes = {f: [None, v] for f, v in new.items() if v is not None}
        if deleted:
            changes["deleted"] = [False, True]
    else:
        old = {f: base.get(f) for f in kind.field_names}
        new = old | pulled
        changes = {f: [old[f], new[f]] for f in kind.field_names if old[f] != new[f]}
        if bool(base_deleted) != bool(deleted):
            changes["deleted"] = [bool(base_deleted), bool(deleted)]
    return canonical_json(changes), record_content_hash(kind, record_id, new, bool(deleted))


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
