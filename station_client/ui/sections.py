"""How features plug into the main window: sections (pages of the left-hand navigation) and "Today" providers.

The main window is a thin shell. It knows no feature: it shows every registered section in ``order`` and asks
every registered Today provider for work that is due. A feature adds itself from its own package; the app
imports the packages listed in ``FEATURE_MODULES`` (a module that does not exist yet is skipped), so nobody has
to edit the shell.

Add a section (e.g. in ``station_client/ui/dossiers/__init__.py``)::

    from PySide6.QtCore import QCoreApplication
    from station_client.ui.sections import Section, register_section

    def _make(context):                      # called once, on the GUI thread, after login
        from .view import DossiersView      # import lazily: startup stays fast
        return DossiersView(context)        # any QWidget

    register_section(Section(
        id="dossiers",
        title=lambda: QCoreApplication.translate("Sections", "Hồ sơ thủ tục"),
        factory=_make, icon="dossiers", shortcut="Ctrl+4", order=40, kinds=("dossier",)))

Shortcuts and orders taken so far: Ctrl+1/10 Today, Ctrl+2/20 Residents, Ctrl+3/30 Households, Ctrl+4/40
Dossiers, Ctrl+5/50 Reports, Ctrl+8/55 Statistics (head only), Ctrl+6/60 Sync, Ctrl+7/70 Settings. Inside a
section use shortcuts with ``Qt.ShortcutContext.WidgetWithChildrenShortcut`` (two sections both binding Ctrl+N
would cancel each other).

``title`` is a callable so the label follows a runtime language switch; write it with
``QCoreApplication.translate("Sections", ...)`` (or ``self.tr`` inside widgets). Source strings are
Vietnamese (the default UI needs no .qm file); English lives in ``resources/translations/station_en.ts``; a
feature may ship its own ``resources/translations/<feature>_en.ts`` (made with ``pyside6-lupdate <its files>
-source-language vi_VN -target-language en_GB -ts ...``): every ``*_en.qm`` there is loaded (``i18n.py``).
``icon`` names ``resources/icons/<icon>.svg`` (or .png); unknown names fall back to no icon. The widget may define

* ``open_record(kind: str, record_id: str) -> None`` — the shell calls it when a Today item or a search result
  asks for that record;
* ``retranslate() -> None`` — called after the language changes (or handle ``QEvent.LanguageChange``).

``context`` is the ``AppContext`` (``station_client/ui/context.py``): ``context.tasks.run(op, on_success,
on_failure, on="read"|"interactive"|"write"|"io")`` runs work off the GUI thread (read ops get a read-only
sqlite3 connection, "interactive" is the reader lane kept for search-as-you-type, write ops get the writable
``Store`` on the single writer thread, io ops get nothing — network or files); ``context.officer`` is who is
logged in (pass ``officer=context.officer.username`` to every store write); ``context.changed`` is a Qt
signal carrying a coalesced ``ChangeSet`` after every commit; ``context.open_record(kind, record_id)`` and
``context.show_section(id)`` navigate.

Add Today items (work due today or overdue)::

    from station_client.ui.sections import TodayItem, register_today_provider

    def due_dossiers(conn, today):          # runs OFF the GUI thread on a read-only sqlite3 connection
        rows = dossier_queries.due_on_or_before(conn, today)   # the query lives in the store layer, not in ui/
        return [TodayItem(title=r.title, due=r.due, state="overdue" if r.due < today.isoformat() else "due",
                          section="dossiers", kind="dossier", record_id=r.id) for r in rows]

    register_today_provider("dossiers", due_dossiers)

A person's page lists every dossier and report the person appears in, from "person link" providers::

    from station_client.ui.sections import PersonLink, register_person_links

    def dossiers_of(conn, person_id):        # off the GUI thread, read-only connection
        return [PersonLink(title=..., section="dossiers", kind="dossier", record_id=..., detail=...)]

    register_person_links("dossiers", dossiers_of)

``station_client/ui/residents/appearances.py`` already registers "dossiers" and "reports" link providers (the
records linked to the person: applicant, reporter, petitioner, violator, party), built on the dossier and
report stores' searches; a feature that registers its own under the same id replaces them (feature packages
are imported after residents).

Providers must be quick (indexed queries, a few hundred rows at most) and must not write. A provider that
raises is reported in the Today list as one failed line; the others still show. Opening an item calls
``context.open_record(item.kind, item.record_id)``, which switches to ``item.section`` and calls its widget's
``open_record``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from .context import AppContext

# Feature packages imported at startup so that they can register themselves. Missing ones are skipped.
FEATURE_MODULES = (
    "station_client.ui.residents",
    "station_client.ui.households",
    "station_client.ui.dossiers",
    "station_client.ui.reports",
    "station_client.ui.statistics",
    "station_client.ui.sync_view",
    "station_client.ui.settings",
)


@dataclass(frozen=True)
class Section:
    id: str  # stable, used by open_record/show_section and saved as the last page shown
    title: Callable[[], str]  # translated label, evaluated each time it is shown
    factory: Callable[[AppContext], QWidget]  # builds the page (GUI thread), once per login
    icon: str | None = None  # resources/icons/<icon>.svg|png
    shortcut: str | None = None  # e.g. "Ctrl+2"
    order: int = 100  # position in the navigation, smallest first
    kinds: tuple[str, ...] = ()  # record kinds this section opens (open_record routes by kind)
    head_only: bool = False  # shown only to the station head


TodayState = Literal["overdue", "due", "upcoming"]


@dataclass(frozen=True)
class TodayItem:
    title: str  # what to do, already in the officer's words (e.g. "Trả kết quả: Đăng ký tạm trú — Lê Văn A")
    due: str | None  # ISO date or datetime; shown as dd/mm/yyyy [HH:MM]
    state: TodayState
    section: str  # section id that opens the item
    kind: str | None = None  # record kind handed to the section's open_record
    record_id: str | None = None
    detail: str = ""  # a second line (who, which procedure)


TodayProvider = Callable[[sqlite3.Connection, date], list[TodayItem]]


@dataclass(frozen=True)
class PersonLink:
    title: str  # e.g. "Hồ sơ đăng ký tạm trú số 12/2026 — đã trả kết quả"
    section: str
    kind: str
    record_id: str
    detail: str = ""


PersonLinkProvider = Callable[[sqlite3.Connection, str], list[PersonLink]]

_SECTIONS: dict[str, Section] = {}
_TODAY: dict[str, TodayProvider] = {}
_PERSON_LINKS: dict[str, PersonLinkProvider] = {}


def register_section(section: Section) -> None:
    """Add (or replace, by id) a section. Call at import time of the feature's package."""
    _SECTIONS[section.id] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.id))


def section(section_id: str) -> Section | None:
    return _SECTIONS.get(section_id)


def section_for_kind(kind: str) -> Section | None:
    return next((s for s in sections() if kind in s.kinds), None)


def register_today_provider(provider_id: str, provider: TodayProvider) -> None:
    """Add (or replace, by id) a source of Today items. ``provider(conn, today)`` runs off the GUI thread."""
    _TODAY[provider_id] = provider


def today_providers() -> dict[str, TodayProvider]:
    return dict(_TODAY)


def collect_today(conn: sqlite3.Connection, today: date) -> tuple[list[TodayItem], list[tuple[str, Any]]]:
    """Run every provider (off the GUI thread); return items overdue first then by due time, and failures."""
    items: list[TodayItem] = []
    failures: list[tuple[str, Any]] = []
    for provider_id, provider in today_providers().items():
        try:
            items.extend(provider(conn, today))
        except Exception as exc:  # one broken feature must not empty the officer's Today list
            failures.append((provider_id, exc))
    rank = {"overdue": 0, "due": 1, "upcoming": 2}
    items.sort(key=lambda i: (rank.get(i.state, 3), i.due or "", i.title))
    return items, failures


def register_person_links(provider_id: str, provider: PersonLinkProvider) -> None:
    """Add (or replace, by id) a source of "appears in" links for a person's page (runs off the GUI thread)."""
    _PERSON_LINKS[provider_id] = provider


def collect_person_links(conn: sqlite3.Connection, person_id: str) -> tuple[list[PersonLink], list[tuple[str, Any]]]:
    links: list[PersonLink] = []
    failures: list[tuple[str, Any]] = []
    for provider_id, provider in dict(_PERSON_LINKS).items():
        try:
            links.extend(provider(conn, person_id))
        except Exception as exc:
            failures.append((provider_id, exc))
    return links, failures


def load_feature_modules(modules: tuple[str, ...] = FEATURE_MODULES) -> list[tuple[str, BaseException]]:
    """Import the feature packages so they register. A missing one is skipped; one that fails to import is
    logged and skipped (the rest of the app still starts). Returns the failures."""
    import importlib
    import logging

    failures: list[tuple[str, BaseException]] = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # that feature is not built yet
            logging.getLogger(__name__).exception("feature %s failed to load", name)
            failures.append((name, exc))
        except Exception as exc:
            logging.getLogger(__name__).exception("feature %s failed to load", name)
            failures.append((name, exc))
    return failures
