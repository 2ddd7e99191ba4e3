"""Who may do what: the actions only the station head may take, declared as data. No Qt, no SQL.

The store's write path asks ``head_only_action`` for every write and refuses a head-only one when the acting
officer's account is not an active station head (``store.Store.authorize``); the UI reads the same table to hide
or disable what the logged-in officer may not do. Hiding is for comfort, the store's refusal is the rule.

The acting officer is never a name the caller passes: it is the account a login bound to the station file
(``Store.session``; an ``officer=`` argument must equal it). Actors that are not officer accounts
(docs/security.md, "Who is acting"):
- ``system:…`` names (``system:sync``, ``system:login``, ``system:store``, ``system:setup``) are the program's own
  paths, inside ``Store.acting_as_system`` blocks only. A write that names one is refused, and they cannot be
  typed at the login page (a username has no colon).
- On a station that has no account yet (a fresh file, tests, benchmarks, headless tools before setup) there is
  nobody to check a role against: the name given is a label, else ``system:setup``.
- Once accounts exist, a write with nobody logged in is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SYSTEM_PREFIX = "system:"
SYSTEM_SYNC = "system:sync"
SYSTEM_IMPORT = "system:import"
SYSTEM_SETUP = "system:setup"
SYSTEM_LOGIN = "system:login"  # failed logins and lockouts: nobody is logged in yet
SYSTEM_STORE = "system:store"  # the program's own settings (markers) written while nobody is logged in


@dataclass(frozen=True)
class Action:
    code: str
    vi: str  # what is refused, as the end of "Chỉ Trưởng Công an xã/phường được …"
    en: str  # ditto, "Only the station head may …"


RECORD_DELETE = Action("record.delete", "xóa hồ sơ này", "delete this record")
CONFLICT_DISCARD = Action("conflict.discard", "giải quyết xung đột bằng cách xóa hồ sơ",
                          "resolve a conflict by deleting the record")
CONFLICT_RESTORE = Action("conflict.restore", "khôi phục hồ sơ Công an tỉnh đã xóa",
                          "restore a record the province deleted")
STATION_SETTINGS = Action("settings.station", "thay đổi cài đặt của đơn vị", "change the station's settings")
MANAGE_ACCOUNTS = Action("accounts.manage", "quản lý tài khoản cán bộ", "manage officer accounts")
RETENTION_PURGE = Action("retention.purge", "xóa thông tin cá nhân của vụ việc đã kết thúc theo thời hạn lưu giữ",
                         "redact closed cases past the retention period")
BACKUP_RESTORE = Action("backup.restore", "khôi phục dữ liệu từ bản sao lưu", "restore data from a backup")
STAT_REPORT_SUBMIT = Action("stat_report.submit", "gửi báo cáo thống kê kỳ lên Công an tỉnh",
                            "submit the period statistics report to the province")

REMOTE_OVERRIDE = Action("crime_report.remote_override",
                         "điều chỉnh phân loại xã vùng sâu, vùng xa của tin báo (thời hạn 48 giờ)",
                         "override a report's remote-commune flag (the 48-hour period)")

HEAD_ONLY: tuple[Action, ...] = (RECORD_DELETE, CONFLICT_DISCARD, CONFLICT_RESTORE, STATION_SETTINGS,
                                 MANAGE_ACCOUNTS, RETENTION_PURGE, BACKUP_RESTORE, STAT_REPORT_SUBMIT,
                                 REMOTE_OVERRIDE)

# Deleting any of these is the station head's decision: a resident, a household or a case file is evidence of
# what the station did, and a delete syncs to the province. A household membership or residence line is an
# ordinary correction an officer makes at the counter.
HEAD_ONLY_DELETE_KINDS: frozenset[str] = frozenset({
    "person", "household", "dossier", "crime_report", "petition", "mediation_case", "admin_violation",
})

# Kinds whose every local write (create or update) is the head's: a period report submitted to the province
# speaks for the station, as the head's signature on the paper form does.
HEAD_ONLY_WRITE_KINDS: dict[str, Action] = {"stat_report": STAT_REPORT_SUBMIT}

# Fields of a kind that only the head may change once the record exists: a crime report's remote-commune flag
# comes from the province's classification of the commune; moving it off that is the head's decision.
HEAD_ONLY_UPDATE_FIELDS: dict[str, tuple[frozenset[str], Action]] = {
    "crime_report": (frozenset({"remote_commune", "remote_override_reason"}), REMOTE_OVERRIDE),
}

# Fields of a kind that no station may write, whoever is logged in: the investigation agency's answer on a
# transferred crime report is recorded at the province (domain/agency.py) and reaches the station by sync, which
# does not go through the officer's write path. A write that leaves them as they are (a close carrying the
# agency's decision, a form saving every field) is no write of them.
PROVINCE_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "crime_report": frozenset({
        "agency_received_at", "agency_officer", "agency_notice_due", "agency_notice_at", "agency_notice_timeliness",
        "agency_decide_due", "agency_extension",
        "agency_extension_ground", "agency_extended_at", "agency_decision", "agency_decision_ground",
        "agency_decision_no", "agency_decision_at", "agency_decision_timeliness", "outcome_notice_due",
    }),
}


def province_only_fields(kind: str | None, fields: Any) -> list[str]:
    """The province-only fields among ``fields`` (names) of ``kind``, sorted."""
    return sorted(PROVINCE_ONLY_FIELDS.get(kind or "", frozenset()) & set(fields or ()))


def province_only_refusal(names: list[str]) -> tuple[str, str]:
    return (f"Chỉ Công an tỉnh (cơ quan điều tra) được ghi các thông tin này: {', '.join(names)}.",
            f"Only the province (the investigation agency) may write these fields: {', '.join(names)}.")


# Settings that decide who the station is and where its data goes: a changed server address would send a
# commune's records elsewhere. Language, printer and idle lock stay each officer's business.
HEAD_ONLY_SETTINGS: frozenset[str] = frozenset({
    "station.name", "station.province_code", "station.commune_code", "sync.server_url", "retention.closed_years",
})


def head_only_action(op: str, kind: str | None = None, fields: dict[str, Any] | None = None) -> Action | None:
    """The head-only action a write amounts to, or None when any officer may do it.

    ``op``: "create" | "update" | "delete" (record writes), "setting" (``fields`` = the keys being set), or an
    ``Action.code`` for actions that are not record writes (conflicts, accounts, retention, restore)."""
    if op == "delete":
        return RECORD_DELETE if kind in HEAD_ONLY_DELETE_KINDS else None
    if op in ("create", "update"):
        if op == "update" and fields and kind in HEAD_ONLY_UPDATE_FIELDS:
            names, action = HEAD_ONLY_UPDATE_FIELDS[kind]
            if names & set(fields):
                return action
        return HEAD_ONLY_WRITE_KINDS.get(kind or "")
    if op == "setting":
        return STATION_SETTINGS if set(fields or ()) & HEAD_ONLY_SETTINGS else None
    for action in HEAD_ONLY:
        if action.code == op:
            return action
    raise ValueError(f"unknown action {op!r}")


def is_system_actor(officer: str) -> bool:
    return officer.startswith(SYSTEM_PREFIX)


def refusal(action: Action) -> tuple[str, str]:
    """The officer-facing message (vi, en) when ``action`` is refused."""
    return (f"Chỉ Trưởng Công an xã/phường được {action.vi}.", f"Only the station head may {action.en}.")
