"""What must be true: the model of every write the schedule made, and the oracle checked at the end.

The model records every write in the order the harness observed it (one process drives everything, so that order
is real time): station creates, edits, deletes and conflict resolutions, and province edits through the admin API.
Every value a write sets is unique in the whole schedule, so a value names the write that made it.

A write is ``committed`` when its process reported success; one whose process was SIGKILLed first is a "maybe"
until the harness looks at the station after the kill: all of the write's values there → committed, none →
``void``; some but not all is a half state (a failure of its own). Province writes made after the backup that a
restore went back to are ``restored_away``: the province undid them itself, nobody owes them.

The oracle's conditions (docs: issue 12), each reported by name:

- ``export``: every station's ``export residents`` equals the province's residents of its commune, and the fresh
  station's equals both; ``state``: the same, record by record (version, deleted flag, every field);
- ``lost``: every last write per (record, field) is present at the province, or is in an open conflict;
- ``resurrected``: a record whose last write about its existence was a delete is deleted, unless that delete
  waits in an open conflict (only an officer's resolution, itself a write, may revive a record); and a record
  revived by an officer's resolution is live unless that resolution waits in an open conflict;
- ``duplicates``: no personal ID is held twice without a duplicate-person review item (``review_items.py``);
- ``integrity``: ``PRAGMA integrity_check`` on every station file and the province's SQLite file; ``audit``:
  ``station-client audit verify`` on every station, ``province-server audit verify --station ID`` for each;
- ``conflicts``: every conflict the schedule made on purpose (the same field, or delete vs edit, written on two
  sides from the same state) was detected; ``half_state``: no write was half applied; ``quiet``: the heal phase
  ended with every queue empty; ``crash``: no process died on its own; ``rejected``: no station change was
  refused by the province (the schedule writes only valid records, so a refusal is state judged wrongly).

Crime reports (issue 17, item 5) are records like persons for ``state``, ``lost`` and ``resurrected``: every
station write (intake, transfer, note) and every agency step the console saved (``agency_update``, a province
write: restored away by a restore to an older backup like any other) is present at the province or in an open
conflict; an agency step refused as stale (409) is no write. ``agency``: no station ever changed an agency field
(no province version from a station's change touches one), and every agency field the province holds is the
value of the agency's last live step that set it (so a decision restored away is not brought back by a
station's re-send, and one synced before the backup is never lost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from station_client.domain.agency import AGENCY_FIELDS

AGENCY_OP = "agency_update"
# The value of a field an officer settled by keeping the province's state: any value the province ends with.
ACCEPTED = "<the province's value, accepted by an officer>"

LIVENESS_OPS = {"create": False, "prov_create": False, "delete": True, "prov_delete": True,
                "resolve_delete": True, "resolve_revive": False, "resolve_keep": False}


@dataclass
class Write:
    wid: int
    t: int
    side: str  # station name, or "province"
    op: str  # create, update, delete, prov_create, prov_update, prov_delete, and an officer's resolutions:
    #          resolve_upsert (settled field values), resolve_keep (keeps a record whose delete met an edit),
    #          resolve_revive (brings back a record deleted elsewhere), resolve_delete (deletes it)
    record: str
    values: dict[str, Any] = field(default_factory=dict)
    status: str = "committed"  # committed | maybe | void | restored_away

    def describe(self) -> str:
        vals = ", ".join(f"{k}={v!r}" for k, v in list(self.values.items())[:3])
        return f"w{self.wid}@t{self.t} {self.side} {self.op} {self.record} {{{vals}}} [{self.status}]"


@dataclass
class PlannedConflict:
    kind: str  # "field" or "delete_edit"
    record: str
    field: str | None
    writes: tuple[int, int]  # the two write ids


@dataclass
class Failure:
    condition: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.condition}] {self.detail}"


class Model:
    def __init__(self) -> None:
        self.t = 0
        self.writes: list[Write] = []
        self.record_commune: dict[str, str] = {}
        self.report_commune: dict[str, str] = {}  # crime reports (a separate pool: the province's person steps
        #                                           never pick one)
        self.planned: list[PlannedConflict] = []
        self.dup_pairs: list[tuple[str, str, str]] = []  # (personal_id, record at one station, at another)
        self.half_states: list[str] = []
        self.restores = 0

    def tick(self) -> int:
        self.t += 1
        return self.t

    def add(self, side: str, op: str, record: str, values: dict[str, Any], status: str = "committed") -> Write:
        w = Write(len(self.writes) + 1, self.tick(), side, op, record, dict(values), status)
        self.writes.append(w)
        return w

    def restored(self, backup_t: int) -> None:
        """The province went back to a backup taken at ``backup_t``: its own writes since then are gone."""
        self.restores += 1
        for w in self.writes:
            if w.side == "province" and w.t > backup_t and w.status == "committed":
                w.status = "restored_away"
        self.tick()

    def settle_maybe(self, w: Write, local: dict[str, Any] | None, station: str) -> None:
        """After the kill: decide a maybe write from what the station holds now (never half)."""
        if w.op == "create":
            if local is None:
                w.status = "void"
                return
            matches = [local.get(f) == v for f, v in w.values.items() if v is not None]
        elif w.op == "delete":
            w.status = "committed" if local is not None and local.get("deleted") else "void"
            return
        else:
            matches = [local is not None and local.get(f) == v for f, v in w.values.items()]
        if all(matches):
            w.status = "committed"
        elif not any(matches):
            w.status = "void"
        else:
            w.status = "void"
            self.half_states.append(f"{station}: {w.describe()} half applied: {local}")

    def live_writes(self) -> list[Write]:
        return [w for w in self.writes if w.status in ("committed", "maybe")]

    @property
    def committed_writes(self) -> int:
        return sum(1 for w in self.writes if w.status == "committed")


# ------------------------------------------------------------------------------------------------- oracle
@dataclass
class Observed:
    """What the harness read at the end, after the heal."""

    province: dict[str, tuple[int, bool, dict[str, Any]]]  # record id -> (version, deleted, fields) (persons)
    province_commune: dict[str, str]  # record id -> commune code
    province_conflicts: list[dict[str, Any]]  # every row (any status)
    stations: dict[str, dict[str, tuple[int, bool, dict[str, Any]]]]  # station -> record id -> state
    station_conflicts: dict[str, list[dict[str, Any]]]  # every row (any status)
    commune_of_station: dict[str, str]
    exports: dict[str, list[tuple[str, ...]]]  # station -> sorted CSV rows (no header)
    province_exports: dict[str, list[tuple[str, ...]]]  # commune -> sorted rows rendered like the station's
    fresh: dict[str, str]  # commune -> fresh station name
    integrity: dict[str, str]  # file -> integrity_check answer
    audit: dict[str, tuple[int, str]]  # what -> (exit code, output)
    duplicate_review: Any  # review_items.Reviews
    rejected: list[str] = field(default_factory=list)  # station changes the province refused (all were valid)
    quiet: bool = True
    quiet_detail: str = ""
    crashes: list[str] = field(default_factory=list)
    province_reports: dict[str, tuple[int, bool, dict[str, Any]]] = field(default_factory=dict)  # crime reports
    report_commune: dict[str, str] = field(default_factory=dict)
    station_reports: dict[str, dict[str, tuple[int, bool, dict[str, Any]]]] = field(default_factory=dict)
    agency_by_stations: list[str] = field(default_factory=list)  # province versions where a station set one


@dataclass
class Verdict:
    failures: list[Failure]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.failures

    def conditions(self) -> list[str]:
        return sorted({f.condition for f in self.failures})


def _open_conflicts(obs: Observed) -> list[dict[str, Any]]:
    out = [c for c in obs.province_conflicts if c.get("status") == "open"]
    for rows in obs.station_conflicts.values():
        out += [c for c in rows if c.get("status") in ("open", "resolving")]
    return out


def _in_open_conflict(obs_open: list[dict[str, Any]], record: str, fld: str | None, value: Any,
                      types: tuple[str, ...] = ()) -> bool:
    for c in obs_open:
        if c.get("record_id") != record:
            continue
        if types and c.get("type") in types:
            return True
        if fld is not None:
            pair = (c.get("fields") or {}).get(fld)
            if isinstance(pair, dict) and value in (pair.get("station"), pair.get("server")):
                return True
    return False


def _withdrawn_delete_met_another(liveness: list[Write]) -> bool:
    """Whether the station whose officer last kept the record (``resolve_keep``: its own delete met an edit, and
    the officer withdrew that delete) was concurrent with another side's delete of it, made after the delete it
    withdrew. Withdrawing one's own delete says nothing against another officer's: that delete may stand (the
    keep makes no version when nothing changes, so a delete reaching the province after it finds nothing newer;
    seed 6201 at 219 steps, PG)."""
    keep = liveness[-1]
    own = [w.t for w in liveness[:-1] if w.side == keep.side and LIVENESS_OPS[w.op]]
    since = max(own) if own else -1
    return any(LIVENESS_OPS[w.op] and w.side != keep.side and w.t > since for w in liveness[:-1])


def _delete_withdrawn(model: Model, writes: list[Write]) -> bool:
    """Whether the deleting station of a planned delete-vs-edit brought the record back itself afterwards (its
    officer revived it, or kept it when settling a conflict): if that reached the province before the other
    station's edit, the edit met a live record and there is nothing left to conflict with (seed 8304 at 89
    steps, PG)."""
    delete = next((w for w in writes if w.op == "delete"), None)
    if delete is None:
        return False
    return any(w.record == delete.record and w.side == delete.side and w.t > delete.t and w.status == "committed"
               and w.op in ("resolve_revive", "resolve_keep") for w in model.writes)


def check(model: Model, obs: Observed, limit: int = 12) -> Verdict:
    failures: list[Failure] = []
    counts = defaultdict(int)

    def fail(cond: str, detail: str) -> None:
        counts[cond] += 1
        if sum(1 for f in failures if f.condition == cond) < limit:
            failures.append(Failure(cond, detail))

    # --- export / state -----------------------------------------------------------------------------------
    for name, rows in obs.exports.items():
        commune = obs.commune_of_station[name]
        want = obs.province_exports.get(commune, [])
        if rows != want:
            extra = [r for r in rows if r not in want]
            missing = [r for r in want if r not in rows]
            fail("export", f"station {name} export differs from the province's (commune {commune}): "
                           f"{len(missing)} rows missing, {len(extra)} extra; e.g. missing {missing[:1]} "
                           f"extra {extra[:1]}")
    for commune, fresh in obs.fresh.items():
        for name, rows in obs.exports.items():
            if name != fresh and obs.commune_of_station[name] == commune and rows != obs.exports.get(fresh):
                fail("export", f"fresh station {fresh} export differs from station {name}'s")
    diverged = 0
    held = [(name, state, obs.province, obs.province_commune) for name, state in obs.stations.items()]
    held += [(name, state, obs.province_reports, obs.report_commune) for name, state in obs.station_reports.items()]
    for name, state, province, where in held:
        commune = obs.commune_of_station[name]
        remote = {rid: st for rid, st in province.items() if where.get(rid) == commune}
        for rid in sorted(set(remote) | set(state)):
            a, b = state.get(rid), remote.get(rid)
            if a is None or b is None or a[1] != b[1] or a[2] != b[2]:
                diverged += 1
                fail("state", f"station {name} record {rid}: {_diff(a, b)}")
            elif a[0] != b[0]:
                fail("state", f"station {name} record {rid}: version {a[0]} vs province {b[0]}")
    counts["diverged"] = diverged

    # --- lost / resurrected -------------------------------------------------------------------------------
    prov_all = {**obs.province, **obs.province_reports}
    open_c = _open_conflicts(obs)
    by_field: dict[tuple[str, str], list[Write]] = defaultdict(list)
    by_record: dict[str, list[Write]] = defaultdict(list)
    for w in model.live_writes():
        by_record[w.record].append(w)
        if w.op in ("delete", "prov_delete", "resolve_delete"):
            continue
        for f, v in w.values.items():
            if w.op in ("create", "prov_create") and v is None:
                continue
            by_field[(w.record, f)].append(w)
    lost = 0
    for (rid, f), ws in sorted(by_field.items()):
        last = ws[-1]
        candidates = [last]
        # A "maybe" write may or may not have happened: the one before it is acceptable too.
        i = len(ws) - 1
        while ws[i].status == "maybe" and i > 0:
            i -= 1
            candidates.append(ws[i])
        prov = prov_all.get(rid)
        ok = False
        # An officer who settles a conflict by deleting the record discards the edits that met the delete: it
        # stands at the province, or (the province lost it in a restore and the replayed delete met its edits
        # again) it waits in an open delete_vs_edit conflict (seed 6201 at 169 steps, PG).
        if prov is not None and any(x.op == "resolve_delete" and x.t > last.t for x in by_record[rid]) and (
                prov[1] or _in_open_conflict(open_c, rid, None, None, ("delete_vs_edit",))):
            ok = True
        # The officer of the station that wrote it chose the delete over it: discarded then, and a later revival
        # by another officer brings back that officer's values, not these (seed 9504 at 236 steps, PG).
        if any(x.op == "resolve_delete" and x.t > last.t and x.side == last.side for x in by_record[rid]):
            ok = True
        for w in candidates:
            v = w.values[f]
            if v == ACCEPTED or (prov is not None and prov[2].get(f) == v) or _in_open_conflict(open_c, rid, f, v):
                ok = True
        if not ok:
            lost += 1
            have = "no such record" if prov is None else repr(prov[2].get(f))
            fail("lost", f"record {rid} field {f}: last write {last.describe()} not at the province "
                         f"(province has {have}{', deleted' if prov and prov[1] else ''}) and in no open conflict")
    resurrected = 0
    for rid, ws in sorted(by_record.items()):
        liveness = [w for w in ws if w.op in LIVENESS_OPS]
        if not liveness:
            continue
        last = liveness[-1]
        prov = prov_all.get(rid)
        if prov is None:
            if last.status == "committed" and not any(w.status == "maybe" for w in liveness):
                lost += 1
                fail("lost", f"record {rid} missing at the province; last write about it: {last.describe()}")
            continue
        want_deleted = LIVENESS_OPS[last.op]
        acceptable = {want_deleted}
        j = len(liveness) - 1
        while liveness[j].status == "maybe" and j > 0:
            j -= 1
            acceptable.add(LIVENESS_OPS[liveness[j].op])
        if last.op == "resolve_keep" and _withdrawn_delete_met_another(liveness):
            acceptable.add(True)
        if prov[1] in acceptable:
            continue
        if want_deleted and _in_open_conflict(open_c, rid, None, None, ("delete_vs_edit",)):
            continue
        if not want_deleted and _in_open_conflict(open_c, rid, None, None, ("edit_vs_delete",)):
            continue
        if want_deleted:
            resurrected += 1
            fail("resurrected", f"record {rid} live at the province (version {prov[0]}) but its last "
                                f"write about its existence was {last.describe()}, and no delete waits in a conflict")
        else:
            lost += 1
            fail("lost", f"record {rid} deleted at the province but its last write about its existence was "
                         f"{last.describe()} and nothing waits in a conflict")
    counts["lost"] = lost
    counts["resurrected"] = resurrected

    # --- the agency's fields ------------------------------------------------------------------------------
    for what in obs.agency_by_stations:
        fail("agency", f"a station changed an agency field: {what}")
    agency_last: dict[tuple[str, str], Any] = {}
    for w in model.live_writes():
        if w.op == AGENCY_OP:
            for f, v in w.values.items():
                agency_last[(w.record, f)] = v
    for rid, (_v, _d, fields) in sorted(obs.province_reports.items()):
        for f in sorted(AGENCY_FIELDS):
            have, want = fields.get(f), agency_last.get((rid, f))
            if have != want and not _in_open_conflict(open_c, rid, f, have):
                fail("agency", f"report {rid} field {f}: the province has {have!r}, the agency's last live step "
                               f"set {want!r}")

    # --- duplicates ---------------------------------------------------------------------------------------
    dups = 0
    holders: dict[str, dict[str, tuple[int, bool, dict[str, Any]]]] = {"province": obs.province, **obs.stations}
    for who, state in holders.items():
        by_pid: dict[str, list[str]] = defaultdict(list)
        for rid, (_, deleted, fields) in state.items():
            if not deleted and fields.get("personal_id"):
                by_pid[fields["personal_id"]].append(rid)
        for pid, rids in sorted(by_pid.items()):
            if len(rids) > 1 and not obs.duplicate_review.covers(who, pid, rids):
                dups += 1
                fail("duplicates", f"{who} holds personal ID {pid} {len(rids)} times "
                                   f"({', '.join(r[:8] for r in rids)}) with no duplicate-person review item")
    counts["duplicates"] = dups

    # --- integrity / audit --------------------------------------------------------------------------------
    for what, answer in sorted(obs.integrity.items()):
        if answer != "ok":
            fail("integrity", f"{what}: PRAGMA integrity_check: {answer[:300]}")
    for what, (code, out) in sorted(obs.audit.items()):
        if code != 0:
            fail("audit", f"{what}: exit {code}: {out.strip()[:300]}")

    # --- conflicts made on purpose ------------------------------------------------------------------------
    all_conflicts = list(obs.province_conflicts)
    for rows in obs.station_conflicts.values():
        all_conflicts += rows
    detected = 0
    wmap = {w.wid: w for w in model.writes}
    created = 0
    for p in model.planned:
        if any(wmap[i].status not in ("committed",) for i in p.writes):
            continue
        if p.kind == "delete_edit" and _delete_withdrawn(model, [wmap[i] for i in p.writes]):
            continue
        created += 1
        found = False
        for c in all_conflicts:
            if c.get("record_id") != p.record:
                continue
            # A field conflict may also surface as delete vs edit when one side deleted the record meanwhile.
            found = found or c.get("type") in ("delete_vs_edit", "edit_vs_delete") or (
                p.kind == "field" and p.field in (c.get("fields") or {}))
        if found:
            detected += 1
        else:
            a, b = (wmap[i] for i in p.writes)
            fail("conflicts", f"no conflict recorded for {p.kind} on record {p.record} field {p.field}: "
                              f"{a.describe()} vs {b.describe()}")
    counts["conflicts_created"] = created
    counts["conflicts_detected"] = detected

    for r in obs.rejected:
        fail("rejected", f"a valid change was refused by the province: {r}")
    for h in model.half_states:
        fail("half_state", h)
    if not obs.quiet:
        fail("quiet", obs.quiet_detail)
    for c in obs.crashes:
        fail("crash", c)
    return Verdict(failures, dict(counts))


def _diff(a: tuple[int, bool, dict[str, Any]] | None, b: tuple[int, bool, dict[str, Any]] | None) -> str:
    if a is None:
        return f"absent at the station, province v{b[0]}{' deleted' if b[1] else ''}" if b else "absent"
    if b is None:
        return f"station v{a[0]}{' deleted' if a[1] else ''}, absent at the province"
    parts = []
    if a[1] != b[1]:
        parts.append(f"deleted {a[1]} at the station vs {b[1]} at the province")
    for f in sorted(set(a[2]) | set(b[2])):
        if a[2].get(f) != b[2].get(f):
            parts.append(f"{f}: {a[2].get(f)!r} vs {b[2].get(f)!r}")
    return f"station v{a[0]} vs province v{b[0]}: " + "; ".join(parts[:4])
