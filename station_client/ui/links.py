"""A push button that reads as a link: for the secondary ways out of a page (forgot password, another officer,
back). A bare flat button looks like plain text, and officers did not see that it could be clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

_LINK_STYLE = ("QPushButton { border: none; padding: 2px 0; color: palette(link); text-decoration: underline; "
               "text-align: left; } QPushButton:focus { outline: 1px dotted palette(link); }")


def as_link(button: QPushButton) -> QPushButton:
    """Style ``button`` as a link (it stays a button: Tab reaches it, Space and Enter press it)."""
    button.setFlat(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet(_LINK_STYLE)
    return button
