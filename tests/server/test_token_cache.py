"""The token cache answers nothing while a notification waits unread on its listener's socket: a request served
in the event loop can run before the listener thread has taken the notification (a revocation on another host),
so the pending bytes themselves, not the thread, decide (tests/server/test_workers.py has the end-to-end test)."""

from __future__ import annotations

import socket
import time

from province_server.stations import Station, TokenCache, _Cached


def test_nothing_is_answered_from_the_cache_while_a_notification_waits_unread(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # a stamp file of its own
    cache = TokenCache("sqlite:///unused.db", ttl=60)
    entry = _Cached(Station("st1", "Trạm 1", "00004", "22", "active"), current=True, seen_at=time.monotonic(),
                    expires=time.monotonic() + 60)
    listener, province = socket.socketpair()
    try:
        cache._listen_fd = listener.fileno()
        cache.put("h", entry)
        assert cache.get("h") is entry
        province.send(b"N")  # a notification has arrived; the listener thread has not read it yet
        assert cache.get("h") is None
        listener.recv(1)  # read (the thread then empties the cache)
        assert cache.get("h") is entry
        cache._listen_fd = None
        listener.close()
        assert cache.get("h") is entry  # no listener socket: the stamp and the listener's state decide
    finally:
        province.close()
