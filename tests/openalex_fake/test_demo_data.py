"""The demo dataset (demo/openalex/) served by the fake OpenAlex server, and its generator."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openalex_fake import OpenAlexFakeServer
from tests.openalex_fake.records import OA, get

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "openalex"
JAN = "A5990000001"


def load_generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_committed_demo_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    generator = load_generator()
    generator.write(generator.build(), tmp_path)
    committed = sorted(p.relative_to(DEMO) for p in DEMO.rglob("*") if p.is_file())
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == generated
    changed = [str(rel) for rel in generated if (tmp_path / rel).read_bytes() != (DEMO / rel).read_bytes()]
    assert changed == [], "demo/openalex differs from scripts/make_demo_data.py output: regenerate"


@pytest.fixture(scope="module")
def demo_server() -> Iterator[OpenAlexFakeServer]:
    with OpenAlexFakeServer([DEMO]) as srv:
        yield srv


def walk_works(server: OpenAlexFakeServer, author_id: str, per_page: int) -> list[list[dict[str, Any]]]:
    pages, cursor = [], "*"
    while cursor:
        body = get(
            server, "/works", params={"filter": f"author.id:{author_id}", "cursor": cursor, "per-page": per_page}
        ).json()
        pages.append(body["results"])
        cursor = body["meta"]["next_cursor"]
    return pages


def test_demo_seed_researcher_matches_the_seed_page(demo_server: OpenAlexFakeServer) -> None:
    jan = get(demo_server, f"/authors/{JAN}").json()
    assert jan["display_name"] == "Jan Leike"
    assert jan["orcid"] is None and jan["affiliations"] == [] and jan["last_known_institutions"] == []
    assert len(jan["topics"]) == 4
    works = [w for page in walk_works(demo_server, JAN, 100) for w in page]
    assert [(w["publication_year"], w["type"], w["primary_location"]["source"]["display_name"]) for w in works] == [
        (2026, "preprint", "arXiv (Cornell University)")
    ] * 2 + [(2022, "preprint", "arXiv (Cornell University)")] * 2 + [
        (2020, "preprint", "arXiv (Cornell University)")
    ] * 2
    titles = {w["title"] for w in works}
    assert "Training language models to follow instructions with human feedback" in titles
    assert "Pitfalls of learning a reward function online" in titles
    instruct = next(w for w in works if w["title"].startswith("Training language models"))
    words = sorted((p, word) for word, ps in instruct["abstract_inverted_index"].items() for p in ps)
    assert " ".join(word for _, word in words).startswith("Making language models bigger does not")
    shared: dict[str, int] = {}
    for work in works:
        for a in work["authorships"]:
            if a["author"]["id"] != OA + JAN:
                shared[a["author"]["id"]] = shared.get(a["author"]["id"], 0) + 1
            else:
                assert a["institutions"] == [] and a["raw_affiliation_strings"] == []
    assert sum(1 for n in shared.values() if n >= 2) == 4


def test_demo_authors_all_resolve_and_the_prolific_one_pages(demo_server: OpenAlexFakeServer) -> None:
    ids = (DEMO / "demo-authors.txt").read_text().split()
    assert ids[0] == JAN and 30 <= len(ids) <= 40
    records = [get(demo_server, f"/authors/{i}").json() for i in ids]
    assert [r["id"] for r in records] == [OA + i for i in ids]
    prolific = max(records, key=lambda r: r["works_count"])
    pages = walk_works(demo_server, prolific["id"].removeprefix(OA), 20)
    assert sum(len(p) for p in pages) == prolific["works_count"] >= 55
    assert len(pages) >= 4 and pages[-1] == []
    orcids = [r["orcid"] for r in records if r["orcid"]]
    assert any(o.endswith("X") for o in orcids)
    assert any(len(r["last_known_institutions"]) > 1 for r in records)
    assert any(len(r["affiliations"]) >= 3 for r in records)


def test_demo_lookups_by_orcid_search_and_merged_id(demo_server: OpenAlexFakeServer) -> None:
    wrenna = get(demo_server, "/authors", params={"search": "wrenna halloway"}).json()["results"][0]
    orcid = wrenna["orcid"].removeprefix("https://orcid.org/")
    assert get(demo_server, f"/authors/orcid:{orcid.lower()}").json()["id"] == wrenna["id"]
    elodie = get(demo_server, "/authors?search=ELODIE%20brambleford").json()
    assert [r["display_name"] for r in elodie["results"]] == ["Élodie Brambleford"]
    merged = get(demo_server, "/authors/A4990000001", allow_redirects=False)
    assert merged.status_code == 301
    assert get(demo_server, "/authors/A4990000001").json()["works_count"] >= 55
    homepages = [get(demo_server, f"/institutions/I99900000{n:02d}").json()["homepage_url"] for n in range(1, 11)]
    assert all(h.startswith("https://") and h.endswith(".example.org") for h in homepages)
