"""The receipt link's signature (``domain.receipt_link``), and its QR code readable at both paper sizes."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from station_client.domain import receipt_link as rl
from station_client.printing.documents import receipt
from station_client.printing.render import write_pdf
from station_client.store import Store

from .conftest import at, receive
from .test_receipt_pdf import STATION, qr_codes

KEY = "k" * 43
BASE = "https://tracuu.congan.quangninh.gov.vn"


def _url(**kw: str) -> str:
    values = {"station_id": "07069-01", "lookup_code": "R6TV-ZVXC-PGCN", "received_at": "2026-02-12T09:35:10+07:00",
              "dossier_code": "07069.KTQD-260212-0001"} | kw
    return rl.make_url(BASE, KEY, **values)  # type: ignore[arg-type]


def _link(url: str) -> rl.ReceiptLink:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    link = rl.parse(parts.path.rsplit("/", 1)[1], q.get("s"), q.get("t"), q.get("d"), q.get("sig"))
    assert link is not None
    return link


def test_link_format_and_verification() -> None:
    url = _url()
    assert url.startswith(f"{BASE}/tra-cuu/R6TV-ZVXC-PGCN?s=07069-01&t=202602120235&d=07069.KTQD-260212-0001&sig=")
    link = _link(url)
    assert len(link.sig) == 16 and rl.verify(KEY, link)
    assert f"{link.received_at:%Y-%m-%d %H:%M}" == "2026-02-12 02:35"
    assert rl.verify(KEY, _link(url.replace(link.sig, link.sig.lower())))  # base 32: case does not matter
    assert not rl.verify("another key", link)
    for changed in (rl.ReceiptLink(link.lookup_code, "07069-02", link.received, link.dossier_code, link.sig),
                    rl.ReceiptLink(link.lookup_code, link.station_id, "202602120236", link.dossier_code, link.sig),
                    rl.ReceiptLink(link.lookup_code, link.station_id, link.received, link.dossier_code + "2", link.sig),
                    rl.ReceiptLink("DY8Q-3Q9B-8Y5K", link.station_id, link.received, link.dossier_code, link.sig),
                    rl.ReceiptLink(link.lookup_code, link.station_id, link.received, link.dossier_code, "ÂÂ")):
        assert not rl.verify(KEY, changed)
    assert rl.parse("R6TV-ZVXC-PGCN", "07069-01", "202613011200", "X", "A") is None  # month 13
    assert rl.parse("R6TV-ZVXC-PGCX", "07069-01", "202602120235", "X", "A") is None  # wrong check character
    assert rl.parse("R6TV-ZVXC-PGCN", None, "202602120235", "X", "A") is None
    assert rl.key_id(KEY) != rl.key_id(KEY + "x") and len(rl.key_id(KEY)) == 12


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="needs poppler and zbar")
@pytest.mark.parametrize("size", ["A4", "A5"])
def test_link_qr_reads_at_both_sizes(store: Store, tmp_path: Path, size: str) -> None:
    d = receive(store)
    url = rl.make_url(BASE, KEY, station_id="07069-01", lookup_code=d["lookup_code"], received_at=d["received_at"],
                      dossier_code=d["code"])
    pdf = write_pdf(receipt(d, STATION, printed_at=at(2026, 2, 12, 9, 35), page_size=size,  # type: ignore[arg-type]
                            lookup_url=url), tmp_path / "r.pdf")
    assert qr_codes(pdf, tmp_path) == [url]
