"""Schema 13: restore recovery (docs/sync-protocol.md, "Epoch: a restored server").

Outbox columns:
- ``base_epoch``: the epoch ``base_version`` belongs to (set on insert by a trigger: the station's epoch, or while a
  resync after a restore has not re-pulled the record, the epoch of the version kept aside in ``resync_bases``).
  After a restore the province judges a change against the history its base belongs to.
- ``ack_version``: the version the province gave the change when it acknowledged it (its own version, not the
  record's at the time of a duplicate answer). Backfilled from ``result`` for changes acknowledged before.
- ``replay_version``: set when the change is sent again after the province was restored (``sync_ops.
  start_resync``): the version it had in the lost history, so the province re-applies it in that order.
- ``replay_conflicted``: for a replay of a change the lost history answered with a conflict: the fields in conflict
  (JSON list); the province re-applies the others only.
- ``orphan``: a copy of a record the province lacks that this station holds but did not change (re-sent after a
  resync found it missing): the province keeps its own state if it has the record.

Additive: older code never reads them (and a row it inserts is tagged by the trigger all the same).
"""

from __future__ import annotations

import sqlite3

SQL = [
    "ALTER TABLE outbox ADD COLUMN base_epoch TEXT",
    "ALTER TABLE outbox ADD COLUMN ack_version INTEGER",
    "ALTER TABLE outbox ADD COLUMN replay_version INTEGER",
    "ALTER TABLE outbox ADD COLUMN orphan INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE outbox ADD COLUMN replay_conflicted TEXT",
    "UPDATE outbox SET ack_version = CAST(result AS INTEGER) WHERE state = 'acked' AND result GLOB '[0-9]*' "
    "AND result NOT GLOB '*[^0-9]*'",
    # Only the store's write path and sync_ops insert into the outbox; neither has to know the epoch: a change
    # based on a province version is tagged here with the epoch that version belongs to.
    """CREATE TRIGGER outbox_base_epoch AFTER INSERT ON outbox
       WHEN NEW.base_version > 0 AND NEW.base_epoch IS NULL
       BEGIN
         UPDATE outbox SET base_epoch = coalesce(
             (SELECT s.value FROM sync_state s WHERE s.key = 'resync_bases.epoch' AND EXISTS (
                 SELECT 1 FROM resync_bases b WHERE b.kind = NEW.kind AND b.record_id = NEW.record_id
                 AND b.server_version = NEW.base_version)),
             (SELECT s.value FROM sync_state s WHERE s.key = 'epoch'))
         WHERE seq = NEW.seq;
       END""",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
