"""``make bench-import``: import_openalex throughput on 50,000 synthetic works, first run and
re-run, beside a plain PostgreSQL COPY of the same rows into the same tables.

Steps (every figure is wall clock on this machine):

1. Creates the database ``bzpeer_bench`` on DATABASE_URL's server if it is missing and
   migrates it (``manage.py migrate`` with DATABASE_URL pointing there). Other databases are
   never touched.
2. Generates ``bench/out/works-50k.jsonl.gz`` (scripts/bench/generate_works.py, seed 1) if it
   is absent (``--regenerate`` forces it).
3. Empties the import tables, then times ``manage.py import_openalex --followups=skip <file>``
   as a subprocess (first run), and again on the filled database (re-run), checking that the
   re-run leaves the row counts unchanged. Nothing is left queued for a Celery worker.
4. Times the COPY baseline (scripts/bench/copy_baseline.py) into the same tables.
5. Prints a table and writes it to ``bench/out/bench-import.json``.

Exit status: 0 when both imports succeed, write every work and the re-run changes no count;
1 otherwise (the import's own error output is shown).

The import runs with DEBUG off (Django keeps a log of every query when DEBUG is on), with a
throwaway SECRET_KEY when none is set.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from scripts.bench import copy_baseline, generate_works  # noqa: E402

OUT = REPO / "bench" / "out"
DEFAULT_FILE = OUT / "works-50k.jsonl.gz"
TARGET_WORKS_PER_SECOND = 2_000
COUNTED = {
    "works": "works_work",
    "authorships": "works_authorship",
    "researchers": "profiles_researcher",
    "work_topics": "works_worktopic",
    "institutions": "profiles_institution",
    "topics": "profiles_topic",
    "sources": "works_source",
    "coauthor_edges": "graph_coauthoredge",
}


@dataclass
class Run:
    name: str
    seconds: float
    counts: dict[str, int]
    ok: bool = True
    note: str = ""

    @property
    def works_per_second(self) -> float:
        return self.counts.get("works", 0) / self.seconds if self.seconds else 0.0


# --- database --------------------------------------------------------------------------------


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist; True if it was created."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = str(info["dbname"])
    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0")
    env.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
    env.setdefault("SITE_URL", "http://127.0.0.1:8000")  # required with DEBUG off
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=REPO,
                          env=django_env(url), capture_output=True, text=True, check=False)


def count_rows(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            label: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
            .fetchone()[0]  # type: ignore[index]
            for label, t in COUNTED.items()
        }


def empty_import_tables(url: str) -> None:
    """TRUNCATE the tables an import fills (CASCADE: edges, snapshots, jobs ... too)."""
    tables = sql.SQL(", ").join(sql.Identifier(t) for t in copy_baseline.TABLES)
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


def environment(url: str) -> dict[str, str]:
    facts = {
        "cpus": str(os.cpu_count()),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
    }
    with psycopg.connect(url) as conn:
        facts["postgresql"] = str(conn.execute("SELECT version()").fetchone()[0])  # type: ignore[index]
        for setting in ("shared_buffers", "synchronous_commit", "fsync", "max_wal_size"):
            facts[f"postgresql {setting}"] = str(
                conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()[0]  # type: ignore[index]
            )
    return facts


# --- steps -----------------------------------------------------------------------------------


def time_import(url: str, path: Path, name: str) -> Run:
    started = time.perf_counter()
    # --followups=skip: queued follow-ups (co-author edges, then trust, for 50,000 researcher
    # ids of this database) would wait in REDIS_URL's queue for whichever worker reads it next,
    # such as `make demo`'s, which runs them against its own database, where those ids are
    # other researchers. Enqueuing is one message; the follow-ups themselves are measured by
    # `make bench-trust`.
    done = manage(url, "import_openalex", "--followups=skip", str(path))
    seconds = time.perf_counter() - started
    output = (done.stdout.strip().splitlines() or [""])[0]
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        print(f"\n{name}: `manage.py import_openalex {path}` failed (exit {done.returncode}):",
              *("  " + line for line in detail), sep="\n", file=sys.stderr)
        return Run(name, seconds, count_rows(url), ok=False, note="import failed")
    return Run(name, seconds, count_rows(url), note=output)


def ensure_works_file(path: Path, works: int, authors: int | None, seed: int,
                      regenerate: bool) -> None:
    if path.exists() and not regenerate:
        print(f"works file: {path.relative_to(REPO)} (exists; --regenerate to rebuild)")
        return
    stats = generate_works.generate(str(path), works, authors, seed)
    print(f"works file: generated {path.relative_to(REPO)}: {stats.works:,} works, "
          f"{stats.authors_pool:,} authors in {stats.seconds:.1f} s "
          f"({stats.works_per_second:,.0f} works/s, {stats.bytes_written / 1e6:.0f} MB)")


def print_table(runs: list[Run]) -> None:
    header = f"{'':<20}{'works':>9}{'authorships':>13}{'researchers':>13}{'seconds':>10}{'works/s':>10}"
    print("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        c = run.counts
        print(f"{run.name:<20}{c['works']:>9,}{c['authorships']:>13,}{c['researchers']:>13,}"
              f"{run.seconds:>10.1f}{run.works_per_second:>10,.0f}"
              + ("" if run.ok else "   FAILED"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--works", type=int, default=50_000, help="when generating (50000)")
    parser.add_argument("--authors", type=int, default=None, help="when generating (= works)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)
    path: Path = args.file if args.file.is_absolute() else REPO / args.file

    url = copy_baseline.bench_database_url()
    created = ensure_database(url)
    print("environment:")
    for key, value in environment(url).items():
        print(f"  {key}: {value}")
    safe_url = psycopg.conninfo.conninfo_to_dict(url)
    print(f"database: {safe_url.get('dbname')} on {safe_url.get('host', 'localhost')}:"
          f"{safe_url.get('port', 5432)}{' (created)' if created else ''}")
    migrated = manage(url, "migrate", "--noinput")
    if migrated.returncode != 0:
        print("migrate failed:\n" + migrated.stderr[-3000:], file=sys.stderr)
        return 1
    ensure_works_file(path, args.works, args.authors, args.seed, args.regenerate)
    expected_works = sum(1 for _ in generate_works_lines(path))

    empty_import_tables(url)
    runs = [time_import(url, path, "import, first run")]
    if runs[0].ok:
        runs.append(time_import(url, path, "import, re-run"))
    print("\npreparing COPY rows (not timed) ...", flush=True)
    baseline = copy_baseline.run_baseline([path], url)
    copied = count_rows(url)
    runs.append(Run("COPY baseline", baseline.seconds, copied,
                    note=f"TRUNCATE {baseline.truncate_seconds:.1f} s, COPY "
                         f"{baseline.copy_seconds:.1f} s, commit (deferred FK checks) "
                         f"{baseline.commit_seconds:.1f} s; rows prepared in "
                         f"{baseline.prepare_seconds:.0f} s"))
    print_table(runs)
    for run in runs:
        if run.note:
            print(f"  {run.name}: {run.note}")
        others = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in run.counts.items()
                           if k not in ("works", "authorships", "researchers"))
        print(f"  {'':<{len(run.name)}}  ({others})")

    problems = []
    first = runs[0]
    if not first.ok:
        problems.append("the first import failed")
    elif first.counts["works"] != expected_works:
        problems.append(f"the first import wrote {first.counts['works']:,} of "
                        f"{expected_works:,} works")
    if len(runs) > 2:
        rerun = runs[1]
        if not rerun.ok:
            problems.append("the re-run failed")
        elif rerun.counts != first.counts:
            changed = {k: (first.counts[k], rerun.counts[k]) for k in first.counts
                       if first.counts[k] != rerun.counts[k]}
            problems.append(f"the re-run changed row counts: {changed}")
    if first.ok:
        ratio = first.works_per_second / runs[-1].works_per_second
        print(f"\nimport/COPY (first run): {ratio:.2f}")
        mismatch = {k: (first.counts[k], copied[k]) for k in copy_baseline_counted()
                    if first.counts[k] != copied[k]}
        print("import and COPY wrote the same row counts" if not mismatch
              else f"row counts differ between import and COPY: {mismatch}")
        verdict = "met" if first.works_per_second >= TARGET_WORKS_PER_SECOND else "NOT met"
        print(f"target >= {TARGET_WORKS_PER_SECOND:,} works/s on the first run: {verdict}")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-import.json").write_text(json.dumps(
        {"file": str(path.relative_to(REPO)), "runs": [
            {**asdict(r), "works_per_second": round(r.works_per_second, 1)} for r in runs],
         "problems": problems}, indent=2) + "\n")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def copy_baseline_counted() -> list[str]:
    """Counts that both the import and the COPY produce (edges are the import's extra)."""
    return [k for k in COUNTED if k != "coauthor_edges"]


def generate_works_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from handle


if __name__ == "__main__":
    sys.exit(main())
