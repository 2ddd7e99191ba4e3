"""Security tests share the GUI fixtures (a fast password KDF, the app on a fresh data folder)."""

from __future__ import annotations

from tests.ui.conftest import _compiled_translations, _fast_kdf, app_factory, data_dir  # noqa: F401
