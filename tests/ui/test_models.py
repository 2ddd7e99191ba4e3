"""The lazy list model: windows by n, deletes and appends through the writer, no full-table load."""

from __future__ import annotations

from station_client.paths import db_path
from station_client.store import Store
from station_client.synthetic import populate
from station_client.ui.models import PLACEHOLDER, Column, WindowedModel

from .conftest import logged_in


def _live_ids(data_dir) -> list[str]:  # type: ignore[no-untyped-def]
    with Store.open(db_path(data_dir)) as store:
        return [r[0] for r in store.conn.execute("SELECT id FROM persons WHERE deleted = 0 ORDER BY n")]


def test_windowed_model_follows_deletes_and_appends(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 450)
    app = logged_in(qtbot, app_factory, data_dir)
    model = WindowedModel(app.context, "persons", "person", [Column("full_name", lambda: "Họ và tên")])
    WindowedModel.PAGE = 100
    try:
        qtbot.waitUntil(lambda: model.rowCount() == 450)
        for row in range(0, 450, 100):
            model.row_at(row)
        qtbot.waitUntil(lambda: all(model.row_at(r) is not None for r in range(450)))
        assert [model.record_id(r) for r in range(450)] == _live_ids(data_dir)
        assert len(model._pages) == 5

        doomed = [model.record_id(r) for r in (0, 99, 100, 377)]
        officer = app.context.username

        def op(store: Store) -> None:
            for rid in doomed:
                store.delete("person", rid, officer=officer)
            populate(store, 3, seed=42)

        app.context.write(op)
        qtbot.waitUntil(lambda: model.rowCount() == 449)
        qtbot.waitUntil(lambda: all(model.row_at(r) is not None for r in range(449)))
        assert [model.record_id(r) for r in range(449)] == _live_ids(data_dir)
        assert not set(doomed) & {model.record_id(r) for r in range(449)}

        # An edit keeps the rows where they are and shows the cached row until the fresh one arrives.
        before = model.record_id(5)
        app.context.write(lambda store: store.update("person", before, {"occupation": "Thợ mỏ"}, officer=officer))
        qtbot.waitUntil(lambda: not model._stale and model.row_at(5) is not None)
        assert model.record_id(5) == before
        assert model.data(model.index(5, 0)) not in (None, PLACEHOLDER)
    finally:
        WindowedModel.PAGE = 200
