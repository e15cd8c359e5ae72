"""scripts/bench/generate_snapshot.py: the synthetic OpenAlex snapshot folder that the snapshot
sync benchmark (and tests) read.

Small folders that check what a reader of a real snapshot relies on: the layout, manifests that
agree with the files, the works of generate_works byte for byte, determinism, and entity records
that the importer's parser accepts.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from scripts.bench import generate_snapshot as gs
from scripts.bench import generate_works as gw
from works.openalex_parser import AuthorRecord, InstitutionRecord, SourceRecord, TopicRecord, WorkRecord, parse_entity

PART = re.compile(r"^data/(\w+)/updated_date=(\d{4}-\d{2}-\d{2})/part_(\d{3})\.gz$")


def manifest(folder: Path, entity: str) -> dict:
    return json.loads((folder / "data" / entity / "manifest").read_text())


def part_lines(folder: Path, url: str) -> list[bytes]:
    assert url.startswith("s3://openalex/data/")
    return gzip.decompress((folder / url.removeprefix("s3://openalex/")).read_bytes()).splitlines()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snap") / "snapshot"
    gs.generate_snapshot(folder, 2_500, seed=3, partitions=3, parts=2, entities=gs.ENTITIES, jobs=2)
    return folder


def test_parts_follow_openalex_layout_and_every_file_is_in_its_manifest(snapshot: Path) -> None:
    for entity in gs.ENTITIES:
        listed = [e["url"].removeprefix("s3://openalex/") for e in manifest(snapshot, entity)["entries"]]
        on_disk = sorted(p.relative_to(snapshot).as_posix() for p in (snapshot / "data" / entity).rglob("*.gz"))
        assert listed == on_disk
        for path in listed:
            match = PART.match(path)
            assert match and match.group(1) == entity
    dates = {
        PART.match(e["url"].removeprefix("s3://openalex/")).group(2) for e in manifest(snapshot, "works")["entries"]
    }  # type: ignore[union-attr]
    assert dates == {"2025-10-01", "2025-10-08", "2025-10-15"}


def test_manifest_counts_and_lengths_agree_with_the_files(snapshot: Path) -> None:
    for entity in gs.ENTITIES:
        m = manifest(snapshot, entity)
        for entry in m["entries"]:
            path = snapshot / entry["url"].removeprefix("s3://openalex/")
            assert entry["meta"]["content_length"] == path.stat().st_size
            assert entry["meta"]["record_count"] == len(part_lines(snapshot, entry["url"])) > 0
        assert m["meta"]["record_count"] == sum(e["meta"]["record_count"] for e in m["entries"])
        assert m["meta"]["content_length"] == sum(e["meta"]["content_length"] for e in m["entries"])


def test_the_works_are_generate_works_lines_in_order_split_evenly(snapshot: Path) -> None:
    entries = manifest(snapshot, "works")["entries"]
    lines = [line.decode() for e in entries for line in part_lines(snapshot, e["url"])]
    assert lines == list(gw.iter_works(2_500, seed=3))
    assert [e["meta"]["record_count"] for e in entries] == [416, 417, 417, 416, 417, 417]


def test_same_arguments_same_bytes_whatever_the_processes(tmp_path: Path) -> None:
    gs.generate_snapshot(tmp_path / "a", 1_500, seed=2, partitions=2, parts=2, jobs=1)
    gs.generate_snapshot(tmp_path / "b", 1_500, seed=2, partitions=2, parts=2, jobs=2)
    gs.generate_snapshot(tmp_path / "c", 1_500, seed=4, partitions=2, parts=2, jobs=1)
    assert gs.crc_of_folder(tmp_path / "a") == gs.crc_of_folder(tmp_path / "b")
    assert gs.crc_of_folder(tmp_path / "a") != gs.crc_of_folder(tmp_path / "c")


def test_every_entity_record_parses_as_its_kind(snapshot: Path) -> None:
    kinds = {"works": WorkRecord, "authors": AuthorRecord, "institutions": InstitutionRecord,
             "topics": TopicRecord, "sources": SourceRecord}  # fmt: skip
    for entity, kind in kinds.items():
        for entry in manifest(snapshot, entity)["entries"]:
            for line in part_lines(snapshot, entry["url"]):
                assert isinstance(parse_entity(json.loads(line)), kind)


def test_author_records_count_the_works_they_appear_on(snapshot: Path) -> None:
    works = [
        json.loads(line) for e in manifest(snapshot, "works")["entries"] for line in part_lines(snapshot, e["url"])
    ]
    counted: dict[str, int] = {}
    for work in works:
        for authorship in work["authorships"]:
            counted[authorship["author"]["id"]] = counted.get(authorship["author"]["id"], 0) + 1
    authors = [
        json.loads(line) for e in manifest(snapshot, "authors")["entries"] for line in part_lines(snapshot, e["url"])
    ]
    assert {a["id"]: a["works_count"] for a in authors} == counted


def test_a_finished_folder_is_recognised_and_a_partial_one_is_not(tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    gs.generate_snapshot(folder, 1_200, partitions=1, parts=1)
    assert gs.matches(folder, works=1_200, partitions=1, parts=1)
    assert not gs.matches(folder, works=1_200)  # other layout
    assert not gs.matches(tmp_path / "missing", works=1_200, partitions=1, parts=1)
    assert not (tmp_path / "snap.tmp").exists()


def test_fewer_works_than_parts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no empty part files"):
        gs.generate_snapshot(tmp_path / "snap", 5, partitions=2, parts=3)
    with pytest.raises(ValueError, match="entities"):
        gs.generate_snapshot(tmp_path / "snap", 50, entities=("authors",))
