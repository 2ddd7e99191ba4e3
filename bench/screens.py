"""Screenshots of every page an officer uses, at 1024×600, 1366×768 and 1920×1080, in Vietnamese and English,
from the real app with realistic Vietnamese demo data.

    .venv/bin/python bench/screens.py [--out screens/] [--sizes 1024x600,1366x768,1920x1080] [--languages vi,en]

``--sizes`` are screens: each is shot by its own process on an X server of that size (``xvfb-run``; with
``QT_QPA_PLATFORM=offscreen``, an offscreen screen of that size), so windows and dialogs size themselves to it as
on a real PC. The window takes the screen less a 30-pixel title bar (1024×570 on a netbook); ``--scale 1.25``
runs under ``QT_SCALE_FACTOR=1.25`` (a 1366×768 laptop at 125 %: a 1093×584 window, folders ``WxH-125pct-LANG``).
Shots go to ``OUT/WxH-LANG/NN-name.png`` (WxH the screen); the same page has the same number in every folder, so
``OUT/1024x600-vi/07-*.png`` and ``OUT/1920x1080-en/07-*.png`` are one page.

Starts the province server (as ``station-client demo`` does), prepares the demo station with a synthetic commune,
a year of dossiers and crime reports (bench/stats.py's realistic lives), one conflict (the station and the
province edit the same resident) and two more officers, opens the app as a real window and, for each size and
language, walks it like an officer: Today; residents (list, search "nguyen", a person, a resident who filed a
dossier, the new-residence dialog, the new-resident form, the CSV import preview); households (list, a household,
the add-member dialog, the new-household form); dossiers (list, intake empty and with a procedure chosen, a
dossier, its receipt's print preview, the refusal dialog); each register (crime reports, petitions, mediation,
administrative violations: list, a record, the intake form); Statistics (a past month, the running quarter, the
bottom of the page); sync with the conflict; Settings (top, retention, officers); the lock screen and the login
page; Settings as an ordinary officer; the new-password page of an officer whose password the head reset. Then a
second, encrypted station: first-run setup, the recovery key page, and after a restart its locked login page and
the recovery page. The printed period report (PDF, pdftoppm) is made once. Each page is saved from its window
(``QWidget.grab``); ``--x11`` also captures the X root window (``import -window root``) for each shot, to check
what the X server drew. Last line: JSON with the number of shots and the folder.
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


SIZES = "1024x600,1366x768,1920x1080"
TITLE_BAR = 30  # what a window manager's title bar takes from the screen's height
IMPORT_CSV = ("Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Số điện thoại,Nơi thường trú\n"
              "Nguyễn Văn Đực,02/03/1985,Nam,022085000123,0912345678,Số 12 phố Lê Lợi\n"
              "Vũ Thị Lan,20/10/2001,Nữ,022301000789,,Khu Dốc Đỏ\n"
              "Trần Thị Hằng,31/02/1990,Nữ,0223,,Khu Vĩnh Phú\n")


class Shooter:
    """Saves a window's picture as ``OUT/FOLDER/NN-name.png``; NN counts within the folder, so the walks of every
    size and language number the same page alike."""

    def __init__(self, out: Path, x11: bool, suffix: str = ""):
        self.out, self.x11, self.suffix = out, x11, suffix
        self.folder = out
        self.counts: dict[Path, int] = {}
        self.files: list[str] = []
        self.window = None

    def into(self, screen: str, lang: str) -> None:
        self.folder = self.out / f"{screen}{self.suffix}-{lang}"
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, win=None) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtTest import QTest

        QTest.qWait(250)
        n = self.counts.get(self.folder, 0) + 1
        self.counts[self.folder] = n
        path = self.folder / f"{n:02d}-{name}.png"
        (win or self.window).grab().save(str(path))
        self.files.append(str(path))
        if self.x11 and os.environ.get("DISPLAY") and shutil.which("import"):
            xpath = path.with_name(f"{path.stem}-x11.png")
            subprocess.run(["import", "-window", "root", str(xpath)], check=True)
            self.files.append(str(xpath))


def window_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """The window on a ``width``×``height`` screen, in logical pixels: the screen less a title bar."""
    return round(width / scale), round(height / scale) - TITLE_BAR


def wait_for(cond, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(cond)
        QTest.qWait(50)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "screens"))
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--sizes", default=SIZES, help="screens WxH, comma-separated")
    parser.add_argument("--languages", default="vi,en")
    parser.add_argument("--x11", action="store_true", help="also capture the X root window for each shot")
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR (1.25: folders WxH-125pct-LANG)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", action="store_true", help=argparse.SUPPRESS)  # the period report's PDF
    args = parser.parse_args()
    out = Path(args.out)
    if not args.child:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return each_screen(args, out)
    shoot(args, out)
    # The shots and the JSON line are out; skip the interpreter's teardown, which has aborted in PySide after this
    # many windows (see _none_headroom).
    sys.stdout.flush()
    os._exit(0)


def each_screen(args: argparse.Namespace, out: Path) -> int:
    """One process per screen size, on an X server (or offscreen screen) of exactly that size: the window and
    its dialogs size themselves to the screen they open on (a print preview on a 600-pixel screen is shorter),
    which one large screen would not show."""
    shots, pages = 0, 0
    for size in args.sizes.split(","):
        width, height = (int(v) for v in size.lower().split("x"))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--out", str(out), "--sizes", size,
               "--languages", args.languages, "--residents", str(args.residents), "--scale", str(args.scale)] \
            + (["--x11"] if args.x11 else []) + (["--report"] if shots == 0 else [])
        env = dict(os.environ)
        if args.scale != 1.0:
            env["QT_SCALE_FACTOR"] = str(args.scale)
        if env.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
            config = out / f"offscreen-{size}.json"
            config.write_text(json.dumps({"screens": [{"name": size, "x": 0, "y": 0, "width": width,
                                                       "height": height, "logicalDpi": 96, "dpr": 1}]}))
            env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
        elif shutil.which("xvfb-run"):
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {width}x{height}x24", *cmd]
        run = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True)
        child = json.loads(run.stdout.strip().splitlines()[-1])
        shots += child["shots"]
        pages = max(pages, child["pages_per_walk"])
    print(json.dumps({"shots": shots, "folder": str(out), "sizes": args.sizes, "languages": args.languages,
                      "pages_per_walk": pages}, ensure_ascii=False))
    return 0


def _none_headroom() -> None:
    """PySide 6.12 (the pinned version, on Python 3.11) drops a reference to None on each call of a Qt method that
    returns nothing: 1000 calls of ``layout.invalidate()`` lower ``sys.getrefcount(None)`` by 1000. A walk makes
    enough such calls (every ``QTest.qWait`` is one) to bring None's count to zero, and the interpreter aborts
    mid-walk ("none_dealloc"). The bench gives None a billion references of headroom so the shots get taken; the
    app itself is not patched here (see the report of this branch)."""
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 10**9


def shoot(args: argparse.Namespace, out: Path) -> int:
    """The walks at one screen size (``--sizes WxH``), in every language."""
    _none_headroom()
    sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",")]
    languages = args.languages.split(",")
    work = ROOT / "bench" / "out" / f"screens-demo-{args.sizes.replace(',', '_')}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

    from station_client.commands.demo import prepare_station
    from tests.support.server import start_server

    srv = start_server(work / "province", quiet=True)
    shot = Shooter(out, args.x11, "" if args.scale == 1.0 else f"-{round(args.scale * 100)}pct")
    try:
        login = prepare_station(work, args.residents, _Server(srv))  # type: ignore[arg-type]
        db = work / "station" / "station.db"
        _log_in_head(db, login)  # the writes below are the demo head's
        make_conflict(db, srv)
        add_officers(db, login[0])
        add_history(db)
        csv_file = work / "nhan-khau.csv"
        csv_file.write_text(IMPORT_CSV, encoding="utf-8-sig")

        from station_client.ui.app import create_app

        app = create_app(work / "station", demo_password=login)
        w = shot.window = app.window
        w.resize(*window_size(*sizes[0], args.scale))
        w.move(0, 0)
        w.show()
        w.activateWindow()
        wait_for(lambda: w.stack.currentWidget() is w.login)
        w.login.password.setText(login[1])
        w.login.submit()
        wait_for(lambda: w.stack.currentWidget() is w.workspace)
        wait_for(lambda: w.sync_bar.status.state in ("up_to_date", "failed", "offline"), 30)
        first = args.report
        for width, height in sizes:
            w.resize(*window_size(width, height, args.scale))
            for lang in languages:
                shot.into(f"{width}x{height}", lang)
                walk(app, shot, login, lang, csv_file, report_to=out if first else None)
                first = False
        app.context.set_language("vi")
        app.close()
        for width, height in sizes:
            shoot_locked_station(work / "locked", shot, f"{width}x{height}", window_size(width, height, args.scale),
                                 languages)
    finally:
        srv.stop()
    pngs = [f for f in shot.files if f.endswith(".png") and "bao-cao" not in f]
    print(json.dumps({"shots": len(pngs), "folder": str(out), "sizes": args.sizes, "languages": args.languages,
                      "pages_per_walk": max(shot.counts.values())}, ensure_ascii=False))
    return 0


def walk(app, shot: Shooter, login: tuple[str, str], lang: str, csv_file: Path,  # type: ignore[no-untyped-def]
         report_to: Path | None = None) -> None:
    """Every page of the main window in ``lang``, at the window's current size."""
    w = app.window
    ws = w.workspace
    ws.show_section("today")
    today = ws.widgets["today"]
    before, switched = today.items, app.context.language != lang
    app.context.set_language(lang)
    # Today words its items in the language of the moment its providers run: wait for the reload a switch makes.
    wait_for(lambda: len(today.items) > 0 and (not switched or today.items is not before))
    shot("hom-nay")
    item = next(i for i in today.items if i.kind == "dossier")
    walk_residents(app, shot, item.record_id, csv_file)
    walk_households(app, shot)
    walk_dossiers(app, shot, item.record_id)
    walk_reports(app, shot)
    walk_statistics(app, shot, report_to)
    ws.show_section("sync")
    sync = ws.widgets["sync"]
    wait_for(lambda: sync.editor.conflict is not None)
    shot("dong-bo-xung-dot")
    walk_settings(app, shot)
    w.lock()
    shot("khoa-man-hinh")
    w.login.prepare(None)  # "another officer logs in"
    shot("dang-nhap")
    shoot_officers(app, shot, login)


def walk_residents(app, shot: Shooter, dossier_id: str, csv_file: Path) -> None:  # type: ignore[no-untyped-def]
    from station_client.ui.residents.residence_dialog import ResidenceDialog

    ws = app.window.workspace
    ws.show_section("residents")
    residents = ws.widgets["residents"]
    residents.show_list()
    residents.search.clear()
    wait_for(lambda: residents.all_model.rowCount() > 0 and residents.all_model.row_at(0) is not None)
    shot("nhan-khau")
    residents.search.setText("nguyen")
    wait_for(lambda: residents.last_query == "nguyen" and residents.hits_model.rows)
    shot("nhan-khau-tim")
    first = residents.hits_model.rows[0].id
    residents.open_record("person", first)
    wait_for(lambda: residents.person.details is not None and residents.person.details["person"]["id"] == first
             and residents.person.details["links"] is not None)
    shot("nhan-khau-chi-tiet")
    applicant = app.tasks.call_write(lambda store: store.get("dossier", dossier_id))["applicant_person_id"]
    residents.open_record("person", applicant)
    wait_for(lambda: residents.person.details is not None
             and residents.person.details["person"]["id"] == applicant
             and residents.person.details["links"] is not None)
    shot("nhan-khau-co-ho-so")
    residents.person._add_residence()
    dialog = residents.person.findChildren(ResidenceDialog)[-1]
    wait_for(dialog.isVisible)
    shot("dang-ky-cu-tru", win=dialog)
    dialog.reject()
    dialog.deleteLater()
    residents.new_person()
    shot("nhan-khau-moi")
    residents.person.cancel()
    residents.search.clear()
    residents.show_list()
    dialog = residents.import_file(csv_file)
    wait_for(dialog.import_button.isEnabled)
    shot("nhap-tu-tep", win=dialog)
    dialog.reject()
    dialog.deleteLater()


def walk_households(app, shot: Shooter) -> None:  # type: ignore[no-untyped-def]
    ws = app.window.workspace
    ws.show_section("households")
    households = ws.widgets["households"]
    households.show_list()
    wait_for(lambda: households.model.rowCount() > 0 and households.model.row_at(0) is not None)
    shot("ho-gia-dinh")
    households.open_record("household", households.model.record_id(0))
    wait_for(lambda: households.page.record is not None and households.page.members_model.rows)
    shot("ho-gia-dinh-chi-tiet")
    households.page._add_existing()
    dialog = households.page.member_dialog
    wait_for(dialog.isVisible)
    dialog.search.setText("tran")
    wait_for(lambda: dialog.results.count() > 0)
    shot("them-thanh-vien", win=dialog)
    dialog.reject()
    dialog.deleteLater()
    households.new_household()
    shot("ho-gia-dinh-moi")
    households.show_list()


def walk_dossiers(app, shot: Shooter, dossier_id: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QScrollArea

    from station_client.ui.dossiers.detail import ActionDialog

    ws = app.window.workspace
    ws.show_section("dossiers")
    dossiers = ws.widgets["dossiers"]
    dossiers.show_list()
    wait_for(lambda: dossiers.model.rowCount() > 0)
    shot("ho-so-danh-sach")
    dossiers.new_dossier()
    box = dossiers.intake.procedure_box
    wait_for(lambda: box.count() > 1)
    shot("ho-so-tiep-nhan")
    box.setCurrentIndex(max(0, box.findData("1.004194")))  # Đăng ký tạm trú
    scroll = dossiers.intake.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(dossiers.intake.procedure_group.y())  # its checklist, fee and deadline
    shot("ho-so-tiep-nhan-thu-tuc")
    scroll.verticalScrollBar().setValue(0)
    dossiers.show_list()
    app.context.open_record("dossier", dossier_id)
    wait_for(lambda: dossiers.detail.record is not None and dossiers.detail.record["id"] == dossier_id)
    shot("ho-so-chi-tiet")
    preview = dossiers.detail.preview_dialog("receipt")
    preview.show()
    wait_for(preview.isVisible)
    shot("bien-nhan-xem-truoc", win=preview)
    preview.reject()
    preview.deleteLater()
    dialog = ActionDialog("refuse", dossiers.detail.procedure, dossiers.detail)
    dialog.show()
    shot("ho-so-tu-choi", win=dialog)
    dialog.reject()
    dialog.deleteLater()


REGISTERS = {"crime_report": "to-giac", "petition": "don-thu", "mediation_case": "hoa-giai",
             "admin_violation": "vi-pham-hanh-chinh"}


def walk_reports(app, shot: Shooter) -> None:  # type: ignore[no-untyped-def]
    ws = app.window.workspace
    ws.show_section("reports")
    reports = ws.widgets["reports"]
    for kind, register in reports.pages.items():
        name = REGISTERS.get(kind, kind)
        reports.tabs.setCurrentWidget(register)
        register.show_list()
        wait_for(lambda r=register: r.model.rowCount() > 0)
        shot(name)
        register.open_record(register.model.record_id(0))
        wait_for(lambda r=register: r.detail.record is not None)
        shot(f"{name}-chi-tiet")
        register.show_list()
        register.new_entry()
        shot(f"{name}-moi")
        register.show_list()
    reports.tabs.setCurrentWidget(reports.pages["crime_report"])


def walk_statistics(app, shot: Shooter, report_to: Path | None) -> None:  # type: ignore[no-untyped-def]
    """A past month, the running quarter (its figures as of now), the bottom of the page; the period report
    printed once (``report_to``)."""
    from PySide6.QtWidgets import QScrollArea

    from station_client.clock import office_now
    from station_client.domain.statistics import Period

    ws = app.window.workspace
    ws.show_section("statistics")
    stats = ws.widgets["statistics"]
    stats.prepared_by.setText("Nguyễn Thị Lập")
    for label, name in (("2026-10", "thong-ke-thang"), (_running_quarter(office_now().date()), "thong-ke-quy")):
        stats.set_period(Period.parse(label))
        wait_for(lambda lb=label: stats.data is not None and stats.data.current.period.label == lb, 30)
        shot(name)
        if report_to is not None and name == "thong-ke-thang":
            period_report_png(stats, report_to, shot.files)
    scroll = stats.findChild(QScrollArea)
    if scroll is not None:
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        shot("thong-ke-cuoi-trang")
        scroll.verticalScrollBar().setValue(0)
    stats.set_period(Period.parse("2026-10"))
    wait_for(lambda: stats.data is not None and stats.data.current.period.label == "2026-10", 30)


def _running_quarter(day) -> str:  # type: ignore[no-untyped-def]
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def walk_settings(app, shot: Shooter) -> None:  # type: ignore[no-untyped-def]
    """Settings from the top, scrolled to the retention box, and to the officers list."""
    from PySide6.QtWidgets import QScrollArea

    ws = app.window.workspace
    ws.show_section("settings")
    settings = ws.widgets["settings"]
    scroll = settings.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(0)
    shot("cai-dat")
    scroll.ensureWidgetVisible(settings.retention_box, 0, 0)
    shot("cai-dat-luu-giu")
    wait_for(lambda: settings.officers.table.rowCount() > 0)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    shot("cai-dat-can-bo")
    scroll.verticalScrollBar().setValue(0)


def shoot_officers(app, shot: Shooter, head: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Settings as an officer sees it; the new-password page of an officer whose password was reset; then the
    head again."""
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


def shoot_locked_station(folder: Path, shot: Shooter, screen: str, size: tuple[int, int],  # type: ignore[no-untyped-def]
                         languages: list[str]) -> None:
    """An encrypted station: first run, the recovery key, then a new start, locked: login and recovery pages."""
    from station_client.paths import db_path
    from station_client.store import keys
    from station_client.store.connection import forget_key
    from station_client.ui.app import create_app
    from station_client.ui.i18n import install_language

    def each_language(app, name: str) -> None:  # type: ignore[no-untyped-def]
        # A locked station has no settings to save the language into: switch the translators only.
        for lang in languages:
            shot.into(screen, lang)
            app.context.language = lang
            install_language(lang)
            shot(name, win=app.window)
        app.context.language = "vi"
        install_language("vi")

    shutil.rmtree(folder, ignore_errors=True)
    forget_key()
    app = create_app(folder, encrypt=True, start_sync=False)
    w = app.window
    w.resize(*size)
    w.show()
    f = w.first_run.form.fields
    for name, value in (("station_name", "Công an xã Bình Khê"), ("province_code", "22"),
                        ("commune_code", "07069"), ("full_name", "Phạm Thị Thu Hà"), ("username", "thuha"),
                        ("password", "Binhkhe2026x"), ("confirm", "Binhkhe2026x")):
        f[name].widget.setText(value)
    each_language(app, "thiet-lap-lan-dau")
    w.first_run.submit()
    wait_for(lambda: w.stack.currentWidget() is w.recovery_key_page)
    each_language(app, "khoa-khoi-phuc")
    w.recovery_key_page.written.setChecked(True)
    w.recovery_key_page.button.click()
    wait_for(lambda: keys.station_name(db_path(folder)) != "")
    app.close()
    forget_key()  # a new start: the station is locked
    app = create_app(folder, encrypt=True, start_sync=False)
    w = app.window
    w.resize(*size)
    w.show()
    each_language(app, "dang-nhap-tram-ma-hoa")
    w.login.recover_link.click()
    wait_for(lambda: w.stack.currentWidget() is w.recover_page)
    each_language(app, "khoi-phuc-mat-khau")
    app.close()


if __name__ == "__main__":
    raise SystemExit(main())
