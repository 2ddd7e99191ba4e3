"""The sync engine: one cycle = push the outbox in bounded batches and pull the feed until the station is at head.

Plain Python, no Qt; a ``SyncEngine`` uses one ``Store`` and therefore runs on the thread that opened it
(the scheduler's worker, or the CLI's main thread). Listeners are called on that thread.

One request carries both directions (changes up, the feed since the cursor down), so a cycle costs as many
requests as there are batches or pages, and a cycle with nothing to do costs one. Every request is safe to
repeat: changes are deduplicated by id on the server, feed entries by version here, and the cursor moves only
in the transaction that applied its page.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import now_iso
from ..store import Store, duplicates, receipt_keys
from ..store import sync_ops as ops
from ..store.sync_ops import audit_push, remote
from .backoff import Backoff
from .client import SyncClient
from .errors import (
    AuthError,
    BadRequest,
    Cancelled,
    CursorAhead,
    NotEnrolled,
    OfflineError,
    ProtocolError,
    SyncError,
    TooLarge,
)
from .status import StatusListener, SyncState, SyncStatus

PROTOCOL = 1
# Protocol limit per request: 2,000 changes (~150 KB compressed for residents, a few seconds on a 256 kbit/s link),
# so a first sync of 10,000 records is 5 pushes, not 20 round trips. A province older than that answers 413 with
# its own ``limit`` (500), which the station takes at once.
MAX_CHANGES = 2000
MAX_FEED = 5000  # protocol limit per page
AUDIT_TAIL_MAX = 50  # exchanges a cycle may add only to carry compact remote entries (5,000 each)


@dataclass
class EngineConfig:
    batch_size: int = MAX_CHANGES
    feed_limit: int = 1000  # page size day to day
    resync_feed_limit: int = MAX_FEED  # first sync / resync: fewer round trips
    max_attempts: int = 5  # tries of one request inside a cycle (network, 5xx, 429) before the cycle fails
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_requests: int = 5000  # a cycle never runs forever (a local writer faster than the link)
    consecutive_bad_requests: int = 3  # 400/422 on this many lone changes in a row: the fault is not theirs
    audit_batch: int = 2000  # audit entries per push (about 2 MiB at most)
    # Audit batches per cycle. A station upgraded with a long history (a million entries is hours at 256 kbit/s)
    # ships it over many cycles, so the officers' new records never wait behind it for the next cycle.
    audit_batches_per_cycle: int = 5
    push_audit: bool = True  # False only to measure the data sync alone (bench/sync_link.py)
    # A streamed exchange (POST /v1/sync/stream) when more than one frame's changes wait: the province applies a
    # frame while the next is on the wire, so a first push of thousands costs the link's time, not the link's
    # plus the province's plus a round trip per batch. 500 changes a frame keep the last frame's wait short.
    stream_frame: int = 500
    stream_frames: int = 40  # frames per stream (20,000 changes): a lost answer costs at most that again


@dataclass
class SyncReport:
    ok: bool = False
    requests: int = 0
    streams: int = 0  # streamed exchanges among them (POST /v1/sync/stream)
    sent: int = 0  # changes sent (a retried change counts each time)
    applied: ops.ApplyReport = field(default_factory=ops.ApplyReport)
    resyncs: list[str] = field(default_factory=list)  # reasons: "first", "epoch", "cursor.ahead", "digest"
    digest: str | None = None
    repaired: int = 0  # local records a digest repair replaced with the province's state
    repair_pulled: int = 0  # records re-pulled by digest repairs (only the mismatched buckets')
    repair_buckets: list[int] = field(default_factory=list)
    audit_pushed: int = 0  # audit entries the province stored in this cycle
    audit_refused: str | None = None  # the refusal code when the province refused this station's audit chain
    error: SyncError | None = None
    started_at: str = ""
    finished_at: str = ""

    def summary(self) -> str:
        a = self.applied
        text = (f"requests={self.requests} sent={self.sent} acked={a.acked} rejected={a.rejected} "
                f"conflicts={a.conflicts} pulled={a.applied}")
        if a.deferred:
            text += f" deferred={a.deferred}"
        if self.resyncs:
            text += " resync=" + ",".join(self.resyncs)
        if self.repair_buckets:
            text += f" repaired={self.repaired} repair_pulled={self.repair_pulled}"
        if self.error is not None:
            text += f" error={self.error.code}"
        return text


class SyncEngine:
    def __init__(self, store: Store, client: SyncClient, config: EngineConfig | None = None, *,
                 cancel: threading.Event | None = None, server_url: str | None = None,
                 on_progress: Callable[[], None] | None = None):
        self.store = store
        self.client = client
        self.config = config or EngineConfig()
        self.cancel = cancel or threading.Event()
        self.server_url = server_url or client.base_url
        self.on_progress = on_progress  # heartbeat for the watchdog: called after every request, good or bad
        self._digest_refused = False  # a province older than digest scheme 2 refused it (422): stop sending it
        self._audit_rewound = False  # the audit cursor was moved back once in this cycle (audit.gap)
        self._audit_budget = 0  # audit entries this cycle may still send (set per cycle)
        self._stream_off = False  # a streamed exchange stopped short in this cycle: ordinary exchanges only
        self._listeners: list[StatusListener] = []
        self._status = SyncStatus(state="up_to_date", server_url=self.server_url)
        self._status = self.current_status()

    # ---------------------------------------------------------------------------------------------- status
    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def status(self) -> SyncStatus:
        return self._status

    def current_status(self, state: SyncState | None = None, error: SyncError | None = None,
                       progress: tuple[int, int | None] = (0, None)) -> SyncStatus:
        c = ops.counts(self.store)
        last_success = ops.get_state(self.store, ops.LAST_SUCCESS)
        vi = en = None
        if error is not None:
            vi, en = error.vi, error.en
        elif state is None or state in ("failed", "offline"):
            stored = ops.get_state(self.store, ops.LAST_ERROR)
            if stored:
                info = json.loads(stored)
                vi, en = info.get("vi"), info.get("en")
        if state is None:
            stored = ops.get_state(self.store, ops.LAST_ERROR)
            code = json.loads(stored).get("code") if stored else None
            state = "offline" if code == OfflineError.code else ("failed" if stored else "up_to_date")
        repair = json.loads(ops.get_state(self.store, ops.LAST_REPAIR) or "{}")
        return SyncStatus(state=state, pending=c.pending, conflicts=c.conflicts, rejected=c.rejected,
                          set_aside=c.set_aside,
                          last_repair_vi=repair.get("vi"), last_repair_en=repair.get("en"),
                          duplicates=duplicates.open_count(self.store.conn),
                          last_success=datetime.fromisoformat(last_success.replace("Z", "+00:00"))
                          if last_success else None,
                          last_error_vi=vi, last_error_en=en, progress_done=progress[0],
                          progress_total=progress[1], server_url=self.server_url)

    def _emit(self, status: SyncStatus) -> None:
        self._status = status
        for listener in list(self._listeners):
            listener(status)

    # ----------------------------------------------------------------------------------------------- cycle
    def run_once(self) -> SyncReport:
        """One full cycle. Never raises a ``SyncError``: the report says whether it finished."""
        report = SyncReport(started_at=now_iso())
        self._emit(self.current_status("syncing"))
        try:
            self._cycle(report)
            report.ok = True
        except SyncError as exc:
            report.error = exc
        if not ops.audit_after(self.store, ops.audit_pushed(self.store), 1):
            # Every entry is at the province: the pulls' references for compact remote entries served their turn.
            # (Kept otherwise, so that a cycle cut short still sends them compact in the next one.)
            remote.forget_remote_refs(self.store)
        report.finished_at = now_iso()
        if report.ok:
            ops.set_state(self.store, {ops.LAST_SUCCESS: report.finished_at, ops.LAST_ERROR: None})
            self._emit(self.current_status("up_to_date"))
        elif isinstance(report.error, Cancelled):
            self._emit(self.current_status())
        else:
            err = report.error
            assert err is not None
            ops.set_state(self.store, {ops.LAST_ERROR: json.dumps({"code": err.code, "vi": err.vi, "en": err.en},
                                                                  ensure_ascii=False)})
            state: SyncState = "offline" if isinstance(err, OfflineError) else (
                "not_enrolled" if isinstance(err, NotEnrolled) else "failed")
            self._emit(self.current_status(state, err))
        return report

    def _cycle(self, report: SyncReport) -> None:
        cfg = self.config
        self._audit_rewound = False
        self._stream_off = False
        # Audit entries per cycle, riding or pushed: a long history never holds back the officers' new records.
        self._audit_budget = cfg.audit_batch * cfg.audit_batches_per_cycle
        batch_limit = cfg.batch_size
        bad_request_tries: dict[str, int] = {}
        lone_rejections = 0
        pos = ops.position(self.store)
        if pos.cursor is None:
            ops.start_resync(self.store, "first")
            report.resyncs.append("first")
            pos = ops.position(self.store)
        start_cursor = pos.cursor or 0
        pending_at_start = ops.pending_count(self.store)
        head: int | None = None
        audit_tail = 0  # exchanges sent after the last one only to carry compact remote entries (below)
        tail_from = -1  # the audit cursor before the last such exchange: one that moved nothing is not repeated
        # Records whose change the province deferred in this cycle (after a restore it waits for another
        # station's change): not sent again until the next cycle, nor any later change of theirs.
        waiting: set[tuple[str, str]] = set()
        while True:
            if report.requests >= cfg.max_requests:
                raise SyncError("Còn dữ liệu chưa đồng bộ xong; sẽ tiếp tục ở lần sau.",
                                "Not everything was synced in this round; it continues next time.",
                                code="cycle.bounded")
            if self.cancel.is_set():
                raise Cancelled()
            pos = ops.position(self.store)
            # While the scope is pulled again from 0 (first sync, restored province, divergence), the feed
            # includes the station's own records: pushing now would download every pushed change right back.
            # Pull first; the changes follow in the same cycle.
            streaming = self._may_stream(pos, batch_limit)
            take = cfg.stream_frame * cfg.stream_frames if streaming else batch_limit
            changes = [] if pos.resync else ops.take_batch(
                self.store, take, max_bytes=(64 if streaming else 4) << 20, skip=waiting)
            if streaming and len(changes) > cfg.stream_frame:
                streamed = self._stream(pos, changes, report, waiting)
                if streamed is None:
                    continue  # the stream stopped short: the rest goes by ordinary exchanges
                done = streamed
            else:
                body: dict[str, Any] = {
                    "protocol": PROTOCOL, "epoch": pos.epoch, "cursor": pos.cursor or 0,
                    "limit": cfg.resync_feed_limit if pos.resync else cfg.feed_limit,
                    "changes": [c.wire(pos.epoch) for c in changes], "resync": pos.resync,
                }
                if not changes and not pos.resync and not self._digest_refused and not audit_tail \
                        and ops.pending_count(self.store) == 0:
                    body["digest"] = ops.compute_digest(self.store)
                ride = self._audit_ride(body["changes"])
                if ride is not None:
                    body["audit"] = ride
                report.sent += len(changes)
                try:
                    resp = self._send(body, report)
                except CursorAhead as exc:
                    epoch = exc.details.get("epoch") or self.client.healthz().get("epoch")
                    ops.start_resync(self.store, "cursor.ahead", new_epoch=str(epoch) if epoch else None)
                    report.resyncs.append("cursor.ahead")
                    continue
                except TooLarge as exc:
                    if len(changes) > 1:
                        # A 413 ``batch.too_large`` names the province's limit (an older province: 500): take it
                        # at once; a body over the byte limit halves the batch.
                        limit = exc.details.get("limit") if exc.code == "batch.too_large" else None
                        fits = limit if isinstance(limit, int) and 0 < limit < len(changes) else len(changes) // 2
                        batch_limit = max(1, fits)
                        continue
                    if not changes:
                        raise
                    ops.mark_rejected(self.store, changes[0], "too_large", "Thay đổi quá lớn để gửi.",
                                      "The change is too large to send.")
                    report.applied.rejected += 1
                    continue
                except BadRequest as exc:
                    if "audit" in body:
                        # A province that no longer takes audit riding in the exchange (a rollback): without it,
                        # the entries go by POST /v1/audit at the end of the cycle as before.
                        ops.set_state(self.store, {audit_push.AUDIT_RIDES: None, audit_push.AUDIT_REMOTE: None})
                        continue
                    if "digest" in body and not changes:
                        # A province not yet upgraded to digest scheme 2 refuses its members: sync without the
                        # divergence check rather than not at all (the province is meant to be upgraded first).
                        self._digest_refused = True
                        continue
                    # Isolate the change the server cannot read (halve the batch); a lone change gets one retry,
                    # then it is marked rejected and the queue moves on. A request with no change, or several
                    # lone changes in a row refused alike, means the fault is not in the changes: report it.
                    if len(changes) > 1:
                        batch_limit = max(1, len(changes) // 2)
                        continue
                    if not changes or lone_rejections >= cfg.consecutive_bad_requests:
                        raise
                    cid = changes[0].change_id
                    tries = bad_request_tries[cid] = bad_request_tries.get(cid, 0) + 1
                    if tries >= 2:
                        ops.mark_rejected(self.store, changes[0], exc.code, exc.vi, exc.en)
                        report.applied.rejected += 1
                        lone_rejections += 1
                    continue
                lone_rejections = 0 if changes else lone_rejections
                done = self._take_answer(pos, changes, ride, resp, report, waiting)
                if isinstance(resp.get("head"), int):
                    head = resp["head"]
            cursor = ops.position(self.store).cursor or 0
            total = pending_at_start + (head - start_cursor if head is not None else 0)
            self._emit(self.current_status("syncing", progress=(report.applied.acked + max(0, cursor - start_cursor),
                                                                 total if head is not None else None)))
            if done and not ops.has_sendable(self.store, waiting):
                pushed = ops.audit_pushed(self.store)
                if audit_tail < AUDIT_TAIL_MAX and pushed != tail_from and self._remote_tail():
                    tail_from = pushed
                    # The 'remote' entries the last pull wrote ride compact in one more exchange (a few bytes
                    # each; whole by POST /v1/audit they cost about 165 bytes each).
                    audit_tail += 1
                    continue
                # Last, so that it also carries the 'remote' entries this cycle's pull wrote: a following no-op
                # cycle then has nothing to push and stays one request.
                self._push_audit(report)
                return

    def _take_answer(self, pos: ops.SyncPosition, changes: list[ops.OutboxChange], ride: dict[str, Any] | None,
                     resp: dict[str, Any], report: SyncReport, waiting: set[tuple[str, str]]) -> bool:
        """One exchange's answer: the audit riding on it, the results and the feed. Records whose change the
        province deferred join ``waiting``. Returns True when the station is at head."""
        self._note_audit_rides(resp, ride, report)
        stream = "1" if resp.get("stream") == 1 else None  # (either side may be upgraded first)
        if stream != ops.get_state(self.store, ops.SERVER_STREAM):
            ops.set_state(self.store, {ops.SERVER_STREAM: stream})
        done = self._handle_response(pos, changes, resp, report)
        for change, result in zip(changes, resp.get("results") or [], strict=False):
            if isinstance(result, dict) and result.get("status") == "deferred" \
                    and result.get("code") != "epoch.changed":
                waiting.add((change.kind, change.record_id))
        return done

    # ------------------------------------------------------------------------------------ streamed exchange
    def _may_stream(self, pos: ops.SyncPosition, batch_limit: int) -> bool:
        """A streamed exchange only in the plain case: the province takes it, no re-pull under way (the feed comes
        first then), no batch being halved to isolate a refused change, and the stream not given up this cycle."""
        return (not pos.resync and pos.epoch is not None and batch_limit == self.config.batch_size
                and self.config.stream_frames > 1 and not self._stream_off
                and ops.get_state(self.store, ops.SERVER_STREAM) == "1"
                and ops.pending_count(self.store) > self.config.stream_frame)

    def _stream(self, pos: ops.SyncPosition, changes: list[ops.OutboxChange], report: SyncReport,
                waiting: set[tuple[str, str]]) -> bool | None:
        """Send ``changes`` as one streamed exchange of frames of ``stream_frame`` changes and take the answers in
        order, exactly as the same frames sent one exchange after another would be taken. A frame's audit segment
        is made while the stream flows, chained from the previous frame's, as if that one was stored (a province
        that did not store it answers ``audit.gap`` to the next: its answers are then left unread, and the entries
        go again). Returns whether the station is at head, or None when the stream stopped short (refused, or the
        province no longer takes it): what it did not answer goes by ordinary exchanges."""
        size = self.config.stream_frame
        parts = [changes[i:i + size] for i in range(0, len(changes), size)]
        rides: list[dict[str, Any] | None] = []
        bodies: list[dict[str, Any]] = []
        after = ops.audit_pushed(self.store)
        sent: set[str] = set()

        def frames() -> Iterator[dict[str, Any]]:
            nonlocal after
            for i, part in enumerate(parts):
                if i == len(bodies):  # made once, while the stream flows; a retry sends the same bodies
                    if self.cancel.is_set():
                        raise Cancelled()
                    # A stream of thousands takes a while on a slow link: the watchdog and the progress bar hear
                    # of each frame as it goes.
                    self._beat()
                    self._emit(self.current_status("syncing", progress=(i * size, len(changes))))
                    body: dict[str, Any] = {"protocol": PROTOCOL, "epoch": pos.epoch, "cursor": pos.cursor or 0,
                                            "limit": self.config.feed_limit, "resync": False,
                                            "changes": [c.wire(pos.epoch) for c in part]}
                    ride = self._audit_ride(body["changes"], after, sent)
                    sent.update(c.change_id for c in part)
                    if ride is not None:
                        body["audit"] = ride
                        after = ride["first"] + len(ride["entries"]) - 1
                    rides.append(ride)
                    bodies.append(body)
                yield bodies[i]

        report.sent += len(changes)
        report.streams += 1
        try:
            resp = self._send_with_retries(lambda: self.client.exchange_stream(frames()), report)
        except (BadRequest, TooLarge, ProtocolError) as exc:
            if isinstance(exc, ProtocolError) and exc.code in ("http.404", "http.405", "not_found"):
                ops.set_state(self.store, {ops.SERVER_STREAM: None})  # a province rolled back: not again
            self._stream_off = True
            return None
        answers = resp.get("frames")
        if not isinstance(answers, list) or len(answers) > len(parts):
            raise ProtocolError("Máy chủ tỉnh trả lời không khớp với các thay đổi đã gửi.",
                                "The province's answer does not match the changes sent.")
        done = False
        audit_ok = True
        for part, ride, answer in zip(parts, rides, answers, strict=False):
            if not isinstance(answer, dict):
                raise ProtocolError("Máy chủ tỉnh trả lời không đúng định dạng.",
                                    "The province server's answer is not in the expected format.")
            # After a refused segment the later ones met a gap at the province: left unread (not stored there).
            done = self._take_answer(pos, part, ride if audit_ok else None, answer, report, waiting)
            audit = answer.get("audit")
            audit_ok = audit_ok and not (ride is not None and isinstance(audit, dict) and audit.get("code"))
            now = ops.position(self.store)
            if now.resync or now.epoch != pos.epoch:
                return False  # a restored province: the frames after this one were not applied (epoch.changed)
        if resp.get("stopped") is not None or len(answers) < len(parts):
            self._stream_off = True
            return None
        return done

    def _push_audit(self, report: SyncReport) -> None:
        """Ship the audit entries the province has not stored yet (whole: those that rode on this cycle's changes
        are stored already), in order, from this station's own audit cursor. A refused chain is recorded
        (``ops.AUDIT_REFUSED``) and not pushed again until it changes; records still sync. A province without the
        endpoint (older server) is skipped."""
        if not self.config.push_audit:
            return
        for _ in range(self.config.audit_batches_per_cycle):
            if self.cancel.is_set():
                raise Cancelled()
            after = ops.audit_pushed(self.store)
            if self._audit_budget <= 0:
                return
            entries = ops.audit_after(self.store, after, min(self.config.audit_batch, self._audit_budget))
            if not entries:
                return
            self._audit_budget -= len(entries)
            held = self._audit_held_back(entries[0]["hash"])
            if held is not None:
                report.audit_refused = held
                return
            try:
                answer = self._send_with_retries(functools.partial(self.client.push_audit, entries), report)
            except ProtocolError as exc:
                if exc.code in ("http.404", "http.405"):
                    return
                raise
            if not self._take_audit_answer(answer, after, entries[-1]["seq"], report):
                return

    def _audit_held_back(self, first_hash: str | None) -> str | None:
        """The refusal code when the next entry is the one the province refused (not pushed again until the chain
        changes), else None."""
        refused = ops.get_state(self.store, ops.AUDIT_REFUSED)
        if refused and json.loads(refused).get("hash") == first_hash:
            return str(json.loads(refused).get("code"))
        return None

    def _audit_ride(self, changes: list[dict[str, Any]], after: int | None = None,
                    sent: Collection[str] = ()) -> dict[str, Any] | None:
        """The audit entries riding in this exchange (``audit_push.riding_segment``), when the province takes them.
        ``after``: the last entry taken to be stored (default: the province's last answer); ``sent``: change ids
        sent in earlier frames of the same stream."""
        if not self.config.push_audit or self._audit_budget <= 0 \
                or ops.get_state(self.store, audit_push.AUDIT_RIDES) != "1":
            return None
        others = min(self.config.audit_batch, self._audit_budget)
        remote_too = ops.get_state(self.store, audit_push.AUDIT_REMOTE) == "1"
        segment = audit_push.riding_segment(self.store, ops.audit_pushed(self.store) if after is None else after,
                                            changes,
                                            audit_push.SEGMENT_MAX if remote_too else others, remote=remote_too,
                                            others_limit=others, sent=sent)
        if segment is None:
            return None
        first = segment["entries"][0]
        first_hash = first["hash"] if isinstance(first, dict) else ops.audit_hash_at(self.store, segment["first"])
        return None if self._audit_held_back(first_hash) is not None else segment

    def _remote_tail(self) -> bool:
        """Whether entries the province has not stored would ride compact as remote entries in an exchange
        without changes (the last pull's: no later exchange of this cycle carries them)."""
        segment = self._audit_ride([])
        return segment is not None and any(isinstance(e, list) for e in segment["entries"])

    def _note_audit_rides(self, resp: dict[str, Any], ride: dict[str, Any] | None, report: SyncReport) -> None:
        """Keep whether the province takes audit riding in the exchange (its answers say so, so either side may be
        upgraded first), and take its answer to the entries that rode on this request."""
        rides = "1" if resp.get("audit_rides") == 1 else None
        remote_too = "1" if rides and resp.get("audit_remote") == 1 else None
        if rides != ops.get_state(self.store, audit_push.AUDIT_RIDES) \
                or remote_too != ops.get_state(self.store, audit_push.AUDIT_REMOTE):
            ops.set_state(self.store, {audit_push.AUDIT_RIDES: rides, audit_push.AUDIT_REMOTE: remote_too})
        answer = resp.get("audit")
        if ride is not None:
            # Compact remote entries cost a few bytes each: the budget bounds the others, as before.
            self._audit_budget -= sum(not (isinstance(e, list) and e[:1] == ["r"]) for e in ride["entries"])
        if ride is not None and isinstance(answer, dict):
            last = ride["first"] + len(ride["entries"]) - 1
            self._take_audit_answer(answer, ride["first"] - 1, last, report)

    def _take_audit_answer(self, answer: dict[str, Any], after: int, last_sent: int, report: SyncReport) -> bool:
        """Move the audit cursor by the province's answer to entries ``after + 1 .. last_sent``. Returns whether
        pushing may go on in this cycle."""
        code = answer.get("code")
        last_seq = int(answer.get("last_seq") or 0)
        report.audit_pushed += int(answer.get("accepted") or 0)
        if code == "audit.gap" and not self._audit_rewound and last_seq < after:
            # The province holds less than we thought (restored from a backup): resend from what it has.
            ops.set_state(self.store, {ops.AUDIT_PUSHED: str(last_seq)})
            self._audit_rewound = True
            return True
        if code == "audit.full":
            # The province's rebuild of compact entries did not match our hashes: send them whole, so that a
            # broken entry among them is named exactly (it is refused then, as any whole entry would be).
            ops.set_state(self.store, {ops.AUDIT_PUSHED: str(max(after, min(last_seq, int(answer["seq"]) - 1))),
                                       audit_push.AUDIT_FULL_UNTIL: str(int(answer.get("until") or 0))})
            return True
        if code is not None:
            seq = int(answer.get("seq") or after + 1)
            ops.set_state(self.store, {ops.AUDIT_PUSHED: str(max(after, last_seq)), ops.AUDIT_REFUSED: json.dumps(
                {"seq": seq, "hash": ops.audit_hash_at(self.store, seq), "code": code, "vi": answer.get("vi"),
                 "en": answer.get("en")}, ensure_ascii=False)})
            report.audit_refused = str(code)
            return False
        ops.set_state(self.store, {ops.AUDIT_PUSHED: str(max(last_seq, last_sent)), ops.AUDIT_REFUSED: None})
        return True

    def _handle_response(self, pos: ops.SyncPosition, changes: list[ops.OutboxChange], resp: dict[str, Any],
                         report: SyncReport) -> bool:
        """Apply one answer. Returns True when the station is at head (nothing more to pull)."""
        try:
            epoch = str(resp["epoch"])
            results = resp.get("results") or []
            feed = resp.get("feed") or []
            cursor = int(resp["cursor"]) if resp.get("cursor") is not None else None
            more = bool(resp.get("more"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError("Máy chủ tỉnh trả lời thiếu thông tin.",
                                "The province's answer is incomplete.") from exc
        if len(results) != len(changes):
            raise ProtocolError("Máy chủ tỉnh trả lời không khớp với các thay đổi đã gửi.",
                                "The province's answer does not match the changes sent.")
        if pos.epoch is not None and epoch != pos.epoch:
            # The province's database was restored: its results are real, but the feed and cursor describe a
            # history this station never saw. Re-send what was acknowledged before, then pull everything.
            ops.start_resync(self.store, "epoch", new_epoch=epoch)
            report.resyncs.append("epoch")
            report.applied.merge(ops.apply_response(self.store, changes, ops.Response(
                epoch=epoch, results=results, move_cursor=False)))
            return False
        self._note_receipt(resp.get("receipt"))
        digest = resp.get("digest")
        report.digest = digest
        applied = ops.apply_response(self.store, changes, ops.Response(
            epoch=epoch, results=results, feed=feed, cursor=cursor, more=more, digest=digest))
        report.applied.merge(applied)
        if digest == "mismatch":
            # Silent divergence. Scheme 2: the answer carries the province's per-bucket sums; re-pull just the
            # buckets that differ (once per province head). A mismatch that survives that, or an answer without
            # buckets (scheme 1), pulls the whole scope again; one that survives a full re-pull is reported
            # instead of looping.
            marker = f"{epoch}:{cursor}"
            before = ops.get_state(self.store, ops.DIGEST_MISMATCH_AT_CURSOR)
            province_buckets = resp.get("digest_buckets")
            if isinstance(province_buckets, list) and before not in (marker, marker + ":repair"):
                ops.set_state(self.store, {ops.DIGEST_MISMATCH_AT_CURSOR: marker + ":repair"})
                if self._repair(epoch, province_buckets, report):
                    return False
            if before == marker:
                raise SyncError("Dữ liệu của trạm vẫn khác với tỉnh sau khi tải lại; hãy báo bộ phận kỹ thuật.",
                                "The station's data still differs from the province after a full reload; "
                                "tell the IT team.", code="digest.mismatch")
            ops.set_state(self.store, {ops.DIGEST_MISMATCH_AT_CURSOR: marker})
            ops.start_resync(self.store, "digest", history_intact=True)  # the province lost nothing
            report.resyncs.append("digest")
            return False
        if digest == "match" and ops.get_state(self.store, ops.DIGEST_MISMATCH_AT_CURSOR):
            # Healed: a later divergence at the same province head is repaired by bucket again.
            ops.set_state(self.store, {ops.DIGEST_MISMATCH_AT_CURSOR: None})
        return not more

    def _note_receipt(self, info: Any) -> None:
        """The sync answer's ``receipt`` member: keep the published lookup base URL, and fetch the receipt key
        when the province's fingerprint differs from ours (a station enrolled before receipt keys existed, or a
        re-issued key). Receipt links are signed offline at print time with what is kept here."""
        if not isinstance(info, dict):
            return
        values: dict[str, str | None] = {}
        conn = self.store.conn
        base = info.get("lookup_base_url")
        if isinstance(base, str) and base.rstrip("/") != receipt_keys.base_url(conn):
            values |= receipt_keys.state_values({"lookup_base_url": base})
        key_id = info.get("key_id")
        if isinstance(key_id, str) and key_id and key_id != receipt_keys.key_id(conn):
            values |= receipt_keys.state_values(self.client.receipt_key())
        receipt_keys.save(self.store, values)

    def _repair(self, epoch: str, province_buckets: list[Any], report: SyncReport) -> bool:
        """Digest repair: re-pull the current state of the records in the buckets whose sums differ from the
        province's and make the local records equal it (pending local changes kept), then requeue what the
        province lacks. Returns False when no bucket differs (the caller falls back to a full re-pull)."""
        try:
            bad = ops.mismatched_buckets(self.store, province_buckets)
        except (TypeError, ValueError) as exc:
            raise ProtocolError("Máy chủ tỉnh trả lời thiếu thông tin.",
                                "The province's answer is incomplete.") from exc
        if not bad:
            return False
        repair = ops.Repair(bad)
        after: list[str] | None = None
        while True:
            if self.cancel.is_set():
                raise Cancelled()
            body = {"buckets": bad, "after": after, "limit": self.config.resync_feed_limit}
            resp = self._send_with_retries(functools.partial(self.client.digest_buckets, body), report)
            if str(resp.get("epoch")) != epoch:
                return True  # the province was restored meanwhile: the next exchange handles the new epoch
            ops.apply_repair(self.store, repair, resp.get("records") or [])
            nxt = resp.get("next")
            if not nxt:
                break
            after = [str(nxt[0]), str(nxt[1])]
        ops.finish_repair(self.store, repair)
        report.repaired += repair.repaired
        report.repair_pulled += repair.pulled
        report.repair_buckets += bad
        return True

    def _send(self, body: dict[str, Any], report: SyncReport) -> dict[str, Any]:
        """One exchange with retries (exponential backoff, full jitter) for transient failures."""
        return self._send_with_retries(lambda: self.client.exchange(body), report)

    def _send_with_retries(self, call: Callable[[], dict[str, Any]], report: SyncReport) -> dict[str, Any]:
        backoff = Backoff(self.config.backoff_base, self.config.backoff_cap)
        attempt = 0
        while True:
            attempt += 1
            report.requests += 1
            try:
                resp = call()
                self._beat()
                return resp
            except AuthError:
                self._beat()
                raise
            except SyncError as exc:
                self._beat()
                if not exc.retryable or attempt >= self.config.max_attempts:
                    raise
                if isinstance(exc, OfflineError) and attempt >= 2:
                    raise  # the link is down: the scheduler probes cheaply instead of hammering
                if self.cancel.wait(backoff.next_delay(getattr(exc, "retry_after", None))):
                    raise Cancelled() from exc
            except Exception as exc:  # a bug must not kill the worker silently: report it as a failure
                self._beat()
                raise SyncError("Lỗi không mong đợi khi đồng bộ.", f"Unexpected error while syncing: {exc!r}",
                                code="internal") from exc

    def _beat(self) -> None:
        if self.on_progress is not None:
            self.on_progress()

