"""Issue 13, defect 4: on an encrypted station without an OS keyring the station token was a plain file beside
the encrypted database — a copied folder alone pulled the whole commune from the province. Now it is sealed
with the data key: usable only after a login, and a plain file from an earlier version is sealed at the first
login."""

from __future__ import annotations

from pathlib import Path

import pytest

from station_client.domain import accounts as account_rules
from station_client.store import Store
from station_client.store import accounts as account_store
from station_client.store import unlock as unlocking
from station_client.store.connection import forget_key
from station_client.store.errors import StoreLocked
from station_client.store.store import forget_session
from station_client.sync.credentials import SEALED_FILE, TOKEN_FILE, TokenStore

TOKEN = "st-token-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_keyring_fast_kdf(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STATION_CLIENT_NO_KEYRING", "1")
    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    forget_key()
    forget_session()
    yield
    forget_key()
    forget_session()


def _encrypted_station(home: Path) -> Path:
    db = home / "station.db"
    home.mkdir(parents=True)
    unlocking.setup(db, "truong", "matkhau2025", "matkhau2025")
    with Store.open(db) as store:
        account_store.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025")
    unlocking.take_recovery_key(db)
    return db


def _folder_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.iterdir() if p.is_file())


def test_the_token_of_an_encrypted_station_is_sealed_with_the_data_key(tmp_path: Path) -> None:
    home = tmp_path / "station"
    db = _encrypted_station(home)
    tokens = TokenStore(home)
    where = tokens.save(TOKEN)  # enrolment: an officer is logged in, the key is held
    assert where.endswith(SEALED_FILE) and not (home / TOKEN_FILE).exists()
    assert TOKEN.encode() not in _folder_bytes(home)
    assert tokens.load() == TOKEN
    forget_key()  # the folder alone (copied to a USB stick, the app not logged in)
    assert TokenStore(home).load() is None
    with pytest.raises(StoreLocked):
        TokenStore(home).save("another")
    unlocking.login(db, "truong", "matkhau2025")
    assert TokenStore(home).load() == TOKEN


def test_a_plain_token_file_is_sealed_at_the_first_login(tmp_path: Path) -> None:
    home = tmp_path / "station"
    db = _encrypted_station(home)
    (home / TOKEN_FILE).write_text(TOKEN + "\n", encoding="utf-8")  # left by an earlier version
    forget_key()
    unlocking.login(db, "truong", "matkhau2025")
    assert not (home / TOKEN_FILE).exists() and (home / SEALED_FILE).exists()
    assert TOKEN.encode() not in _folder_bytes(home)
    assert TokenStore(home).load() == TOKEN


def test_a_plain_station_keeps_its_plain_token_file(tmp_path: Path) -> None:
    home = tmp_path / "plain"
    assert TokenStore(home).save(TOKEN).endswith(TOKEN_FILE)
    assert TokenStore(home).load() == TOKEN
