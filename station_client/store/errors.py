"""Store errors carry a message for the officer in Vietnamese and English."""

from __future__ import annotations


class StoreError(Exception):
    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi = vi
        self.en = en

    def message(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi


class NotAStationDatabase(StoreError):
    """The file is not a SQLite database, is damaged, or belongs to another program."""


class NewerSchemaError(StoreError):
    """The file was written by a newer Station Client; opening it could damage it."""


class RecordNotFound(StoreError):
    pass


class StaleVersion(StoreError):
    """The record changed since the officer opened it (another window or a sync)."""


class WrongKey(StoreError):
    """The database is encrypted with another key."""


class PermissionDenied(StoreError):
    """The acting officer's role may not do this (``domain/permissions.py``); nothing was written."""


class StoreLocked(StoreError):
    """The file is encrypted and no key is held for it in this process (nobody has logged in)."""


class KeyFileError(StoreError):
    """The key file beside the database is missing, damaged, or does not hold the entry asked for."""
