"""Installed as the package ``station_client._resources`` (setup.py): the app's catalogues, fonts, icons,
templates and translations, read through ``station_client/resources.py``."""
