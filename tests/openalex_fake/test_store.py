"""Loading files into the fake OpenAlex server's store, and replacing records while it runs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from openalex_fake import OpenAlexFakeServer, OpenAlexLoadError, OpenAlexStore
from tests.openalex_corpora import Corpus, each_corpus
from tests.openalex_fake.records import ADA, BEA, CY, OA, WORKS, get


def test_added_entity_replaces_earlier_one(server: OpenAlexFakeServer) -> None:
    server.add_entity({**BEA, "display_name": "Beatrix Quill", "orcid": "https://orcid.org/0000-0001-5109-3700"})
    assert get(server, "/authors/A5000000002").json()["display_name"] == "Beatrix Quill"
    assert get(server, "/authors/orcid:0000-0001-5109-3700").status_code == 200


def test_loads_jsonl_gz_list_response_and_merged_csv(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap" / "authors" / "updated_date=2025-01-01"
    snapshot.mkdir(parents=True)
    with gzip.open(snapshot / "part_000.gz", "wt", encoding="utf-8") as handle:
        for record in (ADA, BEA):
            handle.write(json.dumps(record) + "\n")
    listing = {"meta": {"count": 2, "page": 1, "per_page": 25}, "group_by": [], "results": [WORKS[0], WORKS[1]]}
    (tmp_path / "snap" / "works-page1.json").write_text(json.dumps(listing))
    (tmp_path / "merged.csv").write_text("merge_date,id,merge_into_id\n2023-04-13,A4000000001,A5000000002\n")
    (tmp_path / "snap" / "notes.txt").write_text("not data")
    with OpenAlexFakeServer([tmp_path / "snap", tmp_path / "merged.csv"]) as srv:
        assert srv.store.count("authors") == 2
        assert srv.store.count("works") == 2
        assert srv.load_report.merged_ids == 1
        assert get(srv, "/authors/A5000000002").json()["display_name"] == "Bea Quill"
        assert get(srv, "/works/W101").json()["title"] == "Teapot acoustics"
        assert get(srv, "/authors/A4000000001").json()["id"] == OA + "A5000000002"


def test_later_files_win(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(BEA))
    (tmp_path / "b.jsonl").write_text(json.dumps({**BEA, "display_name": "B. Quill"}) + "\n" + json.dumps(CY) + "\n")
    store = OpenAlexStore()
    report = store.load(tmp_path)
    assert (report.files, report.entities) == (2, 3)
    record = store.get("authors", "A5000000002")
    assert record is not None and record["display_name"] == "B. Quill"


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(BEA) + "\n" + '{"id": "https://openalex.org/A5' + "\n")
    with pytest.raises(OpenAlexLoadError, match=r"bad\.jsonl, line 2"):
        OpenAlexStore().load(bad)


def test_error_bodies_and_unknown_ids_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "err.json").write_text(json.dumps({"error": "x", "message": "y"}))
    (tmp_path / "v.json").write_text(json.dumps({"id": "https://openalex.org/V123"}))
    report = OpenAlexStore().load(tmp_path)
    assert report.entities == 0 and len(report.skipped) == 2


@each_corpus(
    own={
        "orcid": "0000-0000-0004-2025",
        "author": "A5980000201",
        "merged": ("A3100000501", "A4000000600"),
        "truncated": "W9800000005",
    },
    shared={
        "orcid": "0000-0001-6187-6610",
        "author": "A5023888391",
        "merged": ("A3125154712", "A4317838346"),
        "truncated": "W4288079944",
    },
)
def test_serves_a_folder_of_every_era(corpus: Corpus) -> None:
    with OpenAlexFakeServer([corpus.root]) as srv:
        author = get(srv, f"/authors/orcid:{corpus.orcid}").json()
        # The 2025 record was loaded after the 2023 one (sorted names) and replaced it.
        assert author["id"] == OA + corpus.author
        assert "last_known_institutions" in author
        old_id, survivor_id = corpus.merged
        merged = get(srv, f"/authors/{old_id}", allow_redirects=False)
        assert merged.status_code == 301
        assert merged.headers["Location"].endswith(f"/authors/{survivor_id}")
        truncated = get(srv, f"/works/{corpus.truncated}").json()
        assert truncated["is_authors_truncated"] is True  # stored from a list, served as stored
