"""Vietnamese text handling: normalisation for storage and folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that Unicode decomposition does not turn into a base letter plus marks.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def normalize_text(value: str) -> str:
    """NFC-normalise and collapse white space, as names are stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case, strip every diacritic (đ → d included) and collapse white space.

    ``fold("Nguyễn Văn Đức") == "nguyen van duc"``. Used on both the indexed text and the query so that an
    officer typing without diacritics finds names written with them.
    """
    decomposed = unicodedata.normalize("NFD", value.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def fold_tokens(value: str) -> list[str]:
    """Folded words, punctuation removed: the tokens a search index holds."""
    return [t for t in re.split(r"[^0-9a-z]+", fold(value)) if t]
