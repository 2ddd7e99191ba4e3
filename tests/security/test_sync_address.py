"""Issue 13, defect 3: the head's ``sync.server_url`` decides where sync connects (it used to keep the address
saved at enrollment, so the setting the store guards as head-only changed nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from station_client.store import Store
from station_client.store import accounts as acc
from station_client.store import sync_ops as ops
from station_client.store.errors import PermissionDenied
from station_client.sync.credentials import TokenStore
from station_client.sync.enroll import build_engine, connect_identity


def test_the_heads_server_address_is_where_sync_connects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_CLIENT_NO_KEYRING", "1")
    with Store.open(tmp_path / "station.db") as store:
        acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025")
        acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass")
        ops.set_state(store, {"station.server_url": "https://old.tinh.example.vn", "station.station_id": "st-1"})
        TokenStore(tmp_path).save("token-abc")
        engine = build_engine(store)
        assert engine.client.base_url.startswith("https://old.tinh.example.vn")
        acc.log_in(store, "canbo1", "lan12345pass")
        with pytest.raises(PermissionDenied):
            store.set_setting("sync.server_url", "https://evil.example")
        acc.log_in(store, "truong", "matkhau2025")
        store.set_setting("sync.server_url", "https://new.tinh.example.vn")
        engine = build_engine(store)
        assert engine.client.base_url.startswith("https://new.tinh.example.vn")
        assert engine.server_url == "https://new.tinh.example.vn"
        identity = connect_identity(store)
        assert identity is not None and identity.station_id == "st-1"
        changed = store.conn.execute("SELECT officer, changes FROM audit WHERE kind = 'setting' AND "
                                     "record_id = 'sync.server_url'").fetchall()
        assert [r[0] for r in changed] == ["truong"] and "new.tinh.example.vn" in changed[0][1]
