"""Run one sync scenario as a station whose clock is wrong; print the outcome as JSON (see test_clock.py).

    python clock_driver.py OFFSET_OR_DATE DATA_DIR SERVER_URL ADMIN_TOKEN ENROLL_CODE

The station's clock module (and the date used by validation) is moved before anything else is imported, the
way a wrong system clock would move it; the province keeps the true time.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def skew_clock(spec: str) -> None:
    import station_client.clock as clock
    import station_client.domain.residents as residents

    real = clock.utcnow
    if spec.startswith(("+", "-")):
        delta = timedelta(hours=float(spec))
    else:
        delta = datetime.fromisoformat(spec).replace(tzinfo=UTC) - real()

    def skewed() -> datetime:
        return real() + delta
    clock.utcnow = skewed  # type: ignore[assignment]
    residents._today = lambda: skewed().date()  # type: ignore[assignment]


def main() -> None:
    spec, data_dir, url, admin_token, code = sys.argv[1:6]
    skew_clock(spec)
    import requests

    from station_client.clock import now_iso
    from station_client.store import Store
    from station_client.store import sync_ops as ops
    from station_client.sync.enroll import build_engine, enroll
    from station_client.synthetic import Generator

    def admin_put(record_id: str, fields: dict) -> None:
        r = requests.put(f"{url}/v1/admin/records/person/{record_id}", json={"fields": fields},
                         headers={"Authorization": f"Bearer {admin_token}"}, timeout=30)
        r.raise_for_status()

    store = Store.open(Path(data_dir) / "station.db")
    enroll(store, url, code)
    reports = []

    def sync() -> None:
        engine = build_engine(store)
        r = engine.run_once()
        engine.client.close()
        reports.append({"ok": r.ok, "acked": r.applied.acked, "conflicts": r.applied.conflicts,
                        "pulled": r.applied.applied, "requests": r.requests})

    ids = []
    for person in Generator(7, today=date(2000, 12, 31)).people(6):
        rid = person.pop("id")
        store.create("person", person, officer="clock", record_id=rid)
        ids.append(rid)
    sync()
    admin_put(ids[0], {"phone": "0911000001"})
    admin_put(ids[2], {"religion": "Phật giáo"})
    store.update("person", ids[0], {"phone": "0922000002"}, officer="clock")
    store.update("person", ids[1], {"occupation": "Kỹ sư"}, officer="clock")
    store.delete("person", ids[3], officer="clock")
    sync()
    (conflict,) = ops.list_conflicts(store)
    ops.resolve_conflict(store, conflict.id, {"phone": "0922000002"}, "clock")
    sync()
    sync()
    out = {
        "clock": now_iso()[:4],
        "reports": reports,
        "records": {rid: [v, d, {k: x for k, x in f.items() if x is not None}]
                    for _, rid, v, d, f in ops.iter_synced_state(store)},
        "states": sorted(r["sync_state"] for r in (store.get("person", i, include_deleted=True) for i in ids)),
        "conflicts": [(c.type, c.status) for c in ops.list_conflicts(store, "resolved")],
        "pending": ops.pending_count(store),
        "digest": ops.compute_digest(store),
    }
    store.close()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
