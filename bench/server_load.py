"""Load test of the province server: N enrolled stations, each starting a sync cycle every ``--interval`` seconds.

A cycle is what a station does: one ``POST /v1/sync`` pushing ``--changes`` changes (new persons and edits of its
own earlier records, compressed as a station of this release does: zstd both ways, or ``--coding gzip`` as an older
one; the generator compresses at zstd level 3 instead of the station's 12 to spare the shared CPU) and pulling what
is new since its cursor (more pages if ``more``). Open loop: cycles start on schedule (staggered over the interval)
whether or not the server keeps up, and latency is measured from the scheduled start, so a slow server shows up as
latency instead of as fewer arrivals.
Stations are paired per commune, so every pull also carries the other station's changes.

    python bench/server_load.py --stations 500 --db postgresql     # throwaway durable cluster
    python bench/server_load.py --stations 100 --db sqlite          # temp SQLite file
    python bench/server_load.py --stations 50 --db postgresql://user@host/db

The last line printed is one JSON object: stations, backend, cycles, p50_ms, p99_ms, errors, ...
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station_client.domain.units import communes
from station_client.sync import codings
from tests.support.server import RunningServer, start_server

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Đức", "Vũ Thị Hà"]


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID from the station's seeded generator: uuid.uuid4 reads the OS's random source at every call
    (a tenth of the generator's CPU, which the server then lacks)."""
    h = f"{(rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pick(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)`` at a fifth of its cost (the generator draws ten numbers per new resident)."""
    return low + int(rng.random() * (high - low + 1))


def person(rng: random.Random) -> dict[str, Any]:
    year = _pick(rng, 1950, 2005)
    sex = "F" if rng.random() < 0.5 else "M"
    g = (0 if year < 2000 else 2) + (1 if sex == "F" else 0)
    return {"full_name": NAMES[_pick(rng, 0, len(NAMES) - 1)],
            "birth_date": f"{year}-{_pick(rng, 1, 12):02d}-{_pick(rng, 1, 28):02d}",
            "sex": sex, "personal_id": f"022{g}{year % 100:02d}{_pick(rng, 0, 999999):06d}",
            "permanent_address": f"Số {_pick(rng, 1, 300)}, khu {_pick(rng, 1, 12)}, phường Mạo Khê",
            "phone": f"09{_pick(rng, 10000000, 99999999)}"}


class _Answer(asyncio.Protocol):
    """One station's kept-alive HTTP/1.1 connection: the answer parsed by httptools (in C, as the server's own
    parser). The generator shares the server's two cores, so it runs on one event loop (uvloop where installed)
    instead of 64 threads with http.client, which took a third more CPU per cycle (1.50 against 1.17 ms at 1,750
    stations), CPU the server then lacks."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, dict[str, str], bytes]] | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except Exception as exc:  # httptools.HttpParserError: a malformed answer
            self._fail(ConnectionError(f"bad HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionResetError("connection closed by the server"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), self.headers, b"".join(self.body)))
        if not self.parser.should_keep_alive() and self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    async def post(self, request: bytes, timeout: float) -> tuple[int, dict[str, str], bytes]:
        assert self.transport is not None
        self.headers, self.body = {}, []
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await asyncio.wait_for(self.waiter, timeout)


class Link:
    """A station's connection, opened at its first cycle and kept between cycles (the server keeps an idle one 30
    s), as a real station's: the kernel hands each to a worker when it is opened. A connection the server closed
    while idle is opened again and the request sent again (a push is idempotent by its change ids), as urllib3
    does."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = (f"POST /v1/sync HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\n")
        self.conn: _Answer | None = None

    async def post(self, data: bytes, coding: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        accept = "zstd, gzip" if coding == "zstd" else "gzip"
        request = (f"{self.head}Content-Encoding: {coding}\r\nAccept-Encoding: {accept}\r\n"
                   f"Content-Length: {len(data)}\r\n\r\n").encode() + data
        for attempt in (1, 2):
            reused = self.conn is not None and not self.conn.closed
            if not reused:
                _, self.conn = await asyncio.get_running_loop().create_connection(_Answer, self.host, self.port)
            assert self.conn is not None
            try:
                status, headers, body = await self.conn.post(request, timeout)
            except ConnectionResetError:
                self.close()
                if attempt == 2 or not reused:
                    raise
                continue
            except BaseException:
                self.close()
                raise
            if self.conn.closed or headers.get("connection", "").lower() == "close":
                self.close()
            return status, headers, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None and self.conn.transport is not None:
            self.conn.transport.close()
        self.conn = None


@dataclass
class Station:
    station_id: str
    token: str
    cursor: int = 0
    records: dict[str, int] = field(default_factory=dict)  # id -> server version
    busy: bool = False  # a cycle is running
    # Each station its own connection, kept between its cycles (the server keeps an idle connection 30 s), as a
    # real station's: the kernel hands each to a worker when it is opened. (Connections shared between
    # stations were fewer and were kept busy, so a worker that took more of them at the start kept them: one
    # worker did 70 % of the work.)
    link: Link | None = None


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    requests: int = 0
    applied: int = 0
    feed: int = 0
    bytes_up: int = 0
    bytes_down: int = 0

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])




async def cycle(url: str, st: Station, n_changes: int, rng: random.Random, scheduled: float, res: Results,
                coding: str = "zstd") -> None:
    if st.busy:
        res.error("cycle overlap: the previous cycle of this station is still running")
        return
    st.busy = True
    try:
        own = list(st.records.items())
        changes = []
        for _ in range(n_changes):
            if own and rng.random() < 0.25:
                rid, version = rng.choice(own)
                changes.append({"change_id": random_uuid(rng), "kind": "person", "id": rid, "op": "upsert",
                                "base_version": version, "fields": {"note": f"cập nhật {_pick(rng, 1, 10**6)}"}})
            else:
                changes.append({"change_id": random_uuid(rng), "kind": "person", "id": random_uuid(rng),
                                "op": "upsert", "base_version": 0, "fields": person(rng)})
        body: dict[str, Any] = {"protocol": 1, "cursor": st.cursor, "limit": 1000, "changes": changes}
        while True:
            raw = orjson.dumps(body)  # (compact UTF-8, as a station's json.dumps; a tenth of the generator's CPU)
            data = codings.zstd_compress(raw, 3) if coding == "zstd" else gzip.compress(raw, 5)
            if st.link is None:
                st.link = Link(url, st.token)
            status, answer, content = await st.link.post(data, coding)
            res.requests += 1
            res.bytes_up += len(data)
            res.bytes_down += int(answer.get("content-length", len(content)))
            if status != 200:
                res.error(f"HTTP {status}: {content[:200]!r}")
                return
            if answer.get("content-encoding") == "zstd":
                content = codings.zstd_decompress(content, 1 << 28)
            elif answer.get("content-encoding") == "gzip":
                content = gzip.decompress(content)
            page = orjson.loads(content)
            for ch, result in zip(body["changes"], page["results"], strict=True):
                if isinstance(result, int):
                    st.records[ch["id"]] = result
                elif result.get("status") in ("applied", "duplicate"):
                    st.records[ch["id"]] = result["version"]
                else:
                    res.error(f"change not applied: {json.dumps(result)[:200]}")
            res.applied += len(page["results"])
            res.feed += len(page["feed"])
            st.cursor = page["cursor"]
            if not page["more"]:
                break
            body = {"protocol": 1, "cursor": st.cursor, "limit": 1000, "changes": []}
        res.latencies.append((time.monotonic() - scheduled) * 1000)
    except (OSError, TimeoutError) as exc:
        res.error(f"{type(exc).__name__}: {exc}")
    finally:
        st.busy = False


def _event_loop_run(main: Any) -> None:
    """``asyncio.run`` on uvloop where it is installed (less CPU per connection event, as for the server)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def enroll_all(srv: RunningServer, n: int) -> list[Station]:
    units = sorted(communes())  # two stations per commune, so every pull carries the partner's changes
    stations: list[Station] = []

    def one(i: int) -> Station:
        info = srv.enroll(units[(i // 2) % len(units)], f"bench {i}")
        return Station(info["station_id"], info["token"])

    with ThreadPoolExecutor(8) as pool:
        stations = list(pool.map(one, range(n)))
    return stations


def start_profile(srv: RunningServer, args: argparse.Namespace) -> subprocess.Popen[bytes] | None:
    """py-spy on the server and its worker processes for the load's duration (samples, not tracing: the server
    runs at close to its normal speed)."""
    if not args.profile:
        return None
    assert srv.proc is not None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    by = [] if args.profile_lines else ["--function"]
    return subprocess.Popen([spy, "record", "--pid", str(srv.proc.pid), "--subprocesses", "--nonblocking", *by,
                             "--rate", "50", "--format", "raw", "--output", args.profile,
                             "--duration", str(int(args.duration) + 1)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_profile(path: str, top: int = 25) -> dict[str, Any]:
    """Where the workers' threads spend their samples, from py-spy's collapsed stacks: the share of samples that
    pass through (inclusive) or end in (self) each function, worker processes only. Waiting on PostgreSQL counts
    (psycopg waits in Python), so this is wall time per request, not CPU."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        if not any("province_server" in f for f in frames):
            continue  # the uvicorn supervisor, idle event loops
        n = int(count_text)
        total += n
        for name in set(frames[1:]):
            inclusive[name] = inclusive.get(name, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n

    def share(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / max(1, total), 1)) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]

    return {"samples": total, "inclusive_pct": share(inclusive), "self_pct": share(own)}


def lock_times(log: Path, since: int) -> dict[str, Any]:
    """The feed writer lock's hold and wait times from the server's debug lines (``province_server.lock``), for the
    writes logged after byte ``since`` of its log (the load, not the enrolment)."""
    hold: list[float] = []
    wait: list[float] = []
    with log.open("rb") as f:
        f.seek(since)
        for line in f:
            if b'"write.lock"' not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            hold.append(float(e["hold_ms"]))
            wait.append(float(e["wait_ms"]))
    hold.sort()
    wait.sort()

    def pct(xs: list[float], p: float) -> float:
        return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2) if xs else 0.0

    return {"lock_writes": len(hold), "lock_hold_p50_ms": pct(hold, 0.5), "lock_hold_p99_ms": pct(hold, 0.99),
            "lock_hold_mean_ms": round(statistics.fmean(hold), 2) if hold else 0.0,
            "lock_wait_p50_ms": pct(wait, 0.5), "lock_wait_p99_ms": pct(wait, 0.99)}


_HZ = os.sysconf("SC_CLK_TCK")


def _cpu_s(pids: list[int]) -> float:
    """utime + stime of these processes (the ones that ended meanwhile are not counted)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _HZ


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants (the server's supervisor and workers; PostgreSQL's postmaster and its
    backends)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


@dataclass
class CpuMeter:
    """CPU seconds spent during the load by the server, the bench's own PostgreSQL and this load generator, so
    the cost of one cycle can be stated for each (on a machine where the three share the cores)."""
    server_root: int
    pg_root: int | None
    start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    by_process: dict[int, float] = field(default_factory=dict)

    def read(self) -> tuple[float, float, float]:
        pg = _cpu_s(_tree(self.pg_root)) if self.pg_root else 0.0
        return _cpu_s(_tree(self.server_root)), pg, sum(os.times()[:2])

    def begin(self) -> None:
        self.start = self.read()
        self.by_process = {pid: _cpu_s([pid]) for pid in _tree(self.server_root)}

    def server_processes_s(self) -> list[float]:
        """CPU seconds of each server process during the load, largest first (the supervisor and the workers:
        one worker far busier than the other shows connections spread unevenly)."""
        return sorted((round(_cpu_s([pid]) - self.by_process.get(pid, 0.0), 1)
                       for pid in _tree(self.server_root)), reverse=True)

    def per_cycle_ms(self, cycles: int) -> dict[str, Any]:
        now = self.read()
        ms = [round(1000 * (b - a) / max(1, cycles), 2) for a, b in zip(self.start, now, strict=True)]
        return {"cpu_server_ms_per_cycle": ms[0], "cpu_pg_ms_per_cycle": ms[1] if self.pg_root else None,
                "cpu_generator_ms_per_cycle": ms[2], "cpu_server_processes_s": self.server_processes_s()}


def run(srv: RunningServer, args: argparse.Namespace, backend: str, pg_root: int | None = None) -> dict[str, Any]:
    stations = enroll_all(srv, args.stations)
    spy = start_profile(srv, args)
    log_start = srv.log_path.stat().st_size if srv.log_path.exists() else 0
    assert srv.proc is not None
    meter = CpuMeter(srv.proc.pid, pg_root)
    res = Results()
    warm = Results()  # the warm-up's cycles: the same load, not counted
    rng = random.Random(args.seed)
    rngs = [random.Random(rng.random()) for _ in stations]
    start = time.monotonic() + 1.0
    # schedule: station i starts at i * interval / N, then every interval (open loop); the first
    # ``--warmup`` seconds' cycles run the same way but are not measured (each worker's first request of a station
    # looks its token up and closes its enrollment: costs of a first contact, not of the steady state)
    warm_rounds = int(args.warmup // args.interval)
    schedule = sorted((start + (i * args.interval / len(stations)) + k * args.interval, k < warm_rounds, i)
                      for i in range(len(stations))
                      for k in range(warm_rounds + int(args.duration // args.interval)))

    async def load() -> None:
        # Each cycle a task started at its time (time.monotonic is the event loop's clock on both loops).
        tasks = set()
        begun = False
        for at, warming, i in schedule:
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not warming and not begun:  # the CPU meter counts from the first measured cycle
                meter.begin()
                begun = True
            task = asyncio.create_task(cycle(srv.url, stations[i], args.changes, rngs[i], at,
                                             warm if warming else res, args.coding))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        for st in stations:
            if st.link is not None:
                st.link.close()

    _event_loop_run(load())
    scheduled = sum(not warming for _, warming, _ in schedule)
    cpu = meter.per_cycle_ms(len(res.latencies))
    if spy is not None:
        spy.wait()
        print(json.dumps(summarize_profile(args.profile), ensure_ascii=False, indent=1), file=sys.stderr)
    lat = sorted(res.latencies)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    locks = lock_times(srv.log_path, log_start) if args.lock_times else {}
    return {
        "stations": args.stations, "backend": backend, "duration_s": args.duration, "interval_s": args.interval,
        "changes_per_cycle": args.changes, "coding": args.coding, "warmup_s": warm_rounds * args.interval,
        "warmup_errors": warm.errors,
        "server_workers": srv.workers or (2 if backend == "postgresql" else 1),
        "cycles": len(lat), "scheduled": scheduled, "requests": res.requests, "changes_applied": res.applied,
        "feed_entries": res.feed, "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
        "max_ms": round(lat[-1], 1) if lat else 0.0, "mean_ms": round(statistics.fmean(lat), 1) if lat else 0.0,
        "errors": res.errors, "error_samples": res.error_samples,
        "kb_up_per_cycle": round(res.bytes_up / 1024 / max(1, len(lat)), 2),
        "kb_down_per_cycle": round(res.bytes_down / 1024 / max(1, len(lat)), 2),
    } | cpu | locks


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stations", type=int, default=100)
    p.add_argument("--db", default="sqlite", help="sqlite | postgresql (throwaway cluster) | a database URL")
    p.add_argument("--duration", type=float, default=60.0, help="seconds measured (after --warmup)")
    p.add_argument("--warmup", type=float, default=0.0, help="seconds of the same load before the measured ones")
    p.add_argument("--interval", type=float, default=10.0)
    p.add_argument("--changes", type=int, default=20)
    p.add_argument("--workers", type=int, default=0, help="server worker processes (default: the server's)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--coding", choices=("zstd", "gzip"), default="zstd", help="request and answer bodies")
    p.add_argument("--profile", metavar="FILE", help="py-spy the server's workers while the load runs (needs "
                   "py-spy: pip install py-spy); writes collapsed stacks to FILE and a summary to stderr")
    p.add_argument("--profile-lines", action="store_true", help="with --profile: by line, not by function")
    p.add_argument("--lock-times", action="store_true", help="log the feed writer lock's wait and hold time of "
                   "every write (server at DEBUG) and report their percentiles; the logging costs a little")
    args = p.parse_args()
    if args.lock_times:
        os.environ["PROVINCE_SERVER_LOG_LEVEL"] = "DEBUG"  # the server inherits it (tests.support.server)

    tmp = Path(tempfile.mkdtemp(prefix="server-load-"))
    cluster = None
    db_url: str | None
    if args.db == "sqlite":
        db_url = None
    elif args.db == "postgresql":
        from tests.support.postgres import start_cluster

        cluster = start_cluster(durable=True)
        db_url = cluster.new_database("bench")
    else:
        db_url = args.db
    backend = "postgresql" if (db_url or "").startswith("postgres") else "sqlite"
    srv = start_server(tmp, db_url, workers=args.workers or None, quiet=True)
    try:
        result = run(srv, args, backend, cluster.postmaster_pid() if cluster is not None else None)
    finally:
        srv.stop()
        if cluster is not None:
            cluster.stop()
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
