"""``make bench-export``: the citation exports (BibTeX, RIS, CSL-JSON) of a 1,000-work profile,
on the benchmark database of ``make bench-web``.

Steps:

1. Migrates the existing benchmark database (``--database``, default ``bzpeer_bench_web``,
   found as scripts/bench/bench_web.py finds it). It never creates, loads or reloads it: run
   ``make bench-web`` first. Nothing else is written to it.
2. Finds the imported researcher whose profile lists the number of works closest to
   ``--works`` (1,000), among the 50 whose OpenAlex works count is closest to it (each
   counted through works.selectors.researcher_works); without one that large, the largest.
3. In one Django process (DEBUG off, as served), requests ``/researchers/<id>/works.<format>``
   through the test client, anonymous: one warm-up, then ``--runs`` timed requests per format
   (server time: the whole request through the middleware, no network), and counts the
   queries of one.
4. Prints, per format, the median and max time, the queries and the size, the verdict
   (median < 200 ms), and writes ``bench/out/bench-export.json``.

Exit status: 0 when every format answered 200 within the target; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.bench import bench_web  # noqa: E402
from scripts.bench.bench_collaboration import database_exists  # noqa: E402

OUT = bench_web.OUT
TARGET_MS = 200.0
FORMATS = ("bib", "ris", "csl.json")

# Run with bench_web.run_code; leaves the figures in ``result``.
MEASURE = """
import statistics, time
from django.db import connection
from django.db.models import Func, F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from profiles.models import Researcher
from works.selectors import researcher_works

WANTED = {works}
RUNS = {runs}
FORMATS = {formats}

candidates = list(
    Researcher.objects.filter(record_status="imported")
    .annotate(distance=Func(F("works_count") - WANTED, function="ABS"))
    .order_by("distance", "id")[:50]
)
sized = sorted(
    ((researcher_works(r).count(), r) for r in candidates), key=lambda pair: (abs(pair[0] - WANTED), pair[1].pk)
)
listed, researcher = sized[0]
client = Client(HTTP_HOST="127.0.0.1")
results = {{}}
for fmt in FORMATS:
    url = "/researchers/%s/works.%s" % (researcher.openalex_id, fmt)
    response = client.get(url)  # warm-up
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    results[fmt] = {{
        "url": url, "status": response.status_code, "bytes": len(response.content),
        "median_ms": statistics.median(timings), "max_ms": max(timings), "queries": len(queries),
    }}
authors = sum(
    1 for _ in researcher_works(researcher).values_list("authorships__position")
)
result = {{"researcher": researcher.openalex_id, "works": listed, "authorships": authors, "formats": results}}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=bench_web.DATABASE, help="an existing benchmark database")
    parser.add_argument("--works", type=int, default=1000, help="works of the profile to export (1000)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per format (20)")
    args = parser.parse_args(argv)

    url = bench_web.bench_url(args.database)
    if not database_exists(url, args.database):
        raise SystemExit(f"{args.database} does not exist: run `make bench-web` first (this script never loads data)")
    print(f"database: {args.database}; cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}", flush=True)
    bench_web.manage(url, "migrate", "--noinput")
    code = MEASURE.format(works=args.works, runs=args.runs, formats=repr(FORMATS))
    measured = bench_web.run_code(url, code)
    print(
        f"researcher {measured['researcher']}: {measured['works']:,} works listed, "
        f"{measured['authorships']:,} authorships",
        flush=True,
    )
    ok = True
    for fmt, result in measured["formats"].items():
        met = result["status"] == 200 and result["median_ms"] < TARGET_MS
        ok = ok and met
        print(
            f"  {fmt:9} median {result['median_ms']:7.1f} ms, max {result['max_ms']:7.1f} ms, "
            f"{result['queries']} queries, {result['bytes'] / 1024:,.0f} KiB, HTTP {result['status']} "
            f"(target < {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'})",
            flush=True,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-export.json").write_text(json.dumps({"database": args.database, **measured}, indent=2) + "\n")
    print(f"written: {OUT / 'bench-export.json'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
