"""Sync with the provincial data centre (see docs/sync-protocol.md). No Qt widgets here."""
