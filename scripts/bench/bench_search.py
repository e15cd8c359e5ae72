"""``make bench-search``: the one search (search.selectors) over a fixed query mix drawn from the
benchmark database of ``make bench-web`` (1,000,000 works, 200,000 researchers), and the search
page under load.

Steps (only the measurements are timed):

1. Migrates ``--database`` (default ``bzpeer_bench_web``, bench_web's), which builds the search
   indexes the first time, and ANALYZEs the searched tables (statistics of the indexed
   expressions). It never reloads the database: when it holds no dataset, it stops and says to
   run ``make bench-web`` first (or bench_web.py with ``--database`` and small ``--works`` for a
   trial on a database of one's own).
2. Draws the mix with a fixed seed, ``--queries`` of each kind (default 50): researcher names
   as displayed, names with a typo (two letters swapped), topic names (their first two words),
   title fragments (three consecutive words of a title), DOIs (bare, lower or upper case), and
   researcher filters without words (a country).
3. In one process with DEBUG off, runs what the search page runs for each (an identifier
   resolved, else every kind of result, the first few of each: search.selectors.search),
   once to warm, then ``--repeat`` times (default 3), and prints p50/p99 ms per kind and over
   the text mix (names, typos, topics, titles, DOIs; target p50 < 20 ms, p99 < 100 ms).
4. Starts gunicorn as bench_web does (2 sync workers, DEBUG off) and drives ``/?q=...`` of the
   names, typos, topics and titles with wrk at 16 connections, ``--rounds`` times (default 3)
   alternately with ``/healthz``, and prints requests/s and p50/p99.
5. Writes ``bench/out/bench-search.json``.

Exit status: 0 when every request answered 2xx (the targets are reported, not enforced), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import bench_web  # noqa: E402
from scripts.bench.bench_import import ensure_database  # noqa: E402

TARGET_P50_MS = 20.0
TARGET_P99_MS = 100.0
TEXT_KINDS = ("names", "typos", "topics", "titles", "dois")
HTTP_KINDS = ("names", "typos", "topics", "titles")  # a DOI answers 302 (to its work)

# Run with bench_web.run_code; leaves the timings (ms by kind) in ``result``.
MEASURE = """
import json, time
from search import selectors
from search.params import ResearcherFilters
from search.query import identifier_in
mix = json.loads({mix!r})
def run(text, country):
    identifier = identifier_in(text)
    if identifier is not None:
        return selectors.identifier_target(identifier)
    return selectors.search(text, ResearcherFilters(country=country))
for kind, text, country in mix:
    run(text, country)
times = {{}}
for _ in range({repeat}):
    for kind, text, country in mix:
        t0 = time.perf_counter()
        run(text, country)
        times.setdefault(kind, []).append(1000 * (time.perf_counter() - t0))
result = times
"""


def _sample(conn: psycopg.Connection, sql: str, n: int, rng: random.Random) -> list[str]:
    rows = [r[0] for r in conn.execute(sql) if r[0]]
    return rng.sample(rows, min(n, len(rows)))


def _typo(name: str, rng: random.Random) -> str:
    """``name`` with two adjacent letters of its longest word swapped ("Lariviere" -> "Lairviere")."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 4:
        i = rng.randrange(1, len(word) - 2)
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def _fragment(title: str, rng: random.Random) -> str:
    words = title.replace("<i>", "").replace("</i>", "").split()
    start = rng.randrange(max(1, len(words) - 2))
    return " ".join(words[start : start + 3])


def query_mix(url: str, n: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, text, country) triples, ``n`` of each kind, drawn with ``seed``."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        names = _sample(
            conn, "SELECT display_name FROM profiles_researcher WHERE record_status = 'imported' ORDER BY id", n, rng
        )
        topics = _sample(conn, "SELECT display_name FROM profiles_topic ORDER BY id", n, rng)
        low, high = conn.execute("SELECT min(id), max(id) FROM works_work").fetchone() or (0, 0)
        ids = [rng.randint(low, high) for _ in range(4 * n)]
        works = conn.execute(
            "SELECT title, doi FROM works_work WHERE id = ANY(%s) AND title <> '' ORDER BY id", [ids]
        ).fetchall()
        countries = _sample(
            conn, "SELECT DISTINCT country_code FROM profiles_institution WHERE country_code <> '' ORDER BY 1", n, rng
        )
    works = rng.sample(works, min(n, len(works)))
    mix = [("names", name, "") for name in names]
    mix += [("typos", _typo(name, rng), "") for name in names]
    mix += [("topics", " ".join(topic.split()[:2]), "") for topic in topics]
    mix += [("titles", _fragment(title, rng), "") for title, _ in works]
    mix += [("dois", doi.upper() if i % 2 else doi, "") for i, (_, doi) in enumerate(works) if doi]
    mix += [("filters", "", countries[i % len(countries)]) for i in range(n)] if countries else []
    return mix


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """p50/p99 per kind and over the text mix, printed and returned."""
    rows = {kind: values for kind, values in times.items()}
    rows["text mix"] = [v for kind in TEXT_KINDS for v in times.get(kind, [])]
    summary = {}
    print(f"\n{'kind':<12}{'queries':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in rows.items():
        if not values:
            continue
        summary[kind] = {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 2),
            "p99_ms": round(percentile(values, 99), 2),
            "max_ms": round(max(values), 2),
        }
        s = summary[kind]
        print(f"{kind:<12}{s['n']:>9}{s['p50_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['max_ms']:>9.1f}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=bench_web.DATABASE, help=f"benchmark database ({bench_web.DATABASE})")
    parser.add_argument("--queries", type=int, default=50, help="queries of each kind (50)")
    parser.add_argument("--repeat", type=int, default=3, help="measured passes over the mix (3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of /healthz and search (3)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    wrk = bench_web.ensure_wrk()
    url = bench_web.bench_url(args.database)
    created = ensure_database(url)
    if bench_web.loaded_file(url) is None:
        raise SystemExit(f"{args.database} holds no dataset: run `make bench-web` first")
    bench_web.manage(url, "migrate", "--noinput")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE profiles_researcher, profiles_topic, profiles_institution, works_work")
    print(f"database: {args.database}{' (created)' if created else ''}; load average {os.getloadavg()[0]:.2f}")
    sizes = bench_web.counts(url)
    print("data:", ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items()), flush=True)

    mix = query_mix(url, args.queries, args.seed)
    times = bench_web.run_code(url, MEASURE.format(mix=json.dumps(mix), repeat=args.repeat))
    print(f"\nsearch.selectors in one process, {args.repeat} passes over {len(mix)} queries (after one warming pass):")
    summary = report(times)
    text = summary.get("text mix", {})
    met = text and text["p50_ms"] < TARGET_P50_MS and text["p99_ms"] < TARGET_P99_MS
    print(
        f"text mix: p50 {text.get('p50_ms', 0):.1f} ms, p99 {text.get('p99_ms', 0):.1f} ms "
        f"(target p50 < {TARGET_P50_MS:.0f} ms and p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else 'NOT met'})"
    )

    paths = ["/?" + urlencode({"q": text}) for kind, text, _ in mix if kind in HTTP_KINDS]
    bench_web.manage(url, "collectstatic", "--noinput", "-v0")  # DEBUG off: pages link the hashed names
    runs = bench_web.alternate(
        url, wrk, "search page", paths, rounds=args.rounds, duration=args.duration, warm_label="the server"
    )
    bench_web.print_runs(runs)
    _, page = bench_web.floor_ratio(runs, "search page")
    print(
        f"\nsearch page at 16 connections: {page.requests_per_second:.0f} req/s, "
        f"p50 {page.p50_ms:.1f} ms, p99 {page.p99_ms:.1f} ms"
    )
    bench_web.OUT.mkdir(parents=True, exist_ok=True)
    (bench_web.OUT / "bench-search.json").write_text(
        json.dumps(
            {
                "database": args.database,
                "data": sizes,
                "selectors": summary,
                "runs": [asdict(r) for r in runs],
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if bench_web.failed_runs(runs) else 0


if __name__ == "__main__":
    sys.exit(main())
