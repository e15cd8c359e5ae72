"""``make bench-following``: the following page of someone who follows 500 researchers, and
researchers' Atom feeds under load beside a view that runs one ``SELECT 1`` (``/healthz``), on
the benchmark database of ``make bench-web`` (1,000,000 works).

Steps (only the measurements are timed):

1. Migrates ``--database`` (default ``bzpeer_bench_web``, bench_web's) and extends it: the
   account ``bench-following`` follows ``--follows`` researchers (default 500) drawn at random
   among the imported ones (fixed seed; follows already there are kept). It never reloads the
   database: when it holds no dataset yet, it stops and says to run ``make bench-web`` first,
   unless ``--generate-works N`` asks for a small dataset of N works to be loaded (with
   bench_web's loader) for a trial run on a database of one's own.
2. In one process with DEBUG off (production settings), requests ``/following/`` as that
   account ``--repeat`` times (default 10; one warming request first) and prints the median
   server time (wall and CPU), the number of queries and the page's size (target < 100 ms).
3. Starts gunicorn as bench_web does (2 sync workers, DEBUG off), warms the feed cache with the
   feeds of ``--sample`` researchers (default 500), then drives with wrk, ``--rounds`` times
   (default 3) alternately, ``/healthz`` and those feeds, and prints the ratio of the feeds'
   median requests/s to ``/healthz``'s (target >= 0.5: feeds come from the cache,
   core/page_cache.py).
4. Writes ``bench/out/bench-following.json``.

Exit status: 0 when every request answered 2xx (the targets are reported, not enforced), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import bench_web, generate_works  # noqa: E402
from scripts.bench.bench_import import ensure_database  # noqa: E402

USERNAME = "bench-following"
TARGET_PAGE_MS = 100.0

# Run with bench_web.run_code; leaves the figures in ``result``.
MEASURE = """
import statistics, time
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
client.force_login(get_user_model().objects.get(username={username!r}))
client.get("/following/", HTTP_HOST="127.0.0.1")  # makes the settings row, warms the process
cpu, wall, status, size, queries = [], [], set(), 0, 0
for _ in range({repeat}):
    with CaptureQueriesContext(connection) as captured:
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get("/following/", HTTP_HOST="127.0.0.1")
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    status.add(response.status_code)
    size, queries = len(response.content), len(captured)
result = {{"wall_ms": 1000 * statistics.median(wall), "cpu_ms": 1000 * statistics.median(cpu),
          "p_max_ms": 1000 * max(wall), "queries": queries, "bytes": size, "status": sorted(status)}}
"""


def follow_researchers(url: str, n: int, seed: int) -> tuple[int, int]:
    """The benchmark account follows ``n`` imported researchers (fixed draw; added to what it
    follows already). Returns (researchers followed, works of theirs)."""
    with psycopg.connect(url) as conn:
        user = conn.execute("SELECT id FROM auth_user WHERE username = %s", [USERNAME]).fetchone()
        assert user is not None, "bench_web.signed_in_cookie makes the account first"
        imported = "SELECT id FROM profiles_researcher WHERE record_status = 'imported' ORDER BY id"
        ids = [r[0] for r in conn.execute(imported)]
        chosen = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
        conn.execute(
            """INSERT INTO profiles_follow (user_id, researcher_id, created_at)
               SELECT %s, unnest(%s::bigint[]), now() ON CONFLICT (user_id, researcher_id) DO NOTHING""",
            [user[0], chosen],
        )
        followed = conn.execute("SELECT count(*) FROM profiles_follow WHERE user_id = %s", [user[0]]).fetchone()
        works = conn.execute(
            """SELECT count(DISTINCT a.work_id) FROM profiles_follow f
               JOIN works_authorship a ON a.researcher_id = f.researcher_id WHERE f.user_id = %s""",
            [user[0]],
        ).fetchone()
    return int(followed[0]) if followed else 0, int(works[0]) if works else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=bench_web.DATABASE, help=f"benchmark database ({bench_web.DATABASE})")
    parser.add_argument("--follows", type=int, default=500, help="researchers the account follows (500)")
    parser.add_argument("--repeat", type=int, default=10, help="requests of the in-process measurement (10)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of /healthz and feeds (3)")
    parser.add_argument("--sample", type=int, default=500, help="researcher feeds to drive (500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--generate-works", type=int, default=0, help="only for an empty database: load N generated works first"
    )
    args = parser.parse_args(argv)

    wrk = bench_web.ensure_wrk()
    url = bench_web.bench_url(args.database)
    created = ensure_database(url)
    bench_web.manage(url, "migrate", "--noinput")
    if bench_web.loaded_file(url) is None:
        if not args.generate_works:
            raise SystemExit(f"{args.database} holds no dataset: run `make bench-web` first (or --generate-works N)")
        path = bench_web.OUT / f"works-following-{args.generate_works}.jsonl.gz"
        if not path.exists():
            generate_works.generate(str(path), args.generate_works, max(10, args.generate_works // 5), args.seed)
        bench_web.load(url, path)
    print(f"database: {args.database}{' (created)' if created else ''}; load average {os.getloadavg()[0]:.2f}")
    sizes = bench_web.counts(url)
    print("data:", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items()), flush=True)

    bench_web.signed_in_cookie(url, USERNAME)  # makes the account (its session is not used)
    followed, works = follow_researchers(url, args.follows, args.seed)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE profiles_follow")
    print(f"{USERNAME} follows {followed:,} researchers with {works:,} works", flush=True)

    bench_web.manage(url, "collectstatic", "--noinput", "-v0")  # DEBUG off: pages link the hashed names
    page = bench_web.run_code(url, MEASURE.format(username=USERNAME, repeat=args.repeat))
    print(
        f"\n/following/ in one process, median of {args.repeat}: {page['wall_ms']:.1f} ms wall "
        f"({page['cpu_ms']:.1f} ms CPU, slowest {page['p_max_ms']:.1f} ms), {page['queries']} queries, "
        f"{page['bytes']:,} bytes (target < {TARGET_PAGE_MS:.0f} ms: "
        f"{'met' if page['wall_ms'] < TARGET_PAGE_MS else 'NOT met'})",
        flush=True,
    )

    feeds = [f"/researchers/{i}/feed.atom" for i in bench_web.sample_profiles(url, args.sample, args.seed)]
    runs = bench_web.alternate(
        url, wrk, "researcher feed", feeds, rounds=args.rounds, duration=args.duration, warm_label="the feed cache"
    )
    bench_web.print_runs(runs)
    ratio, feed = bench_web.floor_ratio(runs, "researcher feed")
    print(
        f"\nresearcher feed / one SELECT: {ratio:.2f} (target >= {bench_web.TARGET_RATIO}: "
        f"{'met' if ratio >= bench_web.TARGET_RATIO else 'NOT met'}); feed p99 {feed.p99_ms:.1f} ms"
    )
    bench_web.OUT.mkdir(parents=True, exist_ok=True)
    (bench_web.OUT / "bench-following.json").write_text(
        json.dumps(
            {
                "data": sizes,
                "followed": followed,
                "works_of_followed": works,
                "following_page": page,
                "feeds": len(feeds),
                "runs": [asdict(r) for r in runs],
                "ratio": round(ratio, 3),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    failed = bench_web.failed_runs(runs)
    if page["status"] != [200]:
        print(f"FAILED: the following page answered {page['status']}", file=sys.stderr)
        failed.append("following page")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
