"""OpenAlex's own PostgreSQL loader against ``import_openalex``'s first run, on the same works
file and the same PostgreSQL, in alternating runs (loader, ours, loader, ours ...), so that the
machine's other load falls on both alike. Prints each run, the medians and their ratio.

The loader is not part of this repository and this script holds none of it. Get it from
OpenAlex's snapshot documentation, GitHub ``ourresearch/openalex-documentation-scripts``:
``flatten-openalex-jsonl.py`` (JSON Lines -> gzipped CSV files), ``copy-openalex-csv.sql``
(``\\copy`` of each CSV file, through psql) and ``openalex-pg-schema.sql`` (the tables, no
constraints), all three in one folder, passed as ``--loader``. As published they need two
edits to run on these files (docs/performance.md names them): ``works.language text`` in the
schema (the copy script loads that column), and ``or []`` where the flatten script iterates
over a work's ``concepts``, ``mesh``, ``referenced_works`` and ``related_works`` (the
synthetic works, like the 2025 API's, may omit them).

Each loader run, timed end to end (wall clock): ``python3 flatten-openalex-jsonl.py`` in a work
folder holding the file as ``openalex-snapshot/data/works/updated_date=.../part_000.gz``, then
``psql -f copy-openalex-csv.sql`` into the database ``openalex_loader`` (created if missing, its
``openalex`` schema dropped and created again before each run, untimed). Each of ours:
``manage.py import_openalex --followups=skip FILE`` into the emptied tables of ``bzpeer_bench``
(scripts/bench/bench_import.py), Django start-up included. Both databases are on
DATABASE_URL's server.

Run: ``python scripts/bench/compare_loader.py --loader /path/to/openalex-documentation-scripts``
(``--runs 5``, ``--file bench/out/works-20k.jsonl.gz``, generated when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import bench_import, copy_baseline  # noqa: E402

LOADER_FILES = ("flatten-openalex-jsonl.py", "copy-openalex-csv.sql", "openalex-pg-schema.sql")
LOADER_DATABASE = "openalex_loader"
DEFAULT_FILE = REPO / "bench" / "out" / "works-20k.jsonl.gz"


@dataclass
class Pair:
    loader_seconds: float
    loader_flatten_seconds: float
    ours_seconds: float
    works: int
    load_before_loader: float
    load_before_ours: float

    @property
    def loader_rate(self) -> float:
        return self.works / self.loader_seconds

    @property
    def ours_rate(self) -> float:
        return self.works / self.ours_seconds


def loader_url(base: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{LOADER_DATABASE}"))


def psql(url: str, *args: str, cwd: Path) -> None:
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, *args],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},  # no NOTICE per dropped table
    )


def run_loader(loader: Path, work: Path, url: str, python: str) -> tuple[float, float, int]:
    """One loader run: (end-to-end seconds, of which flattening, works loaded)."""
    psql(url, "-c", "DROP SCHEMA IF EXISTS openalex CASCADE", cwd=work)
    psql(url, "-f", str(loader / "openalex-pg-schema.sql"), cwd=work)
    subprocess.run(["rm", "-rf", str(work / "csv-files")], check=True)
    (work / "csv-files").mkdir()  # the published flatten script writes into it and does not create it
    started = time.perf_counter()
    subprocess.run([python, str(loader / "flatten-openalex-jsonl.py")], cwd=work, check=True, stdout=subprocess.DEVNULL)
    flattened = time.perf_counter()
    psql(url, "-f", str(loader / "copy-openalex-csv.sql"), cwd=work)
    seconds = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        works = int(conn.execute("SELECT count(*) FROM openalex.works").fetchone()[0])  # type: ignore[index]
    return seconds, flattened - started, works


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--loader", type=Path, required=True, help="folder with " + ", ".join(LOADER_FILES))
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default="python3", help="the interpreter for the loader (python3)")
    parser.add_argument("--database", default=copy_baseline.BENCH_DATABASE, help="ours (bzpeer_bench); TRUNCATEd")
    args = parser.parse_args(argv)
    loader = args.loader.resolve()
    missing = [name for name in LOADER_FILES if not (loader / name).is_file()]
    if missing:
        raise SystemExit(f"{loader}: missing {', '.join(missing)} (see this script's docstring)")
    path = args.file if args.file.is_absolute() else REPO / args.file
    if not path.exists():
        bench_import.ensure_works_file(path, 20_000, None, 1, regenerate=False)

    base = os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL
    ours_url = urlunsplit(urlsplit(base)._replace(path=f"/{args.database}"))  # a URL: Django reads it
    theirs_url = loader_url(base)
    for url in (ours_url, theirs_url):
        bench_import.ensure_database(url)
    migrated = bench_import.manage(ours_url, "migrate", "--noinput")
    if migrated.returncode != 0:
        raise SystemExit("migrate failed:\n" + migrated.stderr[-3000:])
    label = bench_import.server_label(ours_url, local=False)
    print(f"server: {label}; file: {path.name}; loader: {loader}")

    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory(prefix="openalex-loader-") as folder:
        work = Path(folder)
        part = work / "openalex-snapshot" / "data" / "works" / "updated_date=2000-01-01" / "part_000.gz"
        part.parent.mkdir(parents=True)
        part.symlink_to(path)
        for number in range(1, args.runs + 1):
            load_loader = os.getloadavg()[0]
            loader_seconds, flatten_seconds, works = run_loader(loader, work, theirs_url, args.python)
            bench_import.empty_import_tables(ours_url)
            load_ours = os.getloadavg()[0]
            ours = bench_import.time_import(ours_url, path, "first run")
            if not ours.ok or ours.counts["works"] != works:
                print(f"our import failed or wrote {ours.counts['works']:,} of {works:,} works", file=sys.stderr)
                return 1
            pair = Pair(loader_seconds, flatten_seconds, ours.seconds, works, load_loader, load_ours)
            pairs.append(pair)
            print(
                f"run {number}: loader {pair.loader_seconds:5.1f} s ({pair.loader_rate:,.0f} works/s; "
                f"flatten {pair.loader_flatten_seconds:.1f} s), load {load_loader:.2f} | ours "
                f"{pair.ours_seconds:5.1f} s ({pair.ours_rate:,.0f} works/s), load {load_ours:.2f} | "
                f"ratio {pair.ours_rate / pair.loader_rate:.2f}",
                flush=True,
            )

    loader_median = statistics.median(p.loader_rate for p in pairs)
    ours_median = statistics.median(p.ours_rate for p in pairs)
    ratio_median = statistics.median(p.ours_rate / p.loader_rate for p in pairs)
    print(
        f"median: loader {loader_median:,.0f} works/s, ours {ours_median:,.0f} works/s; "
        f"ratio of the medians {ours_median / loader_median:.2f}, median of the ratios {ratio_median:.2f}"
    )
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare-loader.json").write_text(
        json.dumps(
            {
                "server": label,
                "file": path.name,
                "runs": [
                    {**p.__dict__, "loader_rate": round(p.loader_rate, 1), "ours_rate": round(p.ours_rate, 1)}
                    for p in pairs
                ],
                "median_loader_rate": round(loader_median, 1),
                "median_ours_rate": round(ours_median, 1),
                "ratio_of_medians": round(ours_median / loader_median, 3),
                "median_of_ratios": round(ratio_median, 3),
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
