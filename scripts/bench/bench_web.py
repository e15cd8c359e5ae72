"""``make bench-web``: the researcher profile page under load, beside a view that runs one
``SELECT 1`` (``/healthz``), on the same production server, on a database of 1,000,000 works.

Steps (only the wrk runs are measured):

1. Creates the database ``bzpeer_bench_web`` on DATABASE_URL's server if it is missing and
   migrates it. No other database is touched.
2. Generates ``bench/out/works-web-1m.jsonl.gz`` (scripts/bench/generate_works.py: 1,000,000
   works, 200,000 authors, seed 7) if it is absent.
3. Unless the database already holds that file (``--reload`` forces it): loads it with the
   COPY loader of scripts/bench/copy_baseline.py (the importer's parser, then COPY), turns
   every author into an imported record with what an author import would give it (works and
   citation counts, counts by year, h-index and i10, affiliations with years, top topics, a
   generated bio), refreshes the co-author edges (graph.edges) and, when the command
   exists, computes trust (``manage.py recompute_trust --all``).
4. Starts gunicorn as in production: DEBUG off, SECRET_KEY set, 2 sync workers, persistent
   database connections (settings: CONN_MAX_AGE 600), static files from collectstatic.
5. Drives, with wrk at 16 connections (3 s warm-up, then ``--duration`` seconds, default 10),
   ``--rounds`` times (default 3) alternately: ``/healthz``, and the profiles of ``--sample``
   researchers drawn at random (the same ones each run) as anonymous visitors, after one
   warming pass has filled the page cache (pages.page_cache), and the same profiles as a
   signed-in visitor (the same cached pages with the visitor's own parts filled in).
6. Then once each, in the same server run and at 16 connections: search (``/?q=`` a few
   queries), the graph slice fragment, work, topic and institution pages and home, anonymous,
   and signed in where the page shows the visitor (all but the slice, which shows the same to
   everyone); work pages and slices are warmed first, as profiles are.
7. Prints requests/s, p50 and p99 of each run, the medians, the ratios of the anonymous and
   signed-in profiles' medians to ``/healthz``'s and the verdicts against the targets
   (anonymous >= 0.5, signed in >= 0.3, p99 < 50 ms), and writes ``bench/out/bench-web.json``.

Exit status: 0 when every run answered only 2xx (the targets are reported, not enforced:
this machine's two cores are shared by wrk, gunicorn and PostgreSQL, so figures move by
±15% between runs); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import copy_baseline, generate_works  # noqa: E402
from scripts.bench.bench_import import ensure_database  # noqa: E402

OUT = REPO / "bench" / "out"
DEFAULT_FILE = OUT / "works-web-1m.jsonl.gz"
DATABASE = "bzpeer_bench_web"
TARGET_RATIO = 0.5
TARGET_SIGNED_IN_RATIO = 0.3
TARGET_P99_MS = 50.0
SECRET_KEY = "bench-web-only-" + "k" * 50  # noqa: S105 (a throwaway key for a local benchmark)


@dataclass
class Run:
    name: str
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str


# --- database --------------------------------------------------------------------------------


def bench_url(database: str = DATABASE) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def django_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
    env.update(
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1:8000",  # required with DEBUG off
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CACHE_KEY_PREFIX="bzpeer-bench-web",  # pages cached by this run stay apart from others
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(url: str, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=django_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{(done.stderr or done.stdout)[-3000:]}")
    return done.stdout


# Runs in a child process with Django set up for the benchmark's database: executes the code
# and writes the JSON of its ``result`` variable to the file named by the first argument.
_RUN_CODE = """
import json, sys
import django
django.setup()
namespace = {}
exec(compile(sys.stdin.read(), "<benchmark code>", "exec"), namespace)
with open(sys.argv[1], "w") as out:
    json.dump(namespace.get("result"), out)
"""


def run_code(url: str, code: str, **extra_env: str) -> Any:
    """Run ``code`` in the project (Django set up, DEBUG off, on the database at ``url``) in a
    child process and return the JSON value it leaves in its ``result`` variable. Machine-readable
    on purpose: the value travels in a file of its own, never parsed out of what the code (or
    Django, or a library) prints, which goes to this process's output unchanged."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run(
            [sys.executable, "-c", _RUN_CODE, out.name],
            cwd=REPO,
            env={**django_env(url, **extra_env), "DJANGO_SETTINGS_MODULE": "bzpeer.settings"},
            input=code,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"benchmark code failed (exit {done.returncode}); its traceback is above")
        return json.loads(Path(out.name).read_text() or "null")


def loaded_file(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_web_dataset (file text, works bigint, loaded_at timestamptz)")
        row = conn.execute("SELECT file FROM bench_web_dataset ORDER BY loaded_at DESC LIMIT 1").fetchone()
        return row[0] if row else None


# What an author import would have written for every researcher, derived from their works.
ENRICH: list[tuple[str, str]] = [
    (
        "works per researcher (temp table)",
        """CREATE TEMP TABLE rw AS
       SELECT a.researcher_id AS rid, w.id AS wid, w.publication_year AS y, w.cited_by_count AS c,
              a.institution_openalex_ids AS inst
       FROM works_authorship a JOIN works_work w ON w.id = a.work_id
       WHERE a.researcher_id IS NOT NULL""",
    ),
    ("index", "CREATE INDEX ON rw (rid)"),
    ("analyze", "ANALYZE rw"),
    (
        "researcher counts, h-index, counts by year",
        """UPDATE profiles_researcher r SET record_status = 'imported', works_count = s.n, cited_by_count = s.c,
              h_index = s.h, i10_index = s.i10, imported_at = now(), counts_by_year = s.cby
       FROM (SELECT rid, count(*) AS n, sum(c) AS c,
                    coalesce(max(rk) FILTER (WHERE c >= rk), 0) AS h, count(*) FILTER (WHERE c >= 10) AS i10,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('year', y, 'works_count', wn, 'cited_by_count', cn)
                                               ORDER BY y), '[]')
                     FROM (SELECT y, count(*) AS wn, sum(c) AS cn FROM rw r2 WHERE r2.rid = x.rid AND y >= 2013
                           GROUP BY y) years) AS cby
             FROM (SELECT rid, c, row_number() OVER (PARTITION BY rid ORDER BY c DESC) AS rk FROM rw) x
             GROUP BY rid) s
       WHERE r.id = s.rid""",
    ),
    (
        "affiliations",
        """INSERT INTO profiles_researcheraffiliation (researcher_id, institution_id, years, is_last_known, source)
       SELECT rid, inst_id, years, rn = 1, 'affiliations'
       FROM (SELECT t.rid, i.id AS inst_id, array_agg(DISTINCT t.y ORDER BY t.y DESC) AS years,
                    row_number() OVER (PARTITION BY t.rid ORDER BY max(t.y) DESC, count(*) DESC, i.id) AS rn
             FROM (SELECT rid, y, unnest(inst) AS oid FROM rw WHERE y IS NOT NULL) t
             JOIN profiles_institution i ON i.openalex_id = t.oid
             GROUP BY t.rid, i.id) a
       WHERE rn <= 3""",
    ),
    (
        "topics",
        """INSERT INTO profiles_researchertopic (researcher_id, topic_id, rank, works_count)
       SELECT rid, topic_id, rn, n
       FROM (SELECT rw.rid, wt.topic_id, count(*) AS n,
                    row_number() OVER (PARTITION BY rw.rid ORDER BY count(*) DESC, wt.topic_id) AS rn
             FROM rw JOIN works_worktopic wt ON wt.work_id = rw.wid
             GROUP BY rw.rid, wt.topic_id) t
       WHERE rn <= 5""",
    ),
    # The generated bio's shape (profiles/bio.py): top topics, institution, active years.
    (
        "generated bios",
        """UPDATE profiles_researcher r SET generated_bio =
              'Works mainly on ' || t1.display_name || coalesce('; also ' || t2.display_name, '') || '. '
              || coalesce('At ' || inst.display_name || '; ', '')
              || r.works_count || CASE WHEN r.works_count = 1 THEN ' work' ELSE ' works' END
              || ' published ' || yr.lo || '–' || yr.hi || '.'
       FROM profiles_researchertopic rt1 JOIN profiles_topic t1 ON t1.id = rt1.topic_id
       LEFT JOIN profiles_researchertopic rt2 ON rt2.researcher_id = rt1.researcher_id AND rt2.rank = 2
       LEFT JOIN profiles_topic t2 ON t2.id = rt2.topic_id,
       LATERAL (SELECT min(y) AS lo, max(y) AS hi FROM rw WHERE rw.rid = rt1.researcher_id) yr,
       LATERAL (SELECT i.display_name FROM profiles_researcheraffiliation ra
                JOIN profiles_institution i ON i.id = ra.institution_id
                WHERE ra.researcher_id = rt1.researcher_id AND ra.is_last_known LIMIT 1) inst
       WHERE rt1.rank = 1 AND r.id = rt1.researcher_id""",
    ),
    ("analyze everything", "ANALYZE"),
]


def load(url: str, path: Path) -> None:
    started = time.perf_counter()
    print(f"loading {path.relative_to(REPO)} with the COPY loader (not timed) ...", flush=True)
    result = copy_baseline.run_baseline([path], url)
    print(
        f"  {result.rows['works_work']:,} works, {result.rows['profiles_researcher']:,} researchers, "
        f"{result.rows['works_authorship']:,} authorships in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with psycopg.connect(url) as conn:
        for label, statement in ENRICH:
            step = time.perf_counter()
            conn.execute(statement)
            print(f"  {label}: {time.perf_counter() - step:.0f} s", flush=True)
    step = time.perf_counter()
    edges = run_code(url, "from graph.edges import coauthor_edges_refresh as r; result = r()")
    print(f"  co-author edges: {edges} rows ({time.perf_counter() - step:.0f} s)", flush=True)
    if run_code(url, "from django.core.management import get_commands; result = 'recompute_trust' in get_commands()"):
        step = time.perf_counter()
        manage(url, "recompute_trust", "--all")
        print(f"  trust computed ({time.perf_counter() - step:.0f} s)", flush=True)
    else:
        print("  trust: no recompute_trust command yet; pages say the score is being computed")
    step = time.perf_counter()
    # Fresh statistics, as autovacuum would leave them: with the edge table's stale ones the
    # planner expects 360,000 edges per researcher, and JIT-compiles every profile query.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        print(f"  vacuum analyze ({time.perf_counter() - step:.0f} s)", flush=True)
        conn.execute("INSERT INTO bench_web_dataset VALUES (%s, %s, now())", [path.name, result.works])
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


def counts(url: str) -> dict[str, int]:
    tables = {
        "researchers": "profiles_researcher",
        "works": "works_work",
        "authorships": "works_authorship",
        "coauthor_edges": "graph_coauthoredge",
        "trust_snapshots": "graph_trustsnapshot",
    }
    with psycopg.connect(url) as conn:
        return {k: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for k, t in tables.items()}  # type: ignore[index]


def sample_profiles(url: str, n: int, seed: int) -> list[str]:
    """``n`` researchers drawn uniformly (fixed seed), so small and large profiles both come up."""
    with psycopg.connect(url) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT openalex_id FROM profiles_researcher WHERE record_status = 'imported' ORDER BY id"
            )
        ]
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


def signed_in_cookie(url: str, username: str = "bench-web") -> str:
    """A session cookie of the account ``username`` (made, with a verified address, if missing),
    and its CSRF cookie, as a signed-in browser sends them."""
    code = (
        "from allauth.account.models import EmailAddress\n"
        "from django.contrib.auth import get_user_model\n"
        "from core.sessions import SessionStore\n"
        "from django.middleware.csrf import _get_new_csrf_string\n"
        f"u, _ = get_user_model().objects.get_or_create(username={username!r}, "
        f"defaults={{'email': '{username}@example.org'}})\n"
        "EmailAddress.objects.get_or_create(user=u, email=u.email, defaults={'verified': True, 'primary': True})\n"
        "s = SessionStore(); s['_auth_user_id'] = str(u.pk)\n"
        "s['_auth_user_backend'] = 'core.auth_backends.ModelBackend'\n"
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create()\n"
        "result = {'session': s.session_key, 'csrf': _get_new_csrf_string()}\n"
    )
    made = run_code(url, code)
    return f"sessionid={made['session']}; csrftoken={made['csrf']}"


def sample_pages(url: str, profiles: list[str], seed: int) -> dict[str, list[str]]:
    """Paths of the other pages driven beside the profile, drawn with a fixed seed: works,
    topics and institutions, the profiles' graph slices, and search queries made of words
    the data holds (surnames and topic words)."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:

        def ids(sql: str, n: int) -> list[str]:
            rows = [row[0] for row in conn.execute(sql)]
            return sorted(rng.sample(rows, min(n, len(rows))))

        works = ids("SELECT openalex_id FROM works_work WHERE id % 997 = 0", 200)
        topics = ids("SELECT openalex_id FROM profiles_topic", 50)
        institutions = ids("SELECT openalex_id FROM profiles_institution", 50)
        names = ids("SELECT display_name FROM profiles_researcher WHERE id % 991 = 0", 3)
        topic_names = ids("SELECT display_name FROM profiles_topic", 2)
    words = [name.split()[-1] for name in names] + [name.split()[0] for name in topic_names]
    return {
        "search": [f"/?q={urllib.parse.quote(word)}" for word in words],
        "graph slice": [f"{path}graph-slice/" for path in profiles[:200]],
        "work": [f"/works/{i}/" for i in works],
        "topic": [f"/topics/{i}/" for i in topics],
        "institution": [f"/institutions/{i}/" for i in institutions],
        "home": ["/"],
    }


# The pages whose runs are repeated signed in (the slice shows the same to everyone).
SIGNED_IN_PAGES = ("search", "work", "topic", "institution", "home")


# --- server and load --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    manage(url, "collectstatic", "--noinput", "-v0")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bzpeer.wsgi:application",
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=django_env(url),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        print("installing wrk (Debian package) ...", flush=True)
        apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        # A fresh image has no package lists yet: read them once if the install cannot find wrk.
        if subprocess.run(install, check=False, env=apt_env).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=False, env=apt_env)
            subprocess.run(install, check=False, env=apt_env)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


LUA = """
local paths = {%s}
local counter = 0
init = function(args) counter = tonumber(args[1]) or 0 end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> tuple[float, float, float, int, int, str]:
    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return (
        rps,
        latency("50"),
        latency("99"),
        total,
        int(non2xx.group(1)) if non2xx else 0,
        (errors.group(1) if errors else "none"),
    )


def drive(wrk: str, base: str, name: str, paths: list[str], duration: int, cookie: str = "") -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(json.dumps(p) for p in paths))
    args = [wrk, "-t2", "-c16", "--latency", "-s", script.name]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    try:
        subprocess.run([*args, "-d3s", base], capture_output=True, check=True)  # warm-up
        output = subprocess.run([*args, f"-d{duration}s", base], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    rps, p50, p99, total, non2xx, errors = parse_wrk(output)
    label = paths[0] if len(paths) == 1 else f"{len(paths)} paths"
    return Run(name, label, rps, p50, p99, total, non2xx, errors)


def print_runs(runs: list[Run]) -> None:
    """The table of wrk runs every web benchmark prints."""
    print(f"\n{'':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'non-2xx':>9}")
    for run in runs:
        print(
            f"{run.name:<24}{run.requests_per_second:>9.0f}{run.p50_ms:>9.1f}{run.p99_ms:>9.1f}"
            f"{run.requests:>10,}{run.non_2xx:>9}"
        )


def failed_runs(runs: list[Run]) -> list[str]:
    """The runs that had non-2xx responses or none at all (said on stderr)."""
    failed = [r.name for r in runs if r.non_2xx or r.requests == 0]
    for name in failed:
        print(f"FAILED: {name} had non-2xx responses or none at all", file=sys.stderr)
    return failed


def median_run(runs: list[Run]) -> Run:
    """The run with the median throughput (its own p50 and p99 alongside)."""
    return sorted(runs, key=lambda r: r.requests_per_second)[len(runs) // 2]


def alternate(
    url: str, wrk: str, name: str, paths: list[str], *, rounds: int, duration: int, warm_label: str = ""
) -> list[Run]:
    """Start gunicorn on ``url``'s database, request every path once (when ``warm_label`` says
    what is warmed), then ``rounds`` rounds of wrk on ``/healthz`` (one SELECT) and on
    ``paths`` under ``name``; the server is stopped whatever happens."""
    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    runs: list[Run] = []
    try:
        if warm_label:
            print(f"warming {warm_label} with {len(paths)} requests: {warm(base, paths):.0f} s", flush=True)
        for _ in range(rounds):
            runs.append(drive(wrk, base, "one SELECT (/healthz)", ["/healthz"], duration))
            runs.append(drive(wrk, base, name, paths, duration))
    finally:
        stop_server(server)
    return runs


def floor_ratio(runs: list[Run], name: str) -> tuple[float, Run]:
    """The median run of ``name`` and its throughput over the median one-SELECT run's."""
    healthz = median_run([r for r in runs if r.path == "/healthz"])
    run = median_run([r for r in runs if r.name == name])
    return run.requests_per_second / healthz.requests_per_second, run


def warm(base: str, paths: list[str]) -> float:
    """Request every path once (8 at a time) so the anonymous runs measure cached pages."""
    started = time.perf_counter()
    queue = list(paths)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
                response.read()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--works", type=int, default=1_000_000, help="when generating")
    parser.add_argument("--authors", type=int, default=200_000, help="when generating")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reload", action="store_true", help="load the file again")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of /healthz and profiles (3)")
    parser.add_argument("--sample", type=int, default=500, help="profiles to drive (500)")
    parser.add_argument("--database", default=DATABASE, help=f"benchmark database ({DATABASE}); its data is replaced")
    args = parser.parse_args(argv)
    path: Path = args.file if args.file.is_absolute() else REPO / args.file

    wrk = ensure_wrk()
    url = bench_url(args.database)
    created = ensure_database(url)
    print(
        f"database: {args.database}{' (created)' if created else ''}; cpus {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.2f}; {platform.platform()}",
        flush=True,
    )
    manage(url, "migrate", "--noinput")
    if not path.exists():
        stats = generate_works.generate(str(path), args.works, args.authors, args.seed)
        print(f"generated {path.relative_to(REPO)}: {stats.works:,} works in {stats.seconds:.0f} s", flush=True)
    if args.reload or loaded_file(url) != path.name:
        load(url, path)
    sizes = counts(url)
    print("data:", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items()), flush=True)

    profiles = [f"/researchers/{i}/" for i in sample_profiles(url, args.sample, args.seed)]
    others = sample_pages(url, profiles, args.seed)
    cookie = signed_in_cookie(url)
    port = free_port()
    server = start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        print(f"warming the page cache with {len(profiles)} profiles: {warm(base, profiles):.0f} s", flush=True)
        cached = others["work"] + others["graph slice"]
        print(f"warming {len(cached)} work pages and graph slices: {warm(base, cached):.0f} s", flush=True)
        # Alternated, so that a burst of other work on the machine does not land on one side.
        runs = []
        for _ in range(args.rounds):
            runs.append(drive(wrk, base, "one SELECT (/healthz)", ["/healthz"], args.duration))
            runs.append(drive(wrk, base, "profile, anonymous", profiles, args.duration))
            runs.append(drive(wrk, base, "profile, signed in", profiles, args.duration, cookie))
        for kind, paths in others.items():
            runs.append(drive(wrk, base, f"{kind}, anonymous", paths, args.duration))
            if kind in SIGNED_IN_PAGES:
                runs.append(drive(wrk, base, f"{kind}, signed in", paths, args.duration, cookie))
    finally:
        stop_server(server)

    print_runs(runs)
    healthz = median_run([r for r in runs if r.path == "/healthz"])
    anonymous = median_run([r for r in runs if r.name == "profile, anonymous"])
    signed_in = median_run([r for r in runs if r.name == "profile, signed in"])
    print(
        f"medians of {args.rounds} round(s): one SELECT {healthz.requests_per_second:.0f} req/s "
        f"(p99 {healthz.p99_ms:.1f} ms), anonymous profile {anonymous.requests_per_second:.0f} req/s "
        f"(p99 {anonymous.p99_ms:.1f} ms), signed-in profile {signed_in.requests_per_second:.0f} req/s "
        f"(p99 {signed_in.p99_ms:.1f} ms)"
    )
    ratio = anonymous.requests_per_second / healthz.requests_per_second
    signed_in_ratio = signed_in.requests_per_second / healthz.requests_per_second
    print(
        f"\nprofile (anonymous) / one SELECT: {ratio:.2f} (target >= {TARGET_RATIO}: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); "
        f"profile p99 {anonymous.p99_ms:.1f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if anonymous.p99_ms < TARGET_P99_MS else 'NOT met'})"
    )
    print(
        f"profile (signed in) / one SELECT: {signed_in_ratio:.2f} (target >= {TARGET_SIGNED_IN_RATIO}: "
        f"{'met' if signed_in_ratio >= TARGET_SIGNED_IN_RATIO else 'NOT met'}); "
        f"signed-in p99 {signed_in.p99_ms:.1f} ms (target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if signed_in.p99_ms < TARGET_P99_MS else 'NOT met'})"
    )
    for run in runs[3 * args.rounds :]:
        print(f"{run.name} / one SELECT: {run.requests_per_second / healthz.requests_per_second:.2f}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-web.json").write_text(
        json.dumps(
            {
                "data": sizes,
                "profiles": len(profiles),
                "runs": [asdict(r) for r in runs],
                "ratio": round(ratio, 3),
                "signed_in_ratio": round(signed_in_ratio, 3),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if failed_runs(runs) else 0


if __name__ == "__main__":
    sys.exit(main())
