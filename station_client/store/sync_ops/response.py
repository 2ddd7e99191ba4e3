"""One answer of the province applied in one transaction: its results, its feed, the cursor and the epoch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import accounts, dossiers
from ..errors import StoreError
from ..store import Store
from . import remote
from .results import record_results
from .resync import _requeue_orphans, prune_resync_bases
from .state import (
    CURSOR,
    EPOCH,
    RESYNC,
    RESYNC_BASES_EPOCH,
    RESYNC_REASON,
    ApplyReport,
    OutboxChange,
    get_state,
    put_state,
)

log = logging.getLogger(__name__)


@dataclass
class Response:
    """One answer of the province (online exchange or answer bundle), as the store needs it."""

    epoch: str
    results: Sequence[Any] = ()
    feed: Sequence[dict[str, Any]] = ()
    cursor: int | None = None
    more: bool = False
    digest: str | None = None
    move_cursor: bool = True  # False: an answer bundle older than the station's cursor (feed applied only)
    extra_state: dict[str, str | None] = field(default_factory=dict)


def apply_response(store: Store, changes: Sequence[OutboxChange], response: Response) -> ApplyReport:
    """Record the results of ``changes``, apply the feed and move the cursor: one transaction.

    If a result or an entry fails half-way (a value the database refuses), everything is rolled back and the
    response is applied again with each result and entry in its own savepoint: the failing one is set aside,
    the others apply, and the cursor moves on."""
    try:
        return _apply_response(store, changes, response, careful=False)
    except remote.ENTRY_ERRORS as exc:
        log.warning("a province state failed to apply (%s); applying the response entry by entry",
                    type(exc).__name__)
        return _apply_response(store, changes, response, careful=True)


def _apply_response(store: Store, changes: Sequence[OutboxChange], response: Response, *,
                    careful: bool) -> ApplyReport:
    report = ApplyReport()
    with store.transaction() as conn:
        chain = remote.Chain(store.last_audit_hash())
        record_results(store, changes, response.results, response.epoch, chain, report, careful)
        remote.apply_feed(store, response.feed, chain, report, careful)
        if any(isinstance(e, dict) and e.get("kind") in dossiers.RECOMPUTE_KINDS for e in response.feed):
            # A holiday the province added moves the due time of open dossiers: written now, in this
            # transaction, as the sync's own changes (audited, pushed), never left to drift from the province's.
            report.due_moved += len(dossiers.recompute_due_dates(store))
        if response.move_cursor and response.cursor is not None:
            old = get_state(store, CURSOR)
            if old is None or response.cursor >= int(old):
                put_state(conn, CURSOR, str(response.cursor))
            put_state(conn, EPOCH, response.epoch)
            if not response.more and get_state(store, RESYNC) == "1":
                put_state(conn, RESYNC, None)
                put_state(conn, RESYNC_REASON, None)
                # Every record the province has now carries its version again; one still at 0 is not there. After
                # a restore such a record may still come back (its maker re-sends it): its old version stays
                # aside, so an edit of it is based on that version and waits for it rather than being refused.
                if get_state(store, RESYNC_BASES_EPOCH) in (None, response.epoch):
                    conn.execute("DELETE FROM resync_bases")
                report.requeued = _requeue_orphans(store)
                report.resync_done = True
        prune_resync_bases(store, response.epoch)
        for key, value in response.extra_state.items():
            put_state(conn, key, value)
        store.note_change(sync_state=True)
    if report.accounts:
        # Province-issued accounts are taken at once, while this process holds the data key (the app's sync
        # worker, an unlocked headless sync): each gets its key-file entry now, so the officer can unlock a
        # locked station at the next start. After the commit: the key file is not part of the transaction,
        # and an entry must never be written for an issue that was rolled back.
        try:
            accounts.take_issued(store, disabled=report.disabled)
            report.rekey_due = bool(report.disabled) and accounts.rekey_due(store)
        except StoreError as exc:
            # The pulled records are committed; a key file that cannot be written now must not fail the sync.
            # Each issue that failed was rolled back on its own and is taken again at that officer's login or
            # the head's list of officers.
            log.warning("province-issued accounts not taken yet: %s", type(exc).__name__)
    return report
