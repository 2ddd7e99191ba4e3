"""A station's long-lived driver process for the simulation: JSON lines in on stdin, JSON lines out on stdout.

    python -m tests.sim.driver DATA_DIR

It opens the station's store once (as the app does) and acts only through the store's public API: the write path
(``Store.create/update/delete``), ``sync_ops.resolve_conflict`` (as ``station-client sync resolve`` does), and
a sync cycle (``build_engine(...).run_once()``, as ``station-client sync`` does). The harness SIGKILLs this
process at random moments, e.g. in the middle of a sync or of a batch of writes: every write is answered on its
own line as soon as its transaction committed, so a write without an answer is a "maybe".

``readers`` starts a thread that keeps opening and closing read connections (``Store.open_reader``), as the
app's reader threads do while another process writes.

Commands (one JSON object per line; one answer line each, ``batch`` one per item and then ``{"done": true}``):
``create``/``update``/``delete``/``batch``, ``get``, ``snapshot``, ``conflicts``, ``resolve``, ``sync``,
``readers`` (on/off), ``quit``; crime reports through the officer's write path (``station_client.store.reports``:
intake with its register number and deadlines, status actions, corrections): ``report_create``,
``report_action``, ``report_edit``, and ``report_agency_edit`` (a station trying to set an agency field: must be
refused).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("STATION_CLIENT_NO_KEYRING", "1")

from station_client.domain import agency as ag
from station_client.domain.deadlines import default_office_hours
from station_client.domain.problems import ValidationError
from station_client.domain.registry import get_kind
from station_client.store import Store
from station_client.store import reports as sr
from station_client.store import sync_ops as ops
from station_client.store.errors import StoreError
from station_client.sync.client import Timeouts
from station_client.sync.engine import EngineConfig
from station_client.sync.enroll import build_engine

# Small frames: a station with more than 4 changes waiting streams them (POST /v1/sync/stream), so the schedules
# mix streamed and ordinary exchanges under every fault. SIM_NO_STREAM=1 runs a seed without streams (to tell
# whether a failure needs them).
CONFIG = EngineConfig(batch_size=20, feed_limit=50, resync_feed_limit=100, max_attempts=4, backoff_base=0.02,
                      backoff_cap=0.2, stream_frame=4, stream_frames=1 if os.environ.get("SIM_NO_STREAM") else 5)
TIMEOUTS = Timeouts(connect=1.0, read=2.0)
OFFICER = "sim"


def _out(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        return {"ok": False, "error": "validation", "detail": "; ".join(f"{p.field}:{p.code}" for p in exc.problems)}
    if isinstance(exc, StoreError):
        return {"ok": False, "error": type(exc).__name__, "detail": exc.en}
    return {"ok": False, "error": type(exc).__name__, "detail": f"{exc}"[:300]}


class Driver:
    def __init__(self, data_dir: Path):
        self.store = Store.open(data_dir / "station.db")
        self._readers: threading.Thread | None = None
        self._readers_stop = threading.Event()
        self.reader_errors: list[str] = []

    # ------------------------------------------------------------------------------------------- writes
    def write(self, cmd: dict[str, Any]) -> dict[str, Any]:
        op = cmd["op"]
        kind = cmd.get("kind", "person")
        try:
            if op == "create":
                rec = self.store.create(kind, cmd["values"], officer=OFFICER, record_id=cmd["id"])
                return {"ok": True, "values": {f: rec.get(f) for f in cmd["values"]}}
            if op == "update":
                before = self.store.get(kind, cmd["id"])
                if before is None:
                    return {"ok": False, "error": "missing"}
                after = self.store.update(kind, cmd["id"], cmd["changes"], officer=OFFICER)
                return {"ok": True, "before": {f: before.get(f) for f in cmd["changes"]},
                        "values": {f: after.get(f) for f in cmd["changes"]},
                        "server_version": before.get("server_version")}
            if op == "delete":
                before = self.store.get(kind, cmd["id"])
                if before is None:
                    return {"ok": False, "error": "missing"}
                self.store.delete(kind, cmd["id"], officer=OFFICER)
                return {"ok": True, "server_version": before.get("server_version")}
        except (ValidationError, StoreError) as exc:
            return _error(exc)
        raise ValueError(op)

    # ------------------------------------------------------------------------------------- crime reports
    def report(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """A crime report written as the officer's screens write it (``station_client.store.reports``)."""
        op = cmd["op"]
        now = datetime.now(default_office_hours().tz)
        try:
            if op == "report_create":
                rec = sr.create(self.store, "crime_report", cmd["values"], officer=OFFICER, at=now)
                return {"ok": True, "id": rec["id"], "values": {f: rec.get(f) for f in cmd["values"]}}
            before = self.store.get("crime_report", cmd["id"])
            if before is None:
                return {"ok": False, "error": "missing"}
            if op == "report_action":
                rec = sr.apply_action(self.store, "crime_report", cmd["id"], cmd["action"], officer=OFFICER, at=now,
                                      details=cmd.get("details"))
                fields = get_kind("crime_report").by_name
                changed = sorted(f for f in rec if f in fields and rec.get(f) != before.get(f))
                return {"ok": True, "values": {f: rec.get(f) for f in changed}}
            if op == "report_edit":
                rec = sr.edit(self.store, "crime_report", cmd["id"], cmd["changes"], officer=OFFICER)
                return {"ok": True, "values": {f: rec.get(f) for f in cmd["changes"]}}
            if op == "report_agency_edit":  # the agency's fields are the province's: the store must refuse
                name = sorted(ag.AGENCY_FIELDS)[int(cmd.get("n", 0)) % len(ag.AGENCY_FIELDS)]
                value = cmd.get("value", "prosecute")
                self.store.update("crime_report", cmd["id"], {name: value}, officer=OFFICER)
                # Saving a field as it already is changes nothing and is no write (the store checks changed
                # fields only, as a form saves every field): only a changed value is a breach.
                return {"ok": True, "field": name, "accepted": True, "changed": before.get(name) != value}
        except (ValidationError, StoreError) as exc:
            return _error(exc)
        raise ValueError(op)

    # -------------------------------------------------------------------------------------------- reads
    def get(self, cmd: dict[str, Any]) -> dict[str, Any]:
        rec = self.store.get(cmd.get("kind", "person"), cmd["id"], include_deleted=True)
        if rec is None:
            return {"ok": True, "record": None}
        pending = self.store.conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = ? AND record_id = ? AND state = 'pending'",
            (cmd.get("kind", "person"), cmd["id"])).fetchone()[0]
        return {"ok": True, "record": rec, "pending": pending}

    def snapshot(self) -> dict[str, Any]:
        records = [[k, i, v, d, f] for k, i, v, d, f in ops.iter_synced_state(self.store)]
        conflicts = [{"id": r["id"], "kind": r["kind"], "record_id": r["record_id"], "type": r["conflict_type"],
                      "fields": json.loads(r["fields"]), "status": r["status"], "change_id": r["change_id"]}
                     for r in self.store.conn.execute("SELECT * FROM conflicts")]
        outbox = [dict(r) for r in self.store.conn.execute(
            "SELECT change_id, kind, record_id, op, state, fields, resolves FROM outbox")]
        c = ops.counts(self.store)
        pos = ops.position(self.store)
        return {"ok": True, "records": records, "conflicts": conflicts, "outbox": outbox,
                "pending": c.pending, "open_conflicts": c.conflicts, "rejected": c.rejected,
                "cursor": pos.cursor, "epoch": pos.epoch, "resync": pos.resync,
                "reader_errors": self.reader_errors[-5:]}

    def conflicts(self) -> dict[str, Any]:
        return {"ok": True, "conflicts": [
            {"id": c.id, "kind": c.kind, "record_id": c.record_id, "type": c.type, "fields": c.fields}
            for c in ops.list_conflicts(self.store)]}

    def resolve(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """As ``station-client sync resolve ID --keep station|province`` does; answers what was written."""
        conflict = ops.get_conflict(self.store, cmd["conflict_id"])
        if conflict is None or conflict.status != "open":
            return {"ok": False, "error": "not_open"}
        keep = cmd["keep"]
        deleting_side = {"delete_vs_edit": "station", "edit_vs_delete": "province"}.get(conflict.type)
        try:
            if keep == deleting_side:
                ops.resolve_conflict(self.store, conflict.id, None, OFFICER, delete=True)
                return {"ok": True, "op": "delete", "values": {}, "kind": conflict.kind,
                        "record_id": conflict.record_id, "type": conflict.type}
            if keep == "station":
                values = {name: pair.get("station") for name, pair in conflict.fields.items()}
            else:
                current = self.store.get(conflict.kind, conflict.record_id, include_deleted=True) or {}
                values = {name: current.get(name) for name in conflict.fields}
            change_id = ops.resolve_conflict(self.store, conflict.id, values, OFFICER)
        except (ValidationError, StoreError) as exc:
            return _error(exc)
        # A field conflict on a record deleted since is settled with the record left deleted.
        [op] = self.store.conn.execute("SELECT op FROM outbox WHERE change_id = ?", (change_id,)).fetchone()
        return {"ok": True, "op": op, "values": {} if op == "delete" else values, "kind": conflict.kind,
                "record_id": conflict.record_id, "type": conflict.type}

    # --------------------------------------------------------------------------------------------- sync
    def sync(self) -> dict[str, Any]:
        engine = build_engine(self.store, config=CONFIG, timeouts=TIMEOUTS)
        try:
            report = engine.run_once()
        finally:
            engine.client.close()
        a = report.applied
        c = ops.counts(self.store)
        return {"ok": True, "sync_ok": report.ok, "sent": report.sent, "acked": a.acked, "conflicts": a.conflicts,
                "rejected": a.rejected, "pulled": a.applied, "resyncs": report.resyncs, "pending": c.pending,
                "open_conflicts": c.conflicts, "requests": report.requests, "streams": report.streams,
                "error": report.error.code if report.error else None}

    # ------------------------------------------------------------------------------------------ readers
    def readers(self, on: bool) -> dict[str, Any]:
        if on:
            self.reader_errors.clear()
        if on and self._readers is None:
            self._readers_stop.clear()
            self._readers = threading.Thread(target=self._read_loop, daemon=True)
            self._readers.start()
        elif not on and self._readers is not None:
            self._readers_stop.set()
            self._readers.join(10)
            self._readers = None
        return {"ok": True, "reader_errors": self.reader_errors[-5:]}

    def _read_loop(self) -> None:
        while not self._readers_stop.is_set():
            try:
                conn = self.store.open_reader()
                try:
                    conn.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()
                finally:
                    conn.close()
            except Exception as exc:
                self.reader_errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.03)


def main() -> int:
    driver = Driver(Path(sys.argv[1]))
    _out({"ok": True, "ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op in ("create", "update", "delete"):
                _out(driver.write(cmd))
            elif op == "batch":
                for item in cmd["items"]:
                    _out(driver.write(item))
                _out({"ok": True, "done": True})
            elif op.startswith("report_"):
                _out(driver.report(cmd))
            elif op == "get":
                _out(driver.get(cmd))
            elif op == "find":
                rec = driver.store.find_one("person", personal_id=cmd["personal_id"])
                _out({"ok": True, "record": rec})
            elif op == "snapshot":
                _out(driver.snapshot())
            elif op == "conflicts":
                _out(driver.conflicts())
            elif op == "resolve":
                _out(driver.resolve(cmd))
            elif op == "sync":
                _out(driver.sync())
            elif op == "readers":
                _out(driver.readers(bool(cmd["on"])))
            elif op == "quit":
                driver.readers(False)
                driver.store.close()
                _out({"ok": True})
                return 0
            else:
                _out({"ok": False, "error": "unknown op"})
        except Exception as exc:
            _out({"ok": False, "error": type(exc).__name__, "detail": traceback.format_exc()[-1500:]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
