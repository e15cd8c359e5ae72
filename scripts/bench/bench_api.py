"""``make bench-api``: the JSON API's researcher endpoint under load beside a view that runs one
``SELECT 1`` (``/healthz``), on the benchmark database of ``make bench-web`` (1,000,000 works).

Steps (only the measurements are timed):

1. Migrates ``--database`` (default ``bzpeer_bench_web``, bench_web's). It never reloads the
   database: when it holds no dataset yet, it stops and says to run ``make bench-web`` first.
2. Starts gunicorn as bench_web does (2 sync workers, DEBUG off) with the API's per-address
   limit raised out of reach (``API_RATE_PER_MINUTE``: every request is still counted in
   Redis, one round trip, as in production; wrk's single address would be refused otherwise),
   warms the cache with ``/api/v1/researchers/<id>`` of ``--sample`` researchers (default 500),
   then drives with wrk, ``--rounds`` times (default 3) alternately, ``/healthz`` and those
   URLs, and prints the ratio of the API's median requests/s to ``/healthz``'s (target >= 0.5:
   answers come from the cache under a one-SELECT stamp, api/views.py).
3. Writes ``bench/out/bench-api.json``.

Exit status: 0 when every request answered 2xx (the target is reported, not enforced), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.bench import bench_web  # noqa: E402
from scripts.bench.bench_import import ensure_database  # noqa: E402

# Counted, never reached: wrk sends every request from one address.
UNREACHABLE_RATE = "1000000000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=bench_web.DATABASE, help=f"benchmark database ({bench_web.DATABASE})")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of /healthz and the API (3)")
    parser.add_argument("--sample", type=int, default=500, help="researchers to request (500)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    wrk = bench_web.ensure_wrk()
    url = bench_web.bench_url(args.database)
    created = ensure_database(url)
    bench_web.manage(url, "migrate", "--noinput")
    if bench_web.loaded_file(url) is None:
        raise SystemExit(f"{args.database} holds no dataset: run `make bench-web` first")
    print(f"database: {args.database}{' (created)' if created else ''}; load average {os.getloadavg()[0]:.2f}")
    sizes = bench_web.counts(url)
    print("data:", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items()), flush=True)

    paths = [f"/api/v1/researchers/{i}" for i in bench_web.sample_profiles(url, args.sample, args.seed)]
    os.environ["API_RATE_PER_MINUTE"] = UNREACHABLE_RATE  # bench_web.django_env passes the environment on
    runs = bench_web.alternate(
        url, wrk, "API researcher", paths, rounds=args.rounds, duration=args.duration, warm_label="the cache"
    )
    bench_web.print_runs(runs)
    ratio, researcher = bench_web.floor_ratio(runs, "API researcher")
    print(
        f"\nAPI researcher / one SELECT: {ratio:.2f} (target >= {bench_web.TARGET_RATIO}: "
        f"{'met' if ratio >= bench_web.TARGET_RATIO else 'NOT met'}); API p99 {researcher.p99_ms:.1f} ms"
    )
    bench_web.OUT.mkdir(parents=True, exist_ok=True)
    (bench_web.OUT / "bench-api.json").write_text(
        json.dumps(
            {
                "data": sizes,
                "researchers": len(paths),
                "runs": [asdict(r) for r in runs],
                "ratio": round(ratio, 3),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if bench_web.failed_runs(runs) else 0


if __name__ == "__main__":
    sys.exit(main())
