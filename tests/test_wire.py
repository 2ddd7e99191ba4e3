"""The wire formulas (station_client/wire.py): one copy, imported by both sides, and fixed forever — each is checked
against the formula docs/sync-protocol.md states and a pinned value (a station and a province of different versions
must still agree)."""

from __future__ import annotations

import hashlib
import hmac

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
