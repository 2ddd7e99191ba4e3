"""GUI fixtures shared with the shell's tests (one session QApplication, the app on a fresh data folder,
translations compiled once, a fast password KDF)."""

from __future__ import annotations

from tests.ui.conftest import _compiled_translations, _fast_kdf, app_factory, data_dir  # noqa: F401
