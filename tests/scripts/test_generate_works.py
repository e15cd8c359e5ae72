"""scripts/bench/generate_works.py: the synthetic OpenAlex works the benchmarks import.

Small runs (a few thousand works) that check what the benchmarks rely on: determinism, the
record shape the importer reads, authorship counts, author reuse and valid ORCIDs.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

from profiles.orcid import orcid_checksum_is_valid
from scripts.bench import generate_works as gw

N_WORKS = 3_000
N_AUTHORS = 2_000
OA = "https://openalex.org/"

# Keys of the 2025 work shape that the importer reads (SCHEMA-NOTES.md §4).
WORK_KEYS = {
    "id", "doi", "title", "display_name", "publication_year", "publication_date", "type",
    "type_crossref", "language", "primary_location", "open_access", "authorships",
    "abstract_inverted_index", "cited_by_count", "counts_by_year", "topics", "primary_topic",
    "referenced_works", "referenced_works_count", "related_works", "updated_date",
    "created_date", "corresponding_author_ids", "is_retracted",
}
AUTHORSHIP_KEYS = {
    "author_position", "author", "institutions", "countries", "is_corresponding",
    "raw_author_name", "raw_affiliation_strings",
}


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(gw.iter_works(N_WORKS, N_AUTHORS, seed=7))


@pytest.fixture(scope="module")
def works(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def test_same_seed_same_lines_other_seed_other_lines(lines: list[str]) -> None:
    again = list(gw.iter_works(N_WORKS, N_AUTHORS, seed=7))
    assert again == lines
    other = list(itertools.islice(gw.iter_works(N_WORKS, N_AUTHORS, seed=8), 50))
    assert other != lines[:50]


def test_generate_writes_the_same_lines_in_parallel_and_gzip(tmp_path: Path,
                                                             lines: list[str]) -> None:
    gz = tmp_path / "w.jsonl.gz"
    stats = gw.generate(str(gz), N_WORKS, N_AUTHORS, seed=7, jobs=2)
    with gzip.open(gz, "rt", encoding="utf-8") as f:
        assert f.read().splitlines() == lines
    assert stats.works == N_WORKS and stats.bytes_written == gz.stat().st_size
    plain = tmp_path / "w.jsonl"
    gw.generate(str(plain), N_WORKS, N_AUTHORS, seed=7, jobs=1)
    assert plain.read_text(encoding="utf-8").splitlines() == lines
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_writes_the_requested_number_of_works(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "cli.jsonl"
    assert gw.main(["--works", "1234", "--authors", "500", "--seed", "3", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1234
    assert len({r["id"] for r in records}) == 1234


def test_requested_count_and_unique_ids(works: list[dict]) -> None:
    assert len(works) == N_WORKS
    ids = [short(w["id"]) for w in works]
    assert len(set(ids)) == N_WORKS
    assert all(re.fullmatch(r"W\d{10}", i) for i in ids)
    assert len({w["doi"] for w in works}) == N_WORKS


def test_every_record_has_the_keys_the_importer_reads(works: list[dict]) -> None:
    types = {t[0]: t[1] for t in gw.WORK_TYPES}
    for w in works:
        assert w.keys() >= WORK_KEYS, WORK_KEYS - w.keys()
        assert w["title"] and w["title"] == w["display_name"]
        assert w["doi"].startswith("https://doi.org/10.5555/")
        assert w["publication_date"].startswith(str(w["publication_year"]))
        assert types[w["type"]] == w["type_crossref"]
        source = w["primary_location"]["source"]
        assert re.fullmatch(r"S\d+", short(source["id"])) and source["display_name"]
        assert {"type", "issn_l", "host_organization_name"} <= source.keys()
        assert w["open_access"]["is_oa"] == (w["open_access"]["oa_status"] != "closed")
        for authorship in w["authorships"]:
            assert authorship.keys() >= AUTHORSHIP_KEYS
            for inst in authorship["institutions"]:
                assert re.fullmatch(r"I\d+", short(inst["id"]))
                assert inst["ror"].startswith("https://ror.org/0") and inst["lineage"][0] == inst["id"]
                assert inst["country_code"] in authorship["countries"]
        assert 1 <= len(w["topics"]) <= 3 and w["primary_topic"] == w["topics"][0]
        for topic in w["topics"]:
            assert re.fullmatch(r"T\d+", short(topic["id"])) and 0 < topic["score"] <= 1
            assert {"subfield", "field", "domain"} <= topic.keys()
        scores = [t["score"] for t in w["topics"]]
        assert scores == sorted(scores, reverse=True)
        assert w["referenced_works_count"] == len(w["referenced_works"])
        assert len(w["related_works"]) == 10
        assert sum(c["cited_by_count"] for c in w["counts_by_year"]) <= w["cited_by_count"]


def test_references_point_to_earlier_works_of_the_file(works: list[dict]) -> None:
    position = {w["id"]: i for i, w in enumerate(works)}
    refs = [(i, r) for i, w in enumerate(works) for r in w["referenced_works"]]
    assert len(refs) > N_WORKS  # a few per work on average
    assert all(r in position and position[r] < i for i, r in refs)
    assert all(r in position for w in works for r in w["related_works"])


def test_abstracts_are_contiguous_inverted_indexes_of_40_to_120_tokens(works: list[dict]) -> None:
    lengths = set()
    for w in works[:500]:
        positions = sorted(p for ps in w["abstract_inverted_index"].values() for p in ps)
        assert positions == list(range(len(positions)))
        lengths.add(len(positions))
    assert min(lengths) >= 40 and max(lengths) <= 120 and len(lengths) > 20


def test_authorships_number_about_ten_and_positions_are_first_middle_last(
    works: list[dict],
) -> None:
    counts = [len(w["authorships"]) for w in works]
    assert 8.5 <= statistics.mean(counts) <= 11.5
    assert min(counts) == 1 and max(counts) <= 30
    assert len(set(counts)) > 20  # a spread, not a constant
    for w in works:
        positions = [a["author_position"] for a in w["authorships"]]
        assert positions[0] == "first"
        if len(positions) > 1:
            assert positions[-1] == "last" and set(positions[1:-1]) <= {"middle"}
        ids = [a["author"]["id"] for a in w["authorships"]]
        assert len(ids) == len(set(ids))  # nobody twice on one work
        corresponding = [a["author"]["id"] for a in w["authorships"] if a["is_corresponding"]]
        assert corresponding == w["corresponding_author_ids"]


def test_authors_are_reused_with_recurring_coauthor_pairs(works: list[dict]) -> None:
    per_author = Counter(a["author"]["id"] for w in works for a in w["authorships"])
    total = sum(per_author.values())
    # The whole pool appears, each author on several works on average.
    assert len(per_author) == N_AUTHORS < total
    assert all(re.fullmatch(r"A5\d{9}", short(a)) for a in per_author)
    # Heavy tail: the busiest author is far above the median one.
    ranked = sorted(per_author.values(), reverse=True)
    assert ranked[0] >= 10 * ranked[len(ranked) // 2]
    pairs = Counter(
        pair
        for w in works
        for pair in itertools.combinations(sorted(a["author"]["id"] for a in w["authorships"]), 2)
    )
    recurring = sum(1 for n in pairs.values() if n >= 3)
    assert recurring >= 500  # labs publish together again and again


def test_an_author_looks_the_same_on_every_work(works: list[dict]) -> None:
    seen: dict[str, tuple] = {}
    for w in works:
        for a in w["authorships"]:
            key = (a["author"]["display_name"], a["author"]["orcid"],
                   tuple(i["id"] for i in a["institutions"]))
            assert seen.setdefault(a["author"]["id"], key) == key


def test_about_30_percent_of_authors_have_valid_orcids(works: list[dict]) -> None:
    authors = {a["author"]["id"]: a["author"]["orcid"] for w in works for a in w["authorships"]}
    orcids = [o for o in authors.values() if o]
    assert 0.25 <= len(orcids) / len(authors) <= 0.35
    assert all(o.startswith("https://orcid.org/") and orcid_checksum_is_valid(o) for o in orcids)
    assert len(set(orcids)) == len(orcids)
    assert any(o.endswith("X") for o in orcids)  # the check character 10 is written X


@pytest.mark.parametrize("base", ["000000021825009", "000000034321999", "123456789012345"])
def test_check_character_agrees_with_the_app(base: str) -> None:
    digits = base + gw.orcid_check_character(base)
    assert orcid_checksum_is_valid(digits)
    wrong = "0" if digits[-1] != "0" else "1"
    assert not orcid_checksum_is_valid(digits[:15] + wrong)
