"""The floor under the import benchmark: a plain PostgreSQL COPY of the rows an import of the
same OpenAlex works file writes, into the same tables.

Two phases:

1. ``prepare_rows`` (not timed) reads the file through the importer's own reader and parser
   (works.openalex_files, works.openalex_parser), so the rows are the ones ``import_openalex``
   writes: institutions, topics and sources (dehydrated copies), co-author researcher stubs,
   works, authorships and work topics. Primary keys are assigned here (1..n per table, in
   order of first appearance) so foreign keys are consistent. Rows go to COPY text files in
   a work folder, one per table.
2. ``copy_rows`` (timed): in one transaction, TRUNCATE the seven tables RESTART IDENTITY
   CASCADE, COPY each file in, move the identity sequences past the copied ids, commit.

Side effects: ``copy_rows`` empties the seven tables and everything that references them
(CASCADE: co-author edges, trust snapshots, follows, import jobs ...). Point it only at a
benchmark database; the CLI defaults to ``bzpeer_bench`` on DATABASE_URL's server.

Run: ``python scripts/bench/copy_baseline.py bench/out/works-50k.jsonl.gz``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script: make the project's pure modules importable
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from profiles.names import fold  # noqa: E402
from works.openalex_files import expand_paths, read_file  # noqa: E402
from works.openalex_parser import WorkRecord, parse_entity  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bzpeer"
BENCH_DATABASE = "bzpeer_bench"

# Table -> columns, in COPY (and foreign key) order. Every NOT NULL column is listed: Django
# defaults live in Python, not in the database.
TABLES: dict[str, tuple[str, ...]] = {
    "profiles_institution": ("id", "openalex_id", "display_name", "ror", "country_code", "type",
                             "homepage_url", "email_domains", "lineage", "is_full_record",
                             "openalex_updated"),
    "profiles_topic": ("id", "openalex_id", "kind", "display_name", "description", "subfield",
                       "field", "domain", "level"),
    "profiles_researcher": ("id", "openalex_id", "orcid", "display_name",
                            "display_name_alternatives", "search_name", "record_status",
                            "works_count", "cited_by_count", "h_index", "i10_index",
                            "two_year_mean_citedness", "counts_by_year", "generated_bio",
                            "openalex_updated", "openalex_created", "imported_at", "created_at",
                            "owner_bio", "preferred_name", "open_to_collaborate"),
    "works_source": ("id", "openalex_id", "display_name", "type", "issn_l",
                     "host_organization_name"),
    "works_work": ("id", "openalex_id", "doi", "title", "type", "type_crossref",
                   "publication_year", "publication_date", "source_id", "venue_name",
                   "landing_page_url", "abstract", "language", "cited_by_count", "counts_by_year",
                   "is_oa", "oa_status", "oa_url", "is_retracted", "referenced_works",
                   "referenced_works_count", "related_works", "is_authors_truncated",
                   "openalex_updated", "imported_at"),
    "works_authorship": ("work_id", "position", "author_position", "researcher_id",
                         "raw_author_name", "is_corresponding", "raw_affiliation_strings",
                         "countries", "institution_openalex_ids"),
    "works_worktopic": ("id", "work_id", "topic_id", "score", "is_primary"),
}


# --- COPY text format ----------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One field in COPY text format (NULL is ``\\N``; lists become array literals, dicts
    JSON). Arrays of str are always quoted so no element can be mistaken for NULL."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return pg_array(value).translate(_COPY_ESCAPES)
    if isinstance(value, dict):
        raise TypeError("wrap JSON values in JsonValue")
    return str(value).translate(_COPY_ESCAPES)


@dataclass(frozen=True, slots=True)
class JsonValue:
    """A value for a jsonb column (lists would otherwise become arrays)."""

    value: Any

    def copy_text(self) -> str:
        text = json.dumps(self.value, ensure_ascii=False, separators=(",", ":"))
        return text.translate(_COPY_ESCAPES)


def pg_array(items: Iterable[Any]) -> str:
    """A PostgreSQL array literal: ``{1,2}`` for numbers, ``{"a","b \\"c\\""}`` for text."""
    parts = []
    for item in items:
        if item is None:
            parts.append("NULL")
        elif isinstance(item, int):
            parts.append(str(item))
        else:
            escaped = str(item).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{escaped}"')
    return "{" + ",".join(parts) + "}"


def copy_line(values: Sequence[Any]) -> str:
    return "\t".join(v.copy_text() if isinstance(v, JsonValue) else copy_value(v)
                     for v in values) + "\n"


# --- Phase 1: rows (not timed) -------------------------------------------------------------


@dataclass
class PreparedRows:
    """COPY files per table (in ``TABLES`` order) and their row counts."""

    folder: Path
    works: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.copy"


@dataclass
class _Stub:
    pk: int
    display_name: str
    orcid: str


class _Collector:
    """Entity rows keyed by OpenAlex id, pks given on first sight; works and their children
    are streamed to files as they come."""

    def __init__(self, folder: Path, now: datetime) -> None:
        self.folder = folder
        self.now = now
        self.institutions: dict[str, list[Any]] = {}
        self.topics: dict[str, list[Any]] = {}
        self.sources: dict[str, list[Any]] = {}
        self.stubs: dict[str, _Stub] = {}
        self.seen_works: set[str] = set()
        self.counts = dict.fromkeys(TABLES, 0)
        self.files: dict[str, IO[str]] = {
            t: (folder / f"{t}.copy").open("w", encoding="utf-8", newline="")
            for t in ("works_work", "works_authorship", "works_worktopic")
        }

    def _pk(self, mapping: dict[str, Any], key: str) -> int:
        row = mapping.get(key)
        return row[0] if row is not None else len(mapping) + 1

    def add_work(self, w: WorkRecord) -> None:
        if w.openalex_id in self.seen_works:
            raise ValueError(f"{w.openalex_id} appears twice; the baseline needs unique works")
        self.seen_works.add(w.openalex_id)
        # Dehydrated copies: the last one seen wins, as in the upsert (all equal here anyway).
        for i in w.institutions:
            self.institutions[i.openalex_id] = [
                self._pk(self.institutions, i.openalex_id), i.openalex_id, i.display_name, i.ror,
                i.country_code, i.type, i.homepage_url, i.email_domains, i.lineage,
                i.is_full_record, i.updated]
        for t in w.topic_records:
            self.topics[t.openalex_id] = [
                self._pk(self.topics, t.openalex_id), t.openalex_id, t.kind, t.display_name,
                t.description, t.subfield, t.field, t.domain, t.level]
        source_pk = None
        if w.source:
            s = w.source
            self.sources.setdefault(s.openalex_id, [
                len(self.sources) + 1, s.openalex_id, s.display_name, s.type, s.issn_l,
                s.host_organization_name])
            source_pk = self.sources[s.openalex_id][0]
        work_pk = len(self.seen_works)
        self._write("works_work", [
            work_pk, w.openalex_id, w.doi, w.title, w.type, w.type_crossref, w.publication_year,
            w.publication_date, source_pk, w.venue_name, w.landing_page_url, w.abstract,
            w.language, w.cited_by_count, JsonValue(w.counts_by_year), w.is_oa, w.oa_status,
            w.oa_url, w.is_retracted, w.referenced_works, w.referenced_works_count,
            w.related_works, w.is_authors_truncated, w.updated, self.now])
        for a in w.authorships:
            researcher_pk = self._stub(a.author_id, a.author_name, a.author_orcid)
            self._write("works_authorship", [
                work_pk, a.position, a.author_position,
                researcher_pk, a.raw_author_name or a.author_name, a.is_corresponding,
                a.raw_affiliation_strings, a.countries,
                list(a.institution_ids)])
        for wt in w.topics:
            self._write("works_worktopic", [
                self.counts["works_worktopic"] + 1, work_pk, self.topics[wt.topic_id][0],
                wt.score, wt.is_primary])

    def _stub(self, author_id: str | None, name: str, orcid: str) -> int | None:
        """The upsert's stub rule: the first name seen, or a later one that brings an ORCID."""
        if not author_id:
            return None
        stub = self.stubs.get(author_id)
        if stub is None:
            stub = self.stubs[author_id] = _Stub(len(self.stubs) + 1, name or author_id, orcid)
        elif not stub.orcid and orcid:
            stub.display_name, stub.orcid = name or author_id, orcid
        return stub.pk

    def _write(self, table: str, values: list[Any]) -> None:
        self.files[table].write(copy_line(values))
        self.counts[table] += 1

    def finish(self) -> dict[str, int]:
        for handle in self.files.values():
            handle.close()
        entity_rows = {
            "profiles_institution": self.institutions.values(),
            "profiles_topic": self.topics.values(),
            "works_source": self.sources.values(),
            "profiles_researcher": (
                [s.pk, author_id, s.orcid, s.display_name, [], fold(s.display_name), "stub", 0, 0,
                 None, None, None, JsonValue([]), "", None, None, None, self.now, "", "", False]
                for author_id, s in self.stubs.items()
            ),
        }
        for table, rows in entity_rows.items():
            with (self.folder / f"{table}.copy").open("w", encoding="utf-8", newline="") as f:
                for values in rows:
                    f.write(copy_line(values))
                    self.counts[table] += 1
        return self.counts


def prepare_rows(paths: Sequence[str | Path], folder: Path) -> PreparedRows:
    """Parse OpenAlex works files into COPY files in ``folder``. Not timed; raises ValueError
    on a record that does not parse or is not a work (the baseline is for works files)."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    files, missing = expand_paths(paths)
    if missing:
        raise ValueError("; ".join(missing))
    collector = _Collector(folder, datetime.now(UTC))
    try:
        for path in files:
            for item in read_file(path):
                if item.error:
                    raise ValueError(f"{item.location}: {item.error}")
                record = parse_entity(item.data)
                if not isinstance(record, WorkRecord):
                    raise ValueError(f"{item.location}: not a work ({type(record).__name__})")
                collector.add_work(record)
    finally:
        counts = collector.finish()
    return PreparedRows(folder, counts["works_work"], counts, time.perf_counter() - started)


# --- Phase 2: TRUNCATE + COPY (timed) ------------------------------------------------------


@dataclass
class BaselineResult:
    works: int
    rows: dict[str, int]
    truncate_seconds: float
    copy_seconds: float  # COPY of every table and the sequence fix-up
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: PostgreSQL checks them row by
    # row at commit, which is a large share of the total.
    commit_seconds: float
    prepare_seconds: float = 0.0
    table_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The timed phase: TRUNCATE + COPY + commit."""
        return self.truncate_seconds + self.copy_seconds + self.commit_seconds

    @property
    def works_per_second(self) -> float:
        return self.works / self.seconds if self.seconds else float("inf")


def copy_rows(conn: psycopg.Connection, prepared: PreparedRows) -> BaselineResult:
    """TRUNCATE the tables and COPY ``prepared`` in, in one transaction that is committed
    here (or a savepoint, if ``conn`` is already inside a transaction block). Timed."""
    tables = list(TABLES)
    with conn.cursor() as cur:
        started = time.perf_counter()
        with conn.transaction():
            cur.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            truncated = time.perf_counter()
            table_seconds = {}
            for table in tables:
                table_started = time.perf_counter()
                with (prepared.path(table).open("rb") as source,
                      cur.copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN") as copy):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                # Later inserts (an import after the baseline) must not collide with copied ids.
                if TABLES[table][0] == "id":
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}")
                table_seconds[table] = time.perf_counter() - table_started
            copied = time.perf_counter()
        finished = time.perf_counter()
    return BaselineResult(prepared.works, dict(prepared.rows), truncated - started,
                          copied - truncated, finished - copied, prepared.seconds, table_seconds)


def run_baseline(paths: Sequence[str | Path], conninfo: str,
                 folder: Path | None = None) -> BaselineResult:
    """Prepare the rows (in ``folder``, default a temporary folder removed afterwards) and
    COPY them into the database at ``conninfo``. Empties the seven tables first."""
    with tempfile.TemporaryDirectory(prefix="bzpeer-copy-") as tmp:
        prepared = prepare_rows(paths, folder or Path(tmp))
        with psycopg.connect(conninfo) as conn:
            return copy_rows(conn, prepared)


def bench_database_url(base: str | None = None) -> str:
    """``base`` (default DATABASE_URL) with the database name replaced by ``bzpeer_bench``."""
    parts = urlsplit(base or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="OpenAlex works files (JSON Lines, .gz)")
    parser.add_argument("--database-url", default=None,
                        help="target database (default: bzpeer_bench on DATABASE_URL's server); "
                             "its tables are TRUNCATEd")
    args = parser.parse_args(argv)
    url = args.database_url or bench_database_url()
    result = run_baseline(args.paths, url)
    print(f"prepared rows in {result.prepare_seconds:.1f} s (not timed)")
    for table, count in result.rows.items():
        print(f"  {table:<22} {count:>10,} rows  COPY {result.table_seconds.get(table, 0):6.2f} s")
    print(f"TRUNCATE {result.truncate_seconds:.2f} s + COPY {result.copy_seconds:.2f} s + "
          f"commit (deferred FK checks) {result.commit_seconds:.2f} s = {result.seconds:.2f} s: "
          f"{result.works_per_second:,.0f} works/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
