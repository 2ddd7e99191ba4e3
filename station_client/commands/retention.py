"""``station-client retention [--years N] [--apply]``: closed cases past the retention period.

Without ``--apply`` a dry run: the cases that would be redacted (register number, kind, closing date — no
personal data). With ``--apply`` they are redacted through the write path as the station head who logs in
(``--user NAME --password-stdin``, or the login that unlocked an encrypted station); anyone else is refused by
the store. The period is the station setting ``retention.closed_years`` unless ``--years`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..store import retention as sr
from .common import acting_officer, add_command, open_store

KIND_NAMES = {"crime_report": ("Tố giác, tin báo", "Crime report"), "petition": ("Đơn thư", "Petition"),
              "mediation_case": ("Hòa giải", "Mediation")}


def register(sub: Any) -> None:
    p = add_command(sub, "retention", "xóa thông tin cá nhân của vụ việc đã kết thúc quá thời hạn lưu giữ / "
                                      "redact closed cases past the retention period", _retention)
    p.add_argument("--years", type=int, default=None,
                   help="thời hạn (năm); mặc định theo cài đặt / period in years (default: the station setting)")
    p.add_argument("--apply", action="store_true", help="thực hiện (mặc định chỉ liệt kê) / do it (default: list)")
    p.add_argument("--json", action="store_true")


def _retention(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None) or "vi"
    en = lang == "en"
    with open_store(args) as store:
        years = sr.configured_years(store) if args.years is None else args.years
        if years <= 0:
            print("No retention period is set (retention.closed_years): nothing is redacted." if en else
                  "Chưa đặt thời hạn lưu giữ (retention.closed_years): không xóa gì.", file=sys.stderr)
            return 0
        if args.apply:
            result = sr.apply(store, officer=acting_officer(args, store), years=years)
            cases, failed = result.redacted, result.failed
        else:
            cases, failed = sr.due_cases(store.conn, years), []
    if args.json:
        print(json.dumps({"years": years, "applied": bool(args.apply),
                          "cases": [{"kind": c.kind, "id": c.record_id, "register_no": c.register_no,
                                     "closed_on": c.closed_on.isoformat(), "fields": list(c.fields)} for c in cases],
                          "failed": [{"kind": c.kind, "id": c.record_id, "register_no": c.register_no}
                                     for c, _e in failed]}, ensure_ascii=False))
    else:
        for c in cases:
            print(f"{KIND_NAMES[c.kind][1 if en else 0]:<18} {c.register_no or c.record_id:<16} "
                  f"{c.closed_on:%d/%m/%Y}  {len(c.fields)}")
        for c, exc in failed:
            print(f"{c.register_no or c.record_id}: {'; '.join(exc.messages(lang))}", file=sys.stderr)
        verb = ("redacted" if args.apply else "would be redacted") if en else ("đã xóa thông tin cá nhân" if args.apply
                                                                           else "sẽ được xóa thông tin cá nhân")
        print(f"{len(cases)} {'cases' if en else 'vụ việc'} {verb} ({years} {'years' if en else 'năm'}).")
    return 1 if failed else 0
