"""Where the station token lives: the OS keyring when a real one is available, else a file only the user can read.

The token is the station's identity at the province (and the key that signs its offline bundles), so it never
goes into the SQLite file (which is copied for backups) nor into logs. ``STATION_CLIENT_NO_KEYRING=1`` forces
the file (headless servers, tests).

On an **encrypted station** the file is ``station-token.sealed``: the token encrypted under a key derived from
the station's data key (``store.keys.seal``), so it is usable only while an officer's login (or the recovery
key) holds the data key — a copied data folder alone no longer pulls the commune from the province (issue 13,
defect 4). A plain ``station-token`` left by an earlier version is sealed at the first login (``seal_plain``,
called by ``store.unlock.after_login``) and the plain file removed. A re-key of the database re-seals it
(``reseal``). A plain station keeps the plain 0600 file: its data is not protected at rest either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..paths import DB_FILENAME

KEYRING_SERVICE = "station-client"
TOKEN_FILE = "station-token"
LOCATION_FILE = "station-token.location"  # "keyring:<username>" when the token is in the keyring
SEALED_FILE = "station-token.sealed"  # an encrypted station's token, sealed with its data key
SEAL_PURPOSE = "station-token"


def _real_keyring() -> Any:
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

    @property
    def _db(self) -> Path:
        return self.data_dir / DB_FILENAME

    def _encrypted(self) -> bool:
        from ..store import keys

        return keys.keys_path(self._db).exists()

    def _data_key(self) -> bytes | None:
        from ..store.connection import held_key

        return held_key(self._db)

    def save(self, token: str) -> str:
        """Store ``token``; returns where ("keyring" or the file path). An encrypted station without a keyring
        seals it with the data key, which must be held (an officer is logged in: enrolment and token rotation
        happen then)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        backend = _real_keyring()
        if backend is not None:
            try:
                backend.set_password(KEYRING_SERVICE, self._username, token)
                _write_private(self.data_dir / LOCATION_FILE, f"keyring:{self._username}\n")
                (self.data_dir / TOKEN_FILE).unlink(missing_ok=True)
                (self.data_dir / SEALED_FILE).unlink(missing_ok=True)
                return "keyring"
            except Exception:
                pass
        if self._encrypted():
            key = self._data_key()
            if key is None:
                from ..store.errors import StoreLocked

                raise StoreLocked("Cần đăng nhập để lưu mã trạm.", "Log in first: the station token is kept sealed.")
            self._write_sealed(key, token)
            return str(self.data_dir / SEALED_FILE)
        _write_private(self.data_dir / TOKEN_FILE, token + "\n")
        (self.data_dir / LOCATION_FILE).unlink(missing_ok=True)
        (self.data_dir / SEALED_FILE).unlink(missing_ok=True)
        return str(self.data_dir / TOKEN_FILE)

    def _write_sealed(self, key: bytes, token: str) -> None:
        from ..store import keys

        sealed = keys.seal(key, token.encode(), SEAL_PURPOSE)
        _write_private(self.data_dir / SEALED_FILE, json.dumps(sealed) + "\n")
        _remove_plain(self.data_dir / TOKEN_FILE)
        (self.data_dir / LOCATION_FILE).unlink(missing_ok=True)

    def load(self) -> str | None:
        """The token, or None: not enrolled, or sealed while nobody is logged in (the data key is not held)."""
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
        sealed_path = self.data_dir / SEALED_FILE
        if sealed_path.exists():
            key = self._data_key()
            if key is None:
                return None
            return self._unseal(key)
        path = self.data_dir / TOKEN_FILE
        if not path.exists():
            return None
        token = path.read_text(encoding="utf-8").strip() or None
        if token and self._encrypted() and self._data_key() is not None:
            self.seal_plain()
        return token

    def _unseal(self, key: bytes) -> str | None:
        from ..store import keys

        try:
            sealed = json.loads((self.data_dir / SEALED_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = keys.unseal(key, sealed, SEAL_PURPOSE) if isinstance(sealed, dict) else None
        return value.decode() if value else None

    def seal_plain(self) -> bool:
        """An encrypted station whose key is held: seal a plain token file left by an earlier version (and
        remove the plain one). True if a file was sealed."""
        path = self.data_dir / TOKEN_FILE
        key = self._data_key() if path.exists() and self._encrypted() else None
        if key is None:
            return False
        token = path.read_text(encoding="utf-8").strip()
        if not token:
            return False
        self._write_sealed(key, token)
        return True

    def reseal(self, old_key: bytes, new_key: bytes) -> bool:
        """The database was re-keyed: seal the token again under the new data key. True if there was one."""
        if not (self.data_dir / SEALED_FILE).exists():
            return False
        token = self._unseal(old_key)
        if token is None:
            return False
        self._write_sealed(new_key, token)
        return True

    def delete(self) -> None:
        backend = _real_keyring()
        if backend is not None and (self.data_dir / LOCATION_FILE).exists():
            with contextlib.suppress(Exception):
                backend.delete_password(KEYRING_SERVICE, self._username)
        (self.data_dir / LOCATION_FILE).unlink(missing_ok=True)
        (self.data_dir / TOKEN_FILE).unlink(missing_ok=True)
        (self.data_dir / SEALED_FILE).unlink(missing_ok=True)


def _remove_plain(path: Path) -> None:
    """Overwrite a plain token file before removing it (a best effort: an SSD may keep the old blocks)."""
    if not path.exists():
        return
    with contextlib.suppress(OSError):
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    path.unlink(missing_ok=True)


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
