"""Screenshots of the province console with a province's worth of data, for the README and docs.

    .venv/bin/python scripts/console_screens.py [OUT_DIR]     # default docs/screens

Fills a throwaway SQLite province database as bench/console.py does (eight communes of records from bench/stats.py,
October 2026), adds a station that never enrolled and makes one commune quiet, starts the real server and
photographs the overview and the statistics of October 2026 at 1366×768 with Debian's headless Chromium. The
browser test (tests/console/test_console_browser.py) photographs every page with the data of its own story.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from sqlalchemy import update

    from province_server import schema, stations
    from province_server.console import auth
    from province_server.db import Database
    from tests.console import browser
    from tests.support.server import start_server

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screens"
    spec = importlib.util.spec_from_file_location("bench_console", ROOT / "bench" / "console.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'province.db'}"
        db = Database(url)
        db.check_schema(auto_migrate_empty=True)
        from station_client.domain.units import communes_of

        quang_ninh = [c.code for c in communes_of("22") if c.code != "07069"][:8]
        bench.build(db, 8, 16_000, 5, codes=quang_ninh)
        with db.write(feed=False) as conn:  # one commune silent for a week
            s = schema.stations
            first = conn.execute(s.select().order_by(s.c.id).limit(1)).first()
            assert first is not None
            conn.execute(update(s).where(s.c.id == first.id).values(last_seen="2026-11-29T02:00:00.000000Z"))
        stations.add_station(db, "07069", "Công an phường Mạo Khê")
        auth.add_staff(db, "quantri", "Nguyễn Văn Quản", "admin", "matkhau2026", by="screens")
        db.dispose()
        srv = start_server(Path(tmp), url, quiet=True)
        drv = browser.driver(1366, 768)
        try:
            drv.get(srv.url + "/console/login")
            drv.find_element("id", "username").send_keys("quantri")
            drv.find_element("id", "password").send_keys("matkhau2026")
            drv.find_element("id", "login").click()
            from selenium.webdriver.support.ui import WebDriverWait

            WebDriverWait(drv, 15).until(lambda d: d.current_url.endswith("/console/"))
            drv.get(srv.url + "/console/?period=2026-10")
            browser.screenshot(drv, out / "console-overview.png")
            drv.get(srv.url + "/console/statistics?period=2026-10")
            browser.screenshot(drv, out / "console-statistics.png", full_height=True)
        finally:
            drv.quit()
            srv.stop()
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
