"""The plan of a snapshot sync from the folder's manifests (works/snapshot_manifest.py): split,
order, incremental, and every way the folder can disagree with its manifests. Pure: files
only, no database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.snapshots import Snapshot, authors, works
from works.snapshot_manifest import plan_snapshot


@pytest.fixture
def snapshot(tmp_path: Path) -> Snapshot:
    snap = Snapshot(tmp_path / "openalex")
    snap.part("authors", "2025-01-01", authors(range(10)))
    snap.part("works", "2025-01-01", works(range(25)))
    snap.part("works", "2025-01-01", works(range(25, 30)))
    snap.part("works", "2025-01-03", works(range(30, 40)))
    snap.part("institutions", "2025-01-02", [])
    snap.merged_ids("authors", "2025-01-03", [("A5900000009", "A5900000008")])
    snap.write_manifests()
    return snap


def test_parts_are_split_into_ranges_by_the_manifests_record_count(snapshot: Snapshot) -> None:
    plan = plan_snapshot(snapshot.root, {}, records_per_task=10)
    assert not plan.problems
    shown = [
        (t.kind, t.entity, t.path.split("/", 2)[2], t.first_record, t.last_record, t.records_expected)
        for t in plan.tasks
    ]
    assert shown == [
        # Entities in dependency order; an empty part is one task.
        ("part", "institutions", "updated_date=2025-01-02/part_000.gz", 0, None, 0),
        ("part", "authors", "updated_date=2025-01-01/part_000.gz", 0, None, 10),
        # 25 records in ranges of at most 10: three even ranges, the last open-ended.
        ("part", "works", "updated_date=2025-01-01/part_000.gz", 0, 8, 9),
        ("part", "works", "updated_date=2025-01-01/part_000.gz", 9, 17, 9),
        ("part", "works", "updated_date=2025-01-01/part_000.gz", 18, None, 7),
        ("part", "works", "updated_date=2025-01-01/part_001.gz", 0, None, 5),
        ("part", "works", "updated_date=2025-01-03/part_000.gz", 0, None, 10),
        # Merged ids last.
        ("merged_ids", "merged_ids/authors", "authors/2025-01-03.csv.gz", 0, None, None),
    ]
    assert all(not t.error for t in plan.tasks)
    assert plan.watermarks == {
        "institutions": "2025-01-02",
        "authors": "2025-01-01",
        "works": "2025-01-03",
        "merged_ids/authors": "2025-01-03",
    }


def test_only_partitions_newer_than_the_watermarks_are_planned(snapshot: Snapshot) -> None:
    since = {"works": "2025-01-01", "authors": "2025-01-01", "merged_ids/authors": "2025-01-03"}
    plan = plan_snapshot(snapshot.root, since, records_per_task=100)
    assert [(t.entity, t.partition) for t in plan.tasks] == [
        ("institutions", date(2025, 1, 2)),
        ("works", date(2025, 1, 3)),
    ]
    # What was not planned keeps its watermark.
    assert plan.watermarks["authors"] == "2025-01-01" and plan.watermarks["merged_ids/authors"] == "2025-01-03"


def test_a_missing_part_and_a_part_of_another_size_fail_their_task_with_the_reason(snapshot: Snapshot) -> None:
    (snapshot.root / "data/works/updated_date=2025-01-01/part_001.gz").unlink()
    with (snapshot.root / "data/works/updated_date=2025-01-03/part_000.gz").open("ab") as handle:
        handle.write(b"more")
    plan = plan_snapshot(snapshot.root, {}, records_per_task=100)
    errors = {t.path: t.error for t in plan.tasks if t.error}
    assert errors == {
        "data/works/updated_date=2025-01-01/part_001.gz": "missing: the manifest lists it, but there is no such file",
        "data/works/updated_date=2025-01-03/part_000.gz": errors["data/works/updated_date=2025-01-03/part_000.gz"],
    }
    assert "bytes, but the manifest says" in errors["data/works/updated_date=2025-01-03/part_000.gz"]
    assert "incomplete or replaced download" in errors["data/works/updated_date=2025-01-03/part_000.gz"]


def test_files_no_manifest_lists_are_noted_and_not_read(snapshot: Snapshot) -> None:
    extra = snapshot.part("works", "2025-01-03", works(range(90, 95)))  # written after the manifest
    (snapshot.root / "data/funders").mkdir()
    snapshot.merged_ids("works", "2025-01-03", [("W9000000001", "W9000000002")])
    plan = plan_snapshot(snapshot.root, {}, records_per_task=100)
    assert extra not in {t.path for t in plan.tasks}
    notes = {(p.part, p.error, p.blocking) for p in plan.problems}
    assert notes == {
        (extra, "not read: the manifest does not list it", False),
        ("data/funders", "not read: the importer does not import this entity", False),
        ("data/merged_ids/works", "not read: the importer follows author merges only", False),
    }


def test_a_folder_or_file_named_for_a_day_that_does_not_exist_is_noted_and_not_read(snapshot: Snapshot) -> None:
    # The names have the shape of a date (the patterns match) but name no day.
    (snapshot.root / "data/works/updated_date=2025-13-45").mkdir()
    (snapshot.root / "data/works/updated_date=2025-13-45/part_000.gz").write_bytes(b"")
    bad_merge = snapshot.merged_ids("authors", "2025-02-30", [("A5900000007", "A5900000006")])
    plan = plan_snapshot(snapshot.root, {}, records_per_task=100)
    notes = {(p.part, p.error, p.blocking) for p in plan.problems}
    assert notes == {
        ("data/works/updated_date=2025-13-45", "not read: 2025-13-45 is not a date", False),
        (bad_merge, "not read: 2025-02-30 is not a date", False),
    }
    assert not [t for t in plan.tasks if "2025-13-45" in t.path or t.path == bad_merge]
    # Everything else is planned as usual.
    assert [t.path for t in plan.tasks if t.kind == "merged_ids"] == ["data/merged_ids/authors/2025-01-03.csv.gz"]
    assert plan.watermarks["merged_ids/authors"] == "2025-01-03"


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ("{not json", "unreadable manifest: JSONDecodeError"),
        (json.dumps({"entries": "all"}), "unreadable manifest: no list of entries"),
        (
            json.dumps(
                {
                    "entries": [
                        {
                            "url": "s3://openalex/data/works/updated_date=2025-01-01/../../../etc/passwd",
                            "meta": {"content_length": 1},
                        }
                    ]
                }
            ),
            "unreadable manifest: entry 1: url",
        ),
        (
            json.dumps(
                {
                    "entries": [
                        {
                            "url": "s3://openalex/data/authors/updated_date=2025-01-01/part_000.gz",
                            "meta": {"content_length": 1},
                        }
                    ]
                }
            ),
            "unreadable manifest: entry 1: url 's3://openalex/data/authors/updated_date=2025-01-01/part_000.gz' "
            "names another entity's part",
        ),
        (
            json.dumps(
                {
                    "entries": [
                        {
                            "url": "s3://openalex/data/works/updated_date=2025-01-01/part_000.gz",
                            "meta": {"content_length": "12", "record_count": 3},
                        }
                    ]
                }
            ),
            "unreadable manifest: entry 1: content_length '12' is not a whole number of bytes",
        ),
        (
            json.dumps(
                {
                    "entries": [
                        {
                            "url": "s3://openalex/data/works/updated_date=2025-01-01/part_000.gz",
                            "meta": {"content_length": 12, "record_count": -3},
                        }
                    ]
                }
            ),
            "unreadable manifest: entry 1: record_count -3 is not a whole number",
        ),
        (
            json.dumps(
                {
                    "entries": [
                        {
                            "url": "s3://openalex/data/works/updated_date=2025-13-45/part_000.gz",
                            "meta": {"content_length": 12, "record_count": 3},
                        }
                    ]
                }
            ),
            "unreadable manifest: entry 1: url 's3://openalex/data/works/updated_date=2025-13-45/part_000.gz' "
            "names a partition whose date does not exist",
        ),
    ],
)
def test_a_manifest_that_cannot_be_trusted_is_a_blocking_problem(
    snapshot: Snapshot, manifest: str, reason: str
) -> None:
    (snapshot.root / "data/works/manifest").write_text(manifest)
    plan = plan_snapshot(snapshot.root, {"works": "2024-12-31"}, records_per_task=100)
    assert not [t for t in plan.tasks if t.entity == "works"]  # nothing of it is trusted
    [problem] = plan.problems
    assert problem.part == "data/works/manifest" and problem.blocking
    assert problem.error.startswith(reason)
    assert plan.watermarks["works"] == "2024-12-31"  # not moved
    # The other entities are planned as usual.
    assert {t.entity for t in plan.tasks} == {"institutions", "authors", "merged_ids/authors"}


def test_a_missing_manifest_and_a_folder_that_is_no_snapshot_are_reported(snapshot: Snapshot, tmp_path: Path) -> None:
    (snapshot.root / "data/authors/manifest").unlink()
    plan = plan_snapshot(snapshot.root, {}, records_per_task=100)
    assert [(p.part, p.blocking) for p in plan.problems] == [("data/authors/manifest", True)]
    assert "no manifest" in plan.problems[0].error
    empty = plan_snapshot(tmp_path, {}, records_per_task=100)
    assert not empty.tasks and empty.problems[0].blocking and "not an OpenAlex snapshot" in empty.problems[0].error
