"""``station-client receipt DOSSIER_CODE --pdf FILE``: print a dossier's receipt (or CT05 / CT06) to PDF,
headless. Each print is counted on the dossier (audited and synced), so a second one says it is a reprint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..clock import office_now
from ..store.errors import RecordNotFound
from .common import add_command, officer_name, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "receipt", "in phiếu tiếp nhận hồ sơ ra PDF / print a dossier receipt to PDF", _run)
    p.add_argument("code", help="mã hồ sơ / dossier code")
    p.add_argument("--pdf", type=Path, required=True, help="tệp PDF / PDF file to write")
    p.add_argument("--page", choices=("A4", "A5"), default="A4", help="khổ giấy / paper size")
    p.add_argument("--document", choices=("receipt", "supplement", "refusal"), default=None,
                   help="loại phiếu (mặc định theo trạng thái) / which document (default: by status)")
    p.add_argument("--officer", help="tài khoản in phiếu / account the print is attributed to")


def _run(args: argparse.Namespace) -> int:
    from ..printing.documents import document_for, station_info
    from ..printing.render import write_pdf
    from ..store import dossiers as sd
    from ..store import receipt_keys

    with open_store(args) as store:
        dossier = sd.get_by_code(store.conn, args.code)
        if dossier is None:
            raise RecordNotFound(f"Không có hồ sơ mã {args.code}.", f"No dossier with code {args.code}.")
        print_no = int(dossier.get("print_count") or 0) + 1
        doc = document_for(dossier, station_info(sd.read_settings(store.conn, "station.")),
                           printed_at=office_now(), print_no=print_no, which=args.document,
                           page_size=args.page, lookup_url=receipt_keys.lookup_url(store.conn, dossier))
        write_pdf(doc, args.pdf)
        sd.mark_printed(store, dossier["id"], officer=officer_name(args))  # counted once the file exists
    print(f"{doc.title} → {args.pdf}" + (f" (bản in lại lần {print_no})" if print_no > 1 else ""))
    return 0
