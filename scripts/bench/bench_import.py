"""``make bench-import``: import_openalex throughput on synthetic works (20,000 and 50,000),
first run and re-run, beside a plain PostgreSQL COPY of the same rows into the same tables, on
the project-local PostgreSQL (fsync off) and, when DATABASE_URL names another server, on that
one too (a system PostgreSQL, fsync on as configured), each labelled with its own settings.

Steps (every figure is wall clock on this machine), for each server and each file:

1. Creates the database ``bzpeer_bench`` on the server if it is missing and migrates it
   (``manage.py migrate`` with DATABASE_URL pointing there). Other databases are never
   touched. The project-local PostgreSQL (scripts/localservices.py, ``.data/``) is started
   if it is not running, and left running, as ``make services`` would.
2. Generates ``bench/out/works-20k.jsonl.gz`` and ``bench/out/works-50k.jsonl.gz``
   (scripts/bench/generate_works.py, seed 1) if they are absent (``--regenerate`` forces it).
3. Empties the import tables, then times ``manage.py import_openalex --followups=skip <file>``
   as a subprocess (first run, Django start-up included), and again on the filled database
   (re-run), checking that the re-run leaves the row counts unchanged. Nothing is left queued
   for a Celery worker.
4. Times the COPY baseline (scripts/bench/copy_baseline.py) into the same tables.
5. Prints a table and writes it to ``bench/out/bench-import.json``.

Everything it reads is machine-readable: row counts and the job's message come from the
database, server settings from ``SHOW``; the import's output is only shown when it fails.

Exit status: 0 when every import succeeds, writes every work and the re-run changes no count;
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

from scripts import localservices  # noqa: E402
from scripts.bench import copy_baseline, generate_works  # noqa: E402

OUT = REPO / "bench" / "out"
# (works in the file, its path): 20,000 is the file issue 19 compares with OpenAlex's own
# loader (docs/performance.md), 50,000 the one of the earlier figures.
DEFAULT_FILES = ((20_000, OUT / "works-20k.jsonl.gz"), (50_000, OUT / "works-50k.jsonl.gz"))
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
    server: str = ""  # which PostgreSQL, with its fsync and synchronous_commit
    file: str = ""

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
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=django_env(url),
        capture_output=True,
        text=True,
        check=False,
    )


def count_rows(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            label: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]  # type: ignore[index]
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
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        print(
            f"\n{name}: `manage.py import_openalex {path}` failed (exit {done.returncode}):",
            *("  " + line for line in detail),
            sep="\n",
            file=sys.stderr,
        )
        return Run(name, seconds, count_rows(url), ok=False, note="import failed")
    return Run(name, seconds, count_rows(url), note=last_job_message(url))


def last_job_message(url: str) -> str:
    """The message of the newest import job (what the command printed, read from its row)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT message FROM works_importjob ORDER BY id DESC LIMIT 1").fetchone()
    return str(row[0]) if row else ""


def local_server_url() -> str:
    """The project-local PostgreSQL's URL (scripts/localservices.py), started if it is not
    running and left running, as ``make services`` leaves it."""
    layout = localservices.Layout(Path(os.environ.get("BZPEER_DATA_DIR", localservices.DEFAULT_DATA_DIR)).resolve())
    localservices.start(layout, ["postgres"])
    url = localservices.service_urls(layout)["postgres"]
    if url is None:
        raise SystemExit("the project-local PostgreSQL did not start (python3 scripts/localservices.py status)")
    return url


def same_server(a: str, b: str) -> bool:
    da, db = psycopg.conninfo.conninfo_to_dict(a), psycopg.conninfo.conninfo_to_dict(b)
    return (str(da.get("host", "localhost")), str(da.get("port", 5432))) == (
        str(db.get("host", "localhost")),
        str(db.get("port", 5432)),
    )


def server_label(url: str, local: bool) -> str:
    """Which server, and the settings that decide how fast a commit is, read from the server."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    with psycopg.connect(url) as conn:
        fsync = str(conn.execute("SHOW fsync").fetchone()[0])  # type: ignore[index]
        sync = str(conn.execute("SHOW synchronous_commit").fetchone()[0])  # type: ignore[index]
    kind = "project-local" if local else "system"
    return f"{kind} PostgreSQL :{info.get('port', 5432)} (fsync {fsync}, synchronous_commit {sync})"


def ensure_works_file(path: Path, works: int, authors: int | None, seed: int, regenerate: bool) -> None:
    if path.exists() and not regenerate:
        print(f"works file: {path.relative_to(REPO)} (exists; --regenerate to rebuild)")
        return
    stats = generate_works.generate(str(path), works, authors, seed)
    print(
        f"works file: generated {path.relative_to(REPO)}: {stats.works:,} works, "
        f"{stats.authors_pool:,} authors in {stats.seconds:.1f} s "
        f"({stats.works_per_second:,.0f} works/s, {stats.bytes_written / 1e6:.0f} MB)"
    )


def print_table(runs: list[Run]) -> None:
    header = f"{'':<20}{'works':>9}{'authorships':>13}{'researchers':>13}{'seconds':>10}{'works/s':>10}"
    print("\n" + header + "\n" + "-" * len(header))
    heading = None
    for run in runs:
        if (run.server, run.file) != heading:
            heading = (run.server, run.file)
            print(f"{run.server}, {run.file}:")
        c = run.counts
        print(
            f"{run.name:<20}{c['works']:>9,}{c['authorships']:>13,}{c['researchers']:>13,}"
            f"{run.seconds:>10.1f}{run.works_per_second:>10,.0f}" + ("" if run.ok else "   FAILED")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--file",
        type=Path,
        action="append",
        default=None,
        help="a works file (repeat for several; default: the 20k and 50k files)",
    )
    parser.add_argument("--authors", type=int, default=None, help="when generating (= works)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--no-local", action="store_true", help="leave out the project-local PostgreSQL (DATABASE_URL's server only)"
    )
    args = parser.parse_args(argv)
    # (works to generate when absent, or None for a file of one's own; its path)
    files: list[tuple[int | None, Path]] = (
        [(None, f if f.is_absolute() else REPO / f) for f in args.file] if args.file else list(DEFAULT_FILES)
    )

    servers: list[tuple[str, str]] = []  # (label, bench database URL)
    configured = os.environ.get("DATABASE_URL")
    local = None if args.no_local else local_server_url()
    if local:
        servers.append((server_label(local, True), copy_baseline.bench_database_url(local)))
    if configured and not (local and same_server(configured, local)):
        servers.append((server_label(configured, False), copy_baseline.bench_database_url(configured)))
    elif not args.no_local:
        print(
            "note: DATABASE_URL names no other server; set it to a system PostgreSQL to measure "
            "that one beside the project-local one"
        )
    if not servers:
        raise SystemExit("no server: set DATABASE_URL or drop --no-local")

    created = {url: ensure_database(url) for _, url in servers}  # before anything connects to it
    print("environment:")
    for key, value in environment(servers[0][1]).items():
        if not key.startswith("postgresql "):
            print(f"  {key}: {value}")
    for works, path in files:
        if works is not None:
            ensure_works_file(path, works, args.authors, args.seed, args.regenerate)
        elif not path.exists():
            raise SystemExit(f"{path}: no such file")

    runs: list[Run] = []
    problems: list[str] = []
    for label, url in servers:
        print(
            f"\n{label}: database {psycopg.conninfo.conninfo_to_dict(url).get('dbname')}"
            f"{' (created)' if created[url] else ''}"
        )
        for key, value in environment(url).items():
            if key.startswith("postgresql"):
                print(f"  {key}: {value}")
        migrated = manage(url, "migrate", "--noinput")
        if migrated.returncode != 0:
            print("migrate failed:\n" + migrated.stderr[-3000:], file=sys.stderr)
            return 1
        for _, path in files:
            runs_here, problems_here = measure(url, path)
            for run in runs_here:
                run.server, run.file = label, path.name
            runs.extend(runs_here)
            problems.extend(f"{label}, {path.name}: {p}" for p in problems_here)

    print_table(runs)
    print()
    for run in runs:
        if run.note:
            print(f"  {run.server}, {run.file}, {run.name}: {run.note}")
    for label, _url in servers:
        for _, path in files:
            here = [r for r in runs if r.server == label and r.file == path.name]
            first = next((r for r in here if r.name == "import, first run"), None)
            copy = next((r for r in here if r.name == "COPY baseline"), None)
            if first and first.ok and copy:
                verdict = "met" if first.works_per_second >= TARGET_WORKS_PER_SECOND else "NOT met"
                print(
                    f"{label}, {path.name}: first run {first.works_per_second:,.0f} works/s, "
                    f"import/COPY {first.works_per_second / copy.works_per_second:.2f}; "
                    f"target >= {TARGET_WORKS_PER_SECOND:,} works/s: {verdict}"
                )

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-import.json").write_text(
        json.dumps(
            {
                "servers": [label for label, _ in servers],
                "files": [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for _, p in files],
                "runs": [{**asdict(r), "works_per_second": round(r.works_per_second, 1)} for r in runs],
                "problems": problems,
            },
            indent=2,
        )
        + "\n"
    )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def measure(url: str, path: Path) -> tuple[list[Run], list[str]]:
    """First run into emptied tables, re-run, COPY baseline of ``path`` on ``url``; the runs
    and what went wrong."""
    expected_works = sum(1 for _ in generate_works_lines(path))
    empty_import_tables(url)
    print(f"  {path.name}: first run ...", flush=True)
    runs = [time_import(url, path, "import, first run")]
    if runs[0].ok:
        print(f"  {path.name}: re-run ...", flush=True)
        runs.append(time_import(url, path, "import, re-run"))
    print(f"  {path.name}: preparing COPY rows (not timed), then COPY ...", flush=True)
    baseline = copy_baseline.run_baseline([path], url)
    copied = count_rows(url)
    runs.append(
        Run(
            "COPY baseline",
            seconds=baseline.seconds,
            counts=copied,
            note=f"TRUNCATE {baseline.truncate_seconds:.1f} s, COPY "
            f"{baseline.copy_seconds:.1f} s, commit (deferred FK checks) "
            f"{baseline.commit_seconds:.1f} s; rows prepared in "
            f"{baseline.prepare_seconds:.0f} s",
        )
    )
    problems = []
    first = runs[0]
    if not first.ok:
        problems.append("the first import failed")
    elif first.counts["works"] != expected_works:
        problems.append(f"the first import wrote {first.counts['works']:,} of {expected_works:,} works")
    if len(runs) > 2:
        rerun = runs[1]
        if not rerun.ok:
            problems.append("the re-run failed")
        elif rerun.counts != first.counts:
            changed = {
                k: (first.counts[k], rerun.counts[k]) for k in first.counts if first.counts[k] != rerun.counts[k]
            }
            problems.append(f"the re-run changed row counts: {changed}")
    if first.ok:
        mismatch = {k: (first.counts[k], copied[k]) for k in copy_baseline_counted() if first.counts[k] != copied[k]}
        if mismatch:
            problems.append(f"row counts differ between import and COPY: {mismatch}")
    return runs, problems


def copy_baseline_counted() -> list[str]:
    """Counts that both the import and the COPY produce (edges are the import's extra)."""
    return [k for k in COUNTED if k != "coauthor_edges"]


def generate_works_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from handle


if __name__ == "__main__":
    sys.exit(main())
