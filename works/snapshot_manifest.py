"""The plan of an OpenAlex snapshot sync, from the folder's manifests: which part files (or
ranges of their records) to read, checked against the files on disk. Pure: reads the folder
only (no ORM, no network); works/snapshot_sync.py turns the plan into task rows.

The layout (OpenAlex's snapshot, as ``aws s3 sync`` leaves it)::

    data/<entity>/manifest                                  Redshift manifest (JSON)
    data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz       JSON Lines, one record a line
    data/merged_ids/<entity>/YYYY-MM-DD.csv.gz              merge_date,id,merge_into_id

A manifest is ``{"entries": [{"url": "s3://openalex/data/works/updated_date=.../part_000.gz",
"meta": {"content_length": N, "record_count": N}}, ...], "meta": {...}}``. Everything in it
is checked before it is trusted: a url must name a part of that entity's own folder (no
``..``, no other entity, a date that exists), lengths and counts must be whole numbers.

What the plan reports, each naming the part: a part the manifest lists that is missing, or
whose size differs from the manifest's ``content_length`` (a task that fails at once, with
that reason); a manifest that cannot be read (the entity cannot be planned: the sync cannot
complete); part files no manifest lists, and entities or merged-ids the importer does not
read (notes: nothing of them is read).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# The entities the importer reads (works.openalex_parser.parse_entity), in the order their
# tasks are queued: what a work or an author points to first (institutions, topics and
# sources arrive as dehydrated copies inside them too, so the order is a preference for
# full records, not a requirement: every task may run beside any other).
ENTITY_ORDER = ("institutions", "topics", "concepts", "sources", "authors", "works")
# Merged-ids files the upsert follows (works.upsert._apply_merged_ids: author merges).
MERGED_IDS_ENTITIES = ("authors",)

_PARTITION = re.compile(r"^updated_date=(\d{4}-\d{2}-\d{2})$")
_PART_NAME = re.compile(r"^part_\d{1,6}\.gz$")
_MERGED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv(\.gz)?$")
_URL_PATH = re.compile(
    r"^(?:s3://[^/]+/|https?://[^/]+/)?(data/[a-z_]+/updated_date=\d{4}-\d{2}-\d{2}/part_\d{1,6}\.gz)$"
)
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # OpenAlex's largest (works) is well under 1 MB


@dataclass(frozen=True)
class PlannedTask:
    """A task of the plan. ``path`` is relative to the root; ``last_record`` None reads to
    the end of the file. ``error`` set: the task fails at once with it (a missing part, a
    size that differs from the manifest's), until a later run finds the file right."""

    kind: str  # "part" or "merged_ids"
    entity: str
    partition: date
    path: str
    first_record: int = 0
    last_record: int | None = None
    records_expected: int | None = None
    content_length: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Problem:
    """Something wrong with the folder that no task carries. ``blocking``: the sync cannot
    complete while it stands (an unreadable manifest); otherwise a note (nothing is lost that
    the importer would read)."""

    part: str
    error: str
    blocking: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"part": self.part, "error": self.error, "blocking": self.blocking}


@dataclass
class Plan:
    tasks: list[PlannedTask] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Per entity (and "merged_ids/<entity>"), the newest partition the plan covers, or the
    # previous watermark when it planned nothing newer; ISO dates.
    watermarks: dict[str, str] = field(default_factory=dict)


def merged_ids_key(entity: str) -> str:
    """The watermark key of an entity's merged-ids files."""
    return f"merged_ids/{entity}"


def plan_snapshot(root: Path, since: Mapping[str, str], records_per_task: int) -> Plan:
    """The plan for ``root``: for each entity the importer reads, the parts its manifest lists
    in partitions newer than ``since[entity]`` (all when absent), each one task or ranges of
    at most ``records_per_task`` records (split by the manifest's record_count; the last
    range reads to the end of the file), in ENTITY_ORDER then partition then part order; then
    the merged-ids files newer than ``since["merged_ids/<entity>"]``, by date. Never raises
    for a bad folder: what is wrong is in the tasks' ``error`` and in ``problems``."""
    if records_per_task < 1:
        raise ValueError("records_per_task must be at least 1")
    plan = Plan()
    data = root / "data"
    if not data.is_dir():
        plan.problems.append(Problem(str(data), "no data/ folder: not an OpenAlex snapshot", blocking=True))
        return plan
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        if folder.name != "merged_ids" and folder.name not in ENTITY_ORDER:
            plan.problems.append(Problem(f"data/{folder.name}", "not read: the importer does not import this entity"))
    for entity in ENTITY_ORDER:
        if (data / entity).is_dir():
            _plan_entity(root, entity, since, records_per_task, plan)
    _plan_merged_ids(root, since, plan)
    return plan


def _plan_entity(root: Path, entity: str, since: Mapping[str, str], records_per_task: int, plan: Plan) -> None:
    folder = root / "data" / entity
    manifest_path = folder / "manifest"
    previous = since.get(entity)
    entries, error = _read_manifest(manifest_path, entity)
    if not error:
        _note_unlisted(root, folder, {relative for relative, _, _ in entries}, previous, plan)
    if error:
        plan.problems.append(Problem(f"data/{entity}/manifest", error, blocking=True))
        if previous:
            plan.watermarks[entity] = previous
        return
    newest = previous
    for relative, length, count in sorted(entries, key=lambda entry: _part_sort_key(entry[0])):
        partition = _partition_of(relative)
        if previous and partition.isoformat() <= previous:
            continue
        newest = max(newest or "", partition.isoformat())
        plan.tasks.extend(_part_tasks(root, entity, partition, relative, length, count, records_per_task))
    if newest:
        plan.watermarks[entity] = newest


def _part_sort_key(relative: str) -> tuple[str, int]:
    parts = relative.split("/")
    return parts[2], int(parts[3].removeprefix("part_").removesuffix(".gz"))


def _partition_of(relative: str) -> date:
    match = _PARTITION.match(relative.split("/")[2])
    assert match is not None  # checked by _read_manifest
    return date.fromisoformat(match.group(1))


def _part_tasks(
    root: Path, entity: str, partition: date, relative: str, length: int, count: int | None, per_task: int
) -> list[PlannedTask]:
    path = root / relative
    error = ""
    if not path.is_file():
        error = "missing: the manifest lists it, but there is no such file"
    elif (size := path.stat().st_size) != length:
        error = f"size {size:,} bytes, but the manifest says {length:,} (incomplete or replaced download)"
    if error or not count or count <= per_task:
        return [PlannedTask("part", entity, partition, relative, 0, None, count, length, error)]
    pieces = math.ceil(count / per_task)
    size = math.ceil(count / pieces)
    tasks = []
    for first in range(0, count, size):
        last = None if first + size >= count else first + size - 1
        expected = (count if last is None else last + 1) - first
        tasks.append(PlannedTask("part", entity, partition, relative, first, last, expected, length))
    return tasks


def _note_unlisted(root: Path, folder: Path, listed: set[str], previous: str | None, plan: Plan) -> None:
    """Note the files under the entity's partitions that the manifest does not list (those
    of partitions a previous sync completed are left alone)."""
    for partition in sorted(p for p in folder.iterdir() if p.is_dir()):
        match = _PARTITION.match(partition.name)
        if match is None:
            plan.problems.append(Problem(str(partition.relative_to(root)), "not read: not an updated_date= partition"))
            continue
        if _day(match.group(1)) is None:
            plan.problems.append(Problem(str(partition.relative_to(root)), f"not read: {match.group(1)} is not a date"))
            continue
        if previous and match.group(1) <= previous:
            continue
        for path in sorted(partition.iterdir()):
            relative = str(path.relative_to(root))
            if relative not in listed:
                plan.problems.append(Problem(relative, "not read: the manifest does not list it"))


def _read_manifest(path: Path, entity: str) -> tuple[list[tuple[str, int, int | None]], str]:
    """(relative path, content_length, record_count) of each entry, or an error saying why the
    manifest cannot be used (then no entry is used: a manifest half right is not trusted)."""
    try:
        if path.stat().st_size > _MAX_MANIFEST_BYTES:
            return [], f"unreadable manifest: larger than {_MAX_MANIFEST_BYTES:,} bytes"
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return [], "no manifest: the entity's parts cannot be checked, so none is read"
    except (OSError, ValueError, RecursionError) as exc:
        return [], f"unreadable manifest: {type(exc).__name__}: {str(exc)[:200]}"
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return [], "unreadable manifest: no list of entries"
    found: list[tuple[str, int, int | None]] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"unreadable manifest: entry {number}"
        url = entry.get("url") if isinstance(entry, dict) else None
        match = _URL_PATH.match(url) if isinstance(url, str) else None
        if match is None:
            return [], f"{where}: url {str(url)[:120]!r} is not a part of data/{entity}/updated_date=…/part_NNN.gz"
        relative = str(match.group(1))
        if _day(relative.split("/")[2].removeprefix("updated_date=")) is None:
            return [], f"{where}: url {str(url)[:120]!r} names a partition whose date does not exist"
        if relative.split("/")[1] != entity:
            return [], f"{where}: url {str(url)[:120]!r} names another entity's part"
        if relative in seen:
            return [], f"{where}: {relative} is listed twice"
        seen.add(relative)
        meta = entry.get("meta")
        length = meta.get("content_length") if isinstance(meta, dict) else None
        count = meta.get("record_count") if isinstance(meta, dict) else None
        if not isinstance(length, int) or not _whole(length):
            return [], f"{where}: content_length {length!r} is not a whole number of bytes"
        if count is not None and (not isinstance(count, int) or not _whole(count)):
            return [], f"{where}: record_count {count!r} is not a whole number"
        found.append((relative, length, count))
    return found, ""


def _day(text: str) -> date | None:
    """The date ``text`` (YYYY-MM-DD, as the patterns matched it) names, or None when there
    is no such day (2025-13-45, 2025-02-30): the patterns check the shape only."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _plan_merged_ids(root: Path, since: Mapping[str, str], plan: Plan) -> None:
    folder = root / "data" / "merged_ids"
    if not folder.is_dir():
        return
    for entity_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        entity = entity_folder.name
        if entity not in MERGED_IDS_ENTITIES:
            plan.problems.append(
                Problem(f"data/merged_ids/{entity}", "not read: the importer follows author merges only")
            )
            continue
        key = merged_ids_key(entity)
        previous = since.get(key)
        newest = previous
        for path in sorted(entity_folder.iterdir()):
            relative = str(path.relative_to(root))
            match = _MERGED_NAME.match(path.name)
            if match is None or not path.is_file():
                plan.problems.append(Problem(relative, "not read: not a YYYY-MM-DD.csv.gz merged-ids file"))
                continue
            day = match.group(1)
            if _day(day) is None:
                plan.problems.append(Problem(relative, f"not read: {day} is not a date"))
                continue
            if previous and day <= previous:
                continue
            newest = max(newest or "", day)
            plan.tasks.append(PlannedTask("merged_ids", key, date.fromisoformat(day), relative))
        if newest:
            plan.watermarks[key] = newest
