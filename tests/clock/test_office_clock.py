"""Office time everywhere (issue 14, item 7): office logic reads the office clock from configuration, never the
PC's zone or date. The whole ``office_clock`` set of tests also runs under faketime at the instants in dev.sh
(around Vietnam and UTC midnight, during Tết, at year end) with the PC's zone set to UTC."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from station_client import clock
from station_client.store import Store
from station_client.store import dossiers as sd
from tests.dossiers.conftest import receive

pytestmark = pytest.mark.office_clock
PACKAGE = Path(__file__).resolve().parents[2] / "station_client"


def _fixed(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: moment)


def test_office_today_is_the_vietnam_date_when_utc_is_still_yesterday(monkeypatch: pytest.MonkeyPatch) -> None:
    _fixed(monkeypatch, datetime(2026, 12, 1, 23, 30, tzinfo=UTC))  # 06:30 on 02/12 at the office
    assert clock.office_today() == date(2026, 12, 2)
    assert clock.office_now().hour == 6
    _fixed(monkeypatch, datetime(2026, 12, 1, 16, 59, tzinfo=UTC))  # 23:59 on 01/12 at the office
    assert clock.office_today() == date(2026, 12, 1)


def test_office_today_kept_for_its_day_is_always_the_dates_of_office_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """``office_today`` keeps the office day's span: at every instant, forwards and with the clock set back, across
    office midnight, and after the office zone changes, it is still ``office_now().date()``."""
    from zoneinfo import ZoneInfo

    base = datetime(2026, 12, 1, 16, 58, tzinfo=UTC)  # 23:58 on 01/12 at the office
    steps = [0, 60, 119, 120, 121, 3600, -3600, -1, 86_400, 0, 86_399, 86_400 * 400, -86_400 * 800]
    for offset in steps:
        moment = base + timedelta(seconds=offset)
        _fixed(monkeypatch, moment)
        assert clock.office_today() == clock.office_now().date() == moment.astimezone(clock.office_zone()).date()
    _fixed(monkeypatch, datetime(2026, 12, 1, 17, 30, tzinfo=UTC))  # 00:30 on 02/12 at the office
    assert clock.office_today() == date(2026, 12, 2)
    monkeypatch.setattr(clock, "office_zone", lambda: ZoneInfo("America/Los_Angeles"))  # 09:30 on 01/12 there
    assert clock.office_today() == date(2026, 12, 1)
    _fixed(monkeypatch, datetime(2026, 12, 2, 8, 30, tzinfo=UTC))  # 00:30 on 02/12 in Los Angeles
    assert clock.office_today() == date(2026, 12, 2)


def test_naive_moments_are_office_time_and_aware_ones_are_converted() -> None:
    assert clock.to_office(datetime(2026, 12, 2, 6, 0)).hour == 6
    assert clock.to_office(datetime(2026, 12, 1, 23, 0, tzinfo=UTC)).date() == date(2026, 12, 2)


def test_a_moment_is_written_three_ways_on_the_office_clock() -> None:
    """The one place office times are formatted (screens, receipts, registers): a UTC instant at 02:30 reads 09:30."""
    stored = "2026-02-12T02:30:00.000Z"
    assert clock.office_datetime(stored) == "12/02/2026 09:30"
    assert clock.office_stamp(stored) == "09:30 12/02/2026"
    assert clock.office_words(stored) == "09 giờ 30 phút, ngày 12/02/2026"
    assert clock.office_words(datetime(2026, 2, 12, 9, 30)) == "09 giờ 30 phút, ngày 12/02/2026"  # naive: office
    assert clock.office_datetime(None) == clock.office_stamp("") == clock.office_words(None) == ""


def test_a_dossier_received_at_0600_office_time_is_coded_with_the_office_date(store: Store) -> None:
    store.set_setting(sd.SETTING_STATION_CODE, "S1")
    # 06:00 on 02/12 in Vietnam is still 01/12 in UTC (and on a PC whose clock is set to UTC)
    d = receive(store, datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert d["code"] == "S1-261202-0001"


# What reads the PC's own zone or date: date.today(), datetime.now() / .today() without a zone, astimezone() with no
# zone. Office logic must use station_client.clock instead.
_PC_CLOCK = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|today)\(\)|\.astimezone\(\)")
# File names only (a unique suffix for a file set aside), never shown as office time.
_ALLOWED = {"store/unlock.py"}


def test_no_module_reads_the_pc_clock_for_office_logic() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in _ALLOWED:
            continue
        source = path.read_text(encoding="utf-8")
        ast.parse(source)  # a file that does not parse is another test's failure, not a false pass here
        for no, line in enumerate(source.splitlines(), 1):
            if _PC_CLOCK.search(line.split("#", 1)[0]):
                offenders.append(f"{rel}:{no}: {line.strip()}")
    assert offenders == []
