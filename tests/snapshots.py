"""Small OpenAlex snapshots in the real layout, for the snapshot sync tests: gzipped JSON
Lines parts under ``data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz``, a Redshift manifest
per entity, merged-ids CSVs under ``data/merged_ids/<entity>/``. Records are our own, built
by tests/openalex_records.py (the 2025 API shape, as the snapshot carries it)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests import openalex_records as oa

BUCKET = "s3://openalex/"


def author_key(n: int) -> str:
    return f"A59{n:08d}"


def work_key(n: int) -> str:
    return f"W9{n:09d}"


def works(numbers: Iterable[int], *, authors_per_work: int = 3, pool: int = 50, **extra: Any) -> list[dict[str, Any]]:
    """Works ``W9…n`` by authors drawn in turn from a pool of ``pool`` (so co-authors recur)."""
    institution = oa.institution("I900000001", "Snapshot University (Synthetic)")
    topic = oa.topic("T90001", "Synthetic Topic")
    records = []
    for n in numbers:
        authorships = [
            oa.authorship(
                author_key((n + k) % pool),
                f"Author {(n + k) % pool}",
                position="first" if k == 0 else "middle",
                institutions=[institution],
            )
            for k in range(authors_per_work)
        ]
        records.append(oa.work(work_key(n), f"Synthetic work {n}", authorships, topics=[topic], **extra))
    return records


def authors(numbers: Iterable[int], **extra: Any) -> list[dict[str, Any]]:
    institution = oa.institution("I900000001", "Snapshot University (Synthetic)")
    return [oa.author(author_key(n), f"Author {n}", institutions=[institution], **extra) for n in numbers]


class Snapshot:
    """A snapshot folder being written: add parts and merged-ids files, then
    ``write_manifests()`` (a manifest lists every part of its entity, with its size and
    record count, as OpenAlex's do)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "data").mkdir(parents=True, exist_ok=True)

    def part(self, entity: str, day: str, records: Iterable[dict[str, Any] | str], *, number: int | None = None) -> str:
        """Write a part (a str record is written as that line, as is: a malformed one);
        returns its path relative to the root."""
        folder = self.root / "data" / entity / f"updated_date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        if number is None:
            number = len(list(folder.glob("part_*.gz")))
        path = folder / f"part_{number:03d}.gz"
        lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
        return str(path.relative_to(self.root))

    def merged_ids(self, entity: str, day: str, merges: list[tuple[str, str]]) -> str:
        folder = self.root / "data" / "merged_ids" / entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{day}.csv.gz"
        text = "merge_date,id,merge_into_id\n" + "".join(f"{day},{old},{into}\n" for old, into in merges)
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
        return str(path.relative_to(self.root))

    def manifest_entries(self, entity: str) -> list[dict[str, Any]]:
        entries = []
        for path in sorted((self.root / "data" / entity).glob("updated_date=*/part_*.gz")):
            with gzip.open(path, "rt") as handle:
                count = sum(1 for line in handle if line.strip())
            entries.append(
                {
                    "url": BUCKET + str(path.relative_to(self.root)),
                    "meta": {"content_length": path.stat().st_size, "record_count": count},
                }
            )
        return entries

    def write_manifest(self, entity: str, entries: list[dict[str, Any]] | None = None) -> None:
        entries = self.manifest_entries(entity) if entries is None else entries
        meta = {
            "content_length": sum(e["meta"]["content_length"] for e in entries),
            "record_count": sum(e["meta"]["record_count"] for e in entries),
        }
        (self.root / "data" / entity / "manifest").write_text(json.dumps({"entries": entries, "meta": meta}))

    def write_manifests(self) -> None:
        for folder in sorted((self.root / "data").iterdir()):
            if folder.is_dir() and folder.name != "merged_ids":
                self.write_manifest(folder.name)
