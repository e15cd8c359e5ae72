"""``make bench-work``: the public page of a huge work (5,000 authors, a 200,000-character
title), its size and cost, rendered and from the page cache, and what four clients get.

Steps (nothing but the measurements is timed):

1. Creates the database ``--database`` (default ``bzpeer_bench_work``) on DATABASE_URL's
   server if it is missing and migrates it. No other database is touched.
2. Unless it is already there, writes the work ``W9900000001`` through the ORM: 5,000
   researchers as its authors in byline order, a title of 200,000 characters, an abstract,
   a venue and a topic; then VACUUM ANALYZE, as autovacuum would.
3. Collects static files, then in one process with DEBUG off requests the page ``--repeat``
   times (default 5) as a signed-in visitor (always rendered: the uncached path) and as an
   anonymous one (from the page cache where the code has one), and prints for each the
   response size, the number of queries and the median CPU and wall time of a request.
4. Starts gunicorn as in production (DEBUG off, 2 sync workers) and drives the page for
   ``--duration`` seconds (default 10) with four clients at once (Python threads, one
   request at a time each), anonymous and then signed in, and prints requests/s.

The figures go to docs/performance.md by hand. Exit status 0 when every request answered
200, else 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import redis  # noqa: E402

from scripts.bench import bench_web  # noqa: E402
from scripts.bench.bench_import import ensure_database  # noqa: E402

WORK_ID = "W9900000001"
AUTHORS = 5_000
TITLE_CHARS = 200_000
CACHE_PREFIX = "bzpeer-bench-work"

# Run with bench_web.run_code (the code under test, whichever version is checked out); each
# leaves its figures in ``result``.
SEED = """
from datetime import date
from django.db import transaction
from profiles.models import Researcher, Topic
from works.models import Authorship, Source, Work, WorkTopic
if not Work.objects.filter(openalex_id={work!r}).exists():
    with transaction.atomic():
        people = Researcher.objects.bulk_create(
            Researcher(openalex_id=f"A99{{i:08d}}", display_name=f"Author Number {{i}}",
                       search_name=f"author number {{i}}", record_status="stub")
            for i in range({authors})
        )
        venue = Source.objects.create(openalex_id="S9900000001", display_name="Journal of Huge Records", type="journal")
        title = ("A very long title " * ({title_chars} // 18 + 1))[:{title_chars}]
        work = Work.objects.create(openalex_id={work!r}, title=title, type="article", publication_year=2024,
                                   publication_date=date(2024, 5, 1), source=venue, abstract="We measure. " * 100)
        Authorship.objects.bulk_create(
            Authorship(work=work, position=i, researcher=r, raw_author_name=r.display_name)
            for i, r in enumerate(people)
        )
        topic = Topic.objects.create(openalex_id="T99001", display_name="Huge records")
        WorkTopic.objects.create(work=work, topic=topic, score=0.9, is_primary=True)
result = Work.objects.get(openalex_id={work!r}).authorships.count()
"""

MEASURE = """
import statistics, time
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
user, _ = get_user_model().objects.get_or_create(username="bench-work", defaults={{"email": "bench-work@example.org"}})
results = {{}}
for name, client in (("signed in (rendered)", Client()), ("anonymous", Client())):
    if name.startswith("signed"):
        client.force_login(user)
    client.get({path!r})  # fills the cache for anonymous visitors, warms the process
    cpu, wall, size, queries, status = [], [], 0, 0, set()
    for _ in range({repeat}):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get({path!r}, HTTP_HOST="127.0.0.1")
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        size, queries = len(response.content), len(captured)
        status.add(response.status_code)
    results[name] = {{"bytes": size, "queries": queries, "cpu_ms": 1000 * statistics.median(cpu),
                     "wall_ms": 1000 * statistics.median(wall), "status": sorted(status)}}
result = results
"""


# What every Django process of this benchmark runs with, over bench_web.django_env's
# production-like settings: its own page cache, and the test client's host allowed.
ENV = {
    "CACHE_KEY_PREFIX": CACHE_PREFIX,
    "SITE_URL": "http://127.0.0.1:8000",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
}


def env_for(url: str) -> dict[str, str]:
    """What every Django process of this benchmark runs with: production-like settings."""
    return bench_web.django_env(url, **ENV)


def manage(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=env_for(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args[:1])} failed:\n{(done.stderr or done.stdout)[-3000:]}")
    return done.stdout


def drive(base: str, path: str, seconds: float, cookie: str = "", clients: int = 4) -> tuple[float, int]:
    """Requests/s of ``clients`` threads asking for ``path`` back to back for ``seconds``,
    and how many answers were not 200."""
    done = [0]
    failed = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (our local server)
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                done[0] += 1
                failed[0] += 0 if ok else 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started), failed[0]


def forget_cached_pages(redis_url: str) -> None:
    """Delete this benchmark's own cached pages (its key prefix only), so runs start cold."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{CACHE_PREFIX}:*", count=1000):
        client.delete(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default="bzpeer_bench_work")
    parser.add_argument("--repeat", type=int, default=5, help="requests per in-process measurement (5)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each four-client run (10)")
    args = parser.parse_args(argv)

    url = bench_web.bench_url(args.database)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if ensure_database(url):
        print(f"created database {args.database}", flush=True)
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")  # DEBUG off: pages link the hashed names
    seeded = bench_web.run_code(url, SEED.format(work=WORK_ID, authors=AUTHORS, title_chars=TITLE_CHARS), **ENV)
    print(f"work {WORK_ID}: {seeded:,} authors, a {TITLE_CHARS:,}-character title")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # statistics as autovacuum would leave them
    path = f"/works/{WORK_ID}/"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    print(f"code: {REPO} at {commit.strip() or 'an exported tree'}; {path}")

    forget_cached_pages(redis_url)
    measured = bench_web.run_code(url, MEASURE.format(path=path, repeat=args.repeat), **ENV)
    failures = 0
    print(f"\nin one process, median of {args.repeat} requests:")
    print(f"  {'visitor':<22} {'bytes':>9} {'queries':>8} {'CPU ms':>8} {'wall ms':>8}")
    for name, m in measured.items():
        print(f"  {name:<22} {m['bytes']:>9,} {m['queries']:>8} {m['cpu_ms']:>8.1f} {m['wall_ms']:>8.1f}")
        failures += m["status"] != [200]

    port = bench_web.free_port()
    base = f"http://127.0.0.1:{port}"
    os.environ.update(CACHE_KEY_PREFIX=CACHE_PREFIX, SITE_URL="http://127.0.0.1:8000")  # read by start_server
    server = bench_web.start_server(url, port)
    try:
        cookie = bench_web.signed_in_cookie(url)
        print(f"\ngunicorn (2 workers), 4 clients for {args.duration:g} s each:")
        for name, visitor_cookie in (("anonymous", ""), ("signed in (rendered)", cookie)):
            drive(base, path, 2, visitor_cookie)  # warm-up (and fills the cache)
            rate, failed = drive(base, path, args.duration, visitor_cookie)
            failures += failed
            print(f"  {name:<22} {rate:8.1f} req/s{f'  ({failed} failed)' if failed else ''}")
    finally:
        bench_web.stop_server(server)
        forget_cached_pages(redis_url)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
