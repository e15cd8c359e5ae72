"""``make bench-trust``: a full trust recompute (``manage.py recompute_trust --all``) over the
synthetic dataset of the import benchmark, with at least 100,000 researchers.

Steps (every figure is wall clock on this machine):

1. Creates the database ``bzpeer_bench_trust`` on DATABASE_URL's server if it is missing and
   migrates it. Other databases are never touched.
2. Generates ``bench/out/works-trust-100k.jsonl.gz`` (scripts/bench/generate_works.py:
   100,000 works, 120,000 distinct authors, seed 1) if it is absent.
3. Loads it, unless the database already holds it (``--reload`` forces it): the COPY
   baseline (scripts/bench/copy_baseline.py: the importer's own parser, rows COPYed; much
   faster than ``import_openalex`` and the same rows), ANALYZE, then a full refresh of the
   co-author edges (graph.edges), which the collaboration input reads. Timed, not the
   benchmark. Every researcher of the synthetic file is a co-author stub (it holds works, not
   author records): L1 or L2, citations unknown.
4. Times three single passes over everyone (``trust_recompute()``, what ``manage.py
   recompute_trust --all`` runs), each in a child process (scripts/bench/bench_web.run_code:
   DEBUG off, so Django keeps no query log; the figures include Django's start-up; the report
   comes back as JSON, never parsed out of printed text):
   a. **first run**: no snapshots yet (the table is emptied first): every researcher scored
      and written;
   b. **nothing changed**: the same again: everyone gathered and scored, nothing written;
   c. **everyone changed**: every current digest is blanked first, which is what a new formula
      version does to them: every current row retired and a new one written.
   After each it checks the snapshot rows (one current per researcher; history kept).
5. The partitioned full refresh (graph.tasks.refresh_all: edge partitions, then trust and
   similar partitions) from empty edge and trust tables, with 1 and then 2 real Celery worker
   processes (``celery -A bzpeer worker -c 1`` each) on a queue and Redis database of its own
   (REDIS_URL's server, database BENCH_TRUST_REDIS_DB, default 13) and this database: timed
   from the call until the run row says done, with the edge step apart. Partitions of
   PARTITION_RESEARCHERS researchers (smaller than production's 50,000, so that 120,000
   researchers make enough partitions for two workers). Checks that the edges and the
   current trust digests equal the single passes'.
6. Prints a table and writes it to ``bench/out/bench-trust.json``.

Exit status 0 when every run succeeds, the rows check out and the first run meets the target
(under 60 s); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import copy_baseline, generate_works  # noqa: E402
from scripts.bench.bench_import import ensure_database, environment, manage  # noqa: E402
from scripts.bench.bench_web import django_env, run_code  # noqa: E402

OUT = REPO / "bench" / "out"
DEFAULT_FILE = OUT / "works-trust-100k.jsonl.gz"
DATABASE = "bzpeer_bench_trust"
WORKS, AUTHORS = 100_000, 120_000
MIN_RESEARCHERS = 100_000
TARGET_SECONDS = 60.0
PARTITION_RESEARCHERS = 10_000
QUEUE = "bench-trust"
REDIS_DB = int(os.environ.get("BENCH_TRUST_REDIS_DB", "13"))
EDGES_DIGEST = """SELECT count(*), coalesce(sum(hashtext(concat_ws(',', researcher_a_id, researcher_b_id,
                  shared_works, first_year, last_year))::bigint), 0) FROM graph_coauthoredge"""
TRUST_DIGEST = """SELECT count(*), coalesce(sum(hashtext(researcher_id || digest)::bigint), 0)
                  FROM graph_trustsnapshot WHERE is_current"""


@dataclass
class Run:
    name: str
    seconds: float  # the child process, wall clock, Django start-up included
    researchers: int = 0
    written: int = 0
    service_seconds: float = 0.0  # trust_recompute itself, as its report says
    phases: dict[str, float] = field(default_factory=dict)
    rows: int = 0
    current: int = 0
    ok: bool = True
    note: str = ""

    @property
    def researchers_per_second(self) -> float:
        return self.researchers / self.seconds if self.seconds else 0.0


@dataclass
class PartitionedRun:
    workers: int
    seconds: float = 0.0  # refresh_all called -> the run row says done
    edges_seconds: float = 0.0  # -> the last edge partition done
    partitions: int = 0  # per kind
    slowest: dict[str, float] = field(default_factory=dict)  # the slowest partition of each kind, s
    ok: bool = True
    note: str = ""


def bench_url() -> str:
    """DATABASE_URL with the database name replaced by ``bzpeer_bench_trust``."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def scalar(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0


def digest(url: str, query: str) -> tuple[int, ...]:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        return tuple(int(value) for value in row) if row else ()


def execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def ensure_loaded(url: str, path: Path, reload: bool) -> None:
    researchers = scalar(url, "SELECT count(*) FROM profiles_researcher")
    edges = scalar(url, "SELECT count(*) FROM graph_coauthoredge")
    if researchers >= MIN_RESEARCHERS and edges and not reload:
        print(f"data: {researchers:,} researchers and {edges:,} co-author edges already loaded (--reload to redo)")
        return
    started = time.perf_counter()
    result = copy_baseline.run_baseline([path], url)
    execute(url, "ANALYZE")
    print(f"data: COPY baseline {time.perf_counter() - started:.0f} s "
          f"({', '.join(f'{t} {n:,}' for t, n in result.rows.items())})", flush=True)
    started = time.perf_counter()
    refreshed = run_code(url, "from graph.edges import coauthor_edges_refresh\nresult = coauthor_edges_refresh()")
    execute(url, "VACUUM ANALYZE graph_coauthoredge")
    print(f"data: co-author edges refreshed in {time.perf_counter() - started:.0f} s "
          f"({int(refreshed or 0):,} edges)", flush=True)


_RECOMPUTE = """
from graph.trust_services import trust_recompute
report = trust_recompute()
result = {"researchers": report.researchers, "written": report.written, "seconds": report.seconds,
          "phases": {"gather": report.gather_seconds, "compute": report.compute_seconds,
                     "write": report.write_seconds}}
"""


def time_recompute(url: str, name: str) -> Run:
    started = time.perf_counter()
    try:
        report = run_code(url, _RECOMPUTE)
    except SystemExit as failed:
        print(f"\n{name}: the recompute failed: {failed}", file=sys.stderr)
        return Run(name, time.perf_counter() - started, ok=False, note="recompute failed")
    run = Run(name, time.perf_counter() - started)
    run.researchers, run.written = int(report["researchers"]), int(report["written"])
    run.service_seconds, run.phases = float(report["seconds"]), dict(report["phases"])
    run.rows = scalar(url, "SELECT count(*) FROM graph_trustsnapshot")
    run.current = scalar(url, "SELECT count(*) FROM graph_trustsnapshot WHERE is_current")
    return run


def redis_url() -> str:
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def worker_env(url: str) -> dict[str, str]:
    return django_env(url, REDIS_URL=redis_url(), CELERY_TASK_DEFAULT_QUEUE=QUEUE)


def time_partitioned(url: str, workers: int) -> PartitionedRun:
    """A full partitioned refresh from empty edge, trust and similar tables on ``workers``
    worker processes; the run's partitions say how long the slowest took."""
    run = PartitionedRun(workers)
    execute(
        url,
        "TRUNCATE graph_coauthoredge, graph_trustsnapshot, graph_similarresearcher",
        "UPDATE graph_derivedrefreshrun SET state = 'done' WHERE state = 'running'",  # an aborted earlier bench
        "DELETE FROM core_outboxmessage WHERE state <> 'done'",
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bzpeer", "worker", "-c", "1", "-Q", QUEUE, "-n",
             f"bench-trust-{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=WARNING"],
            cwd=REPO, env=worker_env(url),
        )
        for n in range(workers)
    ]
    try:
        time.sleep(8)  # the workers start (not timed)
        started = time.perf_counter()
        code = f"from graph.tasks import refresh_all\nresult = refresh_all('bench', {PARTITION_RESEARCHERS})"
        run_id = int(run_code(url, code, REDIS_URL=redis_url(), CELERY_TASK_DEFAULT_QUEUE=QUEUE))
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            if scalar(url, f"SELECT count(*) FROM graph_derivedrefreshrun WHERE id = {run_id} AND state = 'done'"):
                break
            if any(p.poll() is not None for p in processes):
                run.ok, run.note = False, "a worker exited"
                return run
            time.sleep(0.5)
        else:
            run.ok, run.note = False, "not done within an hour"
            return run
        run.seconds = time.perf_counter() - started
        with psycopg.connect(url) as conn:
            created, edges_done = conn.execute(
                f"""SELECT r.created_at, max(p.finished_at) FROM graph_derivedrefreshrun r
                    JOIN graph_derivedrefreshpartition p ON p.run_id = r.id AND p.kind = 'edges'
                    WHERE r.id = {run_id} GROUP BY r.created_at"""
            ).fetchone()  # type: ignore[misc]
            run.edges_seconds = (edges_done - created).total_seconds()
            for kind, count, slowest in conn.execute(
                f"""SELECT kind, count(*), max(extract(epoch FROM finished_at - started_at))
                    FROM graph_derivedrefreshpartition WHERE run_id = {run_id} GROUP BY kind"""
            ):
                run.partitions, run.slowest[kind] = int(count), float(slowest)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    return run


def check(run: Run, *, researchers: int, written: int, rows: int) -> None:
    expected = (researchers, written, rows, researchers)
    actual = (run.researchers, run.written, run.rows, run.current)
    if run.ok and actual != expected:
        run.ok = False
        run.note = f"(researchers, written, rows, current) = {actual}, expected {expected}"


def print_table(runs: list[Run]) -> None:
    header = (f"{'':<18}{'researchers':>12}{'written':>10}{'seconds':>9}{'researchers/s':>15}"
              f"{'service s':>11}  gather/compute/write s")
    print("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        phases = "/".join(f"{run.phases.get(k, 0):.1f}" for k in ("gather", "compute", "write"))
        print(f"{run.name:<18}{run.researchers:>12,}{run.written:>10,}{run.seconds:>9.1f}"
              f"{run.researchers_per_second:>15,.0f}{run.service_seconds:>11.1f}  {phases}"
              + ("" if run.ok else f"   FAILED: {run.note}"))


def print_partitioned(runs: list[PartitionedRun]) -> None:
    header = (f"{'partitioned':<18}{'partitions':>11}{'edges s':>9}{'total s':>9}"
              "  slowest partition s (edges/trust/similar)")
    print("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        slowest = "/".join(f"{run.slowest.get(k, 0):.1f}" for k in ("edges", "trust", "similar"))
        print(f"{f'{run.workers} worker(s)':<18}{run.partitions:>11}{run.edges_seconds:>9.1f}{run.seconds:>9.1f}  "
              f"{slowest}" + ("" if run.ok else f"   FAILED: {run.note}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--reload", action="store_true", help="load the data again even if present")
    args = parser.parse_args(argv)
    path: Path = args.file if args.file.is_absolute() else REPO / args.file

    url = bench_url()
    created = ensure_database(url)
    print("environment:")
    for key, value in environment(url).items():
        print(f"  {key}: {value}")
    print(f"database: {DATABASE}{' (created)' if created else ''}")
    migrated = manage(url, "migrate", "--noinput")
    if migrated.returncode != 0:
        print("migrate failed:\n" + migrated.stderr[-3000:], file=sys.stderr)
        return 1
    if not path.exists():
        stats = generate_works.generate(str(path), WORKS, AUTHORS, 1)
        print(f"works file: generated {path.relative_to(REPO)} in {stats.seconds:.0f} s")
    else:
        print(f"works file: {path.relative_to(REPO)}")
    ensure_loaded(url, path, args.reload)
    researchers = scalar(url, "SELECT count(*) FROM profiles_researcher")
    edges = scalar(url, "SELECT count(*) FROM graph_coauthoredge")
    authorships = scalar(url, "SELECT count(*) FROM works_authorship")
    print(f"dataset: {researchers:,} researchers, {authorships:,} authorships, {edges:,} co-author edges")

    # The single-pass edge refresh from an empty table, beside the partitioned one below.
    execute(url, "TRUNCATE graph_coauthoredge")
    started = time.perf_counter()
    run_code(url, "from graph.edges import coauthor_edges_refresh\nresult = coauthor_edges_refresh()")
    edges_single = time.perf_counter() - started
    execute(url, "VACUUM ANALYZE graph_coauthoredge")
    edges_expected = digest(url, EDGES_DIGEST)
    print(f"single-pass co-author edge refresh (empty table): {edges_single:.1f} s ({edges_expected[0]:,} edges)")

    execute(url, "TRUNCATE graph_trustsnapshot")
    first = time_recompute(url, "first run")
    trust_expected = digest(url, TRUST_DIGEST)
    check(first, researchers=researchers, written=researchers, rows=researchers)
    unchanged = time_recompute(url, "nothing changed")
    check(unchanged, researchers=researchers, written=0, rows=researchers)
    execute(url, "UPDATE graph_trustsnapshot SET digest = '' WHERE is_current")
    everyone = time_recompute(url, "everyone changed")
    check(everyone, researchers=researchers, written=researchers, rows=2 * researchers)
    runs = [first, unchanged, everyone]
    print_table(runs)

    partitioned = []
    for workers in (1, 2):
        done = time_partitioned(url, workers)
        if done.ok and (digest(url, EDGES_DIGEST), digest(url, TRUST_DIGEST)) != (edges_expected, trust_expected):
            done.ok, done.note = False, "edges or trust differ from the single passes"
        partitioned.append(done)
    print(f"\nsingle pass: edges {edges_single:.1f} s + trust {first.seconds:.1f} s (first run) "
          f"= {edges_single + first.seconds:.1f} s")
    print_partitioned(partitioned)
    execute(url, "VACUUM ANALYZE graph_coauthoredge")

    problems = [f"{run.name}: {run.note}" for run in runs if not run.ok]
    problems += [f"partitioned, {run.workers} worker(s): {run.note}" for run in partitioned if not run.ok]
    if researchers < MIN_RESEARCHERS:
        problems.append(f"only {researchers:,} researchers (at least {MIN_RESEARCHERS:,} wanted)")
    verdict = "met" if first.ok and first.seconds < TARGET_SECONDS else "NOT met"
    print(f"\ntarget: full recompute (first run) under {TARGET_SECONDS:.0f} s: {verdict} ({first.seconds:.1f} s)")
    if verdict != "met":
        problems.append("target not met")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-trust.json").write_text(json.dumps({
        "file": str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path),
        "dataset": {"researchers": researchers, "authorships": authorships, "coauthor_edges": edges},
        "runs": [{**asdict(r), "researchers_per_second": round(r.researchers_per_second, 1)} for r in runs],
        "edges_single_pass_seconds": round(edges_single, 1),
        "partitioned": [asdict(r) for r in partitioned],
        "problems": problems,
    }, indent=2) + "\n")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
