"""Vietnamese text handling: normalisation for storage and folding for search."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode decomposition does not turn into a base letter plus marks.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def normalize_text(value: str) -> str:
    """NFC-normalise and collapse white space, as names are stored."""
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


class _FoldTable(dict[int, str]):
    """Code point → its folded form, filled as characters are first met (a station's text uses a few hundred).

    ``str.translate`` with this table folds a string in one C-level pass; working it out per character with
    NFD and ``unicodedata.combining`` each time was a third of the cost of saving a resident.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code).translate(_EXTRA_FOLDS)
        folded = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(value: str) -> str:
    """Lower-case, strip every diacritic (đ → d included) and collapse white space.

    ``fold("Nguyễn Văn Đức") == "nguyen van duc"``. Used on both the indexed text and the query so that an
    officer typing without diacritics finds names written with them.
    """
    if value.isascii():
        return " ".join(value.lower().split())
    # NFC first so a letter typed as base + combining marks folds like the precomposed one.
    return " ".join(unicodedata.normalize("NFC", value).lower().translate(_FOLD_TABLE).split())


def fold_tokens(value: str) -> list[str]:
    """Folded words, punctuation removed: the tokens a search index holds."""
    return [t for t in re.split(r"[^0-9a-z]+", fold(value)) if t]
