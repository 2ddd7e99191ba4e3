"""Station Client: offline-first software for a Vietnamese commune police station."""

__version__ = "0.1.0"
