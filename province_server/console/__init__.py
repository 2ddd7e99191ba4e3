"""The province web console (``/console``) and the public receipt lookup page (``/tra-cuu/{code}``).

Server-rendered with Jinja2, Vietnamese first with English, progressive enhancement by a vendored htmx (no CDN:
a data centre may have no internet). It shares the server's ``Database``; see docs/province-console.md.
"""

from __future__ import annotations

from .routes import install

__all__ = ["install"]
