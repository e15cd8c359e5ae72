"""A synthetic OpenAlex snapshot folder, for the snapshot sync benchmark and tests.

Contract:

* Layout: OpenAlex's (docs.openalex.org, "Download to your machine"): under ``--out``,
  ``data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz`` (JSON Lines, gzip) and one
  ``data/<entity>/manifest`` per entity in the Redshift manifest format::

      {"entries": [{"url": "s3://openalex/data/works/updated_date=2025-10-01/part_000.gz",
                    "meta": {"content_length": N, "record_count": N}}, ...],
       "meta": {"content_length": N, "record_count": N}}

  ``content_length`` is the part file's size in bytes (compressed), ``record_count`` its
  lines. Entries are listed in path order.
* Records: the works are scripts/bench/generate_works.py's, byte for byte (its renderer,
  :func:`generate_works.render_chunks`; there is no second work generator). Work ``i`` of
  ``--works`` lands in the part ``i * parts // works`` of the ``--partitions x --parts``
  part files, counted in path order, so the first partition holds the first works. With
  ``--entities`` naming more than works, the other entities are the records those works
  carry: each distinct author, institution, topic and source of the works' authorships,
  topics and primary locations as a full record (an author's ``works_count``,
  ``cited_by_count`` and ``counts_by_year`` counted over the works; its institutions and
  topics those of its authorships), one partition (the last date) split into ``--parts``
  parts.
* Deterministic: the same arguments give the same bytes (gzip members without timestamps;
  ISA-L through python-isal when installed, else zlib, as generate_works), whatever ``--jobs``.
* All or nothing: the folder is written as ``<out>.tmp`` and renamed to ``<out>`` at the
  end, so a folder that exists is complete (an existing ``<out>`` is replaced). A summary,
  ``generator-summary`` (JSON: the arguments and per-entity counts), sits beside ``data/``: a caller
  can tell from it whether the folder is the one it wants (:func:`matches`).
* Bounded memory for works alone (one chunk of 1,000 works at a time per process); the other
  entities are gathered in memory (about 1 KB per distinct author).

Run: ``python scripts/bench/generate_snapshot.py --works 50000 --seed 1 --out bench/out/snap``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.bench import generate_works  # noqa: E402

ENTITIES = ("works", "authors", "institutions", "topics", "sources")
FIRST_DATE = dt.date(2025, 10, 1)
S3_PREFIX = "s3://openalex/"
# No suffix, like the manifests: a reader that walks the folder for .json/.gz files skips it.
SUMMARY = "generator-summary"


@dataclass
class PartInfo:
    path: str  # relative to the snapshot folder: data/works/updated_date=.../part_000.gz
    records: int
    content_length: int


@dataclass
class SnapshotStats:
    """What was written: per entity, the parts in path order."""

    arguments: dict[str, Any]
    parts: dict[str, list[PartInfo]] = field(default_factory=dict)
    uncompressed_bytes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def records(self, entity: str) -> int:
        return sum(p.records for p in self.parts.get(entity, []))

    def compressed_bytes(self, entity: str) -> int:
        return sum(p.content_length for p in self.parts.get(entity, []))


def partition_dates(partitions: int, first: dt.date = FIRST_DATE) -> list[str]:
    """``partitions`` dates a week apart from ``first``, as OpenAlex names its partitions."""
    return [(first + dt.timedelta(days=7 * i)).isoformat() for i in range(partitions)]


def part_bounds(works: int, parts: int) -> list[int]:
    """Where each part starts, by work index, and the end: part ``p`` holds works
    ``bounds[p]`` up to ``bounds[p + 1]`` (contiguous, as even as whole works allow)."""
    return [p * works // parts for p in range(parts + 1)]


def _gzip_member(data: bytes, level: int) -> bytes:
    """One gzip member of ``data`` (generate_works' compressor: the same bytes for the same input)."""
    return generate_works._gzip_compress(data, level)


def _gunzip(member: bytes) -> bytes:
    try:
        from isal import igzip
    except ImportError:
        import gzip

        return gzip.decompress(member)
    return igzip.decompress(member)


def _loads(line: bytes) -> Any:
    try:
        import orjson
    except ImportError:
        return json.loads(line)
    return orjson.loads(line)


class _Gathered:
    """The other entities, gathered from the works as they stream past (only when asked for)."""

    def __init__(self) -> None:
        self.authors: dict[str, dict[str, Any]] = {}
        self.author_works: Counter[str] = Counter()
        self.author_cited: Counter[str] = Counter()
        self.author_years: dict[str, Counter[int]] = defaultdict(Counter)
        self.author_insts: dict[str, dict[str, tuple[dict[str, Any], set[int]]]] = defaultdict(dict)
        self.author_topics: dict[str, Counter[str]] = defaultdict(Counter)
        self.institutions: dict[str, dict[str, Any]] = {}
        self.topics: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}

    def add(self, work: dict[str, Any]) -> None:
        year = work.get("publication_year")
        cited = int(work.get("cited_by_count") or 0)
        topic_ids = []
        for topic in work.get("topics") or []:
            full = {k: v for k, v in topic.items() if k != "score"}
            self.topics.setdefault(full["id"], full)
            topic_ids.append(full["id"])
        source = (work.get("primary_location") or {}).get("source")
        if source:
            self.sources.setdefault(source["id"], source)
        for authorship in work.get("authorships") or []:
            author = authorship["author"]
            aid = author["id"]
            self.authors.setdefault(aid, author)
            self.author_works[aid] += 1
            self.author_cited[aid] += cited
            if isinstance(year, int):
                self.author_years[aid][year] += 1
            for inst in authorship.get("institutions") or []:
                self.institutions.setdefault(inst["id"], inst)
                entry = self.author_insts[aid].setdefault(inst["id"], (inst, set()))
                if isinstance(year, int):
                    entry[1].add(year)
            for tid in topic_ids:
                self.author_topics[aid][tid] += 1

    def records(self, entity: str, updated: str) -> Iterator[dict[str, Any]]:
        """Full records of ``entity``, sorted by id (deterministic)."""
        stamp = f"{updated}T00:00:00.000000"
        if entity == "authors":
            for aid in sorted(self.authors):
                yield self._author(aid, stamp)
        elif entity == "institutions":
            for iid in sorted(self.institutions):
                yield {**self.institutions[iid], "homepage_url": None, "updated_date": stamp}
        elif entity == "topics":
            for tid in sorted(self.topics):
                yield {**self.topics[tid], "description": None, "updated_date": stamp}
        elif entity == "sources":
            for sid in sorted(self.sources):
                yield {**self.sources[sid], "updated_date": stamp}

    def _author(self, aid: str, stamp: str) -> dict[str, Any]:
        author = self.authors[aid]
        insts = self.author_insts.get(aid, {})
        # Newest year first, as OpenAlex lists affiliations; the newest is the last known.
        ordered = sorted(insts.values(), key=lambda item: (-max(item[1], default=0), item[0]["id"]))
        years = self.author_years.get(aid, Counter())
        return {
            "id": aid,
            "orcid": author.get("orcid"),
            "display_name": author["display_name"],
            "display_name_alternatives": [],
            "works_count": self.author_works[aid],
            "cited_by_count": self.author_cited[aid],
            "ids": {"openalex": aid, **({"orcid": author["orcid"]} if author.get("orcid") else {})},
            "affiliations": [{"institution": inst, "years": sorted(ys, reverse=True)} for inst, ys in ordered],
            "last_known_institutions": [ordered[0][0]] if ordered else [],
            "topics": [
                {**self.topics[tid], "count": count}
                for tid, count in sorted(
                    self.author_topics.get(aid, Counter()).items(), key=lambda item: (-item[1], item[0])
                )[:5]
            ],
            "counts_by_year": [
                {"year": y, "works_count": n, "cited_by_count": 0}
                for y, n in sorted(years.items(), reverse=True)
                if y >= 2012
            ],
            "updated_date": stamp,
            "created_date": "2023-07-21",
        }


def _part_path(entity: str, date: str, index: int) -> str:
    return f"data/{entity}/updated_date={date}/part_{index:03d}.gz"


def _write_manifest(folder: Path, entity: str, parts: list[PartInfo]) -> None:
    manifest = {
        "entries": [
            {"url": S3_PREFIX + p.path, "meta": {"content_length": p.content_length, "record_count": p.records}}
            for p in parts
        ],
        "meta": {
            "content_length": sum(p.content_length for p in parts),
            "record_count": sum(p.records for p in parts),
        },
    }
    (folder / "data" / entity / "manifest").write_text(json.dumps(manifest, indent=2) + "\n")


def _layout(partitions: int, parts: int) -> list[tuple[str, int]]:
    """(date, part index within its partition) of each works part, in path order."""
    return [(date, k) for date in partition_dates(partitions) for k in range(parts)]


def generate_snapshot(
    out: Path,
    works: int,
    *,
    authors: int | None = None,
    seed: int = 1,
    partitions: int = 4,
    parts: int = 3,
    entities: tuple[str, ...] = ("works",),
    compresslevel: int = 1,
    jobs: int | None = None,
) -> SnapshotStats:
    """Write a snapshot folder at ``out`` (see the module docstring); return what it holds."""
    if works < 1 or partitions < 1 or parts < 1:
        raise ValueError("works, partitions and parts must be at least 1")
    unknown = set(entities) - set(ENTITIES)
    if unknown or "works" not in entities:
        raise ValueError(f"entities must include works and be among {', '.join(ENTITIES)}")
    n_authors = authors if authors is not None else generate_works.default_author_count(works)
    jobs = max(1, jobs or os.cpu_count() or 1)
    started = time.perf_counter()
    arguments = {
        "works": works,
        "authors": n_authors,
        "seed": seed,
        "partitions": partitions,
        "parts": parts,
        "entities": sorted(entities),
        "compresslevel": compresslevel,
    }
    stats = SnapshotStats(arguments=arguments)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    layout = _layout(partitions, parts)
    if works < len(layout):
        raise ValueError(f"{works} works cannot fill {len(layout)} parts: OpenAlex has no empty part files")
    bounds = part_bounds(works, len(layout))
    gathered = _Gathered() if len(entities) > 1 else None
    works_parts = [PartInfo(_part_path("works", date, k), 0, 0) for date, k in layout]
    for info in works_parts:
        (tmp / info.path).parent.mkdir(parents=True, exist_ok=True)
    raw = 0
    handles: dict[int, Any] = {}

    def write(index: int, member: bytes, records: int) -> None:
        if index not in handles:
            for done in [i for i in handles if i < index]:
                handles.pop(done).close()
            handles[index] = (tmp / works_parts[index].path).open("wb")
        handles[index].write(member)
        works_parts[index].records += records
        works_parts[index].content_length += len(member)

    try:
        part = 0
        rendered = generate_works.render_chunks(works, n_authors, seed, compresslevel, jobs)
        for chunk, member in enumerate(rendered):
            first = chunk * generate_works.CHUNK
            plain = _gunzip(member)  # ISA-L: about 1 GB/s; for the exact size and part boundaries
            raw += len(plain)
            lines = plain.splitlines(keepends=True)
            if gathered is not None:
                for line in lines:
                    gathered.add(_loads(line))
            end = first + len(lines)
            if end <= bounds[part + 1]:  # the whole chunk in one part: its member as rendered
                write(part, member, len(lines))
            else:  # a part boundary inside the chunk: each piece recompressed
                at = first
                while at < end:
                    stop = min(end, bounds[part + 1])
                    write(part, _gzip_member(b"".join(lines[at - first : stop - first]), compresslevel), stop - at)
                    at = stop
                    if at == bounds[part + 1] and part + 1 < len(layout):
                        part += 1
            if end == bounds[part + 1] and part + 1 < len(layout):
                part += 1
    finally:
        for handle in handles.values():
            handle.close()
    stats.parts["works"] = works_parts
    stats.uncompressed_bytes["works"] = raw
    _write_manifest(tmp, "works", works_parts)

    if gathered is not None:
        last_date = partition_dates(partitions)[-1]
        for entity in entities:
            if entity != "works":
                stats.parts[entity], stats.uncompressed_bytes[entity] = _write_entity(
                    tmp, entity, list(gathered.records(entity, last_date)), last_date, parts, compresslevel
                )
                _write_manifest(tmp, entity, stats.parts[entity])

    stats.seconds = time.perf_counter() - started
    summary = {
        "arguments": arguments,
        "entities": {
            e: {
                "records": stats.records(e),
                "parts": len(p),
                "compressed_bytes": stats.compressed_bytes(e),
                "uncompressed_bytes": stats.uncompressed_bytes[e],
            }
            for e, p in stats.parts.items()
        },
        "seconds": round(stats.seconds, 1),
    }
    (tmp / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return stats


def _write_entity(
    folder: Path, entity: str, records: list[dict[str, Any]], date: str, parts: int, compresslevel: int
) -> tuple[list[PartInfo], int]:
    infos = []
    raw = 0
    for k in range(parts):
        piece = records[k * len(records) // parts : (k + 1) * len(records) // parts]
        data = "".join(json.dumps(r) + "\n" for r in piece).encode()
        raw += len(data)
        member = _gzip_member(data, compresslevel) if data else b""
        path = _part_path(entity, date, k)
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(member)
        infos.append(PartInfo(path, len(piece), len(member)))
    return infos, raw


def matches(out: Path, **arguments: Any) -> bool:
    """Whether ``out`` is a complete snapshot written with these arguments (the rest default)."""
    try:
        summary = json.loads((out / SUMMARY).read_text())
    except (OSError, ValueError):
        return False
    wanted: dict[str, Any] = {
        "authors": generate_works.default_author_count(arguments["works"]),
        "seed": 1,
        "partitions": 4,
        "parts": 3,
        "entities": ["works"],
        "compresslevel": 1,
    }
    wanted.update(arguments)
    wanted["entities"] = sorted(wanted["entities"])
    return bool(summary.get("arguments") == wanted)


def crc_of_folder(out: Path) -> int:
    """A CRC-32 over every file of the snapshot in path order (for determinism checks)."""
    crc = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != SUMMARY):
        crc = zlib.crc32(path.relative_to(out).as_posix().encode(), crc)
        crc = zlib.crc32(path.read_bytes(), crc)
    return crc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--works", type=int, default=50_000, help="number of works (50000)")
    parser.add_argument("--authors", type=int, default=None, help="author pool (default: = works)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--partitions", type=int, default=4, help="updated_date= folders (4)")
    parser.add_argument("--parts", type=int, default=3, help="part files per partition (3)")
    parser.add_argument("--entities", default="works", help=f"comma-separated, among {','.join(ENTITIES)} (works)")
    parser.add_argument("--compresslevel", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: CPUs)")
    parser.add_argument("--out", type=Path, required=True, help="the snapshot folder")
    args = parser.parse_args(argv)
    entities = tuple(e.strip() for e in args.entities.split(",") if e.strip())
    try:
        stats = generate_snapshot(
            args.out,
            args.works,
            authors=args.authors,
            seed=args.seed,
            partitions=args.partitions,
            parts=args.parts,
            entities=entities,
            compresslevel=args.compresslevel,
            jobs=args.jobs,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for entity, parts in stats.parts.items():
        print(
            f"{entity}: {stats.records(entity):,} records in {len(parts)} part(s), "
            f"{stats.compressed_bytes(entity) / 1e6:,.1f} MB gz, "
            f"~{stats.uncompressed_bytes[entity] / 1e6:,.1f} MB JSON",
            file=sys.stderr,
        )
    print(f"{args.out} in {stats.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
