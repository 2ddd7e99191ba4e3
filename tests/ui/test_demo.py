"""Demo mode: the prepared station opens with its shown demo login, Today holds the day's counter work, and a
resident's page lists the dossiers and reports they appear in (and opens them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from station_client.commands.demo import DOSSIERS, prepare_station

from .conftest import type_text


def _wait_links(qtbot, page, person_id: str) -> None:  # type: ignore[no-untyped-def]
    """The person's page shows them, and their dossier/report links have arrived (they load after the form)."""
    qtbot.waitUntil(lambda: page.details is not None and page.details["person"]["id"] == person_id
                    and page.details["links"] is not None, timeout=10_000)


def _counter_work(data_dir: Path) -> tuple[int, int]:
    from station_client.store import Store

    with Store.open(data_dir / "station.db") as store:
        return store.count("dossier"), store.count("crime_report")


def test_demo_station_today_and_person_links(qtbot, app_factory, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    login = prepare_station(data_dir.parent, 300, None)  # the station lives in data_dir; no province server
    work = _counter_work(data_dir)
    assert prepare_station(data_dir.parent, 300, None) == login  # a second start the same day: same login...
    # ...and the same counter work, whatever the hour: run under faketime with the PC in UTC, the demo once compared
    # the PC's date with the office's and seeded the day's work again on every start between 17:00 and 24:00 UTC.
    assert _counter_work(data_dir) == work
    app = app_factory(demo_password=login)
    w = app.window
    assert w.login.hint.isVisibleTo(w) and login[1] in w.login.hint.text()
    assert w.login.username.text() == login[0]  # filled in: the newcomer types only the shown password
    type_text(qtbot, w.login.password, login[1])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)

    today = w.workspace.widgets["today"]
    qtbot.waitUntil(lambda: len(today.items) > 0, timeout=10_000)
    states = {i.state for i in today.items}
    assert {"overdue", "due", "upcoming"} <= states
    assert {i.section for i in today.items} == {"dossiers", "reports"}
    assert not today.failures
    assert today.list.item(0).text().startswith("Quá hạn (")  # overdue work is listed first, under its heading

    # The applicant of the first (overdue) dossier: their page lists it, and opening the line shows it.
    overdue = next(i for i in today.items if i.state == "overdue" and i.kind == "dossier")
    dossier = app.tasks.call_write(lambda store: store.get("dossier", overdue.record_id))
    residents = w.workspace.page("residents")
    residents.open_record("person", dossier["applicant_person_id"])
    page = residents.person
    _wait_links(qtbot, page, dossier["applicant_person_id"])
    assert not page.details["link_failures"]
    lines = [page.links.item(r).text() for r in range(page.links.count())]
    assert any(dossier["code"] in line and "Đang giải quyết" in line for line in lines), lines
    row = next(r for r, line in enumerate(lines) if dossier["code"] in line)
    page.links.setCurrentRow(row)
    qtbot.keyClick(page.links, Qt.Key.Key_Return)
    dossiers = w.workspace.widgets["dossiers"]
    qtbot.waitUntil(lambda: dossiers.detail.record is not None and dossiers.detail.record["id"]
                    == dossier["id"], timeout=10_000)
    assert w.workspace.pages.currentWidget() is dossiers

    # A reporter picked from the register sees the report on their page.
    report = app.tasks.call_write(lambda store: store.conn.execute(
        "SELECT id, reporter_person_id, register_no FROM crime_reports WHERE reporter_person_id IS NOT NULL "
        "ORDER BY register_no LIMIT 1").fetchone())
    w.workspace.page("residents")
    residents.open_record("person", report["reporter_person_id"])
    _wait_links(qtbot, page, report["reporter_person_id"])
    lines = [page.links.item(r).text() for r in range(page.links.count())]
    assert any(report["register_no"] in line and "người tố giác" in line for line in lines), lines

    # In English the lines are English (kind, status, role), the register's own words stay as written.
    app.context.set_language("en")
    residents.open_record("person", dossier["applicant_person_id"])
    _wait_links(qtbot, page, dossier["applicant_person_id"])
    lines = [page.links.item(r).text() for r in range(page.links.count())]
    assert any(line.startswith(f"Dossier {dossier['code']}") and "Processing" in line and "Filed on" in line
               for line in lines), lines
    app.context.set_language("vi")

    # ... and no second batch of the day's work.
    count = app.tasks.call_write(lambda store: store.conn.execute("SELECT count(*) FROM dossiers").fetchone()[0])
    assert count == len(DOSSIERS)
