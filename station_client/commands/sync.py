"""``station-client enroll`` and ``station-client sync`` (one headless cycle, offline bundles, state, conflicts)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..store import sync_ops as ops
from ..sync.bundle import export_bundle, import_answer
from ..sync.client import Timeouts
from ..sync.engine import MAX_CHANGES, MAX_FEED, EngineConfig
from ..sync.enroll import build_engine, connect_identity, enroll, rotate_token, station_token
from ..sync.errors import SyncError
from .common import add_command, officer_name, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "enroll", "đăng ký trạm với Công an tỉnh / enroll this station with the province", _enroll)
    p.add_argument("server_url", help="https://… địa chỉ máy chủ tỉnh / province server address")
    p.add_argument("code", help="mã đăng ký một lần do tỉnh cấp / one-time enrollment code")
    p.add_argument("--ca-file", help="chứng chỉ gốc của tỉnh (PEM) / the province's CA certificate (PEM)")
    p.add_argument("--device", help="tên máy / this computer's name")

    add_command(sub, "rotate-token", "đổi mã xác thực của trạm / get a new station token from the province",
                _rotate)

    p = add_command(sub, "sync", "đồng bộ với Công an tỉnh / sync with the province", _sync)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--read-timeout", type=float, default=60.0)
    p.add_argument("--batch-size", type=int, default=MAX_CHANGES,
                   help="số thay đổi tối đa mỗi lần gửi / changes per request at most")
    p.add_argument("--attempts", type=int, default=5, help="tries per request / lần thử mỗi yêu cầu")
    p.add_argument("--page-size", type=int, default=None,
                   help="số bản ghi mỗi trang khi nhận từ tỉnh (đường truyền rất kém: nhỏ hơn) / records per pulled "
                        "page (a very poor link: smaller)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON line")
    inner = p.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")

    e = add_command(inner, "export-bundle", "ghi thay đổi ra tệp để mang lên tỉnh / write pending changes to a file",
                    _export)
    e.add_argument("file")
    i = add_command(inner, "import-answer", "nhận tệp trả lời của tỉnh / apply the province's answer file", _import)
    i.add_argument("file")
    add_command(inner, "status", "tình trạng đồng bộ / sync state", _status)
    add_command(inner, "conflicts", "các xung đột chờ xử lý / conflicts waiting for an officer", _conflicts)
    r = add_command(inner, "resolve", "xử lý một xung đột / resolve a conflict", _resolve)
    r.add_argument("conflict_id")
    group = r.add_mutually_exclusive_group(required=True)
    group.add_argument("--keep", choices=("station", "province"), help="giữ giá trị của trạm hoặc của tỉnh")
    group.add_argument("--values", help='JSON {"field": value}: giá trị đã chọn / the chosen values')
    group.add_argument("--delete", action="store_true", help="xóa hồ sơ / delete the record")
    r.add_argument("--officer")


def _fail(exc: SyncError) -> int:
    print(f"Lỗi: {exc.vi}\nError: {exc.en}", file=sys.stderr)
    return 2


def _enroll(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            identity = enroll(store, args.server_url, args.code, ca_file=args.ca_file, device=args.device)
        except SyncError as exc:
            return _fail(exc)
    print(f"Đã đăng ký trạm {identity.station_name or identity.station_id} ({identity.commune_name}). "
          f"/ Enrolled as {identity.station_id}.")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            identity = rotate_token(store)
        except SyncError as exc:
            return _fail(exc)
    print(f"Đã đổi mã xác thực của trạm {identity.station_id}; mã cũ không còn dùng được. "
          f"/ New token in place for {identity.station_id}; the old one no longer works.")
    return 0


def _sync(args: argparse.Namespace) -> int:
    config = EngineConfig(batch_size=args.batch_size, max_attempts=args.attempts)
    if args.page_size:  # a smaller page commits the cursor more often: less to fetch again after a cut
        size = max(1, min(args.page_size, MAX_FEED))
        config = replace(config, feed_limit=size, resync_feed_limit=size)
    with open_store(args) as store:
        try:
            engine = build_engine(store, config=config,
                                  timeouts=Timeouts(connect=args.connect_timeout, read=args.read_timeout))
        except SyncError as exc:
            return _fail(exc)
        try:
            report = engine.run_once()
        finally:
            engine.client.close()
        counts = ops.counts(store)
        set_aside = _set_aside_list(store)
    if args.json:
        a = report.applied
        print(json.dumps({"ok": report.ok, "requests": report.requests, "sent": report.sent, "acked": a.acked,
                          "rejected": a.rejected, "conflicts": a.conflicts, "pulled": a.applied,
                          "resyncs": report.resyncs, "pending": counts.pending, "open_conflicts": counts.conflicts,
                          "set_aside": set_aside, "error": report.error.code if report.error else None,
                          "disabled": a.disabled, "rekey_due": a.rekey_due}))
    if not report.ok:
        assert report.error is not None
        print(f"Đồng bộ chưa xong. / Sync did not finish. ({report.summary()})", file=sys.stderr)
        return _fail(report.error)
    if not args.json:
        print(f"Đã đồng bộ. / Synced. {report.summary()}; pending={counts.pending} conflicts={counts.conflicts}")
        for item in set_aside:
            print(f"Chưa áp dụng / not applied: {item['kind']} {item['id']} — {item['vi']} / {item['en']}")
        if report.applied.rekey_due:  # the app re-keys at once; a headless sync leaves it to a head (security.md)
            names = ", ".join(report.applied.disabled)
            print(f"Công an tỉnh đã khóa tài khoản {names}: dữ liệu sẽ được mã hóa lại bằng khóa mới khi Trưởng Công "
                  f"an đăng nhập (ứng dụng, hoặc --user). / The province disabled {names}: the data is re-keyed at a "
                  "station head's next login (the app, or --user).")
    return 0


def _set_aside_list(store: Any) -> list[dict[str, Any]]:
    """The province's states this station set aside (could not apply), with the reason in both languages."""
    return [{k: item.get(k) for k in ("kind", "id", "version", "code", "vi", "en", "at")}
            for item in ops.set_aside_entries(store)]


def _export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            identity, token = station_token(store)
            result = export_bundle(store, token, identity.station_id, Path(args.file))
        except SyncError as exc:
            return _fail(exc)
    print(f"Đã ghi {result.changes} thay đổi vào {args.file}. / Wrote {result.changes} changes.")
    if result.remaining > 0:
        print(f"Còn {result.remaining} thay đổi: hãy xuất thêm một tệp. / {result.remaining} more: export again.")
    return 0


def _import(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            identity, token = station_token(store)
            report = import_answer(store, token, identity.station_id, Path(args.file))
        except SyncError as exc:
            return _fail(exc)
    print(f"Đã nhận: {report.acked} được chấp nhận, {report.rejected} bị từ chối, {report.conflicts} xung đột, "
          f"{report.applied} hồ sơ cập nhật. / acked={report.acked} rejected={report.rejected} "
          f"conflicts={report.conflicts} pulled={report.applied}")
    return 0


def _status(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        identity = connect_identity(store)  # where sync connects (the head's setting, else the enrollment's)
        c = ops.counts(store)
        pos = ops.position(store)
        print(json.dumps({"enrolled": identity is not None,
                          "station_id": identity.station_id if identity else None,
                          "server_url": identity.server_url if identity else None,
                          "pending": c.pending, "conflicts": c.conflicts, "rejected": c.rejected,
                          "set_aside": _set_aside_list(store),
                          "cursor": pos.cursor, "epoch": pos.epoch, "resync": pos.resync,
                          "last_success": ops.get_state(store, ops.LAST_SUCCESS),
                          "last_error": json.loads(ops.get_state(store, ops.LAST_ERROR) or "null"),
                          # the last digest repair (records that differed from the province, replaced by its state)
                          "last_repair": json.loads(ops.get_state(store, ops.LAST_REPAIR) or "null")},
                         ensure_ascii=False, indent=1))
    return 0


def _conflicts(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        for c in ops.list_conflicts(store):
            print(json.dumps({"id": c.id, "type": c.type, "kind": c.kind, "record_id": c.record_id,
                              "fields": c.fields, "origin": c.origin}, ensure_ascii=False))
    return 0


def _resolve(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        conflict = ops.get_conflict(store, args.conflict_id)
        if conflict is None:
            print("Không có xung đột này. / No such conflict.", file=sys.stderr)
            return 1
        officer = store.authorize(None, officer_name(args))  # the logged-in officer (--user), named in the record
        # "Keep" the side that deleted: the resolution is a delete.
        deleting_side = {"delete_vs_edit": "station", "edit_vs_delete": "province"}.get(conflict.type)
        if args.delete or (args.keep and args.keep == deleting_side):
            ops.resolve_conflict(store, conflict.id, None, officer, delete=True)
        else:
            if args.values:
                values = json.loads(args.values)
            elif args.keep == "station":
                values = {name: pair.get("station") for name, pair in conflict.fields.items()}
            else:  # the province's value as the station holds it now (it may have moved on since the conflict)
                current = store.get(conflict.kind, conflict.record_id, include_deleted=True) or {}
                values = {name: current.get(name) for name in conflict.fields}
            ops.resolve_conflict(store, conflict.id, values, officer)
    if conflict.type == "edit" and conflict.record_deleted and not args.delete:
        print("Hồ sơ đã bị xóa sau xung đột này nên vẫn giữ trạng thái đã xóa. / The record was deleted since this "
              "conflict, so it stays deleted.")
    print("Đã ghi cách xử lý; sẽ gửi ở lần đồng bộ tới. / Resolution saved; it is sent with the next sync.")
    return 0
