"""Provincial data centre: the sync API server stations talk to (FastAPI over SQLAlchemy Core)."""

__version__ = "0.1.0"
