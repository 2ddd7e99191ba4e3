"""A province backup carries the console's accounts and action log; sessions are not in it (a backup restored on
another server has nobody logged in), and a restore in place leaves the live sessions of the accounts it keeps."""

from __future__ import annotations

from pathlib import Path

from province_server import dump
from province_server.console import auth
from province_server.db import Database


def test_backup_and_restore_keep_staff_not_sessions(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        db.check_schema(auto_migrate_empty=True)
        auth.add_staff(db, "quantri", "Nguyễn Văn Quản Trị", "admin", "matkhau2026", by="cli")
        token, _ = auth.login(db, "quantri", "matkhau2026", "127.0.0.1")
        dump.backup(db, tmp_path / "b.jsonl.gz")
        auth.add_staff(db, "sau.sao.luu", "Người Sau", "viewer", "matkhau2026", by="quantri")
        dump.restore(db, tmp_path / "b.jsonl.gz")
        assert [s["username"] for s in auth.list_staff(db)] == ["quantri"]
        assert {e["action"] for e in auth.recent_audit(db)} == {"staff.add", "login"}
        assert auth.session_of(db, token) is not None
        assert auth.login(db, "quantri", "matkhau2026", "127.0.0.1")[1].staff.is_admin
    finally:
        db.dispose()
