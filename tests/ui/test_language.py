"""Language: runtime switch, no English left in the Vietnamese UI, translations keep their placeholders."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QTableView, QWidget

from .conftest import TRANSLATIONS, logged_in

MINE = {"today", "residents", "households", "sync", "settings"}
PLACEHOLDER = re.compile(r"%(?:n|L?\d)")


def _messages(ts: Path) -> list[tuple[str, str, list[str], bool]]:
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for m in context.iter("message"):
            tr = m.find("translation")
            assert tr is not None
            forms = [f.text or "" for f in tr.iter("numerusform")] or [tr.text or ""]
            out.append((name, m.findtext("source") or "", forms, tr.get("type") == "unfinished"))
    return out


def test_translations_keep_placeholders_and_are_complete() -> None:
    catalogues = sorted(TRANSLATIONS.glob("*.ts"))
    assert {p.name for p in catalogues} >= {"station_en.ts", "qtbase_vi.ts"}
    for ts in catalogues:
        for context, source, forms, unfinished in _messages(ts):
            if ts.name == "station_en.ts":
                assert not unfinished, f"{context}: {source!r} has no English yet"
            for text in forms:
                if unfinished and not text:
                    continue
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (
                    f"{ts.name} {context}: {source!r} -> {text!r}")


def _texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        elif isinstance(w, QTableView) and w.model() is not None:
            m = w.model()
            texts.extend(str(m.headerData(c, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal))
                         for c in range(m.columnCount()))
    return [t for t in texts if t]


def _visit_all_sections(qtbot, app) -> list[str]:  # type: ignore[no-untyped-def]
    ws = app.window.workspace
    texts = [ws.nav.item(i).text() for i, s in enumerate(ws.sections) if s.id in MINE]
    for s in ws.sections:
        if s.id not in MINE:
            continue  # other features are checked by their own tests
        ws.show_section(s.id)
        texts += _texts(ws.widgets[s.id])
    texts += _texts(app.window.statusBar())
    return texts


def test_switch_language_at_runtime(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    english = {forms[0] for _c, _s, forms, _u in _messages(TRANSLATIONS / "station_en.ts") if len(forms[0]) >= 6}
    vi_texts = _visit_all_sections(qtbot, app)
    leaked = sorted({t for t in vi_texts for e in english if e in t})
    assert not leaked, f"English in the Vietnamese UI: {leaked}"

    settings = ws.widgets["settings"]
    assert settings.l_language.text() == "Ngôn ngữ"
    settings.language.setCurrentIndex(settings.language.findData("en"))
    qtbot.waitUntil(lambda: ws.nav.item(1).text() == "Residents")
    titles = {s.id: ws.nav.item(i).text() for i, s in enumerate(ws.sections)}
    assert [titles[k] for k in ("today", "residents", "households", "sync", "settings")] == [
        "Today", "Residents", "Households", "Sync", "Settings"]
    assert settings.l_language.text() == "Language"
    assert app.window.lock_button.text() == "Lock (Ctrl+L)"
    residents = ws.widgets["residents"]
    assert residents.add_button.text() == "New resident (Ctrl+N)"
    assert residents.all_model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) \
        == "Full name"
    qtbot.waitUntil(lambda: app.context.options.get("ui.language") == "en")  # remembered for the next start

    settings.language.setCurrentIndex(settings.language.findData("vi"))
    qtbot.waitUntil(lambda: ws.nav.item(1).text() == "Nhân khẩu")
    assert app.window.lock_button.text() == "Khóa (Ctrl+L)"
