"""The province web console (``/console``) and the public receipt lookup page (``/tra-cuu/{code}``).

Server-rendered with Jinja2, Vietnamese first with English, progressive enhancement by a vendored htmx (no CDN:
a data centre may have no internet). It shares the server's ``Database``; see docs/province-console.md.
``routes.install`` puts it on the app. This package imports nothing itself: the admin subcommands (``console.cli``)
need neither FastAPI's routing nor the templates.
"""
