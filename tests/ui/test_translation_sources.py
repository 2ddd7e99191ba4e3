"""One way to translate: every catalogue is what the standard pyside6-lupdate extracts from the code (run as
``./dev.sh translations`` runs it), every string it extracts has English, and ui/ keeps no second way —
no ``language == "en"`` branch, no (Vietnamese, English) pair tables, no marked string inside an f-string
(lupdate does not read them), no home-made extractor beside the catalogues."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import ROOT, TRANSLATIONS

UI = ROOT / "station_client" / "ui"
# Vietnamese letters English never uses (as tests/ui/test_feature_english.py).
VIETNAMESE = re.compile("[đĐơƠưƯăĂâÂêÊôÔàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")
TRANSLATING = {"tr", "translate", "tr_noop", "tr_lazy", "QT_TRANSLATE_NOOP", "QT_TR_NOOP", "lazy"}


def _catalogues() -> list[tuple[str, list[str]]]:
    """(catalogue, its sources) as resources/translations/catalogues.txt lists them (globs expanded)."""
    out = []
    for line in (TRANSLATIONS / "catalogues.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        ts, *patterns = line.split()
        sources = [str(p) for pattern in patterns for p in sorted(ROOT.glob(pattern))]
        assert sources, f"{ts}: no source matches {patterns}"
        out.append((ts, sources))
    return out


def _aliases() -> str:
    found = re.search(r'^LUPDATE_ALIASES="([^"]+)"', (ROOT / "dev.sh").read_text(encoding="utf-8"), re.M)
    assert found, "dev.sh names the lupdate aliases of tr_noop and tr_lazy"
    return found.group(1)


def _messages(ts: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (English, unfinished)."""
    out = {}
    for context in ET.parse(ts).getroot().iter("context"):
        for m in context.iter("message"):
            tr = m.find("translation")
            assert tr is not None
            out[(context.findtext("name") or "", m.findtext("source") or "")] = (
                tr.text or "", tr.get("type") in ("unfinished", "vanished", "obsolete"))
    return out


@pytest.mark.parametrize("catalogue", [name for name, _ in _catalogues()])
def test_catalogue_is_what_lupdate_extracts_and_all_english(catalogue: str, tmp_path: Path) -> None:
    sources = dict(_catalogues())[catalogue]
    committed = TRANSLATIONS / catalogue
    fresh = tmp_path / catalogue
    shutil.copy(committed, fresh)
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run([str(lupdate), "-silent", "-extensions", "py", "-no-obsolete", "-locations", "none",
                    "-tr-function-alias", _aliases(), "-source-language", "vi_VN", "-target-language", "en_GB",
                    *sources, "-ts", str(fresh)], check=True, cwd=ROOT)
    before, after = _messages(committed), _messages(fresh)
    assert sorted(set(after) - set(before)) == [], "new strings: run ./dev.sh translations, write their English"
    assert sorted(set(before) - set(after)) == [], "strings gone from the code: run ./dev.sh translations"
    unfinished = sorted(key for key, (text, open_) in before.items() if open_ or not text)
    assert unfinished == [], f"{catalogue}: no English yet for {unfinished}"
    assert not any(VIETNAMESE.search(text) for text, _ in before.values())


def _ui_modules() -> list[Path]:
    return [p for p in sorted(UI.rglob("*.py")) if p.name != "i18n.py"]


def _called(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def test_ui_has_one_way_to_translate() -> None:
    found = []
    for path in _ui_modules():
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # language == "en" / != "en": picking one of two texts by hand (i18n.bilingual does it for data
            # that comes from below ui/ in both languages; ui/'s own text goes through the catalogues).
            if isinstance(node, ast.Compare) and any(
                    isinstance(c, ast.Constant) and c.value in ("en", "vi") for c in [node.left, *node.comparators]):
                found.append(f"{where}:{node.lineno} compares a language by hand")
            # ("Vietnamese", "English") pairs: a second catalogue inside the code.
            if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                vi, en = (e.value for e in node.elts)  # type: ignore[attr-defined]
                if VIETNAMESE.search(vi) and re.search("[A-Za-z]", en) and not VIETNAMESE.search(en) \
                        and not en.isidentifier():
                    found.append(f"{where}:{node.lineno} a (vi, en) pair {vi!r}/{en!r}")
            # lupdate does not read inside f-strings: a marked string there never reaches a catalogue.
            if isinstance(node, ast.JoinedStr):
                for call in (n for v in node.values for n in ast.walk(v) if isinstance(n, ast.Call)):
                    if _called(call) in TRANSLATING and any(isinstance(a, ast.Constant) for a in call.args):
                        found.append(f"{where}:{node.lineno} a marked string inside an f-string")
    assert found == []


def test_no_extractor_beside_the_catalogues() -> None:
    """The catalogues are lupdate's: nothing else in the tree writes a .ts (as feature_strings.py once did)."""
    extras = sorted(p.name for p in TRANSLATIONS.iterdir()
                    if p.suffix not in (".ts", ".qm") and p.name != "catalogues.txt")
    assert extras == []
    writers = [p.relative_to(ROOT) for top in ("station_client", "tools", "resources", "province_server")
               for p in (ROOT / top).rglob("*.py") if "<TS version" in p.read_text(encoding="utf-8")]
    assert writers == []
