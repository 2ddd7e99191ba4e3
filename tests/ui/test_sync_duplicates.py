"""The Sync section lists the province's duplicate-person review items and merges one (store/duplicates.py)."""

from __future__ import annotations

import json

from station_client.clock import now_iso
from station_client.paths import db_path
from station_client.store import Store, duplicates
from station_client.synthetic import populate

from .conftest import logged_in


def _duplicate(store: Store) -> tuple[str, str, str]:
    """A second record of a resident with the same personal ID, and the province's review item, as pulled."""
    first = next(store.iter_records("person"))
    twin = "twin-" + first["id"][5:]
    review = "7d1c5a52-0000-5000-8000-000000000001"
    with store.transaction() as conn:
        cols = [c for c in first if c not in ("version", "n")]
        row = {c: first[c] for c in cols} | {"id": twin, "phone": "0933333333", "server_version": 1,
                                              "sync_state": "synced"}
        conn.execute(f"INSERT INTO persons ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                     tuple(v if not isinstance(v, bool) else int(v) for v in row.values()))
        now = now_iso()
        conn.execute("INSERT INTO duplicate_persons(id, personal_id, person_ids, status, detected_at, created_at, "
                     "updated_at, updated_by, server_version, sync_state) VALUES (?, ?, ?, 'open', ?, ?, ?, "
                     "'sync:province', 1, 'synced')",
                     (review, first["personal_id"], json.dumps(sorted([first["id"], twin])), now, now, now))
    return review, first["id"], twin


def test_the_sync_section_lists_a_duplicate_and_merges_it(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
        review, keep, twin = _duplicate(store)
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.workspace.show_section("sync")
    view = app.window.workspace.widgets["sync"]
    view.reload_duplicates()
    qtbot.waitUntil(lambda: view.duplicates.count() == 1)
    assert view.duplicates.isVisibleTo(view) and "(" in view.duplicates.item(0).text()
    view.merge_duplicate(review, keep)
    qtbot.waitUntil(lambda: view.duplicates.count() == 0 and not view.duplicate_items)
    with Store.open(db_path(data_dir)) as store:
        assert store.get("person", twin) is None
        link = store.find_one("person_merge", merged_id=twin)
        assert link is not None and link["kept_id"] == keep
        assert duplicates.current_person_id(store, twin) == keep
