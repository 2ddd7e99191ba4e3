"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's ``postgresql`` package).

    with postgres_cluster() as pg:          # initdb + pg_ctl start on a free 127.0.0.1 port
        url = pg.new_database()             # postgresql://postgres@127.0.0.1:PORT/test_xxxx
    # stopped and deleted here

Run as root (CI, containers), the server runs as the ``postgres`` user through ``runuser`` in a temporary
directory owned by it; as another user it runs as that user. If the binaries are missing and we are root, the
package is installed with apt-get (as ``./dev.sh test`` would); otherwise ``PostgresUnavailable`` is raised.
For tests the cluster trades durability for speed (``fsync=off``); ``durable=True`` keeps the defaults.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from .server import free_port


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_installed() -> Path:
    bindir = find_bindir()
    if bindir is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=False, env=env, capture_output=True)
        bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL binaries not found: install Debian's postgresql package "
                                  "(./dev.sh setup does)")
    return bindir


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    durable: bool = False
    user: str = "postgres"
    _as_postgres: bool = field(default=False, init=False)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def start(self) -> None:
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        opts = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.root}",
                "-c max_connections=300", "-c shared_buffers=128MB"]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.root / "postgres.log"),
                  "-o", " ".join(opts), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self.datadir.exists():
            with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                          timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def postmaster_pid(self) -> int | None:
        """The server's main process (its backends are its children), or None if it is not running."""
        try:
            return int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self, name: str | None = None) -> str:
        """Create an empty database; returns its URL."""
        import psycopg

        name = name or f"test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join((self.root / "postgres.log").read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def start_cluster(durable: bool = False) -> PostgresCluster:
    """Start a cluster; the caller must ``stop()`` it (``postgres_cluster()`` does that for you)."""
    bindir = ensure_installed()
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    cluster = PostgresCluster(bindir, root, free_port(), durable=durable)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        tail = cluster.log_tail()
        cluster.stop()
        raise PostgresUnavailable(f"PostgreSQL did not start: {exc.stderr}\n{tail}") from exc
    return cluster


@contextmanager
def postgres_cluster(durable: bool = False) -> Iterator[PostgresCluster]:
    cluster = start_cluster(durable)
    try:
        yield cluster
    finally:
        cluster.stop()
