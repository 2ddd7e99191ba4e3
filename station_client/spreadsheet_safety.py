"""Cells that a spreadsheet must show as text, never run as a formula ("CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK("http://…","Bấm vào đây")``, ``@SUM(…)``, ``+cmd|' /C calc'!A0``), and a leading tab or carriage
return can hide such a start. A resident's name, a note or a register entry is typed by someone else and
exported by the station, so every CSV and XLSX the station writes goes through this module:

* CSV: ``csv_cell`` puts an apostrophe before such a cell (``=1+1`` → ``'=1+1``), the form the spreadsheet
  programs themselves use for "this is text";
* XLSX: ``xlsx_row`` keeps the text as it is but stores it as a string cell marked "quote prefix" (openpyxl
  would otherwise write a value starting with ``=`` as a live formula).

Numbers (``int``/``float``) are numbers, not text, and pass unchanged. The residents import undoes the
apostrophe (``unescape_cell``), so an exported file imports back to the same values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# What makes a spreadsheet read a cell as a formula (with their full-width forms, which some versions fold).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
QUOTE = "'"


def is_risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if is_risky(value):
        return QUOTE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def unescape_cell(text: str) -> tuple[str, bool]:
    """Undo ``csv_cell`` for an imported cell: (the text, whether it was escaped — then it is literal text,
    never a marker such as the import's "clear this field")."""
    if text.startswith(QUOTE) and is_risky(text[1:]):
        return text[1:], True
    return text, False


def xlsx_row(ws: Any, values: Iterable[Any]) -> None:
    """Append ``values`` to the openpyxl worksheet ``ws`` with every text cell stored as text: a value that
    would start a formula is written as a string with Excel's quote prefix (shown as typed, never evaluated)."""
    row = list(values)
    ws.append([v if not is_risky(v) else "" for v in row])
    r = ws.max_row
    for col, value in enumerate(row, 1):
        if is_risky(value):
            cell = ws.cell(r, col)
            cell.value = value
            cell.data_type = "s"  # openpyxl guesses "f" (formula) for a leading "="
            cell.quotePrefix = True
