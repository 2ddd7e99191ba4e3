"""Every printed document is a Jinja2 template with autoescaping (issue 18, item 5): builders hand plain values
to ``printing/templating.py``; no builder writes markup or escapes by hand, and a record's text never adds
markup to a printout."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from station_client.printing import documents, reports_documents
from station_client.printing.documents import StationInfo

ROOT = Path(__file__).resolve().parent.parent
STATION = StationInfo(agency="Công an phường <Mạo Khê>", superior="Công an tỉnh Quảng Ninh", place="Mạo Khê")
EVIL = "<b>Nguyễn</b> & \"Văn\" 'A'"


def test_builders_write_no_markup() -> None:
    for name in ("documents.py", "reports_documents.py", "statistics_document.py"):
        text = (ROOT / "station_client" / "printing" / name).read_text(encoding="utf-8")
        assert not re.search(r"<(?:/?(?:p|td|tr|th|table|b|i|br|li|ul|ol|span|img|html)\b)", text), name
        assert "html.escape" not in text and "string import Template" not in text, name


def test_a_records_text_is_escaped_in_every_family() -> None:
    dossier = {"code": "X-1", "applicant_name": EVIL, "procedure_name": EVIL, "receipt_no": "1/PTN",
               "documents": [{"name": EVIL, "form": "original", "count": 1}], "supplement_items": [EVIL],
               "refusal_reason": EVIL, "received_at": "2026-02-12T02:30:00+00:00"}
    printed = datetime(2026, 2, 12, 10, 0)
    report = {"register_no": "1/TG", "reporter_name": EVIL, "summary": EVIL + "\nline two",
              "received_at": "2026-02-12T02:30:00+00:00", "parties": [{"role": "suspect", "name": EVIL}]}
    docs = [documents.receipt(dossier, STATION, printed_at=printed),
            documents.receipt(dossier | {"receipt_form": "M01"}, STATION, printed_at=printed),
            documents.supplement_request(dossier, STATION, printed_at=printed),
            documents.refusal(dossier, STATION, printed_at=printed),
            reports_documents.intake_record(report, STATION)]
    for doc in docs:
        assert EVIL not in doc.html and "<b>Nguyễn</b>" not in doc.html, doc.title
        assert "&lt;b&gt;Nguyễn&lt;/b&gt; &amp; &#34;Văn&#34; &#39;A&#39;" in doc.html, doc.title
        assert "&lt;MẠO KHÊ&gt;" in doc.html, doc.title
    assert "line two" in docs[-1].html and "<br/>line two" in docs[-1].html
