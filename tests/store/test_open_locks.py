"""Issue 12, defect 3: the store's own open path must never drop the locks SQLite holds on the file.

POSIX advisory locks belong to the process, not to a descriptor: closing *any* descriptor of a file drops every
lock this process holds on it (sqlite.org/howtocorrupt.html, section 2.2). In WAL mode every open connection
holds a SHARED lock on the database file for as long as it is open; a header read with a plain ``open()`` /
``close()`` while the app's writer is open therefore let another process believe it was the last one (it then
checkpoints and removes the WAL under our feet): "disk I/O error" and corrupted files. These tests open readers
from threads the way the app does while other processes write, and check the file and the locks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from station_client.store import Store
from station_client.store import connection as connection_mod
from station_client.store.audit import verify

ROOT = Path(__file__).resolve().parents[2]
SHARED_FIRST = 0x40000002  # SQLite's shared-lock byte range on the database file (unix VFS)
SHARED_SIZE = 510

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX lock layout (struct flock)")

_WRITER = textwrap.dedent("""
    import sys
    from station_client.store import Store
    from station_client.synthetic import Generator

    path, seed, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    gen = Generator(seed)
    ids = []
    for i in range(rounds):
        # Open, write, close each round, like repeated headless `station-client sync` runs: the close of the
        # last connection checkpoints and removes the WAL when it thinks it is alone.
        with Store.open(path) as store:
            with store.transaction():
                for _ in range(3):
                    values = gen.person()
                    rid = values.pop("id")
                    store.create("person", values, officer=f"w{seed}", record_id=rid)
                    ids.append(rid)
    print(" ".join(ids), flush=True)
""")


def _others_see_shared_lock(path: Path) -> bool:
    """Asked from another process: does someone hold SQLite's SHARED lock on ``path``? (F_GETLK takes no lock.)"""
    code = textwrap.dedent("""
        import fcntl, os, struct, sys
        fd = os.open(sys.argv[1], os.O_RDWR)
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, int(sys.argv[2]), int(sys.argv[3]), 0)
        kind = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, query))[0]
        print("locked" if kind != fcntl.F_UNLCK else "free")
    """)
    out = subprocess.run([sys.executable, "-c", code, str(path), str(SHARED_FIRST), str(SHARED_SIZE)],
                         capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    return out == "locked"


def test_opening_a_reader_keeps_the_writers_lock(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    with Store.open(path) as store:
        store.conn.execute("SELECT count(*) FROM persons").fetchone()
        assert _others_see_shared_lock(path)  # WAL: an open connection keeps a SHARED lock on the file

        def open_and_close() -> None:
            reader = store.open_reader()
            reader.execute("SELECT count(*) FROM persons").fetchone()
            reader.close()

        thread = threading.Thread(target=open_and_close)
        thread.start()
        thread.join(30)
        assert _others_see_shared_lock(path), "opening a reader dropped the writer's lock on the file"
        # Nothing in the store's own checks opens the file behind SQLite's back while it is open here.
        assert connection_mod.is_plain_sqlite(path)
        assert not connection_mod.is_encrypted_file(path)
        assert _others_see_shared_lock(path), "a header check dropped the writer's lock on the file"


def test_reader_threads_and_writer_processes_leave_a_sound_file(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    Store.open(path).close()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER, encoding="utf-8")
    rounds = 40
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(seed), str(rounds)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
             for seed in (1, 2)]
    errors: list[BaseException] = []
    stop = threading.Event()
    with Store.open(path) as store:  # the app's writer, held open all along

        def reader_loop() -> None:
            try:
                while not stop.is_set():
                    reader = store.open_reader()
                    try:
                        reader.execute("SELECT count(*) FROM persons").fetchone()
                        reader.execute("SELECT count(*) FROM audit").fetchone()
                    finally:
                        reader.close()
                    time.sleep(0.001)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reader_loop) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            while any(p.poll() is None for p in procs):
                store.conn.execute("SELECT count(*) FROM persons").fetchone()
                time.sleep(0.01)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
    written: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        written += out.split()
    assert not errors, repr(errors[0])
    assert len(written) == 2 * rounds * 3
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert {r[0] for r in store.conn.execute("SELECT id FROM persons")} == set(written)
        report = verify(store.conn)
        assert report.ok, report.findings[:3]


def test_reader_threads_while_the_cli_sync_writes_from_another_process(tmp_path: Path) -> None:
    """The issue's setting: the app (a writer held open, readers opened from threads) and a headless
    ``station-client sync`` writing the same file from another process."""
    import uuid

    from station_client.sync.enroll import enroll
    from tests.support.server import start_server

    data = tmp_path / "station"
    path = data / "station.db"
    with start_server(tmp_path / "srv", quiet=True) as server:
        code = server.add_station("07069", "a")
        with Store.open(path) as store:
            enroll(store, server.url, code)
        errors: list[BaseException] = []
        stop = threading.Event()
        with Store.open(path) as store:

            def reader_loop() -> None:
                try:
                    while not stop.is_set():
                        reader = store.open_reader()
                        try:
                            reader.execute("SELECT count(*) FROM persons").fetchone()
                        finally:
                            reader.close()
                        time.sleep(0.002)
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=reader_loop) for _ in range(3)]
            for t in threads:
                t.start()
            try:
                for round_no in range(4):
                    for i in range(25):
                        pid = f"0220{80 + round_no:02d}{i:06d}"
                        server.admin_put_record("person", str(uuid.uuid4()), {
                            "full_name": "Nguyễn Văn An", "birth_date": f"19{80 + round_no}-05-04", "sex": "M",
                            "personal_id": pid}, commune_code="07069")
                    run = subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(data), "sync"],
                                         cwd=ROOT, capture_output=True, text=True, timeout=120)
                    assert run.returncode == 0, run.stderr[-2000:]
                    store.conn.execute("SELECT count(*) FROM persons").fetchone()
            finally:
                stop.set()
                for t in threads:
                    t.join(60)
        assert not errors, repr(errors[0])
        with Store.open(path) as store:
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert store.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 100
            report = verify(store.conn)
            assert report.ok, report.findings[:3]
