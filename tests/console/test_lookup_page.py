"""The public lookup page ``/tra-cuu/{code}``: a real station takes in a dossier and syncs; the page then shows
the dossier code, the receiving station, the status and the appointment — and none of the applicant's data —
without a login; a wrong check character and an unknown code are told apart; a client is rate-limited."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from station_client.domain.deadlines import default_office_hours
from station_client.store import dossiers as sd
from tests.support.server import start_server
from tests.sync.conftest import make_station

APPLICANT = {"name": "Đỗ Thị Tra Cứu", "personal_id": "022190004321", "birth_date": "1990-05-17",
             "permanent_address": "Khu 5, phường Mạo Khê, tỉnh Quảng Ninh", "phone": "0912000111"}
DOCS = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1}]


def test_lookup_page_shows_status_not_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVINCE_SERVER_LOOKUP_BURST", "4")
    monkeypatch.setenv("PROVINCE_SERVER_LOOKUP_RATE", "0.01")
    server = start_server(tmp_path, quiet=True)
    try:
        station = make_station(tmp_path, server, "mao-khe")
        received = datetime.now(default_office_hours().tz) - timedelta(hours=1)
        with station.open() as store:
            d = sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                                   received_at=received), officer="can_bo_a")
        assert station.sync_until_clean().ok
        page = requests.get(f"{server.url}/tra-cuu/{d['lookup_code']}", timeout=30)
        assert page.status_code == 200
        html = page.text
        assert d["code"] in html and "Phường Mạo Khê" in html and "Đã tiếp nhận" in html
        assert 'id="appointment"' in html and "Chưa có" not in html.split('id="appointment">')[1][:20]
        for personal in (APPLICANT["name"], APPLICANT["personal_id"], APPLICANT["phone"], "Khu 5"):
            assert personal not in html
        assert page.headers["x-robots-tag"] == "noindex" and page.headers["referrer-policy"] == "no-referrer"
        # typed by hand: lower case, no dashes
        assert requests.get(f"{server.url}/tra-cuu/{d['lookup_code'].replace('-', '').lower()}",
                            timeout=30).status_code == 200
        form = requests.get(f"{server.url}/tra-cuu", params={"code": d["lookup_code"]}, timeout=30)
        assert form.status_code == 200 and d["code"] in form.text
        wrong = d["lookup_code"][:-1] + ("A" if d["lookup_code"][-1] != "A" else "B")
        assert requests.get(f"{server.url}/tra-cuu/{wrong}", timeout=30).status_code == 400
        # four looks (page, by hand, via the form, the wrong one) spent the burst of 4
        limited = requests.get(f"{server.url}/tra-cuu/{d['lookup_code']}", timeout=30)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "thử lại sau" in limited.text
        # the sync API is not held up by the page's limit
        assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()


def test_failed_logins_are_limited_per_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One password tried on many usernames locks no account: the client address is held up instead."""
    from .conftest import Console, add_staff

    monkeypatch.setenv("PROVINCE_SERVER_LOGIN_BURST", "3")
    server = start_server(tmp_path, quiet=True)
    try:
        add_staff(server, "that.one", "Ngô Thật", "viewer")
        guesser = Console(server)
        for name in ("a.one", "b.two", "c.three"):
            assert guesser.login(name, "matkhau2026").status_code == 401
        held = guesser.login("that.one")  # even the right password waits now
        assert held.status_code == 429 and int(held.headers["retry-after"]) >= 1
    finally:
        server.stop()
