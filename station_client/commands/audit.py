"""``station-client audit verify``: check the audit hash chain and every record against its last audit entry."""

from __future__ import annotations

import argparse
from typing import Any

from ..store.audit import verify
from .common import add_command, open_store


def register(sub: Any) -> None:
    audit = add_command(sub, "audit", "nhật ký thay đổi / audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    add_command(audit_sub, "verify", "kiểm tra nhật ký không bị sửa / check the audit trail is untampered", _verify)


def _verify(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None) or "vi"
    with open_store(args) as store:
        report = verify(store.conn)
    if report.ok:
        print(f"Nhật ký toàn vẹn: {report.entries} mục, {report.records} hồ sơ." if lang == "vi"
              else f"Audit trail intact: {report.entries} entries, {report.records} records.")
        return 0
    first = report.first_broken
    assert first is not None
    print(("Phát hiện sửa đổi ngoài phần mềm. Mục đầu tiên bị hỏng: " if lang == "vi"
           else "Tampering detected. First broken entry: ") + (first.vi if lang == "vi" else first.en))
    for finding in report.findings[1:]:
        print("  " + (finding.vi if lang == "vi" else finding.en))
    return 1
