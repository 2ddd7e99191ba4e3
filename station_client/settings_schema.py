"""Every station setting, declared once: key, type, default and a translatable title.

Values live in the station file's ``settings`` table (read and written through the ``Store`` on the writer
thread), so a backup carries them and every officer at the station sees the same configuration. Below ui/: the
Settings page shows them, and headless commands (``demo``) and tools write them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from .domain import permissions
from .store import Store


def _t(source: object) -> Callable[[], str]:
    """A title translated when shown; ``source`` is a QT_TRANSLATE_NOOP literal (typed ``object`` by PySide6)."""
    text = str(source)
    return lambda: QCoreApplication.translate("Options", text)


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    title: Callable[[], str]


OPTIONS: tuple[Option, ...] = (
    Option("station.name", str, "", _t(QT_TRANSLATE_NOOP("Options", "Tên đơn vị"))),
    Option("station.province_code", str, "", _t(QT_TRANSLATE_NOOP("Options", "Mã tỉnh"))),
    Option("station.commune_code", str, "", _t(QT_TRANSLATE_NOOP("Options", "Mã xã/phường"))),
    Option("sync.server_url", str, "", _t(QT_TRANSLATE_NOOP("Options", "Địa chỉ máy chủ Công an tỉnh"))),
    Option("sync.interval_min", int, 5, _t(QT_TRANSLATE_NOOP("Options", "Chu kỳ đồng bộ (phút)"))),
    Option("print.printer", str, "", _t(QT_TRANSLATE_NOOP("Options", "Máy in"))),
    Option("ui.language", str, "vi", _t(QT_TRANSLATE_NOOP("Options", "Ngôn ngữ"))),
    Option("ui.idle_lock_min", int, 10, _t(QT_TRANSLATE_NOOP("Options", "Tự khóa sau (phút không dùng)"))),
    # domain/retention.py: closed cases older than this lose their personal details (0 = keep everything).
    Option("retention.closed_years", int, 0,
           _t(QT_TRANSLATE_NOOP("Options", "Thời hạn lưu thông tin cá nhân của vụ việc đã kết thúc (năm)"))),
)
BY_KEY = {o.key: o for o in OPTIONS}


def convert(option: Option, raw: str | None) -> Any:
    if raw is None or raw == "":
        return option.default
    try:
        return option.type(raw)
    except (TypeError, ValueError):
        return option.default


def load_options(store: Store) -> dict[str, Any]:
    """All options with defaults filled in. Runs on the writer thread (or any thread owning ``store``)."""
    return {o.key: convert(o, store.get_setting(o.key)) for o in OPTIONS}


def save_options(store: Store, values: dict[str, Any], *, officer: str | None = None) -> dict[str, Any]:
    """Store ``values`` as the logged-in officer (``officer``, if given, must be them: ``Store.authorize``); a
    head-only setting that actually changes is refused to anyone but the station head (domain/permissions.py).
    On a station without accounts nobody is checked (``system:setup``)."""
    for key in values:
        if key not in BY_KEY:
            raise KeyError(key)
    raw = {k: None if v is None else str(v) for k, v in values.items()}
    changing = {k for k, v in raw.items() if store.get_setting(k) != v}
    action = permissions.head_only_action("setting", fields=dict.fromkeys(changing))
    if action is not None:
        store.authorize(action, officer)
    with store.transaction():
        for key, value in raw.items():
            store.set_setting(key, value, officer=officer)  # checked again there
    return load_options(store)
