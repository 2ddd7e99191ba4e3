"""Receipt PDFs as a resident gets them: text read back with pdftotext, QR code decoded with zbarimg."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from station_client.cli import main
from station_client.printing.documents import StationInfo, document_for, receipt, station_info
from station_client.printing.render import write_pdf
from station_client.store import Store
from station_client.store import dossiers as sd

from .conftest import APPLICANT, DOCS, at, receive

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("zbarimg")
                                     and shutil.which("pdftoppm")), reason="needs poppler-utils and zbar-tools")
STATION = StationInfo(agency="Công an phường Mạo Khê", superior="Công an tỉnh Quảng Ninh", place="Mạo Khê")


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, white space collapsed (a table cell may wrap a document's name)."""
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(unicodedata.normalize("NFC", out.stdout).split())


def qr_codes(pdf: Path, tmp_path: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    found: list[str] = []
    for png in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        found += [line for line in out.stdout.splitlines() if line]
    return found


def test_ct04_receipt_pdf(store: Store, tmp_path: Path) -> None:
    d = receive(store)
    pdf = write_pdf(receipt(d, STATION, printed_at=at(2026, 2, 12, 9, 35)), tmp_path / "ct04.pdf")
    text = pdf_text(pdf)
    assert APPLICANT["name"] in text  # "Nguyễn Thị Hồng Nhung", diacritics intact
    assert d["code"] in text
    for doc in DOCS:
        assert doc["name"] in text
    assert "Bản chính" in text and "Bản sao" in text
    assert "ngày 02/03/2026" in text  # appointment: 7 working days after 12 Feb, Tết skipped
    assert "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "BẢN IN LẠI" not in text
    codes = qr_codes(pdf, tmp_path)
    assert codes == [f"{d['code']}|{d['lookup_code']}"]
    assert codes[0].split("|")[0] == d["code"]


def test_generic_receipt_two_copies_and_reprint(store: Store, tmp_path: Path) -> None:
    d = receive(store, procedure_key="cc.doi", applicant={"name": "Lê Thị Ánh Tuyết", "personal_id": "022185004321"},
                documents=[{"name": "Thẻ căn cước công dân cũ", "form": "original", "count": 1}])
    pdf = write_pdf(receipt(d, STATION, printed_at=at(2026, 2, 13), print_no=2, page_size="A5"), tmp_path / "m01.pdf")
    text = pdf_text(pdf)
    assert "Liên 1" in text and "Liên 2: Giao cho công dân" in text
    assert text.count("Lê Thị Ánh Tuyết") == 2
    assert "BẢN IN LẠI (lần 2)" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "A5" in info or "420 x 595" in info
    assert qr_codes(pdf, tmp_path) == [f"{d['code']}|{d['lookup_code']}"] * 2


def test_supplement_and_refusal_documents(store: Store, tmp_path: Path) -> None:
    d = receive(store, complete=False, supplement_items=["Bản sao Giấy chứng nhận quyền sử dụng đất"])
    text = pdf_text(write_pdf(document_for(d, STATION, printed_at=at(2026, 2, 12)), tmp_path / "ct05.pdf"))
    assert "PHIẾU HƯỚNG DẪN BỔ SUNG" in text and "quyền sử dụng đất" in text
    d = sd.apply_action(store, d["id"], "refuse", officer="a", at=at(2026, 2, 13),
                        details={"refusal_ground": "Điều 23 Luật Cư trú số 68/2020/QH14"})
    text = pdf_text(write_pdf(document_for(d, STATION, printed_at=at(2026, 2, 13)), tmp_path / "ct06.pdf"))
    assert "PHIẾU TỪ CHỐI" in text and "Điều 23 Luật Cư trú" in text


def test_station_info_from_settings() -> None:
    info = station_info({"station.commune_code": "07069"})
    assert (info.agency, info.superior, info.place) == ("Công an phường Mạo Khê", "Công an tỉnh Quảng Ninh", "Mạo Khê")


def test_cli_receipt_counts_reprints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with Store.open(data / "station.db") as s:
        s.set_setting("station.commune_code", "07069")
        d = receive(s)
    assert main(["receipt", d["code"], "--pdf", str(tmp_path / "a.pdf"), "--data-dir", str(data)]) == 0
    assert main(["receipt", d["code"], "--pdf", str(tmp_path / "b.pdf"), "--data-dir", str(data)]) == 0
    assert "BẢN IN LẠI" not in pdf_text(tmp_path / "a.pdf")
    assert "BẢN IN LẠI (lần 2)" in pdf_text(tmp_path / "b.pdf")
    assert "CÔNG AN PHƯỜNG MẠO KHÊ" in pdf_text(tmp_path / "a.pdf")
    assert main(["receipt", "NO-SUCH", "--pdf", str(tmp_path / "c.pdf"), "--data-dir", str(data)]) == 1
    assert "Không có hồ sơ" in capsys.readouterr().err
    with Store.open(data / "station.db") as s:
        assert s.get("dossier", d["id"])["print_count"] == 2


def test_received_time_in_receipt(store: Store, tmp_path: Path) -> None:
    d = receive(store, datetime(2026, 3, 2, 14, 5))
    text = pdf_text(write_pdf(receipt(d, STATION, printed_at=at(2026, 3, 2)), tmp_path / "t.pdf"))
    assert "14 giờ 05 phút, ngày 02/03/2026" in text


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return [unicodedata.normalize("NFC", p) for p in out.stdout.split("\f") if p.strip()]


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_receipts_carry_applicant_signature_sets_and_register_entry(store: Store, tmp_path: Path,
                                                                    size: str) -> None:
    """Issue 16, defect 7: CT04 and Mẫu 01 have the applicant's signature block, the number of sets the intake
    took, the register book and serial; the form's name is at the top right; each copy fits one page."""
    d = receive(store, sets=2)
    pdf = write_pdf(receipt(d, STATION, printed_at=at(2026, 2, 12, 9, 35), page_size=size), tmp_path / "ct04.pdf")  # type: ignore[arg-type]
    pages = _pages(pdf)
    assert len(pages) == 1
    text = " ".join(pages[0].split())
    assert "NGƯỜI NỘP HỒ SƠ" in text and "CÁN BỘ TIẾP NHẬN HỒ SƠ" in text
    assert "Số lượng hồ sơ: 02 bộ" in text
    serial = d["receipt_no"].split("/")[0]
    assert f"Vào sổ theo dõi hồ sơ, quyển số 01, số thứ tự {serial}" in text
    first = pages[0].splitlines()[0]
    assert first.strip() == "Mẫu CT04" and first.index("Mẫu CT04") > len(first) // 2  # top right
    m = receive(store, procedure_key="cc.doi", applicant={"name": "Lê Thị Ánh Tuyết", "personal_id": "022185004321"},
                documents=[{"name": "Thẻ căn cước công dân cũ", "form": "original", "count": 1}])
    pdf = write_pdf(receipt(m, STATION, printed_at=at(2026, 2, 13), page_size=size), tmp_path / "m01.pdf")  # type: ignore[arg-type]
    pages = _pages(pdf)
    assert len(pages) == 2  # Liên 1, Liên 2
    for page in pages:
        text = " ".join(page.split())
        assert "NGƯỜI NỘP HỒ SƠ" in text and "Số lượng hồ sơ: 01 bộ" in text
        assert f"Vào sổ theo dõi hồ sơ: quyển số 01, số thứ tự {m['receipt_no'].split('/')[0]}" in text
        top = [line for line in page.splitlines() if line.strip()][:3]
        label = next(line for line in top if "Mẫu 01" in line)
        assert label.strip() == "Mẫu 01" and label.index("Mẫu 01") > len(label) // 2
