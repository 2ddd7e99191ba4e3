"""English for the Dossiers and Reports sections: in English their pages show no Vietnamese label, button,
header, tab or placeholder (that their catalogues are complete is tests/ui/test_translation_sources.py's)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QTableView, QTabWidget, QWidget

from .conftest import logged_in

# Vietnamese letters that English never uses (đ, ơ, ư, and vowels with tone marks).
VIETNAMESE = re.compile("[đĐơƠưƯăĂâÂêÊôÔàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


def _ui_texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        elif isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QTableView) and w.model() is not None:
            m = w.model()
            texts += [str(m.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(m.columnCount())]
    return [t for t in texts if t]


def test_dossiers_and_reports_pages_in_english(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    app.context.set_language("en")
    def titles() -> dict[str, str]:
        return {s.id: ws.nav.item(i).text() for i, s in enumerate(ws.sections)}

    qtbot.waitUntil(lambda: titles().get("residents") == "Residents")  # LanguageChange events are posted
    assert titles().get("dossiers") == "Dossiers" and titles().get("reports") == "Crime reports"
    texts: list[str] = []
    dossiers = ws.page("dossiers")
    texts += _ui_texts(dossiers)
    dossiers.new_dossier()  # the intake form too
    texts += _ui_texts(dossiers)
    reports = ws.page("reports")
    for page in reports.pages.values():
        reports.tabs.setCurrentWidget(page)
        texts += _ui_texts(page)
    texts += _ui_texts(reports)
    vietnamese = sorted({t for t in texts if VIETNAMESE.search(t)})
    assert vietnamese == [], vietnamese
    app.context.set_language("vi")


def test_today_items_follow_a_language_switch(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.commands.demo import prepare_station

    login = prepare_station(data_dir.parent, 200, None)
    app = app_factory(demo_password=login)
    w = app.window
    w.login.password.setText(login[1])
    w.login.submit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    today = w.workspace.widgets["today"]
    qtbot.waitUntil(lambda: any(i.title.startswith("Quá hạn giải quyết") for i in today.items), timeout=10_000)
    app.context.set_language("en")
    qtbot.waitUntil(lambda: any(i.title.startswith("Overdue: ") for i in today.items), timeout=10_000)
    assert not any(i.title.startswith("Quá hạn giải quyết") for i in today.items)
    app.context.set_language("vi")
