"""Where the station token lives: the OS keyring when a real one is available, else a file only the user can read.

The token is the station's identity at the province (and the key that signs its offline bundles), so it never
goes into the SQLite file (which is copied for backups) nor into logs. ``STATION_CLIENT_NO_KEYRING=1`` forces
the file (headless servers, tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

KEYRING_SERVICE = "station-client"
TOKEN_FILE = "station-token"
LOCATION_FILE = "station-token.location"  # "keyring:<username>" when the token is in the keyring


def _real_keyring():  # type: ignore[no-untyped-def]
    """The keyring backend if it can really store secrets, else None (the 'fail'/'null' backends, priority ≤ 0)."""
    if os.environ.get("STATION_CLIENT_NO_KEYRING") == "1":
        return None
    try:
        import keyring
        from keyring.backends import chainer, fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
        return backend
    except Exception:  # no D-Bus, locked, misconfigured: fall back to the file
        return None


@dataclass
class TokenStore:
    data_dir: Path

    @property
    def _username(self) -> str:
        # One entry per data folder: a machine may hold several stations' folders (training, tests).
        return "token-" + hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]

    def save(self, token: str) -> str:
        """Store ``token``; returns where ("keyring" or the file path)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        backend = _real_keyring()
        if backend is not None:
            try:
                backend.set_password(KEYRING_SERVICE, self._username, token)
                _write_private(self.data_dir / LOCATION_FILE, f"keyring:{self._username}\n")
                (self.data_dir / TOKEN_FILE).unlink(missing_ok=True)
                return "keyring"
            except Exception:
                pass
        _write_private(self.data_dir / TOKEN_FILE, token + "\n")
        (self.data_dir / LOCATION_FILE).unlink(missing_ok=True)
        return str(self.data_dir / TOKEN_FILE)

    def load(self) -> str | None:
        location = self.data_dir / LOCATION_FILE
        if location.exists():
            backend = _real_keyring()
            if backend is not None:
                try:
                    value = backend.get_password(KEYRING_SERVICE, self._username)
                    if value:
                        return str(value)
                except Exception:
                    return None
            return None
        path = self.data_dir / TOKEN_FILE
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8").strip() or None

    def delete(self) -> None:
        backend = _real_keyring()
        if backend is not None and (self.data_dir / LOCATION_FILE).exists():
            with contextlib.suppress(Exception):
                backend.delete_password(KEYRING_SERVICE, self._username)
        (self.data_dir / LOCATION_FILE).unlink(missing_ok=True)
        (self.data_dir / TOKEN_FILE).unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by the owner only (0600 from creation, not chmod afterwards), atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
