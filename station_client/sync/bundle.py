"""Offline bundles: a station with no link carries its changes to the province on a USB stick, and the
province's answer back (docs/sync-protocol.md, "Bundle files").

A bundle is exactly the request an online exchange would send, signed with HMAC-SHA256 under the bundle key
(SHA-256 of the station token, which the province also holds). The answer is exactly the response, plus the
change ids it answers, signed the same way. A file that fails the check is refused before anything is applied.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..store import Store
from ..store import sync_ops as ops
from .engine import MAX_FEED, PROTOCOL
from .errors import SyncError

BUNDLE_FORMAT = "station-sync-bundle"
ANSWER_FORMAT = "province-sync-answer"
VERSION = 1
MAX_BUNDLE_CHANGES = 10_000


def bundle_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def signature(key: bytes, fmt: str, station_id: str, bundle_id: str, payload: str) -> str:
    message = f"{fmt}/{VERSION}\n{station_id}\n{bundle_id}\n{payload}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make_envelope(key: bytes, fmt: str, station_id: str, bundle_id: str, payload: str) -> dict[str, Any]:
    return {"format": fmt, "version": VERSION, "station_id": station_id, "bundle_id": bundle_id,
            "created_at": now_iso(), "payload": payload,
            "hmac": signature(key, fmt, station_id, bundle_id, payload)}


def read_envelope(path: Path, key: bytes, fmt: str, station_id: str) -> tuple[str, dict[str, Any]]:
    """Check and open a bundle file; returns (bundle_id, payload). Refuses anything tampered or foreign."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        env = json.loads(raw.decode("utf-8"))
        payload_text = env["payload"]
        bundle_id = env["bundle_id"]
        given = env["hmac"]
        if env.get("format") != fmt or env.get("version") != VERSION or not isinstance(payload_text, str):
            raise ValueError("format")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise SyncError("Tệp không phải là gói trả lời đồng bộ hợp lệ.", "The file is not a valid sync answer bundle.",
                        code="bundle.format") from exc
    if env.get("station_id") != station_id:
        raise SyncError("Gói này dành cho trạm khác.", "This bundle is for another station.", code="bundle.station")
    expected = signature(key, fmt, station_id, str(bundle_id), payload_text)
    if not hmac.compare_digest(expected, str(given)):
        raise SyncError("Chữ ký của gói không đúng: tệp đã bị sửa hoặc không phải của tỉnh gửi trạm này. "
                        "Không áp dụng gì.",
                        "The bundle's signature does not match: the file was altered or is not the province's "
                        "answer for this station. Nothing was applied.", code="bundle.signature")
    return str(bundle_id), json.loads(payload_text)


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str
    changes: int
    remaining: int  # pending changes that did not fit in this bundle


def export_bundle(store: Store, token: str, station_id: str, path: Path,
                  max_changes: int = MAX_BUNDLE_CHANGES) -> ExportResult:
    """Write the pending changes (and a pull request from the station's cursor) to ``path``."""
    pos = ops.position(store)
    if pos.cursor is None:
        ops.start_resync(store, "first")
        pos = ops.position(store)
    changes = ops.take_batch(store, max_changes, max_bytes=64 << 20)
    body = {"protocol": PROTOCOL, "epoch": pos.epoch, "cursor": pos.cursor or 0, "limit": MAX_FEED,
            "changes": [c.wire() for c in changes], "resync": pos.resync}
    bundle_id = str(uuid.uuid4())
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    envelope = make_envelope(bundle_key(token), BUNDLE_FORMAT, station_id, bundle_id, payload)
    data = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    ops.record_bundle(store, bundle_id, pos.epoch, pos.cursor or 0, pos.resync, [c.change_id for c in changes])
    return ExportResult(bundle_id, len(changes), ops.pending_count(store) - len(changes))


def import_answer(store: Store, token: str, station_id: str, path: Path) -> ops.ApplyReport:
    """Apply the province's answer bundle: results by change id, the feed like a pull page."""
    bundle_id, answer = read_envelope(path, bundle_key(token), ANSWER_FORMAT, station_id)
    sent = ops.get_bundle(store, bundle_id)
    if sent is None:
        raise SyncError("Gói trả lời không khớp với gói nào trạm đã xuất.",
                        "The answer does not match any bundle this station exported.", code="bundle.unknown")
    try:
        epoch = str(answer["epoch"])
        change_ids = [str(c) for c in answer.get("change_ids") or []]
        results = list(answer.get("results") or [])
        feed = list(answer.get("feed") or [])
        cursor = int(answer["cursor"]) if answer.get("cursor") is not None else None
        more = bool(answer.get("more"))
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError("Gói trả lời thiếu thông tin.", "The answer bundle is incomplete.",
                        code="bundle.format") from exc
    if len(change_ids) != len(results):
        raise SyncError("Gói trả lời không khớp số thay đổi.", "The answer's results do not match its change ids.",
                        code="bundle.format")
    # Answer only what is still waiting: a change acknowledged online meanwhile keeps its answer.
    pairs = [(c, r) for c, r in zip(ops.changes_by_id(store, change_ids), results, strict=True)
             if c is not None and store.conn.execute("SELECT state FROM outbox WHERE seq = ?",
                                                      (c.seq,)).fetchone()[0] == "pending"]
    pos = ops.position(store)
    if pos.epoch is not None and epoch != pos.epoch:
        ops.start_resync(store, "epoch", new_epoch=epoch)
        return ops.apply_response(store, [c for c, _ in pairs], ops.Response(
            epoch=epoch, results=[r for _, r in pairs], move_cursor=False))
    # The feed covers (bundle cursor, answer cursor]: it may move the station's cursor only if the station
    # is not behind the bundle's cursor (else entries in between would be skipped), in the same epoch, and
    # the page is of the kind the station needs (a resync page includes the station's own records).
    move = (pos.cursor is not None and pos.cursor >= int(sent["cursor"]) and sent["epoch"] in (None, epoch)
            and (bool(sent["resync"]) or not pos.resync))
    report = ops.apply_response(store, [c for c, _ in pairs], ops.Response(
        epoch=epoch, results=[r for _, r in pairs], feed=feed, cursor=cursor, more=more, move_cursor=move))
    with store.transaction() as conn:
        ops.mark_bundle_answered(conn, bundle_id)
    return report
