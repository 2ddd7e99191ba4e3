"""The model-based simulation: a seeded random schedule over real processes, a heal, and the oracle.

    python -m tests.sim --seed 7 [--steps 60] [--db postgresql://...] [--prefix K] [--shrink]

``schedule(seed, steps)`` is a pure function of the seed: a list of steps, each with its own random number, so
the first K steps of a schedule are exactly the schedule cut at K. ``run(seed, steps, prefix=K)`` plays the first
K steps against fresh processes, heals (faults off, server up, every station synced until a whole round moves
nothing, a fresh station per commune enrolled and synced) and checks the oracle (model.py). ``shrink`` looks for
the shortest failing prefix (binary search), so a failure prints its seed and that prefix.

Stations A and B share commune 1, C is alone in commune 2. Steps: creates (driver, or ``import residents`` CSV),
edits, deletes, the same person created at A and B, conflicts made on purpose (the same field from the same state
at two stations or at a station and the province; delete vs edit), conflict resolutions both ways, province
creates/edits/deletes through the admin API, syncs (driver, ``station-client sync``, a CLI sync running while the
driver writes and its reader threads read), syncs and write batches SIGKILLed at random moments, fault levels of
the proxy, server SIGTERM and SIGKILL restarts (while a station syncs), backups, and a restore from an older backup.

Crime reports (issue 17, item 5): stations take in reports and transfer them to the investigation agency through
the officer's write path (``station_client.store.reports``), and correct their notes; a station's attempt to set
an agency field must be refused by its store. The agency's officer, logged in to the console, acknowledges,
records the intake notice, extends and decides through the inbox's real HTTP forms on the version the inbox
showed; now and then a second officer's form, opened on the same version, is sent after the first was saved and
must be refused (409): a refused step is no write.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from station_client.domain.agency import AGENCY_FIELDS
from station_client.domain.registry import get_kind
from station_client.domain.residents import PERSON
from station_client.residents_csv import EXPORT_FIELDS
from station_client.synthetic import Generator

from .model import ACCEPTED, Model, Observed, PlannedConflict, Verdict, Write, check
from .review_items import Reviews
from .world import CLI_SYNC_ARGS, ENV, REPO, DriverFailure, HarnessError, StationProc, World

COMMUNES = ("07069", "07081")
STATIONS = (("A", COMMUNES[0]), ("B", COMMUNES[0]), ("C", COMMUNES[1]))
EDIT_FIELDS = ("note", "occupation", "phone", "email", "current_address", "religion")

# Weighted actions (the restore and the first backup are placed by the schedule itself).
ACTIONS: tuple[tuple[str, int], ...] = (
    ("create", 9), ("create_csv", 2), ("edit", 14), ("delete", 4), ("dup_person", 2),
    ("conflict_stations", 4), ("conflict_province", 3), ("conflict_delete", 2), ("resolve", 6),
    ("prov_create", 2), ("prov_edit", 5), ("prov_delete", 2),
    ("sync", 16), ("sync_cli", 2), ("kill_sync", 6), ("sync_concurrent", 3), ("kill_writer", 2),
    ("faults", 4), ("server_term", 1), ("server_kill", 1), ("backup", 1),
    ("report", 3), ("report_edit", 3), ("agency", 5),
)
REPORT = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn Đức",
          "reporter_phone": "0912345678"}
TRANSFER = {"transferred_to": "Cơ quan CSĐT Công an tỉnh Quảng Ninh"}
DECISIONS = ("prosecute", "not_prosecute", "suspend")


WARMUP = 7


@dataclass(frozen=True)
class Step:
    i: int
    action: str
    station: str
    x: int  # the step's own random seed

    def __str__(self) -> str:
        return f"{self.i:3d} {self.action}({self.station}, x={self.x})"


def schedule(seed: int, steps: int) -> list[Step]:
    """The schedule of ``seed``: after the warm-up, weighted random actions, and one restore from an older backup
    per ~300 steps (at least one), each after a backup."""
    rng = random.Random(seed)
    names, weights = zip(*ACTIONS, strict=True)
    forced: dict[int, str] = {}
    n_restores = max(1, steps // 300)
    span = max(1, (steps - WARMUP) // n_restores)
    for k in range(n_restores):
        lo = WARMUP + k * span
        backup_at = rng.randrange(lo + 1, lo + max(2, span // 3))
        restore_at = rng.randrange(backup_at + 2, max(backup_at + 3, lo + 3 * span // 4))
        forced[backup_at] = "backup"
        forced[restore_at] = "restore"
    out = []
    for i in range(steps):
        if i < WARMUP:  # every station has data to work on, and has seen the others'
            out.append(Step(i, "create" if i < 3 else "sync", "ABCABCA"[i], rng.getrandbits(32)))
            continue
        action = forced.get(i) or rng.choices(names, weights)[0]
        out.append(Step(i, action, rng.choice("ABC"), rng.getrandbits(32)))
    return out


@dataclass
class Stats:
    syncs: int = 0
    streams: int = 0  # driver syncs that sent a streamed exchange
    sync_failures: int = 0
    kills: int = 0
    restarts: int = 0
    restores: int = 0
    backups: int = 0
    refused_writes: int = 0
    refused: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    reports: int = 0
    agency_steps: int = 0
    agency_refused: int = 0


class Sim:
    def __init__(self, world: World, seed: int, log: Callable[[str], None] | None = None):
        self.w = world
        self.model = Model()
        self.stats = Stats()
        self.gen = Generator(seed, today=date(2000, 12, 31))
        self.held: dict[str, set[str]] = {name: set() for name, _ in STATIONS}  # live records a station holds
        self.held_reports: dict[str, set[str]] = {name: set() for name, _ in STATIONS}  # crime reports it holds
        self.log = log or (lambda s: None)
        self.crashes: list[str] = []

    # ------------------------------------------------------------------------------------------ helpers
    def st(self, name: str) -> StationProc:
        return self.w.stations[name]

    def value(self, fld: str, wid: int) -> str:
        if fld == "phone":
            return f"08{wid:08d}"
        if fld == "email":
            return f"w{wid}@sim.vn"
        return f"w{wid} {fld}"

    def next_wid(self) -> int:
        return len(self.model.writes) + 1

    def new_person(self) -> tuple[str, dict[str, Any]]:
        p = self.gen.person()
        p.pop("household_id", None)
        return p.pop("id"), {k: v for k, v in p.items() if v is not None}

    def pick(self, rng: random.Random, pool: set[str]) -> str | None:
        return rng.choice(sorted(pool)) if pool else None

    def note_refused(self, what: str, out: dict[str, Any]) -> None:
        self.stats.refused_writes += 1
        if len(self.stats.refused) < 20:
            self.stats.refused.append(f"{what}: {out.get('error')} {out.get('detail', '')}"[:200])

    def refresh(self, name: str) -> dict[str, Any]:
        snap = self.st(name).call({"op": "snapshot"})
        self.held[name] = {rid for kind, rid, _v, deleted, _f in snap["records"] if kind == "person" and not deleted}
        self.held_reports[name] = {rid for kind, rid, _v, deleted, _f in snap["records"]
                                   if kind == "crime_report" and not deleted}
        return snap

    # ----------------------------------------------------------------------------------------- station writes
    def create(self, name: str, rid: str, values: dict[str, Any]) -> Write | None:
        out = self.st(name).call({"op": "create", "id": rid, "values": values})
        if not out.get("ok"):
            self.note_refused(f"create at {name}", out)
            return None
        self.model.record_commune[rid] = self.st(name).commune
        self.held[name].add(rid)
        return self.model.add(name, "create", rid, out["values"])

    def edit(self, name: str, rid: str, changes: dict[str, Any]) -> Write | None:
        out = self.st(name).call({"op": "update", "id": rid, "changes": changes})
        if not out.get("ok"):
            self.note_refused(f"edit at {name}", out)
            return None
        return self.model.add(name, "update", rid, out["values"])

    def delete(self, name: str, rid: str) -> Write | None:
        out = self.st(name).call({"op": "delete", "id": rid})
        if not out.get("ok"):
            self.note_refused(f"delete at {name}", out)
            return None
        self.held[name].discard(rid)
        return self.model.add(name, "delete", rid, {})

    def random_edit(self, name: str, rng: random.Random, rid: str | None = None) -> Write | None:
        rid = rid or self.pick(rng, self.held[name])
        if rid is None:
            return None
        wid = self.next_wid()
        fields = rng.sample(EDIT_FIELDS, rng.randint(1, 3))
        return self.edit(name, rid, {f: self.value(f, wid) for f in fields})

    # ------------------------------------------------------------------------------------------- syncs
    def sync(self, name: str) -> dict[str, Any]:
        t0 = time.monotonic()
        out = self.st(name).call({"op": "sync"})
        self.st(name).sync_times.append(time.monotonic() - t0)
        self.stats.syncs += 1
        self.stats.streams += int(out.get("streams") or 0) > 0
        if not out.get("sync_ok"):
            self.stats.sync_failures += 1
        self.refresh(name)
        return out

    def kill_during(self, name: str, cmd: dict[str, Any], delay: float, after: int = 0) -> list[dict[str, Any]]:
        """Send ``cmd`` to the driver, SIGKILL it ``delay`` seconds after its ``after``-th answer (or after the
        command was sent); returns the answers it gave."""
        st = self.st(name)
        st.send(cmd)
        answers: list[dict[str, Any]] = []
        while len(answers) < after:
            a = st.read(timeout=60)
            if a is None:
                break
            answers.append(a)
            if a.get("done") or "sync_ok" in a:
                return answers
        deadline = time.monotonic() + delay
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            a = st.read(timeout=left)
            if a is None:
                break
            answers.append(a)
            if a.get("done") or "sync_ok" in a:
                return answers  # finished before the kill
        st.kill()
        self.stats.kills += 1
        return answers

    def sync_delay(self, name: str, rng: random.Random) -> float:
        times = sorted(self.st(name).sync_times[-10:]) or [0.3]
        return rng.uniform(0.0, max(0.05, times[len(times) // 2] * 1.3))

    # -------------------------------------------------------------------------------------------- steps
    def do(self, step: Step) -> None:
        rng = random.Random(step.x)
        if step.i == WARMUP:
            self.w.set_faults(0.3)  # a bad link from here on, until a ``faults`` step changes it
        getattr(self, "a_" + step.action)(step.station, rng)
        if step.i < 3:  # and crime reports, most transferred: the agency has an inbox from the first sync on
            self.a_report(step.station, rng)

    def a_create(self, name: str, rng: random.Random) -> None:
        for _ in range(rng.randint(1, 3)):
            self.create(name, *self.new_person())

    def a_create_csv(self, name: str, rng: random.Random) -> None:
        people = [self.new_person()[1] for _ in range(rng.randint(1, 2))]
        path = self.w.root / f"import-{uuid.uuid4().hex[:6]}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(EXPORT_FIELDS)
            for p in people:
                writer.writerow([p.get(n, "") or "" for n in EXPORT_FIELDS])
        st = self.st(name)
        r = st.cli("import", "residents", str(path), "--officer", "sim")
        for p in people:
            found = st.call({"op": "find", "personal_id": p["personal_id"]})["record"]
            if found is None:
                self.note_refused(f"import at {name}", {"error": f"exit {r.returncode}", "detail": r.stderr})
                continue
            rid = found["id"]
            if rid in self.model.record_commune:
                continue  # matched an existing person: not a create
            self.model.record_commune[rid] = st.commune
            self.held[name].add(rid)
            self.model.add(name, "create", rid, {f: found.get(f) for f in PERSON.field_names
                                                 if found.get(f) is not None})

    def a_edit(self, name: str, rng: random.Random) -> None:
        for _ in range(rng.randint(1, 3)):
            self.random_edit(name, rng)

    def a_delete(self, name: str, rng: random.Random) -> None:
        rid = self.pick(rng, self.held[name])
        if rid:
            self.delete(name, rid)

    def a_dup_person(self, name: str, rng: random.Random) -> None:
        """The same person (same personal ID) registered at A and at B before either hears of the other."""
        rid, values = self.new_person()
        a = self.create("A", rid, values)
        b = self.create("B", str(uuid.UUID(int=rng.getrandbits(128), version=4)), values)
        if a and b:
            self.model.dup_pairs.append((values["personal_id"], a.record, b.record))

    def a_conflict_stations(self, name: str, rng: random.Random) -> None:
        """The same field written at A and B from the same state (same value before): a conflict must follow."""
        common = self.held["A"] & self.held["B"]
        for rid in rng.sample(sorted(common), min(4, len(common))):
            ra = self.st("A").call({"op": "get", "id": rid})["record"]
            rb = self.st("B").call({"op": "get", "id": rid})["record"]
            if not ra or not rb or ra["deleted"] or rb["deleted"]:
                continue
            same = [f for f in EDIT_FIELDS if ra.get(f) == rb.get(f)]
            if not same:
                continue
            f = rng.choice(same)
            wa = self.edit("A", rid, {f: self.value(f, self.next_wid())})
            wb = self.edit("B", rid, {f: self.value(f, self.next_wid())}) if wa else None
            if wa and wb:
                self.model.planned.append(PlannedConflict("field", rid, f, (wa.wid, wb.wid)))
            return

    def a_conflict_province(self, name: str, rng: random.Random) -> None:
        """The same field written at a station and at the province from the same state."""
        for rid in rng.sample(sorted(self.held[name]), min(4, len(self.held[name]))):
            local = self.st(name).call({"op": "get", "id": rid})["record"]
            prov = self.w.admin_get(rid)
            if not local or local["deleted"] or not prov or prov["deleted"]:
                continue
            same = [f for f in EDIT_FIELDS if local.get(f) == prov["fields"].get(f)]
            if not same:
                continue
            f = rng.choice(same)
            ws = self.edit(name, rid, {f: self.value(f, self.next_wid())})
            if ws is None:
                return
            wp = self.prov_put(rid, {f: self.value(f, self.next_wid())}, prov["version"])
            if wp:
                self.model.planned.append(PlannedConflict("field", rid, f, (ws.wid, wp.wid)))
            return

    def a_conflict_delete(self, name: str, rng: random.Random) -> None:
        """A deletes a record that B edits, both from the same synced version."""
        common = self.held["A"] & self.held["B"]
        for rid in rng.sample(sorted(common), min(4, len(common))):
            ga = self.st("A").call({"op": "get", "id": rid})
            gb = self.st("B").call({"op": "get", "id": rid})
            ra, rb = ga["record"], gb["record"]
            if not ra or not rb or ra["deleted"] or rb["deleted"] or ga["pending"] or gb["pending"]:
                continue
            if not ra["server_version"] or ra["server_version"] != rb["server_version"]:
                continue
            deleter, editor = ("A", "B") if rng.random() < 0.5 else ("B", "A")
            wd = self.delete(deleter, rid)
            we = self.random_edit(editor, rng, rid) if wd else None
            if wd and we:
                self.model.planned.append(PlannedConflict("delete_edit", rid, None, (wd.wid, we.wid)))
            return

    def a_resolve(self, name: str, rng: random.Random) -> None:
        st = self.st(name)
        open_ = st.call({"op": "conflicts"})["conflicts"]
        if not open_:
            return
        c = rng.choice(open_)
        keep = rng.choice(("station", "province"))
        before = st.call({"op": "get", "id": c["record_id"], "kind": c.get("kind") or "person"})["record"]
        out = st.call({"op": "resolve", "conflict_id": c["id"], "keep": keep})
        if not out.get("ok"):
            self.note_refused(f"resolve at {name} ({c['type']}, keep {keep})", out)
            return
        rid = c["record_id"]
        if out["op"] == "delete":
            self.held[name].discard(rid)
            self.model.add(name, "resolve_delete", rid, {})
        else:
            revive = bool(before and before.get("deleted"))
            if revive:
                self.held[name].add(rid)
                after = st.call({"op": "get", "id": rid, "kind": c.get("kind") or "person"})["record"] or {}
                # What the revive writes is the record's existence; a field it carries as it was (the officer
                # kept what the station held) is no write of its own, so a later-arriving edit of that field by
                # another station may stand (seed 1 at 60 steps: "keep the province" on an old conflict).
                values = {f: after.get(f) for f in get_kind(c.get("kind") or "person").field_names
                          if after.get(f) is not None and after.get(f) != (before or {}).get(f)}
                if keep == "province":
                    # The officer discarded the station's side of the fields in conflict, even when reviving a
                    # record the station deleted after the conflict was found (seed 5201 at 78 steps: its
                    # edit conflict resolved "keep the province" after the station's own delete).
                    values |= {f: ACCEPTED for f in out["values"]}
                self.model.add(name, "resolve_revive", rid, values)
            else:
                # Keeping the province settles the fields in conflict at whatever the province holds: the
                # station's value is discarded by the officer, and a change of those fields that reaches the
                # province later (a replay after a restore) may stand (seed 1213 at 60 steps, PG).
                values = out["values"] if keep == "station" else {f: ACCEPTED for f in out["values"]}
                op = "resolve_keep" if c["type"] == "delete_vs_edit" else "resolve_upsert"
                self.model.add(name, op, rid, values)
        self.stats.events.append(f"resolved {c['type']} on {rid[:8]} at {name} keeping {keep}")

    # --- province ---
    def prov_put(self, rid: str, fields: dict[str, Any], base_version: int) -> Write | None:
        """A province edit made on the version its author read (as the console makes them): refused, and no
        write, when a station changed those fields since."""
        state = self.w.admin_put(rid, fields, base_version=base_version)
        if state is None:
            self.stats.events.append(f"province edit of {rid[:8]} refused: changed at a station since v{base_version}")
            return None
        return self.model.add("province", "prov_update", rid, {f: state["fields"].get(f) for f in fields})

    def province_records(self) -> list[str]:
        return sorted(self.model.record_commune)

    def a_prov_create(self, name: str, rng: random.Random) -> None:
        rid, values = self.new_person()
        commune = self.st(name).commune
        state = self.w.admin_put(rid, values, commune=commune)
        self.model.record_commune[rid] = commune
        self.model.add("province", "prov_create", rid, {f: v for f, v in state["fields"].items() if v is not None})

    def a_prov_edit(self, name: str, rng: random.Random) -> None:
        for rid in rng.sample(self.province_records(), min(2, len(self.province_records()))):
            prov = self.w.admin_get(rid)
            if prov is None or prov["deleted"]:
                continue
            wid = self.next_wid()
            self.prov_put(rid, {f: self.value(f, wid) for f in rng.sample(EDIT_FIELDS, rng.randint(1, 2))},
                          prov["version"])

    def a_prov_delete(self, name: str, rng: random.Random) -> None:
        for rid in rng.sample(self.province_records(), min(3, len(self.province_records()))):
            prov = self.w.admin_get(rid)
            if prov is None or prov["deleted"]:
                continue
            if self.w.admin_put(rid, {}, deleted=True, base_version=prov["version"]) is None:
                continue
            self.model.add("province", "prov_delete", rid, {})
            return

    # --- crime reports and the investigation agency ---
    def report_write(self, name: str, cmd: dict[str, Any], op: str) -> Write | None:
        out = self.st(name).call(cmd)
        if not out.get("ok"):
            self.note_refused(f"{cmd['op']} at {name}", out)
            return None
        rid = out.get("id") or cmd["id"]
        if op == "create":
            self.model.report_commune[rid] = self.st(name).commune
            self.held_reports[name].add(rid)
            self.stats.reports += 1
        return self.model.add(name, op, rid, out["values"])

    def a_report(self, name: str, rng: random.Random) -> None:
        """A crime report taken in (register number, deadlines), transferred to the agency at once or later."""
        for _ in range(rng.randint(1, 2)):
            wid = self.next_wid()
            values = {**REPORT, "summary": f"w{wid} summary"}
            if rng.random() < 0.5:
                values["note"] = f"w{wid} note"
            w = self.report_write(name, {"op": "report_create", "values": values}, "create")
            if w and rng.random() < 0.7:
                self.report_write(name, {"op": "report_action", "id": w.record, "action": "transfer",
                                         "details": TRANSFER}, "update")

    def a_report_edit(self, name: str, rng: random.Random) -> None:
        """The station corrects a report's note, transfers one not yet transferred, and (now and then) tries to
        set an agency field, which its store must refuse."""
        rid = self.pick(rng, self.held_reports[name])
        if rid is None:
            return
        self.report_write(name, {"op": "report_edit", "id": rid, "changes": {"note": f"w{self.next_wid()} note"}},
                          "update")
        local = self.st(name).call({"op": "get", "kind": "crime_report", "id": rid})["record"] or {}
        if local.get("status") == "received" and rng.random() < 0.7:
            self.report_write(name, {"op": "report_action", "id": rid, "action": "transfer", "details": TRANSFER},
                              "update")
        if rng.random() < 0.3:
            out = self.st(name).call({"op": "report_agency_edit", "id": rid, "n": rng.randrange(16)})
            if out.get("ok") and out.get("changed", True):
                self.crashes.append(f"station {name} set the agency's field {out.get('field')} of report {rid}")

    def agency_step(self, rid: str, stage: str, version: int, notice: bool, rng: random.Random) -> tuple[str, int]:
        """The officer's next step on a report at ``stage``, sent with ``version``: (action, HTTP status).
        ``notice``: the intake notice may still be recorded."""
        wid = self.next_wid()
        if stage == "waiting":
            action, details = "acknowledge", {}
        elif notice and (stage == "decided" or rng.random() < 0.3):
            action, details = "notify_intake", {}
        elif rng.random() < 0.35:
            action, details = "extend", {"ground": f"w{wid} Điều 147 khoản 2 BLTTHS"}
        else:
            action, details = "decide", {"decision": rng.choice(DECISIONS), "ground": f"w{wid} Điều 143 BLTTHS",
                                         "decision_no": f"{wid}/QĐ-CSĐT"}
        before = self.w.admin_get_report(rid)
        code = self.w.agency.act(rid, action, version, details)
        if code == 200:
            after = self.w.admin_get_report(rid) or {}
            old = (before or {}).get("fields", {})
            changed = {f: v for f, v in after.get("fields", {}).items() if f in AGENCY_FIELDS and old.get(f) != v}
            self.model.add("province", "agency_update", rid, changed)
            self.stats.agency_steps += 1
        elif code == 409:
            self.stats.agency_refused += 1
        else:
            raise HarnessError(f"agency {action} of {rid} answered {code}")
        return action, code

    def a_agency(self, name: str, rng: random.Random) -> None:
        """The agency's officer reads the inbox and takes the next step on one or two reports, on the version the
        page showed. Now and then a second officer's form opened on the same version is sent after the first
        was saved: it must be refused (409), never applied over the first."""
        inbox = {rid: sv for rid, sv in self.w.agency.inbox().items() if sv[1] is not None}
        for rid in rng.sample(sorted(inbox), min(2, len(inbox))):
            stage, version, notice = inbox[rid]
            assert version is not None
            action, code = self.agency_step(rid, stage, version, notice, rng)
            if code == 200 and rng.random() < 0.3:
                again = "acknowledge" if action == "acknowledge" else "extend"
                old = (self.w.admin_get_report(rid) or {}).get("fields", {})
                second = self.w.agency.act(rid, again, version, {"ground": "Lần hai"})
                if second == 200:
                    self.crashes.append(f"agency {again} of {rid} on the stale version {version} was applied "
                                        f"over the first officer's {action}")
                    new = (self.w.admin_get_report(rid) or {}).get("fields", {})
                    self.model.add("province", "agency_update", rid,
                                   {f: v for f, v in new.items() if f in AGENCY_FIELDS and old.get(f) != v})
                else:
                    self.stats.agency_refused += 1

    # --- syncs and kills ---
    def a_sync(self, name: str, rng: random.Random) -> None:
        self.sync(name)

    def a_sync_cli(self, name: str, rng: random.Random) -> None:
        r = self.st(name).cli("sync", *CLI_SYNC_ARGS, timeout=180)
        self.stats.syncs += 1
        if r.returncode != 0:
            self.stats.sync_failures += 1
        self.refresh(name)

    def a_kill_sync(self, name: str, rng: random.Random) -> None:
        """A sync cycle SIGKILLed at a random moment (the driver process doing it)."""
        if rng.random() < 0.5:  # something to push while it dies
            self.random_edit(name, rng)
        self.stats.syncs += 1
        answers = self.kill_during(name, {"op": "sync"}, self.sync_delay(name, rng))
        if not answers:
            self.stats.events.append(f"sync at {name} killed")
        self.refresh(name)

    def a_sync_concurrent(self, name: str, rng: random.Random) -> None:
        """``station-client sync`` in its own process while the driver writes and its reader threads read; the
        sync is SIGKILLed half of the time."""
        st = self.st(name)
        st.call({"op": "readers", "on": True})
        proc = st.cli_popen("sync", *CLI_SYNC_ARGS)
        self.stats.syncs += 1
        kill_at = time.monotonic() + rng.uniform(0.3, 1.5) if rng.random() < 0.5 else None
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.3:
                self.create(name, *self.new_person())
            else:
                self.random_edit(name, rng)
            time.sleep(rng.uniform(0.0, 0.15))
        if kill_at is not None:
            time.sleep(max(0.0, kill_at - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                self.stats.kills += 1
        try:
            proc.communicate(timeout=180)
        except Exception:
            proc.kill()
            proc.communicate()
        out = st.call({"op": "readers", "on": False})
        if out.get("reader_errors"):  # the app's reader threads must never fail while another process writes
            self.crashes.append(f"reader threads of station {name} failed: {out['reader_errors'][:2]}")
        self.refresh(name)

    def a_kill_writer(self, name: str, rng: random.Random) -> None:
        """A batch of writes SIGKILLed midway: unanswered writes are "maybe" until the station is looked at."""
        items: list[tuple[dict[str, Any], Write]] = []
        n = rng.randint(3, 10)
        for _ in range(n):
            if rng.random() < 0.4 or not self.held[name]:
                rid, values = self.new_person()
                self.model.record_commune[rid] = self.st(name).commune
                w = self.model.add(name, "create", rid, values, status="maybe")
                items.append(({"op": "create", "id": rid, "values": values}, w))
            else:
                rid = rng.choice(sorted(self.held[name]))
                wid = self.next_wid()
                changes = {f: self.value(f, wid) for f in rng.sample(EDIT_FIELDS, rng.randint(1, 3))}
                w = self.model.add(name, "update", rid, changes, status="maybe")
                items.append(({"op": "update", "id": rid, "changes": changes}, w))
        self.st(name).ensure()  # the kill must land in the writes, not in the driver's start
        answers = self.kill_during(name, {"op": "batch", "items": [c for c, _ in items]},
                                   rng.uniform(0.0, 0.004), after=rng.randrange(n))
        for (_cmd, w), a in zip(items, answers, strict=False):
            if a.get("done"):
                break
            if a.get("ok"):
                w.status = "committed"
                if w.op == "create":
                    self.held[name].add(w.record)
            else:
                w.status = "void"
                self.note_refused(f"batch write at {name}", a)
        for _cmd, w in items:
            if w.status == "maybe":
                local = self.st(name).call({"op": "get", "id": w.record})["record"]
                self.model.settle_maybe(w, local, name)
                if w.op == "create" and w.status == "committed":
                    self.held[name].add(w.record)
        self.refresh(name)

    # --- faults and the server ---
    def a_faults(self, name: str, rng: random.Random) -> None:
        self.w.set_faults(rng.choice((0.0, 0.2, 0.3, 0.5)))

    def _restart_during_sync(self, rng: random.Random, hard: bool) -> None:
        name = rng.choice("ABC")
        st = self.st(name)
        if rng.random() < 0.5:
            self.random_edit(name, rng)
        st.send({"op": "sync"})
        time.sleep(rng.uniform(0.0, 0.2))
        self.w.restart_server(hard)
        self.stats.restarts += 1
        out = st.read(timeout=300)
        if out is None:
            raise HarnessError(f"station {name} sync did not end after a server restart")
        self.stats.syncs += 1
        self.refresh(name)

    def a_server_term(self, name: str, rng: random.Random) -> None:
        self._restart_during_sync(rng, hard=False)

    def a_server_kill(self, name: str, rng: random.Random) -> None:
        self._restart_during_sync(rng, hard=True)

    def a_backup(self, name: str, rng: random.Random) -> None:
        self.w.backup(self.model.tick())
        self.stats.backups += 1

    def a_restore(self, name: str, rng: random.Random) -> None:
        if not self.w.backups:
            self.a_backup(name, rng)
            return
        path, t = rng.choice(self.w.backups)
        self.w.restore(path)
        self.model.restored(t)
        self.stats.restores += 1
        self.stats.events.append(f"restored {path.name} (model time {t}) at {self.model.t}")

    # --------------------------------------------------------------------------------------------- heal
    def heal(self, max_rounds: int = 12) -> tuple[bool, str]:
        self.w.set_faults(0.0)
        self.w.server_up()
        last = ""
        for round_no in range(max_rounds):
            if round_no == 2 and self.stats.restores:
                # Every station has synced since the restore: close the replay window, as the operator is told
                # to (docs/sync-protocol.md, "Epoch", Operations). Changes based on province writes the restore
                # lost wait for it.
                r = self.w.server.admin("POST", "/v1/admin/replay/close")
                if r.status_code != 200:
                    raise HarnessError(f"replay close failed: {r.status_code} {r.text}")
            moved = False
            summary = []
            for name, _ in STATIONS:
                try:
                    out = self.sync(name)
                except DriverFailure as exc:
                    self.crashes.append(f"heal: {exc}"[:1500])
                    out = {"sync_ok": False, "error": "driver failure"}
                summary.append(f"{name}: ok={out.get('sync_ok')} sent={out.get('sent')} pulled={out.get('pulled')} "
                               f"pending={out.get('pending')} error={out.get('error')}")
                if not out.get("sync_ok") or out.get("sent") or out.get("pulled") or out.get("pending") \
                        or out.get("resyncs"):
                    moved = True
            last = "; ".join(summary)
            if not moved:
                return True, ""
        return False, f"still moving after {max_rounds} rounds of syncs with no faults: {last}"

    def enroll_fresh(self) -> tuple[dict[str, str], list[str]]:
        """A fresh station per commune, enrolled and synced (``station-client sync``) until nothing is pending."""
        fresh = {commune: f"F{n + 1}" for n, commune in enumerate(COMMUNES)}
        stations = self.w.add_stations([(name, commune) for commune, name in fresh.items()])
        problems: list[str] = []
        waiting = list(stations)
        last: dict[str, str] = {}
        for _ in range(5):
            procs = [(st, st.cli_popen("sync", *CLI_SYNC_ARGS, "--json")) for st in waiting]
            waiting = []
            for st, proc in procs:
                out, err = proc.communicate(timeout=300)
                info = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
                if proc.returncode != 0 or info.get("pending") != 0:
                    waiting.append(st)
                    last[st.name] = f"{out[-300:]}{err[-300:]}"
            if not waiting:
                break
        for st in waiting:
            problems.append(f"fresh station {st.name} did not finish its first sync: {last.get(st.name)}")
        return fresh, problems


# ----------------------------------------------------------------------------------------- observation
State = dict[str, tuple[int, bool, dict[str, Any]]]


def _province_state(db_url: str, kind: str = "person") -> tuple[State, dict[str, str], list[dict[str, Any]]]:
    from sqlalchemy import select

    from province_server import schema
    from province_server.db import Database

    db = Database(db_url, pool_size=1)
    engine = db.engine
    try:
        with engine.connect() as conn:
            r, c = schema.records, schema.conflicts
            rows = conn.execute(select(r.c.id, r.c.commune_code, r.c.version, r.c.deleted, r.c.fields)
                                .where(r.c.kind == kind)).all()
            conflicts = [dict(row) for row in conn.execute(select(c)).mappings()]
    finally:
        db.dispose()
    state = {rid: (int(v), bool(d), _clean(json.loads(f))) for rid, _cc, v, d, f in rows}
    communes = {rid: cc for rid, cc, _v, _d, _f in rows}
    for c in conflicts:
        c["fields"] = json.loads(c["fields"]) if isinstance(c["fields"], str) else c["fields"]
    return state, communes, conflicts


def _agency_fields_by_stations(db_url: str) -> list[str]:
    """Versions of crime reports at the province whose change set an agency field and came from a station (the
    history's origin): there must be none, the agency's fields are the province's."""
    from sqlalchemy import select

    from province_server import schema
    from province_server.db import Database
    from province_server.exchange import PROVINCE

    db = Database(db_url, pool_size=1)
    try:
        with db.engine.connect() as conn:
            h = schema.history
            rows = conn.execute(select(h.c.id, h.c.version, h.c.origin, h.c.changed)
                                .where(h.c.kind == "crime_report", h.c.origin != PROVINCE)).all()
    finally:
        db.dispose()
    return [f"report {rid} v{v} from {origin} changed {sorted(set(json.loads(changed)) & AGENCY_FIELDS)}"
            for rid, v, origin, changed in rows if set(json.loads(changed)) & AGENCY_FIELDS]


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _station_state(db: Path) -> tuple[dict[str, tuple[int, bool, dict[str, Any]]], list[dict[str, Any]], list[str],
                                      dict[str, tuple[int, bool, dict[str, Any]]]]:
    from station_client.store import Store
    from station_client.store import sync_ops as ops

    with Store.open(db) as store:
        state = {rid: (v, d, _clean(f)) for kind, rid, v, d, f in ops.iter_synced_state(store, ["person"])}
        reports = {rid: (v, d, _clean(f)) for kind, rid, v, d, f in ops.iter_synced_state(store, ["crime_report"])}
        conflicts = [{"id": r["id"], "record_id": r["record_id"], "type": r["conflict_type"],
                      "fields": json.loads(r["fields"]), "status": r["status"]}
                     for r in store.conn.execute("SELECT * FROM conflicts")]
        rejected = [f"{r['op']} of {r['record_id']} (fields {sorted(json.loads(r['fields'] or '{}'))[:4]}): "
                    f"{(r['result'] or '')[:300]}"
                    for r in store.conn.execute("SELECT * FROM outbox WHERE state = 'rejected'")]
    return state, conflicts, rejected, reports


def _render_row(fields: dict[str, Any]) -> tuple[str, ...]:
    """A province record as ``station-client export residents`` writes a station's (same columns and formats)."""
    row: list[Any] = []
    for name in EXPORT_FIELDS:
        value = fields.get(name)
        if value and PERSON.by_name[name].type == "date":
            value = date.fromisoformat(value).strftime("%d/%m/%Y")
        elif name == "sex" and value:
            value = {"M": "Nam", "F": "Nữ"}.get(value, value)
        row.append("" if value is None else str(value))
    try:  # the export escapes cells a spreadsheet would run as formulas, where that exists
        from station_client.spreadsheet_safety import csv_row  # type: ignore[import-not-found]
    except ImportError:
        return tuple(row)
    return tuple(str(v) for v in csv_row(row))


def _integrity(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return "\n".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"{type(exc).__name__}: {exc}"


def observe(sim: Sim, fresh: dict[str, str], quiet: tuple[bool, str], crashes: list[str]) -> Observed:
    w = sim.w
    for st in w.stations.values():
        st.quit()
    province, communes, prov_conflicts = _province_state(w.server.db_url)
    province_reports, report_communes, _ = _province_state(w.server.db_url, "crime_report")
    station_reports: dict[str, Any] = {}
    stations: dict[str, Any] = {}
    st_conflicts: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    integrity: dict[str, str] = {}
    audit: dict[str, tuple[int, str]] = {}
    rejected: list[str] = []
    commands: dict[str, list[str]] = {}
    for name, st in w.stations.items():
        commands[f"export {name}"] = ["station-client", "--data-dir", str(st.dir), "export", "residents",
                                      str(st.dir / "export.csv")]
        commands[f"station {name} audit verify"] = ["station-client", "--data-dir", str(st.dir), "audit", "verify"]
        commands[f"province audit verify --station {st.station_id} ({name})"] = [
            "province-server", "--db", w.server.db_url, "audit", "verify", "--station", st.station_id]
    proc = subprocess.run([sys.executable, "-m", "tests.sim.cli_batch"], input=json.dumps(list(commands.values())),
                          cwd=REPO, capture_output=True, text=True, env=ENV, timeout=600)
    if proc.returncode != 0:
        raise HarnessError(f"cli_batch failed: {proc.stderr[-2000:]}")
    done = {what: (int(r["code"]), str(r["output"]))
            for what, r in zip(commands, json.loads(proc.stdout.strip().splitlines()[-1]), strict=True)}
    for name, st in w.stations.items():
        integrity[f"station {name}"] = _integrity(st.db)
        try:
            stations[name], st_conflicts[name], rej, station_reports[name] = _station_state(st.db)
            rejected += [f"station {name}: {r}" for r in rej]
        except Exception as exc:  # a file the store refuses
            crashes.append(f"station {name} cannot be opened: {type(exc).__name__}: {exc}")
            stations[name], st_conflicts[name], station_reports[name] = {}, [], {}
        code, text = done.pop(f"export {name}")
        if code != 0:
            crashes.append(f"station {name}: export residents failed: {text[-500:]}")
            exports[name] = []
        else:
            rows = list(csv.reader(io.StringIO((st.dir / "export.csv").read_text(encoding="utf-8-sig"))))[1:]
            exports[name] = sorted(tuple(x) for x in rows)
    audit.update(done)
    if w.backend == "sqlite":
        integrity["province"] = _integrity(Path(w.server.db_url[len("sqlite:///"):]))
    prov_exports: dict[str, list[tuple[str, ...]]] = {}
    for rid, (_v, deleted, fields) in province.items():
        if not deleted:
            prov_exports.setdefault(communes[rid], []).append(_render_row(fields))
    prov_exports = {k: sorted(v) for k, v in prov_exports.items()}
    reviews = Reviews.read(w.server.db_url, {n: st.db for n, st in w.stations.items()})
    return Observed(province=province, province_commune=communes, province_conflicts=prov_conflicts,
                    stations=stations, station_conflicts=st_conflicts,
                    commune_of_station={n: st.commune for n, st in w.stations.items()}, exports=exports,
                    province_exports=prov_exports, fresh=fresh, integrity=integrity, audit=audit,
                    duplicate_review=reviews, rejected=rejected, quiet=quiet[0], quiet_detail=quiet[1], crashes=crashes,
                    province_reports=province_reports, report_commune=report_communes,
                    station_reports=station_reports,
                    agency_by_stations=_agency_fields_by_stations(w.server.db_url))


# ---------------------------------------------------------------------------------------------------- runs
@dataclass
class Result:
    seed: int
    steps: int
    prefix: int
    verdict: Verdict
    stats: Stats
    model: Model
    faults: int
    seconds: float
    error: str | None = None
    failed_step: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict.ok and self.error is None

    def conditions(self) -> list[str]:
        out = self.verdict.conditions()
        if self.error:
            out.append("harness")
        return out

    def figures(self) -> dict[str, Any]:
        c = self.verdict.counts
        return {"writes": self.model.committed_writes, "syncs": self.stats.syncs,
                "streams": self.stats.streams, "kills": self.stats.kills,
                "restarts": self.stats.restarts, "restores": self.stats.restores, "faults": self.faults,
                "conflicts_created": c.get("conflicts_created", 0),
                "conflicts_detected": c.get("conflicts_detected", 0), "lost": c.get("lost", 0),
                "resurrected": c.get("resurrected", 0), "diverged": c.get("diverged", 0),
                "duplicates": c.get("duplicates", 0), "refused_writes": self.stats.refused_writes,
                "reports": self.stats.reports, "agency_steps": self.stats.agency_steps,
                "agency_refused": self.stats.agency_refused, "agency_lost": c.get("agency", 0)}

    def report(self, steps: list[Step] | None = None) -> str:
        lines = [f"seed {self.seed}: {'OK' if self.ok else 'FAILED'} after {self.prefix} of {self.steps} steps "
                 f"({self.seconds:.0f} s) {json.dumps(self.figures())}"]
        if self.error:
            lines.append(f"  harness error at step {self.failed_step}: {self.error}")
        for f in self.verdict.failures:
            lines.append(f"  {f}")
        if self.stats.refused:
            lines.append(f"  writes refused by the station: {self.stats.refused[:5]}")
        if steps is not None and not self.ok:
            lines.append(f"  schedule (first {self.prefix} steps):")
            lines += [f"    {s}" for s in steps[:self.prefix]]
        return "\n".join(lines)


def run(seed: int, steps: int = 40, *, prefix: int | None = None, db_url: str | None = None,
        new_db: Callable[[], str] | None = None, root: Path | None = None, keep: bool = False,
        log: Callable[[str], None] | None = None) -> Result:
    """Play the first ``prefix`` steps of ``schedule(seed, steps)``, heal, check. ``new_db``: a fresh
    PostgreSQL database URL per run (else ``db_url``; else a SQLite file)."""
    plan = schedule(seed, steps)
    prefix = steps if prefix is None else min(prefix, steps)
    own_root = root is None
    root = Path(tempfile.mkdtemp(prefix=f"sim-{seed}-")) if root is None else root
    t0 = time.monotonic()
    world = World(root, new_db() if new_db else db_url, seed)
    if log:
        log(f"server up {time.monotonic() - t0:.1f} s")
    sim = Sim(world, seed, log)
    error: str | None = None
    failed_step: int | None = None
    crashes: list[str] = []
    fresh: dict[str, str] = {}
    quiet = (True, "")
    try:
        world.add_stations(list(STATIONS))
        for step in plan[:prefix]:
            failed_step = step.i
            ts = time.monotonic()
            try:
                sim.do(step)
            except DriverFailure as exc:
                crashes.append(f"step {step}: {exc}"[:1500])
                for st in world.stations.values():  # go on: the heal and the oracle say the rest
                    if st.proc is not None and st.proc.poll() is not None:
                        st.proc = None
            if log:
                log(f"{step}  {time.monotonic() - ts:.1f} s  link {world.fault_rate:.2f} {world.proxy.stats}")
        failed_step = None
        ts = time.monotonic()
        try:
            quiet = sim.heal()
        except DriverFailure as exc:
            crashes.append(f"heal: {exc}"[:1500])
            quiet = (False, "a driver failed during the heal")
        if log:
            log(f"heal {time.monotonic() - ts:.1f} s")
        ts = time.monotonic()
        fresh, problems = sim.enroll_fresh()
        if log:
            log(f"fresh stations {time.monotonic() - ts:.1f} s")
        ts = time.monotonic()
        if problems:
            quiet = (False, "; ".join([quiet[1], *problems]).strip("; "))
        obs = observe(sim, fresh, quiet, crashes + sim.crashes)
        verdict = check(sim.model, obs)
        if log:
            log(f"observe and check {time.monotonic() - ts:.1f} s")
    except Exception as exc:
        import traceback

        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"
        verdict = Verdict([], {})
    finally:
        faults = world.fault_count()
        world.close()
        if own_root and not keep:
            shutil.rmtree(root, ignore_errors=True)
    return Result(seed, steps, prefix, verdict, sim.stats, sim.model, faults, time.monotonic() - t0, error,
                  failed_step)


def shrink(seed: int, steps: int, failed: Result, *, budget_s: float = 600.0,
           log: Callable[[str], None] | None = None, **kw: Any) -> Result:
    """The shortest prefix of the schedule that still fails with one of ``failed``'s conditions, by binary search
    between the empty schedule (taken to pass) and the failing one, within ``budget_s`` seconds (the best found
    so far when the budget runs out). Each probe is a full run on fresh processes."""
    want = set(failed.conditions())
    best = failed
    deadline = time.monotonic() + budget_s
    lo, hi = 0, failed.prefix  # prefix lo passes (assumed; the empty schedule), hi fails
    while hi - lo > 1 and time.monotonic() < deadline:
        mid = (lo + hi) // 2
        r = run(seed, steps, prefix=mid, **kw)
        if log:
            log(f"  prefix {mid}: {'fails ' + ','.join(r.conditions()) if not r.ok else 'passes'}")
        if not r.ok and set(r.conditions()) & want:
            hi, best = mid, r
        else:
            lo = mid
    return best


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m tests.sim", description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--prefix", type=int, default=None, help="play only the first K steps")
    p.add_argument("--db", default=None, help="postgresql://... (default: a SQLite file); 'pg' starts a cluster")
    p.add_argument("--shrink", action="store_true", help="on failure, look for the shortest failing prefix")
    p.add_argument("--budget", type=float, default=900.0, help="seconds the shrink may take")
    p.add_argument("--keep", action="store_true", help="keep the data folders")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    cluster = None
    new_db = None
    if args.db == "pg":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        new_db = cluster.new_database
    try:
        log = print if args.verbose else None
        kw: dict[str, Any] = {"db_url": None if args.db == "pg" else args.db, "new_db": new_db}
        r = run(args.seed, args.steps, prefix=args.prefix, keep=args.keep, log=log, **kw)
        print(r.report(schedule(args.seed, args.steps)), flush=True)
        if not r.ok and args.shrink:
            s = shrink(args.seed, args.steps, r, budget_s=args.budget, log=print, **kw)
            print(f"shortest failing prefix: {s.prefix} steps (--seed {args.seed} --steps {args.steps} "
                  f"--prefix {s.prefix})")
            print(s.report(schedule(args.seed, args.steps)))
        return 0 if r.ok else 1
    finally:
        if cluster is not None:
            cluster.stop()
