"""The PySide6 desktop app. ``app.run_app`` starts it; features plug in through ``sections``."""
