"""What the sync engine tells the rest of the program. The UI shows it; it never asks the network itself.

Contract: the engine (``station_client.sync.engine``) calls every ``StatusListener`` with a fresh
``SyncStatus`` whenever something an officer can see changes. Listeners are called on the engine's own thread;
the UI re-emits them as a Qt signal onto the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SyncState = Literal["not_enrolled", "offline", "syncing", "failed", "up_to_date"]
RecordSyncState = Literal["pending", "synced", "rejected", "conflict"]


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    pending: int = 0  # outbox changes not yet acknowledged by the province
    conflicts: int = 0  # open conflicts waiting for an officer
    rejected: int = 0  # changes the province refused (each record shows why)
    set_aside: int = 0  # province states this station could not apply (listed with the reason in the Sync section)
    last_success: datetime | None = None  # end of the last sync that finished without error
    last_error_vi: str | None = None  # plain words for the officer, in Vietnamese
    last_error_en: str | None = None
    progress_done: int = 0  # first sync / large backlog: records done so far
    progress_total: int | None = None  # None when unknown
    server_url: str | None = None
    last_repair_vi: str | None = None  # the last digest repair: records that differed from the province, fixed
    last_repair_en: str | None = None
    duplicates: int = 0  # open duplicate-person review items (the same personal ID held twice in the commune)


StatusListener = Callable[[SyncStatus], None]
