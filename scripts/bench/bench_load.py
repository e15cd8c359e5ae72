"""``make bench-load``: the site under 200 concurrent clients for 60 s behind nginx, as in
production, three times: undisturbed, with a gunicorn worker SIGKILLed mid-run, and with Redis
stopped mid-run.

Steps (only the three runs are measured):

1. PostgreSQL: DATABASE_URL's server when set, else the project-local one
   (scripts/localservices.py, started if needed and left running). The database
   ``bzpeer_loadbench`` (``--database``) on it is created once and holds the demo data,
   imported the way ``make demo`` imports it (scripts/demo.py: the fake OpenAlex server over
   demo/openalex/, ``import_author`` of every demo author, ``recompute_trust --all``). Later
   runs migrate it and import only the demo authors it does not hold yet: it is never
   reloaded. No other database is touched.
2. Its own Redis: a ``redis-server`` started here on a free loopback port (never the
   machine's), without persistence, stopped at the end.
3. gunicorn as the compose web service runs it (scripts/proxy.py: 2 sync workers, DEBUG off,
   static files collected) and nginx with deploy/nginx/default.conf.template rendered in
   front of it, both on 127.0.0.1; the clients talk to nginx only.
4. One warming pass requests every URL of the mix once (8 at a time), then three runs of
   ``--connections`` (200) keep-alive clients for ``--duration`` (60) seconds over the mix:
   home, search, profiles, work pages, and the htmx fragments (graph slice, trust
   explanation, works list page 2). Run 2 SIGKILLs one gunicorn worker a third of the way
   in (gunicorn's master starts another); run 3 stops Redis a third of the way in.
5. Prints per run: requests/s, p50 and p99 latency, and the errors apart: non-2xx/3xx
   statuses, socket errors, client timeouts (``--timeout``, 10 s: a request queued that long
   is an error, a shorter wait is not); per kind of page, the statuses. Writes
   bench/out/bench-load.json.

The client is this module's own (``load``): asyncio streams, HTTP/1.1 keep-alive, standard
library only, so the test suite can run it too (tests/scripts/test_bench_load.py). At this
site's rate (about 150 requests/s) it needs a few per cent of one core. A client reopens a
connection the server closed between two requests (nginx's keepalive_timeout) and sends the
request again: what every HTTP client does, not an error; the count is printed.

Exit status: 0 when every run had no error, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import quote, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts import demo, localservices, proxy  # noqa: E402  (demo.py: the demo's import steps)
from scripts.bench.bench_import import ensure_database  # noqa: E402

OUT = REPO / "bench" / "out"
DATABASE = "bzpeer_loadbench"
SECRET_KEY = "bench-load-only-" + "k" * 50  # noqa: S105 (a throwaway key for a local benchmark)
# Share of the run after which the disturbance of runs 2 and 3 happens.
DISTURB_AT = 1 / 3
# A response head larger than this is not this site's.
MAX_HEAD = 64 * 1024


# --- the mix of requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request of the mix: its kind (for the per-kind figures), path and extra headers."""

    kind: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


HTMX = (("HX-Request", "true"),)
# works.selectors.WORKS_PER_PAGE (not imported: the script does not set Django up).
WORKS_PER_PAGE = 20


def mix(url: str, profiles: int = 40, works: int = 40, seed: int = 7) -> list[Target]:
    """The requests of a run (``mix_from``) over the imported researchers and the works of
    the database at ``url``."""
    with psycopg.connect(url) as conn:
        researchers = conn.execute(
            "SELECT openalex_id, display_name, works_count FROM profiles_researcher "
            "WHERE record_status = 'imported' ORDER BY id"
        ).fetchall()
        work_ids = [row[0] for row in conn.execute("SELECT openalex_id FROM works_work ORDER BY id")]
    if not researchers or not work_ids:
        raise SystemExit(f"the database {url.rsplit('/', 1)[-1]} holds no imported researcher or no work")
    return mix_from(researchers, work_ids, profiles, works, seed)


def mix_from(
    researchers: Sequence[tuple[str, str, int]],
    work_ids: Sequence[str],
    profiles: int = 40,
    works: int = 40,
    seed: int = 7,
) -> list[Target]:
    """The requests of a run, drawn with a fixed seed from ``researchers`` (OpenAlex id,
    name, works count) and ``work_ids``: ``profiles`` profiles, each with its graph slice and
    trust explanation fragments, page 2 of its works list when it has one, and a search for
    the name's last word; ``works`` work pages; the home page once for every four profiles.
    The fragments are asked for as htmx asks for them. Shuffled, so that a round mixes every
    kind."""
    rng = random.Random(seed)
    chosen = rng.sample(list(researchers), min(profiles, len(researchers)))
    targets: list[Target] = []
    for openalex_id, name, works_count in chosen:
        base = f"/researchers/{openalex_id}/"
        targets.append(Target("profile", base))
        targets.append(Target("graph slice", f"{base}graph-slice/", HTMX))
        targets.append(Target("trust", f"{base}trust/", HTMX))
        if works_count > WORKS_PER_PAGE:
            targets.append(Target("works page 2", f"{base}?page=2", HTMX))
        targets.append(Target("search", f"/?q={quote(name.split()[-1])}"))
    targets += [Target("work", f"/works/{w}/") for w in rng.sample(list(work_ids), min(works, len(work_ids)))]
    targets += [Target("home", "/")] * max(1, len(chosen) // 4)
    rng.shuffle(targets)
    return targets


# --- the load client ----------------------------------------------------------------------------


@dataclass
class Result:
    """What a run measured. Latencies are of the answered requests, in seconds."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    statuses_by_kind: dict[str, Counter[int]] = field(default_factory=dict)
    socket_errors: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    reconnects: int = 0
    events: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def bad_statuses(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 400)

    @property
    def errors(self) -> int:
        return self.bad_statuses + sum(self.socket_errors.values()) + self.timeouts

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies (NaN when none)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_s": round(self.percentile(0.50), 4),
            "p99_s": round(self.percentile(0.99), 4),
            "bad_statuses": self.bad_statuses,
            "socket_errors": dict(self.socket_errors),
            "timeouts": self.timeouts,
            "reconnects": self.reconnects,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "statuses_by_kind": {
                kind: {str(k): v for k, v in sorted(c.items())} for kind, c in sorted(self.statuses_by_kind.items())
            },
            "events": self.events,
        }


class StaleConnection(Exception):
    """The server closed a reused keep-alive connection before answering: send again."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise ValueError("response head too large")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip().lower()
    keep = headers.get("connection") != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status not in (204, 304):
        await reader.read()  # delimited by the close
        keep = False
    return status, keep


async def load(
    port: int,
    targets: Sequence[Target],
    connections: int,
    duration: float,
    timeout: float = 10.0,
    events: Sequence[tuple[float, str, Callable[[], object]]] = (),
    once: bool = False,
) -> Result:
    """``connections`` keep-alive clients send the ``targets`` in turn (one shared round) to
    127.0.0.1:``port`` for ``duration`` seconds, each request given ``timeout`` seconds from
    sending to the end of its response. ``events`` are ``(seconds, label, action)``: each
    action runs in a thread at that time of the run. With ``once`` every target is sent once
    and the run ends when all are answered (or ``duration`` is over). Requests still
    unanswered when the time is up are neither counted nor errors."""
    result = Result()
    position = 0
    started = time.monotonic()
    deadline = started + duration
    host = f"127.0.0.1:{port}"

    def next_target() -> Target | None:
        nonlocal position
        if once and position >= len(targets):
            return None
        target = targets[position % len(targets)]
        position += 1
        return target

    async def exchange(state: dict[str, object], target: Target) -> int:
        """One request on the client's connection (opened when it has none)."""
        if state.get("writer") is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            state.update(reader=reader, writer=writer, used=0)
        reader = cast(asyncio.StreamReader, state["reader"])
        writer = cast(asyncio.StreamWriter, state["writer"])
        extra = "".join(f"{name}: {value}\r\n" for name, value in target.headers)
        writer.write(f"GET {target.path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode("latin-1"))
        reused = bool(state["used"])
        try:
            await writer.drain()
            status, keep = await read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            if reused and (not isinstance(exc, asyncio.IncompleteReadError) or not exc.partial):
                raise StaleConnection from exc
            raise
        state["used"] = int(state["used"]) + 1  # type: ignore[call-overload]
        if not keep:
            close(state)
        return status

    def close(state: dict[str, object]) -> None:
        writer = state.pop("writer", None)
        state.pop("reader", None)
        if isinstance(writer, asyncio.StreamWriter):
            writer.close()

    async def client() -> None:
        state: dict[str, object] = {}
        try:
            while time.monotonic() < deadline:
                target = next_target()
                if target is None:
                    return
                began = time.monotonic()
                remaining = began + timeout
                try:
                    for attempt in range(2):  # a stale keep-alive connection is retried once
                        try:
                            left = max(0.001, remaining - time.monotonic())
                            status = await asyncio.wait_for(exchange(state, target), left)
                            break
                        except StaleConnection:
                            close(state)
                            if attempt:
                                raise
                            result.reconnects += 1
                except TimeoutError:
                    close(state)
                    if time.monotonic() < deadline:
                        result.timeouts += 1
                    continue
                except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        StaleConnection) as exc:
                    close(state)
                    if time.monotonic() < deadline:
                        result.socket_errors[type(exc).__name__] += 1
                    continue
                ended = time.monotonic()
                if ended > deadline and not once:
                    return  # answered after the end: not part of the run
                result.latencies.append(ended - began)
                result.statuses[status] += 1
                result.statuses_by_kind.setdefault(target.kind, Counter())[status] += 1
        finally:
            close(state)

    async def disturb(at: float, label: str, action: Callable[[], object]) -> None:
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        outcome = await asyncio.to_thread(action)
        result.events.append(f"{time.monotonic() - started:.1f} s: {label}" + (f" ({outcome})" if outcome else ""))

    tasks = [asyncio.create_task(client()) for _ in range(connections)]
    side = [asyncio.create_task(disturb(*event)) for event in events]
    # Bounded: every client stops starting requests at the deadline, and none waits longer
    # than ``timeout`` for an answer.
    await asyncio.wait(tasks, timeout=duration + timeout + 5)
    for task in tasks + side:
        task.cancel()
    await asyncio.gather(*tasks, *side, return_exceptions=True)
    result.seconds = min(time.monotonic(), deadline) - started if not once else time.monotonic() - started
    return result


# --- Redis and the disturbances -----------------------------------------------------------------


@dataclass
class Redis:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> str:
        """Stop it for good (SIGTERM; no persistence to write)."""
        proxy.stop(self.process)
        return f"redis-server exited with {self.process.returncode}"


@contextmanager
def run_redis(folder: Path) -> Iterator[Redis]:
    """A redis-server of the benchmark's own on a free loopback port, without persistence;
    the binary is the one scripts/localservices.py uses. Stopped when the block ends."""
    binary, _ = localservices.find_redis_server(localservices.Layout(localservices.DEFAULT_DATA_DIR))
    port = proxy.free_port()
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
    )
    try:
        deadline = time.monotonic() + 20
        while not localservices.redis_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{port}")
            time.sleep(0.1)
        yield Redis(port=port, process=process)
    finally:
        proxy.stop(process)


def kill_one_worker(gunicorn: proxy.Gunicorn) -> str:
    """SIGKILL one of gunicorn's workers; which one (its pid)."""
    workers = gunicorn.worker_pids()
    if not workers:
        raise RuntimeError("gunicorn has no worker to kill")
    os.kill(workers[0], signal.SIGKILL)
    return f"worker {workers[0]} killed"


# --- database -----------------------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL when set, else the project-local PostgreSQL (started when down)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    layout = localservices.Layout(Path(os.environ.get("BZPEER_DATA_DIR", localservices.DEFAULT_DATA_DIR)).resolve())
    localservices.start(layout, ["postgres"])
    url = localservices.service_urls(layout)["postgres"]
    if not url:
        raise SystemExit("the project-local PostgreSQL did not start (python3 scripts/localservices.py status)")
    return url


def bench_url(database: str) -> str:
    return urlunsplit(urlsplit(server_url())._replace(path=f"/{database}"))


def django_env(url: str, redis_url: str) -> dict[str, str]:
    """Production's settings (DEBUG off) for a server on loopback behind one proxy."""
    return dict(
        os.environ,
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1:8000",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        TRUSTED_PROXY_COUNT="1",
        CACHE_KEY_PREFIX="bzpeer-bench-load",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


class DemoData(demo.Demo):
    """scripts/demo.py's import steps against the benchmark database, for the given authors only."""

    def __init__(self, env: dict[str, str], authors: list[str]) -> None:
        super().__init__(localservices.Layout(localservices.DEFAULT_DATA_DIR))
        self.env = env
        self.authors = authors

    def demo_authors(self) -> list[str]:
        return self.authors

    def close(self) -> None:
        for name, process in self.children:
            self.terminate(name, process)


def missing_demo_authors(url: str, env: dict[str, str]) -> list[str]:
    """The demo authors the database does not hold as imported records yet."""
    wanted = demo.Demo(localservices.Layout(localservices.DEFAULT_DATA_DIR)).demo_authors()
    with psycopg.connect(url) as conn:
        have = {
            row[0]
            for row in conn.execute(
                "SELECT openalex_id FROM profiles_researcher WHERE record_status = 'imported' "
                "AND openalex_id = ANY(%s)",
                [wanted],
            )
        }
    return [author for author in wanted if author not in have]


def prepare_database(url: str, redis_url: str) -> None:
    """Create (once), migrate and complete the benchmark database; collect static files."""
    created = ensure_database(url)
    print(f"database {url.rsplit('/', 1)[-1]}{' (created)' if created else ''}", flush=True)
    # The demo's steps run as `make demo` runs them (DEBUG on); collectstatic as production
    # runs it (with DEBUG off the pages need its manifest of hashed names).
    env = dict(django_env(url, redis_url), DEBUG="1")
    data = DemoData(env, [])
    try:
        data.step("migrate", [*demo.MANAGE, "migrate", "--noinput"])
        data.env = django_env(url, redis_url)
        data.step("collectstatic", [*demo.MANAGE, "collectstatic", "--noinput", "-v", "0"])
        data.env = env
        data.authors = missing_demo_authors(url, env)
        if data.authors:
            data.import_demo_data()
        else:
            print("every demo author is already imported: nothing to load", flush=True)
    finally:
        data.close()


# --- main -----------------------------------------------------------------------------------


def report(name: str, result: Result) -> str:
    sockets = sum(result.socket_errors.values())
    return (
        f"{name:<22}{result.requests_per_second:>8.1f}{result.percentile(0.5):>8.2f}{result.percentile(0.99):>8.2f}"
        f"{result.requests:>9,}{result.bad_statuses:>8}{sockets:>8}{result.timeouts:>9}{result.errors:>8}"
    )


def details(result: Result) -> Iterator[str]:
    for event in result.events:
        yield f"    {event}"
    if result.socket_errors:
        yield f"    socket errors: {dict(result.socket_errors)}"
    if result.reconnects:
        yield f"    keep-alive connections closed by nginx and reopened: {result.reconnects}"
    for kind, statuses in sorted(result.statuses_by_kind.items()):
        yield f"    {kind:<14}" + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=DATABASE, help=f"benchmark database ({DATABASE})")
    parser.add_argument("--connections", type=int, default=200, help="concurrent clients (200)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run (60)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a request may take (10)")
    parser.add_argument("--runs", default="normal,kill,redis",
                        help="which runs, in order (normal,kill,redis: all three)")
    args = parser.parse_args(argv)
    chosen = args.runs.split(",")
    if not chosen or not set(chosen) <= {"normal", "kill", "redis"}:
        parser.error("--runs takes a comma-separated list of normal, kill and redis")
    if not 1 <= args.connections <= 1000 or not 1 <= args.duration <= 600 or not 0 < args.timeout <= 60:
        parser.error("--connections 1..1000, --duration 1..600 and --timeout up to 60 s")

    url = bench_url(args.database)
    print(
        f"cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}; {platform.platform()}",
        flush=True,
    )
    with proxy.world_readable_tempdir("bzpeer-bench-load-") as folder:
        (folder / "redis").mkdir()
        with run_redis(folder / "redis") as redis:
            prepare_database(url, redis.url)
            targets = mix(url)
            kinds = Counter(target.kind for target in targets)
            print(f"mix of {len(targets)} requests: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
            nginx_run = folder / "nginx"
            server_output = folder / "gunicorn-output.log"
            nginx_run.mkdir()
            with (
                proxy.run_gunicorn(folder, django_env(url, redis.url), output=server_output) as gunicorn,
                proxy.run_nginx(gunicorn.address, nginx_run, access_log=False) as nginx,
            ):
                print(f"gunicorn {gunicorn.address} (2 workers), nginx 127.0.0.1:{nginx.port}, "
                      f"redis 127.0.0.1:{redis.port}", flush=True)
                warm = asyncio.run(load(nginx.port, targets, 8, 120, args.timeout, once=True))
                print(f"warming pass: {warm.requests} requests in {warm.seconds:.0f} s, "
                      f"statuses {dict(warm.statuses)}", flush=True)
                at = args.duration * DISTURB_AT
                runs: list[tuple[str, Result]] = []
                plans: dict[str, tuple[str, list[tuple[float, str, Callable[[], object]]]]] = {
                    "normal": ("normal", []),
                    "kill": (
                        "worker SIGKILLed", [(at, "SIGKILL to one gunicorn worker", lambda: kill_one_worker(gunicorn))]
                    ),
                    "redis": ("Redis stopped", [(at, "Redis stopped", redis.stop)]),
                }
                for name, events in (plans[key] for key in chosen):
                    print(f"run: {name} ({args.connections} connections, {args.duration:.0f} s) ...", flush=True)
                    result = asyncio.run(
                        load(nginx.port, targets, args.connections, args.duration, args.timeout, events)
                    )
                    runs.append((name, result))
                    print(report(name, result), flush=True)
                server_errors = [
                    line for line in server_output.read_text(errors="replace").splitlines()
                    if line.startswith("Internal Server Error")
                ]
                nginx_errors = [
                    line for line in nginx.error_log().splitlines() if "[error]" in line or "[warn]" in line
                ]

    print(f"\n{'':<22}{'req/s':>8}{'p50 s':>8}{'p99 s':>8}{'requests':>9}{'status':>8}{'socket':>8}"
          f"{'timeout':>9}{'errors':>8}")
    for name, result in runs:
        print(report(name, result))
        for line in details(result):
            print(line)
    if server_errors:
        print(f"\nDjango logged {len(server_errors)} 500 response(s); the last ones:")
        for line in server_errors[-3:]:
            print(f"    {line}")
    if nginx_errors:
        print(f"\nnginx logged {len(nginx_errors)} error/warning line(s); the last ones:")
        for line in nginx_errors[-5:]:
            print(f"    {line}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-load.json").write_text(
        json.dumps(
            {
                "connections": args.connections,
                "duration": args.duration,
                "timeout": args.timeout,
                "mix": dict(kinds),
                "runs": {name: result.summary() for name, result in runs},
                "nginx_errors": nginx_errors[-20:],
                "django_500s": len(server_errors),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    failed = [name for name, result in runs if result.errors]
    for name in failed:
        print(f"NOT MET: run '{name}' had errors", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
