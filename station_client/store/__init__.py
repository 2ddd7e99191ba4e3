"""The local store: one SQLite file per station, one write path (record + audit + outbox)."""

from .errors import NewerSchemaError, NotAStationDatabase, RecordNotFound, StaleVersion, StoreError
from .store import ChangeSet, Store

__all__ = ["ChangeSet", "NewerSchemaError", "NotAStationDatabase", "RecordNotFound", "StaleVersion", "Store",
           "StoreError"]
