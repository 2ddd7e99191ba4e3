"""A receipt a resident can check (issue 16, item 8): the QR code of a receipt printed by the real code holds a
link to the province's lookup page, signed offline with the receipt key the province issued at enrollment.

The real province server over HTTP answers the link for a synced dossier (its status) and for one printed
offline and not synced yet ("genuine receipt of station X, received at T"); it refuses the link with one
character changed in each of its parts; a token rotation leaves the printed links valid; a station enrolled
before receipt keys existed gets its key at the next sync.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from station_client.cli import main
from station_client.domain.deadlines import default_office_hours
from station_client.printing.documents import document_for, station_info
from station_client.printing.render import write_pdf
from station_client.store import Store, receipt_keys
from station_client.store import dossiers as sd
from station_client.sync.enroll import rotate_token
from tests.support.server import RunningServer, start_server
from tests.sync.conftest import make_station

pytestmark = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="needs poppler-utils and zbar-tools")

APPLICANT = {"name": "Phạm Văn Quét Mã", "personal_id": "022190004322", "birth_date": "1990-05-17",
             "permanent_address": "Khu 3, phường Mạo Khê, tỉnh Quảng Ninh", "phone": "0912000222"}
DOCS = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1}]
SHOTS = Path("/tmp/receipt-link")  # the rendered pages, to look at


def qr_codes(pdf: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(out / "page")], check=True)
    found: list[str] = []
    for png in sorted(out.glob("page*.png")):
        run = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        found += [line for line in run.stdout.splitlines() if line]
    return found


def _receive(store: Store, procedure_key: str, hours_ago: float) -> dict:
    received = datetime.now(default_office_hours().tz) - timedelta(hours=hours_ago)
    return sd.create_dossier(store, sd.Intake(procedure_key=procedure_key, applicant=APPLICANT, documents=DOCS,
                                              received_at=received), officer="can_bo_a")


def _api(server: RunningServer, url: str) -> requests.Response:
    parts = urlsplit(url)
    return requests.get(f"{server.url}/v1/lookup/{parts.path.rsplit('/', 1)[1]}?{parts.query}", timeout=30)


def _altered(url: str, part: str) -> str:
    """``url`` with one character changed in ``part`` (the path's lookup code, or a query parameter)."""
    def change(value: str) -> str:
        i = len(value) - 2 if part == "code" else len(value) - 1  # the code: a body character, not a check one
        ch = value[i]
        new = {"0": "1", "1": "2"}.get(ch, "0" if ch != "0" else "1") if ch.isdigit() else ("B" if ch != "B" else "C")
        return value[:i] + new + value[i + 1:]

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if part == "code":
        head, code = path.rsplit("/", 1)
        path = f"{head}/{change(code)}"
    else:
        query[part] = change(query[part])
    return f"{parts.scheme}://{parts.netloc}{path}?{urlencode(query)}"


def test_receipt_qr_is_a_signed_lookup_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVINCE_SERVER_LOOKUP_BURST", "1000")
    monkeypatch.setenv("PROVINCE_SERVER_LOOKUP_RATE", "100")
    server = start_server(tmp_path, quiet=True)
    try:
        station = make_station(tmp_path, server, "mao-khe")
        make_station(tmp_path, server, "mao-khe-2")  # a second station of the commune: 07069-02
        with station.open() as store:
            assert receipt_keys.base_url(store.conn) == server.url  # the default: the province server itself
            assert receipt_keys.key_id(store.conn)
            store.set_setting("station.commune_code", "07069")
            synced = _receive(store, "1.004222", 2)  # CT04
        assert station.sync_until_clean().ok
        with station.open() as store:
            offline = _receive(store, "cc.doi", 1)  # Mẫu 01, printed before the station syncs again

        # CT04 through the real command line; Mẫu 01 (two copies, a QR each) through the same builder
        pdf_ct04 = tmp_path / "ct04.pdf"
        assert main(["receipt", synced["code"], "--pdf", str(pdf_ct04), "--data-dir", str(station.dir)]) == 0
        shutil.rmtree(SHOTS, ignore_errors=True)
        [url] = qr_codes(pdf_ct04, SHOTS / "ct04")
        with station.open() as store:
            assert url == receipt_keys.lookup_url(store.conn, synced)
            doc = document_for(offline, station_info(sd.read_settings(store.conn, "station.")),
                               printed_at=datetime.now(default_office_hours().tz),
                               lookup_url=receipt_keys.lookup_url(store.conn, offline))
        pdf_m01 = write_pdf(doc, tmp_path / "m01.pdf")
        urls = qr_codes(pdf_m01, SHOTS / "m01")
        assert len(urls) == 2 and urls[0] == urls[1]
        offline_url = urls[0]
        for u, d in ((url, synced), (offline_url, offline)):
            assert u.startswith(f"{server.url}/tra-cuu/{d['lookup_code']}?")
            q = parse_qs(urlsplit(u).query)
            assert q["s"] == [station.station_id] and q["d"] == [d["code"]] and len(q["sig"][0]) == 16

        # known to the province: the status, the dossier code and the station
        page = requests.get(url, timeout=30)
        assert page.status_code == 200, page.text
        assert synced["code"] in page.text and "Đã tiếp nhận" in page.text and "Phiếu hẹn hợp lệ" in page.text
        for personal in (APPLICANT["name"], APPLICANT["personal_id"], APPLICANT["phone"], "Khu 3"):
            assert personal not in page.text
        answer = _api(server, url).json()
        assert answer["known"] is True and answer["verified"] is True
        assert answer["dossier_code"] == synced["code"] and answer["station_id"] == station.station_id
        assert answer["station_name"] == "mao-khe" and answer["status"] == "received" and answer["appointment"]

        # printed offline, not synced yet: genuine, received at T, status after the next sync
        page = requests.get(offline_url, timeout=30)
        assert page.status_code == 200, page.text
        assert "Phiếu hẹn hợp lệ" in page.text and offline["code"] in page.text and "mao-khe" in page.text
        assert "sau lần đồng bộ tiếp theo" in page.text
        received_local = datetime.fromisoformat(offline["received_at"].replace("Z", "+00:00")).astimezone(
            default_office_hours().tz)
        assert f"{received_local:%d/%m/%Y %H:%M}" in page.text
        answer = _api(server, offline_url).json()
        assert answer == answer | {"known": False, "verified": True, "dossier_code": offline["code"],
                                   "station_id": station.station_id, "station_name": "mao-khe", "status": None}
        assert answer["received_at"] == f"{received_local.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
        # a typed code without the link's parameters is still "not found yet"
        assert requests.get(f"{server.url}/v1/lookup/{offline['lookup_code']}", timeout=30).status_code == 404

        # one character changed in each part: refused, for the known and the not-yet-synced dossier
        for u in (url, offline_url):
            for part in ("code", "s", "t", "d", "sig"):
                bad = _altered(u, part)
                assert bad != u
                page = requests.get(bad, timeout=30)
                assert page.status_code == 400, (part, bad)
                assert "Không phải phiếu hợp lệ" in page.text, (part, bad)
                refused = _api(server, bad)
                assert refused.status_code == 400 and refused.json()["code"] == "receipt.invalid", (part, bad)

        # a token rotation keeps old receipts valid (the receipt key is not derived from the token)
        with station.open() as store:
            rotate_token(store)
        assert station.sync_until_clean().ok
        with station.open() as store:
            assert receipt_keys.lookup_url(store.conn, synced) == url  # a reprint prints the same link
        assert _api(server, url).json()["verified"] is True
        answer = _api(server, offline_url).json()  # synced now: its status is known
        assert answer["known"] is True and answer["verified"] is True and answer["status"] == "received"
    finally:
        server.stop()


def test_station_enrolled_before_receipt_keys_gets_one_at_next_sync(tmp_path: Path) -> None:
    server = start_server(tmp_path, quiet=True)
    try:
        station = make_station(tmp_path, server, "mao-khe")
        # as if enrolled by an earlier version: no key at the province, none at the station
        conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
        with conn:
            conn.execute("UPDATE stations SET receipt_key = NULL")
        conn.close()
        with station.open() as store:
            receipt_keys.save(store, {receipt_keys.KEY: None, receipt_keys.KEY_ID: None,
                                      receipt_keys.BASE_URL: None})
            d = _receive(store, "1.004222", 1)
            assert receipt_keys.lookup_url(store.conn, d) is None  # the QR falls back to code|lookup
        assert station.sync_until_clean().ok
        with station.open() as store:
            url = receipt_keys.lookup_url(store.conn, d)
        assert url is not None and url.startswith(f"{server.url}/tra-cuu/")
        answer = _api(server, url).json()
        assert answer["verified"] is True and answer["dossier_code"] == d["code"]
    finally:
        server.stop()


def test_published_base_url_and_reissued_key_reach_the_station(tmp_path: Path) -> None:
    """``province-server lookup-url`` publishes the base URL the stations print; ``station reissue-receipt-key``
    replaces a leaked key: links signed with the old one are refused, the station signs with the new one after
    its next sync."""
    server = start_server(tmp_path, quiet=True)
    try:
        station = make_station(tmp_path, server, "mao-khe")
        with station.open() as store:
            d = _receive(store, "1.004222", 1)
            old_url = receipt_keys.lookup_url(store.conn, d)
        assert old_url is not None and _api(server, old_url).json()["verified"] is True
        server.cli("lookup-url", "https://tracuu.congan.quangninh.gov.vn/")
        assert server.cli("lookup-url").stdout.strip() == "https://tracuu.congan.quangninh.gov.vn"
        assert server.cli("lookup-url", "not a url", check=False).returncode == 1
        server.cli("station", "reissue-receipt-key", station.station_id)
        assert _api(server, old_url).status_code == 400
        assert station.sync_until_clean().ok
        with station.open() as store:
            new_url = receipt_keys.lookup_url(store.conn, d)
        assert new_url is not None and new_url.startswith("https://tracuu.congan.quangninh.gov.vn/tra-cuu/")
        assert new_url.split("?")[1] != old_url.split("?")[1]  # the signature changed with the key
        answer = _api(server, new_url).json()  # the same server answers whatever base the link names
        assert answer["verified"] is True and answer["dossier_code"] == d["code"]
    finally:
        server.stop()
