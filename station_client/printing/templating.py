"""The one way a printed document is made: a Jinja2 template in ``resources/templates/``, autoescaped.

Builders (``documents``, ``reports_documents``, ``statistics_document``) turn a record into plain values — text,
numbers, lists — and hand them to a template; every value is HTML-escaped by Jinja2 on the way in, so no builder
escapes by hand and no record's text can add markup to a printout. Markup lives in the templates only:
``_page.html`` (the document and its style sheet, one block per family), ``_header.html`` (the issuing body and
the national motto), ``_parts.html`` (macros shared by several documents).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..resources import resource_path


def text(value: Any, empty: str = "") -> str:
    """A value as printed: ``empty`` for None or an empty string, else its text (escaped by the template)."""
    return empty if value is None or value == "" else str(value)


def _lines(value: Any) -> Markup:
    """Text with its line breaks kept (``<br/>``); the text itself escaped."""
    return Markup(str(escape(text(value))).replace("\n", "<br/>"))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(resource_path("templates"))), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["text"] = text
    env.filters["lines"] = _lines
    return env


def render(template: str, **values: Any) -> str:
    """``template`` (a file name in ``resources/templates/``) filled with ``values``."""
    return environment().get_template(template).render(**values)
