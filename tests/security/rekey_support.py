"""What the re-key tests share: the station's three accounts, a resident's fields, and a clean key state (no
held key, no session, a fast password KDF, no OS keyring) around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station_client.domain import accounts as account_rules
from station_client.store.connection import forget_key
from station_client.store.store import forget_session

HEAD, HEAD_PW = "truong", "matkhau2025"
GONE, GONE_PW = "canbo1", "lan12345pass"
STAYS, STAYS_PW = "canbo2", "binh2025pass"
LATER = "Đặng Thị Sau Khóa"  # a resident written after the re-key: no old copy may read it


@pytest.fixture
def clean_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    monkeypatch.setenv("STATION_CLIENT_NO_KEYRING", "1")
    forget_key()
    forget_session()
    yield
    forget_key()
    forget_session()


def person(name: str, pid: str) -> dict[str, str]:
    return {"full_name": name, "birth_date": "1990-01-02", "sex": "F", "personal_id": pid}
