"""Officer accounts: lockout after repeated failures, the officer's own password change, the head's reset and
disable, and accounts the province issues (CLI -> pull -> first login -> own password)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from province_server import officers
from province_server.db import Database
from station_client.clock import utcnow
from station_client.domain.accounts import LOCK_MINUTES, MAX_FAILURES
from station_client.domain.problems import ValidationError
from station_client.store import Store, StoreError
from station_client.store import accounts as acc
from station_client.store.errors import PermissionDenied
from tests.sync.conftest import COMMUNE, make_station, server  # noqa: F401


def _station(store: Store) -> None:
    acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025", "matkhau2025")
    acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass", created_by="truong")


def test_lockout_after_repeated_failures(store: Store) -> None:
    _station(store)
    t0 = utcnow()
    for i in range(MAX_FAILURES - 1):
        with pytest.raises(acc.AuthError) as wrong:
            acc.verify(store, "canbo1", f"wrong{i}xx", now=t0)
        assert "Wrong username or password" in wrong.value.en
    with pytest.raises(acc.AuthError) as locked:
        acc.verify(store, "canbo1", "wrong-last1", now=t0)
    assert "locked" in locked.value.en
    with pytest.raises(acc.AuthError) as still:  # the right password is refused while locked
        acc.verify(store, "canbo1", "lan12345pass", now=t0 + timedelta(minutes=LOCK_MINUTES - 1))
    assert "locked" in still.value.en and "khóa" in still.value.vi
    assert acc.verify(store, "canbo1", "lan12345pass", now=t0 + timedelta(minutes=LOCK_MINUTES, seconds=1))
    # The head lifts a lockout at once with a reset.
    for i in range(MAX_FAILURES):
        with pytest.raises(acc.AuthError):
            acc.verify(store, "canbo1", f"wrong{i}xx")
    acc.reset_password(store, "canbo1", "reset2025ab", by="truong")
    assert acc.verify(store, "canbo1", "reset2025ab").must_change


def test_password_change_needs_the_old_password(store: Store) -> None:
    _station(store)
    with pytest.raises(acc.AuthError):
        acc.change_password(store, "canbo1", "not-my-pass1", "newpass2025", "newpass2025")
    with pytest.raises(ValidationError):
        acc.change_password(store, "canbo1", "lan12345pass", "lan12345pass", "lan12345pass")  # the same
    with pytest.raises(ValidationError):
        acc.change_password(store, "canbo1", "lan12345pass", "short1", "short1")
    acc.change_password(store, "canbo1", "lan12345pass", "newpass2025", "newpass2025")
    with pytest.raises(acc.AuthError):
        acc.verify(store, "canbo1", "lan12345pass")
    assert not acc.verify(store, "canbo1", "newpass2025").must_change


def test_head_resets_disables_and_enables(store: Store) -> None:
    _station(store)
    with pytest.raises(PermissionDenied):
        acc.reset_password(store, "truong", "taken2025ab", by="canbo1")
    acc.reset_password(store, "canbo1", "given2025ab", "given2025ab", by="truong")
    officer = acc.verify(store, "canbo1", "given2025ab")
    assert officer.must_change  # the app asks for the officer's own password before any work
    acc.change_password(store, "canbo1", "given2025ab", "mine2025abc", "mine2025abc")
    assert not acc.verify(store, "canbo1", "mine2025abc").must_change

    acc.set_active(store, "canbo1", False, by="truong")
    with pytest.raises(acc.AuthError):
        acc.verify(store, "canbo1", "mine2025abc")
    assert [i.active for i in acc.account_infos(store) if i.username == "canbo1"] == [False]
    with pytest.raises(StoreError):
        acc.set_active(store, "truong", False, by="truong")  # not yourself, not the last head
    acc.set_active(store, "canbo1", True, by="truong")
    assert acc.verify(store, "canbo1", "mine2025abc").username == "canbo1"


def test_province_issues_an_officer_account(tmp_path: Path, server) -> None:  # noqa: F811
    station = make_station(tmp_path, server, "issued")
    with station.open() as store:
        _station(store)
    run = subprocess.run([sys.executable, "-m", "province_server", "--db", server.db_url, "officer", "add",
                          "--commune", COMMUNE, "--username", "canbo7", "--name", "Đỗ Văn Bảy", "--json"],
                         capture_output=True, text=True, timeout=60, check=True)
    issued = json.loads(run.stdout)
    one_time = issued["one_time_password"]
    province = Database(server.db_url)  # the same issue function the CLI runs, in-process (no 1.5 s start-up)
    _, other_pw = officers.issue(province, "07093", "elsewhere", "Xã Khác", "officer")
    with station.open() as store:
        station.sync(store=store)
        assert store.count("officer_account") == 1  # its own commune's issue only
        account = acc.verify(store, "canbo7", one_time)
        assert account.must_change and account.role == "officer" and account.full_name == "Đỗ Văn Bảy"
        with pytest.raises(acc.AuthError):
            acc.verify(store, "elsewhere", other_pw or "")
        acc.change_password(store, "canbo7", one_time, "bay2025mine", "bay2025mine")
        station.sync(store=store)  # the same issue pulled again does not bring the one-time password back
        assert not acc.verify(store, "canbo7", "bay2025mine").must_change
        # The station cannot write the kind; the province refuses it from a station too.
        with pytest.raises(StoreError):
            store.update("officer_account", issued["id"], {"role": "station_head"}, officer="truong")
    token = server.enroll(COMMUNE)["token"]
    forged = server.session.post(f"{server.url}/v1/sync", headers={"Authorization": f"Bearer {token}"},
                                 json={"changes": [{"change_id": str(uuid.uuid4()), "kind": "officer_account",
                                                    "id": issued["id"], "op": "upsert", "base_version": 1,
                                                    "fields": {"role": "station_head"}}]})
    assert forged.status_code == 200 and forged.json()["results"][0]["status"] == "rejected"
    # The province re-issues (the officer forgot the password) and then disables the account.
    rid, again = officers.issue(province, COMMUNE, "canbo7", "Đỗ Văn Bảy", "officer")
    assert rid == issued["id"] and again
    with station.open() as store:
        station.sync(store=store)
        assert acc.verify(store, "canbo7", again).must_change
    officers.issue(province, COMMUNE, "canbo7", "Đỗ Văn Bảy", "officer", active=False)
    with station.open() as store:
        station.sync(store=store)
        with pytest.raises(acc.AuthError):
            acc.verify(store, "canbo7", again)


def test_province_issued_officer_unlocks_a_locked_encrypted_station(tmp_path: Path, server,  # noqa: F811
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The pull that brings an issue writes the officer's key-file entry while the key is held, so that officer
    can open the station at a locked start — no other login in between — and must then choose a password."""
    from station_client.domain import accounts as account_rules
    from station_client.store import keys
    from station_client.store import unlock as unlocking
    from station_client.store.connection import forget_key
    from tests.sync.conftest import Station

    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    forget_key()
    try:
        d = tmp_path / "locked"
        d.mkdir()
        db = d / "station.db"
        unlocking.setup(db, "truong", "matkhau2025", "matkhau2025")
        with Store.open(db) as store:
            acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025")
        station = Station(d, server).enroll()
        _, one_time = officers.issue(Database(server.db_url), COMMUNE, "canbo7", "Đỗ Văn Bảy", "officer")
        assert one_time
        with Store.open(db) as store:
            station.sync(store=store)
        assert keys.has_officer_key(db, "canbo7")
        forget_key()  # the app closes; the next start is locked
        assert unlocking.state(db) == "locked"
        with pytest.raises(keys.WrongPassword):
            unlocking.unlock(db, "canbo7", "not-the-one-time1")
        account = unlocking.login(db, "canbo7", one_time)
        assert account.must_change and account.role == "officer"
        with Store.open(db) as store:
            acc.change_password(store, "canbo7", one_time, "bay2025mine", "bay2025mine")
        forget_key()
        with pytest.raises(keys.WrongPassword):  # the one-time password no longer opens anything
            unlocking.unlock(db, "canbo7", one_time)
        assert not unlocking.login(db, "canbo7", "bay2025mine").must_change
    finally:
        forget_key()
