"""Store-side operations of the sync engine: the only SQL sync needs, each one atomic.

Rules kept here (docs/sync-protocol.md, ../shared/sync.md):
- A change leaves the outbox only on an answer from the province; ``take_batch`` marks ``sent_at`` in the same
  transaction that reads the batch, so a local edit made while it is on the wire becomes a new change instead
  of altering one the server may already hold (same change id with other content is refused there).
- Results, feed entries, the cursor and the epoch of one response are written in one transaction: a crash
  leaves either all of it or none of it, and the cursor never covers entries that were not applied.
- A pulled state never overwrites a field that has a pending local change; the push is judged against it.
- Every change of a record's content writes an audit entry (action ``remote`` for the province's state,
  ``resolve`` for an officer's conflict resolution), chained like local writes.

One module a job; callers use this package (``from station_client.store import sync_ops as ops``), which
re-exports their public names:
- ``state``: the sync-state keys, the outbox as the push reads it, counts, a record's own sync state;
- ``results``: the province's answer to each change pushed (acknowledged, deferred, conflict, refused);
- ``remote``: the province's record states made local (the feed, and the states answers carry), through the
  store's public write-path methods (``Store.derived_columns``, ``Store.append_audit``, ``Store.note_change``);
- ``response``: one answer applied in one transaction (results, feed, cursor, epoch);
- ``resync``: a full re-pull of the scope, the divergence digest and its bucket repair;
- ``conflicts``: listing conflicts and an officer's resolution;
- ``bundles``: the offline exchange's bundles;
- ``audit_push``: the audit chain sent to the province.
"""

from __future__ import annotations

from ...wire import version_term as digest_term
from .audit_push import (
    AUDIT_COLUMNS,
    audit_after,
    audit_hash_at,
    audit_pushed,
)
from .bundles import (
    change_state,
    changes_by_id,
    get_bundle,
    mark_bundle_answered,
    newest_unanswered_bundle,
    record_bundle,
)
from .conflicts import (
    Conflict,
    get_conflict,
    list_conflicts,
    resolve_conflict,
)
from .remote import (
    Unusable,
)
from .response import (
    Response,
    apply_response,
)
from .results import (
    mark_rejected,
)
from .resync import (
    DIGEST_MOD,
    LAST_REPAIR,
    REPAIR_OFFICER_ORIGIN,
    Repair,
    apply_repair,
    compute_digest,
    compute_digest_v1,
    finish_repair,
    mismatched_buckets,
    set_aside_versions,
    start_resync,
)
from .state import (
    AUDIT_PUSHED,
    AUDIT_REFUSED,
    CURSOR,
    DIGEST_MISMATCH_AT_CURSOR,
    EPOCH,
    FEED_SET_ASIDE,
    LAST_ERROR,
    LAST_SUCCESS,
    REMOTE_OFFICER,
    RESYNC,
    RESYNC_BASES_EPOCH,
    RESYNC_REASON,
    SERVER_STREAM,
    SET_ASIDE_KEEP,
    ApplyReport,
    OutboxChange,
    SyncCounts,
    SyncPosition,
    counts,
    get_state,
    has_sendable,
    iter_synced_state,
    pending_changes,
    pending_count,
    position,
    ready_count,
    refresh_record_state,
    rejection_text,
    set_aside_entries,
    set_state,
    take_batch,
)

__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_PUSHED",
    "AUDIT_REFUSED",
    "CURSOR",
    "DIGEST_MISMATCH_AT_CURSOR",
    "DIGEST_MOD",
    "EPOCH",
    "FEED_SET_ASIDE",
    "LAST_ERROR",
    "LAST_REPAIR",
    "LAST_SUCCESS",
    "REMOTE_OFFICER",
    "REPAIR_OFFICER_ORIGIN",
    "RESYNC",
    "RESYNC_BASES_EPOCH",
    "RESYNC_REASON",
    "SERVER_STREAM",
    "SET_ASIDE_KEEP",
    "ApplyReport",
    "Conflict",
    "OutboxChange",
    "Repair",
    "Response",
    "SyncCounts",
    "SyncPosition",
    "Unusable",
    "apply_repair",
    "apply_response",
    "audit_after",
    "audit_hash_at",
    "audit_pushed",
    "change_state",
    "changes_by_id",
    "compute_digest",
    "compute_digest_v1",
    "counts",
    "digest_term",
    "finish_repair",
    "get_bundle",
    "get_conflict",
    "get_state",
    "has_sendable",
    "iter_synced_state",
    "list_conflicts",
    "mark_bundle_answered",
    "mark_rejected",
    "mismatched_buckets",
    "newest_unanswered_bundle",
    "pending_changes",
    "pending_count",
    "position",
    "ready_count",
    "record_bundle",
    "refresh_record_state",
    "rejection_text",
    "resolve_conflict",
    "set_aside_entries",
    "set_aside_versions",
    "set_state",
    "start_resync",
    "take_batch",
]
