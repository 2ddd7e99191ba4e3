"""Language and fonts: Qt Linguist translators switched at runtime, the shipped Noto Sans registered at startup.

Source strings in the code are Vietnamese (the default UI needs no .qm file). ``resources/translations/
station_en.ts`` holds English, and any other ``*_en.ts`` there (a feature's own catalogue) is loaded as well.

One way to mark a string: ``self.tr("...")`` in a QObject (context: the class), ``translate("Ctx", "...")``
where it is shown, ``tr_noop("Ctx", "...")`` where it is defined away from where it is shown (a table, a
label passed to a helper; shown later with ``translate("Ctx", value)``) and ``tr_lazy("Ctx", "...")`` for a
label a form asks for when it (re)translates. ``./dev.sh translations`` extracts them all with the standard
``pyside6-lupdate`` (``tr_noop`` and ``tr_lazy`` are given to it as aliases of ``QT_TRANSLATE_NOOP``) into the
catalogues ``resources/translations/translations.txt`` lists; English is written in the .ts files (Qt
Linguist, or by hand), and ``tests/ui/test_translation_sources.py`` fails while one is unfinished.
Text that comes from below the UI (domain problems, record kinds, vocabularies, store errors) carries its own
Vietnamese and English; ``bilingual`` is the one place that picks one of them.
``qtbase_vi.ts`` translates Qt's own standard buttons, context menus, file and print dialogs (Qt 6 ships no
Vietnamese; one in Qt's translations folder, ``QLibraryInfo``, is loaded first if a later Qt has it); the
locale is vi_VN (dates and numbers of Qt's widgets).
``dev.sh`` builds the .qm files with ``pyside6-lrelease``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ..resources import resource_path

log = logging.getLogger(__name__)
LANGUAGES = ("vi", "en")
FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
_installed: list[QTranslator] = []
_language = "vi"  # the language the installed translators speak (Vietnamese, the source language, until one is)


def tr_noop(context: str, text: str) -> str:
    """Mark ``text`` for lupdate in ``context`` and return it untranslated (Qt's ``QT_TRANSLATE_NOOP``, typed
    ``str`` where PySide6 types its result ``object``). Show it with ``translate(context, text)``."""
    return text


def translate(context: str, text: str, n: int = -1) -> str:
    """``text`` in the current language (``QCoreApplication.translate``; lupdate reads a literal ``text``)."""
    return QCoreApplication.translate(context, text, None, n)


def tr_lazy(context: str, text: str) -> Callable[[], str]:
    """A label translated each time it is shown (forms relabel on a language switch); marked like ``tr_noop``."""
    return lambda: QCoreApplication.translate(context, text)


def current_language() -> str:
    """The language last installed: for text from below the UI shown where no context is at hand."""
    return _language


def bilingual(language: str, vi: str, en: str | None) -> str:
    """The one choice between the Vietnamese and English a lower layer carries (domain problems, record kinds,
    vocabularies, the province's notes): English when asked for and present, else Vietnamese."""
    return en if language == "en" and en else vi


def decimal_text(text: str, language: str) -> str:
    """A figure written with a decimal point ("87.5") as the language writes it: Vietnamese with a comma."""
    return text.replace(".", ",") if language == "vi" else text


def load_fonts(app: QApplication, point_size: int = 10) -> str | None:
    """Register the shipped fonts and make Noto Sans the application font: Vietnamese never shows as boxes,
    whatever fonts the PC has."""
    family = None
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
        if font_id < 0:
            log.warning("font %s could not be loaded", name)
            continue
        family = QFontDatabase.applicationFontFamilies(font_id)[0]
    if family:
        app.setFont(QFont(family, point_size))
    return family


def install_language(language: str) -> bool:
    """Replace the app's translators; every widget gets a LanguageChange event. False if a .qm is missing."""
    global _language
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("no QApplication")
    _language = language  # first: installing a translator sends LanguageChange, and labels are read again then
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    ok = True
    wanted = ["station_en"] if language == "en" else ["qtbase_vi"]
    if language == "vi":  # Qt's own Vietnamese, should a Qt ship one (6.x does not); ours is installed after it
        qt_own = QTranslator(app)
        if qt_own.load("qtbase_vi", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt_own)
            _installed.append(qt_own)
    folder = resource_path("translations")
    # Features may ship their own catalogue next to ours (e.g. dossiers_en.ts -> dossiers_en.qm).
    others = sorted(p.stem for p in folder.glob(f"*_{language}.qm") if p.stem not in wanted)
    for base in wanted + others:
        translator = QTranslator(app)
        path = folder / f"{base}.qm"
        if translator.load(str(path)):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("translation %s missing (run ./dev.sh setup)", path)
            ok = False
    QLocale.setDefault(QLocale("en_US") if language == "en" else QLocale("vi_VN"))
    return ok


def prefer_vietnamese_system_dates() -> None:
    """Before the QApplication exists: where the environment names no locale (C, POSIX or nothing, as on a
    freshly installed Linux PC), have Qt's own dialogs format dates and times the Vietnamese way. The file dialog
    formats file dates with the *system* locale, which ``QLocale.setDefault`` does not change ("1 12 2026").
    Windows PCs take the user's regional settings and are left alone."""
    import os
    import sys

    if sys.platform.startswith("win") or sys.platform == "darwin":
        return
    chosen = os.environ.get("LC_ALL") or os.environ.get("LC_TIME") or os.environ.get("LANG") or ""
    if chosen.split(".")[0] in ("", "C", "POSIX"):
        os.environ["LC_TIME"] = "vi_VN.UTF-8"


def format_date(value: str | date | None) -> str:
    """dd/mm/yyyy, whatever the language."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def parse_date(text: str) -> str | None:
    """What an officer typed (dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, ddmmyyyy) as an ISO date; None if empty.
    Raises ValueError when it is not a date."""
    text = text.strip()
    if not text:
        return None
    for sep in ("/", "-", "."):
        text = text.replace(sep, "/")
    if "/" in text:
        parts = text.split("/")
        if len(parts) != 3:
            raise ValueError(text)
        d, m, y = (int(p) for p in parts)
    elif text.isdigit() and len(text) == 8:
        d, m, y = int(text[:2]), int(text[2:4]), int(text[4:])
    else:
        raise ValueError(text)
    if y < 100:
        raise ValueError(text)
    return date(y, m, d).isoformat()
