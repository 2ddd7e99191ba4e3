"""Offline bundles: a station with no link carries its changes to the province on a USB stick, and the
province's answer back (docs/sync-protocol.md, "Bundle files").

A bundle carries the changes an online exchange would push and the station's cursor, signed with HMAC-SHA256
under the station's bundle key (derived from its token; the province keeps the key). The answer carries the
results and the feed, signed the same way. A file that fails the check is refused before anything is applied.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import now_iso
from ..store import Store
from ..store import sync_ops as ops
from ..wire import bundle_key, sign, signed_by
from .errors import SyncError

BUNDLE_FORMAT = "station-bundle/1"
ANSWER_FORMAT = "province-answer/1"
MAX_BUNDLE_CHANGES = 20_000
MAX_BUNDLE_AUDIT = 20_000  # audit entries per bundle (the province accepts as many)


def read_answer(path: Path, key: str, station_id: str) -> dict[str, Any]:
    """Check and open an answer file. Refuses anything tampered, foreign or malformed before it is used."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        answer = json.loads(raw.decode("utf-8"))
        if not isinstance(answer, dict) or answer.get("format") != ANSWER_FORMAT:
            raise ValueError("format")
        given = str(answer["signature"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise SyncError("Tệp không phải là gói trả lời đồng bộ hợp lệ.", "The file is not a valid sync answer bundle.",
                        code="bundle.format") from exc
    if answer.get("station_id") != station_id:
        raise SyncError("Gói này dành cho trạm khác.", "This bundle is for another station.", code="bundle.station")
    if not signed_by(key, answer, given):
        raise SyncError("Chữ ký của gói không đúng: tệp đã bị sửa hoặc không phải của tỉnh gửi trạm này. "
                        "Không áp dụng gì.",
                        "The bundle's signature does not match: the file was altered or is not the province's "
                        "answer for this station. Nothing was applied.", code="bundle.signature")
    return answer


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str
    changes: int
    remaining: int  # pending changes that did not fit in this bundle


def export_bundle(store: Store, token: str, station_id: str, path: Path,
                  max_changes: int = MAX_BUNDLE_CHANGES) -> ExportResult:
    """Write the pending changes (and the station's cursor, for the answer's feed) to ``path``."""
    pos = ops.position(store)
    if pos.cursor is None:
        ops.start_resync(store, "first")
        pos = ops.position(store)
    changes = ops.take_batch(store, max_changes, max_bytes=256 << 20)
    created_at = _unique_created_at(store)
    bundle: dict[str, Any] = {"format": BUNDLE_FORMAT, "station_id": station_id, "created_at": created_at,
                              "epoch": pos.epoch, "cursor": pos.cursor or 0, "changes": [c.wire() for c in changes]}
    audit = ops.audit_after(store, ops.audit_pushed(store), MAX_BUNDLE_AUDIT, max_bytes=64 << 20)
    if audit:  # the audit trail rides along (only when there is some: an older province refuses the member)
        bundle["audit"] = audit
    bundle["signature"] = sign(bundle_key(token), bundle)
    data = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    ops.record_bundle(store, created_at, pos.epoch, pos.cursor or 0, pos.resync, [c.change_id for c in changes])
    return ExportResult(created_at, len(changes), ops.pending_count(store) - len(changes))


def _unique_created_at(store: Store) -> str:
    """The bundle's ``created_at`` doubles as its id here (the server forbids extra members)."""
    while True:
        stamp = now_iso()
        if ops.get_bundle(store, stamp) is None:
            return stamp
        time.sleep(0.002)


def _match_bundle(store: Store, answer: dict[str, Any]) -> dict[str, Any]:
    echoed = answer.get("bundle_created_at")
    if isinstance(echoed, str):
        sent = ops.get_bundle(store, echoed)
    else:
        sent = ops.newest_unanswered_bundle(store, len(answer.get("results") or []))
    if sent is None:
        raise SyncError("Gói trả lời không khớp với gói nào trạm đã xuất.",
                        "The answer does not match any bundle this station exported.", code="bundle.unknown")
    return sent


def import_answer(store: Store, token: str, station_id: str, path: Path) -> ops.ApplyReport:
    """Apply the province's answer bundle: results to the changes still pending, the feed like a pull page."""
    answer = read_answer(path, bundle_key(token), station_id)
    sent = _match_bundle(store, answer)
    try:
        epoch = str(answer["epoch"])
        change_ids = [str(c) for c in json.loads(sent["change_ids"])]
        results = list(answer.get("results") or [])
        feed = list(answer.get("feed") or [])
        cursor = int(answer["cursor"]) if answer.get("cursor") is not None else None
        more = bool(answer.get("more"))
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError("Gói trả lời thiếu thông tin.", "The answer bundle is incomplete.",
                        code="bundle.format") from exc
    if len(change_ids) != len(results):
        raise SyncError("Gói trả lời không khớp số thay đổi đã gửi.",
                        "The answer's results do not match the bundle's changes.", code="bundle.format")
    # Answer only what is still waiting: a change acknowledged online meanwhile keeps that answer.
    pairs = [(c, r) for c, r in zip(ops.changes_by_id(store, change_ids), results, strict=True)
             if c is not None and ops.change_state(store, c.change_id) == "pending"]
    pos = ops.position(store)
    error = answer.get("error") if isinstance(answer.get("error"), dict) else None
    if (pos.epoch is not None and epoch != pos.epoch) or (error and error.get("code") == "cursor.ahead"):
        report = ops.apply_response(store, [c for c, _ in pairs], ops.Response(
            epoch=epoch, results=[r for _, r in pairs], move_cursor=False))
        ops.start_resync(store, "epoch", new_epoch=epoch)
        return report
    # The feed covers (bundle cursor, answer cursor] without the station's own records: it may move the
    # cursor only if the station is not behind the bundle's cursor (else entries in between would be skipped),
    # in the same epoch, and not during a resync that needs the station's own records back.
    resync_reason = ops.get_state(store, ops.RESYNC_REASON)
    move = (pos.cursor is not None and pos.cursor >= int(sent["cursor"]) and sent["epoch"] in (None, epoch)
            and (not pos.resync or resync_reason == "first"))
    report = ops.apply_response(store, [c for c, _ in pairs], ops.Response(
        epoch=epoch, results=[r for _, r in pairs], feed=feed, cursor=cursor, more=more, move_cursor=move,
        extra_state={}))
    ops.mark_bundle_answered(store, str(sent["bundle_id"]))
    _apply_audit_answer(store, answer.get("audit"))
    return report


def _apply_audit_answer(store: Store, outcome: Any) -> None:
    """Move the audit cursor as the province answered (stored up to ``last_seq``; ``audit.gap``: resend from
    there next time; a refusal is kept, as after an online push)."""
    if not isinstance(outcome, dict):
        return
    code = outcome.get("code")
    last_seq = int(outcome.get("last_seq") or 0)
    if code is None:
        ops.set_state(store, {ops.AUDIT_PUSHED: str(max(last_seq, ops.audit_pushed(store))),
                              ops.AUDIT_REFUSED: None})
    elif code == "audit.gap":
        ops.set_state(store, {ops.AUDIT_PUSHED: str(last_seq)})
    else:
        seq = int(outcome.get("seq") or 0)
        bad = ops.audit_hash_at(store, seq)
        ops.set_state(store, {ops.AUDIT_PUSHED: str(max(last_seq, ops.audit_pushed(store))),
                              ops.AUDIT_REFUSED: json.dumps({"seq": seq, "hash": bad, "code": code,
                                                             "vi": outcome.get("vi"), "en": outcome.get("en")},
                                                            ensure_ascii=False)})
