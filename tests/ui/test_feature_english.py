"""English for the Dossiers and Reports sections: their catalogues (built by
``resources/translations/feature_strings.py``) cover every Vietnamese string of those packages, and in English
their pages show no Vietnamese label, button, header, tab or placeholder."""

from __future__ import annotations

import importlib.util
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QTableView, QTabWidget, QWidget

from .conftest import TRANSLATIONS, logged_in

# Vietnamese letters that English never uses (đ, ơ, ư, and vowels with tone marks).
VIETNAMESE = re.compile("[đĐơƠưƯăĂâÂêÊôÔàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("feature_strings", TRANSLATIONS / "feature_strings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_feature_catalogues_are_complete_and_current() -> None:
    import json

    fs = _builder()
    english = json.loads(fs.ENGLISH.read_text(encoding="utf-8"))
    for name, sources in fs.PACKAGES.items():
        strings, contexts = fs.scan(sources)
        missing = [s for s in strings if not english.get(s)]
        assert not missing, (f"ui/{name} has strings without English: {missing} — add them to "
                             "resources/translations/feature_strings_en.json and run feature_strings.py")
        ts = (TRANSLATIONS / f"{name}_en.ts").read_text(encoding="utf-8")
        stale = [s for s in strings if f"<source>{s.replace('&', '&amp;').replace('<', '&lt;')}</source>" not in ts]
        assert not stale, f"{name}_en.ts is older than the code: run resources/translations/feature_strings.py"
        assert all(f"<name>{c}</name>" in ts for c in contexts)


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
