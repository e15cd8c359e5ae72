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
4. Times three runs of ``manage.py recompute_trust --all`` as subprocesses (DEBUG off, so
   Django keeps no query log; the figures include Django's start-up):
   a. **first run**: no snapshots yet (the table is emptied first): every researcher scored
      and written;
   b. **nothing changed**: the same again: everyone gathered and scored, nothing written;
   c. **everyone changed**: every current digest is blanked first, which is what a new formula
      version does to them: every current row retired and a new one written.
   After each it checks the snapshot rows (one current per researcher; history kept).
5. Prints a table and writes it to ``bench/out/bench-trust.json``.

Exit status 0 when every run succeeds, the rows check out and the first run meets the target
(under 60 s); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

OUT = REPO / "bench" / "out"
DEFAULT_FILE = OUT / "works-trust-100k.jsonl.gz"
DATABASE = "bzpeer_bench_trust"
WORKS, AUTHORS = 100_000, 120_000
MIN_RESEARCHERS = 100_000
TARGET_SECONDS = 60.0

_SUMMARY = re.compile(r"for ([\d,]+) researcher\(s\) in ([\d.]+) s .*: ([\d,]+) changed, ([\d,]+) unchanged")
_PHASES = re.compile(r"gather ([\d.]+) s, compute ([\d.]+) s, write ([\d.]+) s")


@dataclass
class Run:
    name: str
    seconds: float  # the command, wall clock, Django start-up included
    researchers: int = 0
    written: int = 0
    service_seconds: float = 0.0  # trust_recompute itself, as the command reports it
    phases: dict[str, float] = field(default_factory=dict)
    rows: int = 0
    current: int = 0
    ok: bool = True
    note: str = ""

    @property
    def researchers_per_second(self) -> float:
        return self.researchers / self.seconds if self.seconds else 0.0


def bench_url() -> str:
    """DATABASE_URL with the database name replaced by ``bzpeer_bench_trust``."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def scalar(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0


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
    refreshed = manage(url, "shell", "-c",
                       "from graph.edges import coauthor_edges_refresh; print(coauthor_edges_refresh())")
    if refreshed.returncode != 0:
        raise SystemExit("co-author edge refresh failed:\n" + refreshed.stderr[-3000:])
    execute(url, "VACUUM ANALYZE graph_coauthoredge")
    print(f"data: co-author edges refreshed in {time.perf_counter() - started:.0f} s "
          f"({int(refreshed.stdout.strip() or 0):,} edges)", flush=True)


def time_recompute(url: str, name: str) -> Run:
    started = time.perf_counter()
    done = manage(url, "recompute_trust", "--all", "--show", "0")
    run = Run(name, time.perf_counter() - started)
    if done.returncode != 0:
        print(f"\n{name}: recompute_trust failed (exit {done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
        run.ok, run.note = False, "command failed"
        return run
    summary, phases = _SUMMARY.search(done.stdout), _PHASES.search(done.stdout)
    if summary is None or phases is None:
        run.ok, run.note = False, f"unexpected output: {done.stdout[:300]!r}"
        return run
    run.researchers = int(summary[1].replace(",", ""))
    run.service_seconds = float(summary[2])
    run.written = int(summary[3].replace(",", ""))
    run.phases = dict(zip(("gather", "compute", "write"), map(float, phases.groups()), strict=True))
    run.rows = scalar(url, "SELECT count(*) FROM graph_trustsnapshot")
    run.current = scalar(url, "SELECT count(*) FROM graph_trustsnapshot WHERE is_current")
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

    execute(url, "TRUNCATE graph_trustsnapshot")
    first = time_recompute(url, "first run")
    check(first, researchers=researchers, written=researchers, rows=researchers)
    unchanged = time_recompute(url, "nothing changed")
    check(unchanged, researchers=researchers, written=0, rows=researchers)
    execute(url, "UPDATE graph_trustsnapshot SET digest = '' WHERE is_current")
    everyone = time_recompute(url, "everyone changed")
    check(everyone, researchers=researchers, written=researchers, rows=2 * researchers)
    runs = [first, unchanged, everyone]
    print_table(runs)

    problems = [f"{run.name}: {run.note}" for run in runs if not run.ok]
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
        "problems": problems,
    }, indent=2) + "\n")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
