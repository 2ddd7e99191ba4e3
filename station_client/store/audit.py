"""Checks over the audit trail: the hash chain, records against their last audit entry, audit against outbox.

A hand edit of the SQLite file shows up here: changing an audit row breaks its hash (or the next row's link);
changing a record makes its content hash differ from the one its last audit entry vouches for; deleting an
outbox row leaves a local write that sync would never ship.

Entries that are not record writes — account and settings events, station events (``Store.audit_event``:
kind ``account``, ``setting`` or ``station``; action ``create`` or ``update``; what happened in
``changes["event"]``) — are links of the same chain, hashed the same way, with no outbox change and no record
to compare.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from ..domain.registry import KINDS
from ..wire import GENESIS_HASH, audit_entry_hash
from .codec import from_db, record_hash
from .store import EVENT_KINDS


@dataclass(frozen=True)
class AuditFinding:
    code: str  # "chain.link", "chain.hash", "record.hash", "record.unaudited", "outbox.missing"
    audit_seq: int | None
    kind: str | None
    record_id: str | None
    vi: str
    en: str


@dataclass
class AuditReport:
    entries: int = 0
    records: int = 0
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_broken(self) -> AuditFinding | None:
        return self.findings[0] if self.findings else None


def verify(conn: sqlite3.Connection) -> AuditReport:
    report = AuditReport()
    prev = GENESIS_HASH
    last_hash_of: dict[tuple[str, str], tuple[int, str]] = {}
    outbox_ids = {r[0] for r in conn.execute("SELECT change_id FROM outbox")}
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        report.entries += 1
        seq = row["seq"]
        if row["prev_hash"] != prev:
            report.findings.append(AuditFinding(
                "chain.link", seq, row["kind"], row["record_id"],
                f"Nhật ký bị cắt hoặc chèn trước mục số {seq}.",
                f"The audit chain is broken before entry {seq} (an entry was removed or inserted)."))
        expected = audit_entry_hash(row["prev_hash"], row["at"], row["officer"], row["kind"], row["record_id"],
                                    row["action"], row["changes"], row["change_id"], row["record_hash"])
        if expected != row["hash"]:
            report.findings.append(AuditFinding(
                "chain.hash", seq, row["kind"], row["record_id"],
                f"Mục nhật ký số {seq} đã bị sửa sau khi ghi.", f"Audit entry {seq} was altered after it was written."))
        if (row["action"] in ("create", "update", "delete", "resolve") and row["kind"] not in EVENT_KINDS
                and row["change_id"] not in outbox_ids):
            report.findings.append(AuditFinding(
                "outbox.missing", seq, row["kind"], row["record_id"],
                f"Thay đổi ở mục nhật ký số {seq} không có trong hàng đợi đồng bộ.",
                f"The change of audit entry {seq} is missing from the sync outbox."))
        last_hash_of[(row["kind"], row["record_id"])] = (seq, row["record_hash"])
        prev = row["hash"]
    for kind in KINDS.values():
        if kind.scope == "reference":
            continue
        for row in conn.execute(f"SELECT * FROM {kind.table}"):
            report.records += 1
            record = from_db(kind, row)
            last = last_hash_of.get((kind.name, row["id"]))
            if last is None:
                report.findings.append(AuditFinding(
                    "record.unaudited", None, kind.name, row["id"],
                    f"{kind.vi} {row['id']} không có trong nhật ký (được ghi ngoài phần mềm).",
                    f"{kind.en} {row['id']} has no audit entry (written outside the program)."))
            elif last[1] != record_hash(kind, row["id"], record, bool(row["deleted"])):
                report.findings.append(AuditFinding(
                    "record.hash", last[0], kind.name, row["id"],
                    f"{kind.vi} {row['id']} đã bị sửa ngoài phần mềm (khác với nhật ký số {last[0]}).",
                    f"{kind.en} {row['id']} was changed outside the program (differs from audit entry {last[0]})."))
    report.findings.sort(key=lambda f: (f.audit_seq is None, f.audit_seq or 0))
    return report
