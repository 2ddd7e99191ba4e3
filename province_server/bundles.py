"""Offline bundles: a station's push carried on a USB stick, applied with the same rules as ``/v1/sync``.

The bundle is signed with HMAC-SHA256 under the station's bundle key ``sha256("bundle:" + token)`` (the server
keeps that key, never the token). The signature covers the canonical JSON of the bundle without its
``signature`` member (keys sorted, no spaces, UTF-8). The answer bundle is signed the same way.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from station_client.wire import canonical_bytes, sign, signed_by

from .db import Database, ready_db
from .errors import ApiError
from .exchange import Actor, apply_changes, read_feed
from .models import MAX_LIMIT, BundleIn
from .stations import bundle_keys

ANSWER_FORMAT = "province-answer/1"


def tampered() -> ApiError:
    return ApiError(400, "bundle.signature", "Chữ ký của gói dữ liệu không khớp: gói đã bị sửa hoặc không do trạm "
                    "này tạo ra; không nhập.", "The bundle signature does not match: the file was changed or was "
                    "not made by this station; nothing was imported.")


def import_bundle(db: Database, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        bundle = BundleIn.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(422, "bundle.invalid", "Gói dữ liệu sai cấu trúc.", "The bundle is malformed.",
                       errors=[{"loc": [str(x) for x in e["loc"]], "type": e["type"]} for e in exc.errors()[:20]]
                       ) from None
    from sqlalchemy import select

    from . import schema

    with db.read() as conn:
        keys = bundle_keys(conn, bundle.station_id)
        row = conn.execute(select(schema.stations.c.commune_code).where(schema.stations.c.id == bundle.station_id)
                           ).first()
    if row is None or not keys:
        raise ApiError(403, "bundle.station", "Trạm của gói dữ liệu không tồn tại hoặc đã bị thu hồi.",
                       "The bundle's station is unknown or revoked.")
    try:
        canonical_bytes(raw)
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form: the station could not have signed it, and it could never be stored.
        raise ApiError(422, "bundle.text", "Gói dữ liệu có ký tự không hợp lệ (mã Unicode lẻ); không nhập.",
                       "The bundle holds an invalid character (a lone Unicode surrogate); nothing imported.") \
            from None
    good = [k for k in keys if signed_by(k, raw, bundle.signature)]
    if not good:
        raise tampered()
    actor = Actor(bundle.station_id, row.commune_code)
    results = apply_changes(db, actor, bundle.changes, epoch=bundle.epoch) if bundle.changes else []
    answer: dict[str, Any] = {"format": ANSWER_FORMAT, "station_id": bundle.station_id, "results": results,
                              "bundle_created_at": bundle.created_at}
    if bundle.audit:
        # The same checks as POST /v1/audit; the outcome (stored up to last_seq, or the refusal) goes back in
        # the signed answer so the station can move its audit cursor.
        from . import audit

        entries = sorted((e.model_dump() for e in bundle.audit), key=lambda e: e["seq"])
        try:
            answer["audit"] = audit.accept(db, bundle.station_id, entries)
        except ApiError as exc:
            answer["audit"] = exc.body()
    with db.read() as conn:
        answer["epoch"] = db.get_meta(conn, "epoch")
        try:
            page = read_feed(conn, actor, bundle.cursor, MAX_LIMIT, False)
            answer.update(feed=page.entries, cursor=page.cursor, more=page.more)
        except ApiError as exc:  # cursor ahead: the station resyncs; the results still count
            answer.update(feed=[], cursor=bundle.cursor, more=False, error=exc.body())
    answer["signature"] = sign(good[0], answer)
    return answer


def read_file(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("a bundle is a JSON object")
    return value


def cmd_import(args: argparse.Namespace) -> int:
    try:
        raw = read_file(Path(args.file))
    except (OSError, ValueError) as exc:
        print(f"province-server: cannot read bundle {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        answer = import_bundle(ready_db(args.db), raw)
    except ApiError as exc:
        print(f"province-server: {exc.en} ({exc.vi})", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path(args.file).with_suffix(".answer.json")
    out.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    statuses: dict[str, int] = {}
    for r in answer["results"]:
        key = "applied" if isinstance(r, int) else r["status"]
        statuses[key] = statuses.get(key, 0) + 1
    print(f"bundle of station {answer['station_id']}: {json.dumps(statuses)}; {len(answer['feed'])} feed entries; "
          f"answer written to {out}")
    return 0


def add_cli(add: Any) -> None:
    p = add("import-bundle", cmd_import, "apply a station's offline bundle and write the signed answer bundle")
    p.add_argument("file")
    p.add_argument("--out", default=None, help="answer bundle path (default: FILE with .answer.json)")
