"""Screenshots of every main screen in Vietnamese, from the real app on an X server, with demo data.

    Xvfb :99 -screen 0 1280x800x24 &  DISPLAY=:99 .venv/bin/python bench/screens.py [--out screens/] [--size WxH]

``--size`` is the window's size (default 1280x780): 1024x570 for a 1024×600 netbook under a title bar,
1366x738 for a 1366×768 laptop; with ``QT_SCALE_FACTOR=1.25`` give the logical size (1093x584).

Starts the province server (as ``station-client demo`` does), prepares the demo station with a synthetic commune,
makes one conflict (the station and the province edit the same resident), opens the app as a real window and
walks it like an officer: login, Today (the demo's counter work), residents, search "nguyen", a person, a
resident who filed a dossier (their page lists it), that dossier, the dossier list, the crime-report register,
the Statistics page (October, over a year of added history) and its printed period report (PDF, pdftoppm),
households, a household, sync and the conflict review, settings, the lock screen, then English. Then the forms
in both languages (new resident, new household, dossier intake, crime-report intake, Settings scrolled to the
retention box and the officers list), an officer's session (Settings without the head's boxes) and an officer
whose password the head reset (the new-password page); last, a second, encrypted station: first-run setup, the
recovery key page, and after a restart its locked login page (with the station's name from the key file) and
the recovery page. Each screen is saved from the window (``QWidget.grab``) and the X root window is captured
too (``import -window root``), so what the X server really drew can be checked. Last line: JSON with the files
written. ``QT_QPA_PLATFORM=offscreen`` works too (no X captures then).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Server:
    """What ``prepare_station`` needs from a province server, over the test-support one (it has admin calls)."""

    def __init__(self, srv):  # type: ignore[no-untyped-def]
        self.srv = srv
        self.url = srv.url

    def enrollment_code(self, commune: str, name: str) -> str:
        return str(self.srv.add_station(commune, name))


def make_conflict(station_db: Path, srv) -> None:  # type: ignore[no-untyped-def]
    from station_client.store import Store
    from station_client.sync.enroll import build_engine

    with Store.open(station_db) as store:
        engine = build_engine(store)
        engine.run_once()  # everything reaches the province first
        person = next(p for p in store.iter_records("person") if p["occupation"])
        srv.admin_put_record("person", person["id"], {"occupation": "Kỹ sư mỏ", "phone": "0987654321"})
        store.update("person", person["id"], {"occupation": "Công nhân mỏ than", "phone": "0912345678"},
                     officer="truong")
        engine.run_once()
        engine.client.close()


def add_history(station_db: Path, dossiers: int = 1200, seed: int = 8) -> None:
    """Dossiers and crime reports over the past months (bench/stats.py's realistic lives), so the Statistics
    page has a year of figures to chart; the demo itself makes only today's counter work."""
    import importlib.util
    import random

    from station_client.store import Store
    from station_client.store import dossiers as sd
    from station_client.store import reports as sr

    spec = importlib.util.spec_from_file_location("bench_stats", ROOT / "bench" / "stats.py")
    assert spec and spec.loader
    bench_stats = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_stats)
    rng = random.Random(seed)
    with Store.open(station_db) as store:
        cal = sd.work_calendar(store.conn)
        procedures = sd.list_procedures(store.conn)
        applicants = bench_stats._applicants(store, rng, 300)
        store.create_many("dossier", [bench_stats._dossier(i, rng, procedures, applicants, cal)
                                      for i in range(dossiers)], officer="truong")
        store.create_many("crime_report", bench_stats._crime_reports(dossiers // 20, rng, sr.rule_set(store.conn),
                                                                     cal), officer="truong")


WINDOW: tuple[int, int] = (1280, 780)
OFFICER = ("canbo", "Cán bộ Hộ tịch", "Hotich2026x")
RESET = ("moi", "Lê Văn Mới", "Caplai2026x")


def _log_in_head(station_db: Path, login: tuple[str, str]) -> None:
    from station_client.store import Store, accounts

    with Store.open(station_db) as store:
        accounts.log_in(store, *login)


def add_officers(station_db: Path, head: str) -> None:
    """An officer to log in as, and one whose password the head has just reset (must choose their own)."""
    from station_client.store import Store, accounts

    with Store.open(station_db) as store:
        for username, name, password in (OFFICER, RESET):
            accounts.create_account(store, username, name, "officer", password, password, created_by=head)
        accounts.reset_password(store, RESET[0], RESET[2], RESET[2], by=head)


def period_report_png(view, out: Path, files: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The period report the Statistics page prints, as a PDF, each page as a PNG (pdftoppm), and its first and
    last pages side by side (title and tables; the signature block) in one PNG."""
    from station_client.printing.render import write_pdf

    pdf = out / "bao-cao-thong-ke.pdf"
    write_pdf(view.report_document(), pdf)
    files.append(str(pdf))
    if not shutil.which("pdftoppm"):
        return
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(out / "bao-cao-thong-ke")], check=True)
    pages = sorted(out.glob("bao-cao-thong-ke-*.png"))
    files += [str(p) for p in pages]
    if len(pages) > 1 and shutil.which("convert"):
        both = out / "bao-cao-thong-ke-dau-cuoi.png"
        subprocess.run(["convert", str(pages[0]), str(pages[-1]), "-bordercolor", "#888888", "-border", "1",
                        "+append", "-colors", "64", str(both)], check=True)
        files.append(str(both))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "screens"))
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--size", default="1280x780", help="window size WxH")
    args = parser.parse_args()
    global WINDOW
    WINDOW = tuple(int(v) for v in args.size.lower().split("x"))  # type: ignore[assignment]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = ROOT / "bench" / "out" / "screens-demo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

    from station_client.commands.demo import prepare_station
    from tests.support.server import start_server

    srv = start_server(work / "province", quiet=True)
    files: list[str] = []
    try:
        login = prepare_station(work, args.residents, _Server(srv))  # type: ignore[arg-type]
        _log_in_head(work / "station" / "station.db", login)  # the writes below are the demo head's
        make_conflict(work / "station" / "station.db", srv)
        add_officers(work / "station" / "station.db", login[0])
        add_history(work / "station" / "station.db")

        from PySide6.QtTest import QTest

        from station_client.ui.app import create_app

        app = create_app(work / "station", demo_password=login)
        w = app.window
        w.resize(*WINDOW)
        w.move(0, 0)
        w.show()
        w.activateWindow()

        def wait_for(cond, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
            deadline = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > deadline:
                    raise TimeoutError(cond)
                QTest.qWait(50)

        def shot(name: str, x11: bool = False, win=None) -> None:  # type: ignore[no-untyped-def]
            QTest.qWait(300)
            shot.n += 1  # type: ignore[attr-defined]
            path = out / f"{shot.n:02d}-{name}.png"  # type: ignore[attr-defined]
            (win or w).grab().save(str(path))
            files.append(str(path))
            if x11 and os.environ.get("DISPLAY") and shutil.which("import"):
                xpath = out / f"{path.stem}-x11.png"
                subprocess.run(["import", "-window", "root", str(xpath)], check=True)
                files.append(str(xpath))

        shot.n = 0  # type: ignore[attr-defined]
        QTest.qWait(500)
        shot("dang-nhap", x11=True)
        w.login.password.setText(login[1])
        w.login.submit()
        wait_for(lambda: w.stack.currentWidget() is w.workspace)
        wait_for(lambda: w.sync_bar.status.state in ("up_to_date", "failed", "offline"), 30)
        today = w.workspace.widgets["today"]
        wait_for(lambda: len(today.items) > 0)
        shot("hom-nay", x11=True)
        ws = w.workspace
        ws.show_section("residents")
        residents = ws.widgets["residents"]
        wait_for(lambda: residents.all_model.rowCount() > 0 and residents.all_model.row_at(0) is not None)
        shot("nhan-khau", x11=True)
        residents.search.setText("nguyen")
        wait_for(lambda: residents.last_query == "nguyen")
        shot("tim-nguyen")
        residents.open_record("person", residents.hits_model.rows[0].id)
        wait_for(lambda: residents.person.record is not None)
        shot("nhan-khau-chi-tiet")
        # The applicant of the first dossier in Today: their page lists the dossier (and any report).
        item = next(i for i in today.items if i.kind == "dossier")
        applicant = app.tasks.call_write(lambda store: store.get("dossier", item.record_id))["applicant_person_id"]
        residents.open_record("person", applicant)
        wait_for(lambda: residents.person.details is not None
                 and residents.person.details["person"]["id"] == applicant
                 and residents.person.details["links"] is not None)
        shot("nhan-khau-co-ho-so")
        residents.person.links.setCurrentRow(0)
        residents.person._open_link(residents.person.links.item(0))
        dossiers = ws.widgets["dossiers"]
        wait_for(lambda: dossiers.detail.record is not None and dossiers.detail.record["id"] == item.record_id)
        shot("ho-so-chi-tiet")
        ws.show_section("dossiers")
        dossiers.show_list()
        wait_for(lambda: dossiers.model.rowCount() > 0)
        shot("ho-so-thu-tuc")
        ws.show_section("reports")
        wait_for(lambda: ws.widgets["reports"].pages["crime_report"].model.rowCount() > 0)
        shot("to-giac-tin-bao")
        reports = ws.widgets["reports"]
        for kind, name in (("crime_report", "to-giac-chi-tiet"), ("petition", "don-thu"),
                           ("mediation_case", "hoa-giai"), ("admin_violation", "vi-pham-hanh-chinh")):
            register = reports.pages[kind]
            reports.tabs.setCurrentWidget(register)
            wait_for(lambda r=register: r.model.rowCount() > 0)
            if kind != "crime_report":
                shot(name)
            register.open_record(register.model.record_id(0))
            wait_for(lambda r=register: r.detail.record is not None)
            shot(f"{name}-chi-tiet" if kind != "crime_report" else name)
            register.show_list()
        reports.tabs.setCurrentWidget(reports.pages["crime_report"])
        ws.show_section("statistics")
        stats = ws.widgets["statistics"]
        from station_client.domain.statistics import Period

        stats.set_period(Period.parse("2026-10"))
        wait_for(lambda: stats.data is not None and stats.data.current.period.label == "2026-10", 30)
        stats.prepared_by.setText("Nguyễn Thị Lập")
        shot("thong-ke", x11=True)
        period_report_png(stats, out, files)
        ws.show_section("households")
        households = ws.widgets["households"]
        wait_for(lambda: households.model.rowCount() > 0 and households.model.row_at(0) is not None)
        shot("ho-gia-dinh")
        households.open_record("household", households.model.record_id(0))
        wait_for(lambda: households.page.record is not None and households.page.members_model.rows)
        shot("ho-gia-dinh-chi-tiet")
        ws.show_section("sync")
        sync = ws.widgets["sync"]
        wait_for(lambda: sync.editor.conflict is not None)
        shot("dong-bo-xung-dot", x11=True)
        ws.show_section("settings")
        shot("cai-dat")
        w.lock()
        shot("khoa-man-hinh")
        w.login.password.setText(login[1])
        w.login.submit()
        wait_for(lambda: not w.is_locked)
        app.context.set_language("en")
        ws.show_section("residents")
        residents.search.clear()
        QTest.qWait(400)
        shot("residents-english")
        ws.show_section("today")
        shot("today-english")
        ws.show_section("dossiers")
        shot("dossiers-english")
        ws.show_section("reports")
        shot("reports-english")
        ws.show_section("statistics")
        shot("statistics-english")
        ws.show_section("sync")
        shot("sync-english")
        before = residents.person.details  # the same person is on the page: wait for the fresh read
        residents.open_record("person", applicant)
        wait_for(lambda: residents.person.details is not None and residents.person.details is not before
                 and residents.person.details["person"]["id"] == applicant
                 and residents.person.details["links"] is not None)
        ws.show_section("residents")
        shot("person-english")
        shoot_forms(ws, shot, wait_for, "en")
        app.context.set_language("vi")
        shoot_forms(ws, shot, wait_for, "vi")
        shoot_officers(app, shot, wait_for, login)
        app.close()
        shoot_locked_station(work / "locked", shot, wait_for)
    finally:
        srv.stop()
    print(json.dumps({"screens": files}, ensure_ascii=False))
    return 0


def shoot_forms(ws, shot, wait_for, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The forms an officer fills in, empty, and Settings scrolled down to what the first screen hides."""
    from PySide6.QtWidgets import QScrollArea

    ws.show_section("residents")
    residents = ws.widgets["residents"]
    residents.new_person()
    shot(f"nhan-khau-moi-{lang}")
    residents.person.cancel()
    ws.show_section("households")
    households = ws.widgets["households"]
    households.new_household()
    shot(f"ho-gia-dinh-moi-{lang}")
    households.show_list()
    ws.show_section("dossiers")
    dossiers = ws.widgets["dossiers"]
    dossiers.new_dossier()
    shot(f"tiep-nhan-ho-so-{lang}")
    dossiers.show_list()
    ws.show_section("reports")
    register = ws.widgets["reports"].pages["crime_report"]
    register.new_entry()
    shot(f"tiep-nhan-to-giac-{lang}")
    register.show_list()
    ws.show_section("settings")
    settings = ws.widgets["settings"]
    scroll = settings.findChild(QScrollArea)
    scroll.ensureWidgetVisible(settings.retention_box, 0, 0)
    shot(f"cai-dat-luu-giu-{lang}")
    wait_for(lambda: settings.officers.table.rowCount() > 0)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    shot(f"cai-dat-can-bo-{lang}")
    scroll.verticalScrollBar().setValue(0)


def shoot_officers(app, shot, wait_for, head: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Settings as an officer sees it; the new-password page of an officer whose password was reset."""
    w = app.window

    def log_in(username: str, password: str) -> None:
        w.lock()
        w.login.prepare(None)  # "another officer logs in"
        w.login.username.setText(username)
        w.login.password.setText(password)
        w.login.submit()

    log_in(*OFFICER[::2])
    wait_for(lambda: w.stack.currentWidget() is w.workspace and app.context.officer.username == OFFICER[0])
    w.workspace.show_section("settings")
    settings = w.workspace.widgets["settings"]
    wait_for(lambda: settings.enrolled.text() != "", 10)  # read off the GUI thread
    shot("cai-dat-can-bo-thuong")
    log_in(*RESET[::2])
    wait_for(lambda: w.stack.currentWidget() is w.new_password)
    shot("mat-khau-moi")
    w.show_login()
    w.login.username.setText(head[0])
    w.login.password.setText(head[1])
    w.login.submit()
    wait_for(lambda: w.stack.currentWidget() is w.workspace and app.context.officer.username == head[0])


def shoot_locked_station(folder: Path, shot, wait_for) -> None:  # type: ignore[no-untyped-def]
    """An encrypted station: first run, the recovery key, then a new start, locked: login and recovery pages."""
    from station_client.paths import db_path
    from station_client.store import keys
    from station_client.store.connection import forget_key
    from station_client.ui.app import create_app
    from station_client.ui.i18n import install_language

    def both(app, name: str) -> None:  # type: ignore[no-untyped-def]
        # A locked station has no settings to save the language into: switch the translators only.
        shot(name, win=app.window)
        app.context.language = "en"
        install_language("en")
        shot(f"{name}-en", win=app.window)
        app.context.language = "vi"
        install_language("vi")

    shutil.rmtree(folder, ignore_errors=True)
    forget_key()
    app = create_app(folder, encrypt=True, start_sync=False)
    w = app.window
    w.resize(*WINDOW)
    w.show()
    f = w.first_run.form.fields
    for name, value in (("station_name", "Công an xã Bình Khê"), ("province_code", "22"),
                        ("commune_code", "07069"), ("full_name", "Phạm Thị Thu Hà"), ("username", "thuha"),
                        ("password", "Binhkhe2026x"), ("confirm", "Binhkhe2026x")):
        f[name].widget.setText(value)
    both(app, "thiet-lap-lan-dau")
    w.first_run.submit()
    wait_for(lambda: w.stack.currentWidget() is w.recovery_key_page)
    both(app, "khoa-khoi-phuc")
    w.recovery_key_page.written.setChecked(True)
    w.recovery_key_page.button.click()
    wait_for(lambda: keys.station_name(db_path(folder)) != "")
    app.close()
    forget_key()  # a new start: the station is locked
    app = create_app(folder, encrypt=True, start_sync=False)
    w = app.window
    w.resize(*WINDOW)
    w.show()
    both(app, "dang-nhap-tram-ma-hoa")
    w.login.recover_link.click()
    wait_for(lambda: w.stack.currentWidget() is w.recover_page)
    both(app, "khoi-phuc-mat-khau")
    app.close()


if __name__ == "__main__":
    raise SystemExit(main())
