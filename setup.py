"""The part of the build pyproject.toml cannot say: ``resources/`` ships inside the package.

``resources/`` stays at the top of the checkout, where translators, ``pyside6-lupdate`` and ``dev.sh`` find it, and
is installed as the package ``station_client._resources`` (its files as package data, pyproject.toml's
``package-data``), so the code reads it with ``importlib.resources`` wherever the app is installed: the editable
checkout, a wheel, or the PyInstaller bundle (packaging/station-client.spec). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["station_client*", "province_server*"]), "station_client._resources"],
    package_dir={"station_client._resources": "resources"},
)
