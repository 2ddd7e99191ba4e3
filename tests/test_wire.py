"""The wire formulas (station_client/wire.py): one copy, imported by both sides, and fixed forever — each is checked
against the formula docs/sync-protocol.md states and a pinned value (a station and a province of different versions
must still agree)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as hs

from province_server import audit as province_audit
from province_server import bundles as province_bundles
from province_server import exchange, stations
from station_client import wire
from station_client.store import audit as station_audit
from station_client.store import codec, sync_ops
from station_client.sync import bundle as station_bundle


def test_both_sides_use_the_one_module() -> None:
    assert exchange.digest_term is wire.version_term is sync_ops.digest_term
    assert exchange.dumps is wire.ascii_json
    assert province_audit.audit_entry_hash is wire.audit_entry_hash is station_audit.audit_entry_hash
    assert province_audit.GENESIS_HASH is wire.GENESIS_HASH is station_audit.GENESIS_HASH
    assert province_bundles.sign is wire.sign is station_bundle.sign
    assert stations.bundle_key is wire.bundle_key is station_bundle.bundle_key
    assert codec.canonical_json is wire.canonical_json


def test_canonical_json() -> None:
    value = {"b": "đ", "a": [1, None, True]}
    assert wire.canonical_json(value) == '{"a":[1,null,true],"b":"đ"}'
    assert wire.canonical_bytes(value) == '{"a":[1,null,true],"b":"đ"}'.encode()
    assert wire.ascii_json(value) == '{"a":[1,null,true],"b":"\\u0111"}'


# JSON-like values with what makes encoders differ: non-ASCII, astral and lone-surrogate text, DEL and control
# characters, NaN and infinities, floats in exponent form, integers past 64 bits, non-text keys.
_text = hs.text(hs.characters(codec=None, exclude_categories=()), max_size=8)
_leaf = (hs.none() | hs.booleans() | hs.integers(min_value=-2**80, max_value=2**80)
         | hs.floats(allow_nan=True, allow_infinity=True) | _text)
_values = hs.recursive(_leaf, lambda inner: hs.lists(inner, max_size=4)
                       | hs.dictionaries(_text | hs.integers(-9, 9) | hs.booleans(), inner, max_size=4), max_leaves=20)


def _outcome(encode: Any, value: Any) -> tuple[str, str]:
    try:
        return "text", encode(value)
    except (TypeError, ValueError) as exc:  # (keys of mixed types cannot be sorted: both raise)
        return "raises", type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(_values)
def test_encoders_write_what_json_dumps_writes(value: Any) -> None:
    """The encoders made once (wire._compact_encoder) give json.dumps's text to the byte, or raise as it does, for
    every value: stored hashes and stored values were written with json.dumps."""
    assert _outcome(wire.ascii_json, value) == _outcome(
        lambda v: json.dumps(v, sort_keys=True, ensure_ascii=True, separators=(",", ":")), value)
    assert _outcome(wire.canonical_json, value) == _outcome(
        lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":")), value)
    strict = _outcome(lambda v: json.dumps(v, allow_nan=False), value)
    if strict[0] == "text" or strict[1] == "ValueError":
        assert wire.all_finite(value) is (strict[0] == "text")


def test_audit_entry_hash() -> None:
    text = "\x1f".join(("p", "t", "o", "k", "i", "a", "{}", "", "r"))
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert wire.audit_entry_hash("p", "t", "o", "k", "i", "a", "{}", None, "r") == expected
    assert expected == "6800c9d3b4891a153a811b98c067ec100894594516532531eeb55298ff3b802f"
    assert wire.GENESIS_HASH == "0" * 64


def test_bundle_signature() -> None:
    key = wire.bundle_key("tok")
    assert key == hashlib.sha256(b"bundle:tok").hexdigest()
    doc = {"b": "đ", "a": [1, 2], "signature": "ignored"}
    expected = hmac.new(bytes.fromhex(key), '{"a":[1,2],"b":"đ"}'.encode(), hashlib.sha256).hexdigest()
    assert wire.sign(key, doc) == expected == "4964462143e3804eb6a233e708297f67fcddb071751d8a876beb0536a59cfad6"
    assert wire.signed_by(key, doc, expected)
    assert not wire.signed_by(key, doc | {"a": [1]}, expected)


def test_digest_terms() -> None:
    assert wire.version_term("person", "r1", 3) == int(hashlib.sha256(b"person:r1:3").hexdigest()[:16], 16)
    assert wire.version_term("person", "r1", 3) == 11053610174461465373
    assert wire.bucket_of("person", "r1") == int(hashlib.sha256(b"person:r1").hexdigest()[:8], 16) % 256
