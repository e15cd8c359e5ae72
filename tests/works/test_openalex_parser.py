"""The pure OpenAlex parser: real records of every schema era (read from ../shared) and
hand-written malformed ones. No database."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests import openalex_records as oa
from works.openalex_parser import (
    AuthorRecord,
    ErrorBody,
    ImportBatch,
    InstitutionRecord,
    MalformedRecord,
    TopicRecord,
    WorkRecord,
    email_domains_from_homepage,
    parse_author_query,
    parse_entity,
    parse_merged_ids,
    rebuild_abstract,
    short_id,
)


def load(samples: Path, name: str) -> Any:
    return json.loads((samples / name).read_text(encoding="utf-8"))


# --- Every sample file --------------------------------------------------------------------

ENTITY_FILES = [
    "authors/A1969205032__heather-piwowar__api-2022-05.json",
    "authors/A2341944528__tom-edmund-jessop__api-2022-05.json",
    "authors/A4347464006__lucero-molina__snapshot-2023-04.json",
    "authors/A5014077037__stefanie-haustein__api-2025-10.json",
    "authors/A5023888391__jason-priem__api-2023-10.json",
    "authors/A5023888391__jason-priem__api-2025-10.json",
    "authors/A5039168231__ludmila-kuncheva__api-2025-09.json",
    "authors/A5048491430__heather-piwowar__api-2025-10.json",
    "authors/A5068542997__vincent-lariviere__api-2025-10.json",
    "authors/A5110127684__oliverh-lowry__api-2025-10.json",
    "authors/A5317838346__deleted-author__api-2023-11.json",
    "institutions/I114027177__unc-chapel-hill__api-2025-10.json",
    "institutions/I19820366__chinese-academy-of-sciences__api-2022-05.json",
    "institutions/I27837315__university-of-michigan__api-2023-10.json",
    "institutions/I27837315__university-of-michigan__api-2025-06.json",
    "topics/C71924100__medicine-legacy-concept__api-2025-06.json",
    "topics/T10232__optical-network-technologies__api-2025-10.json",
    "topics/T11636__ai-in-healthcare__api-2025-06.json",
    "works/W1672158254__arxiv-math-ph-2011__snapshot-2021-11.json",
    "works/W2162348455__biodiversity-hotspots__api-2026-03.json",
    "works/W2741809807__state-of-oa__api-2022-05.json",
    "works/W2741809807__state-of-oa__api-2023-10.json",
    "works/W2741809807__state-of-oa__api-2025-10.json",
    "works/W3094502228__vit-image-is-worth-16x16-words__api-2025.json",
    "works/W3099878876__numpy-array-programming__api-2025.json",
    "works/W3188841554__preprint-arxiv__api-2025-09.json",
    "works/W4206759534__manufacturers-literature__snapshot-2023-05.json",
    "works/W4234567890__null-title__api-2026-03.json",
    "works/W4288079944__planck-2018-authors-truncated__api-2025.json",
    "works/W4292779060__gpt3-language-models-few-shot-learners__api-2025.json",
    "works/W4320013936__generative-adversarial-nets-book-chapter__api-2025.json",
]


def test_every_entity_file_is_listed_here(samples: Path) -> None:
    on_disk = {
        str(p.relative_to(samples))
        for folder in ("authors", "institutions", "topics", "works")
        for p in (samples / folder).glob("*.json")
    }
    assert on_disk == set(ENTITY_FILES), "a new sample file needs its expectations here"


@pytest.mark.parametrize("name", ENTITY_FILES)
def test_each_sample_parses_to_its_own_id(samples: Path, name: str) -> None:
    record = parse_entity(load(samples, name))
    assert record.openalex_id == Path(name).name.split("__")[0]


# --- Authors, era by era --------------------------------------------------------------------


def test_2022_author_has_singular_last_known_institution_and_concepts(samples: Path) -> None:
    author = parse_entity(load(samples, "authors/A1969205032__heather-piwowar__api-2022-05.json"))
    assert isinstance(author, AuthorRecord)
    assert author.is_legacy_id
    assert author.orcid == "0000-0003-1613-5981"
    assert author.works_count == 50
    assert author.h_index is None and author.i10_index is None  # no summary_stats in 2022
    [affiliation] = author.affiliations
    assert (affiliation.institution_id, affiliation.years, affiliation.is_last_known, affiliation.source) == (
        "I4200000001",
        [],
        True,
        "last_known",
    )
    # x_concepts stand in for topics before 2024, ranked by score (0-100).
    assert author.topics[0].topic_id == "C41008148" and author.topics[0].score == 88.0
    assert all(t.works_count is None for t in author.topics)
    assert author.updated == datetime(2022, 3, 9, tzinfo=UTC)  # date-only updated_date


def test_2022_author_without_institution_or_orcid(samples: Path) -> None:
    author = parse_entity(load(samples, "authors/A2341944528__tom-edmund-jessop__api-2022-05.json"))
    assert isinstance(author, AuthorRecord)
    assert author.orcid == "" and author.affiliations == []
    assert [row["year"] for row in author.counts_by_year] == [2017]  # only active years listed


def test_2023_snapshot_author_with_ten_key_summary_stats(samples: Path) -> None:
    author = parse_entity(load(samples, "authors/A4347464006__lucero-molina__snapshot-2023-04.json"))
    assert isinstance(author, AuthorRecord)
    assert (author.h_index, author.i10_index, author.two_year_mean_citedness) == (0, 0, 0.0)
    assert [a.institution_id for a in author.affiliations] == ["I59553526"]
    assert author.institutions[0].ror == "05qghxh33"


def test_2023_and_2025_records_of_one_author_differ_as_the_schema_did(samples: Path) -> None:
    old = parse_entity(load(samples, "authors/A5023888391__jason-priem__api-2023-10.json"))
    new = parse_entity(load(samples, "authors/A5023888391__jason-priem__api-2025-10.json"))
    assert isinstance(old, AuthorRecord) and isinstance(new, AuthorRecord)
    assert old.openalex_id == new.openalex_id == "A5023888391"
    assert (old.works_count, old.h_index, old.two_year_mean_citedness) == (53, 16, 0.5)
    assert (new.works_count, new.h_index, new.two_year_mean_citedness) == (62, 17, 6.0)  # int 6 -> float
    assert isinstance(new.two_year_mean_citedness, float)
    # 2023: one last known institution; 2025: affiliations with years.
    assert [(a.institution_id, a.source) for a in old.affiliations] == [("I4200000001", "last_known")]
    by_id = {a.institution_id: a for a in new.affiliations}
    assert by_id["I4200000001"].years[:3] == [2023, 2022, 2021] and by_id["I4200000001"].is_last_known
    assert by_id["I4210166736"].years == [2018, 2017, 2013] and not by_id["I4210166736"].is_last_known
    # 2025: topics with counts and shares replace concepts.
    assert (new.topics[0].topic_id, new.topics[0].works_count, new.topics[0].share) == ("T10102", 23, 0.0001889)
    assert old.topics[0].topic_id.startswith("C")
    assert old.updated is not None and new.updated is not None and new.updated > old.updated


def test_2025_author_with_several_last_known_institutions(samples: Path) -> None:
    author = parse_entity(load(samples, "authors/A5068542997__vincent-lariviere__api-2025-10.json"))
    assert isinstance(author, AuthorRecord)
    last_known = [a.institution_id for a in author.affiliations if a.is_last_known]
    assert len(last_known) == 3 and "I70931966" in last_known
    assert author.display_name == "Vincent Larivière"
    assert "V. Lariviere" in author.display_name_alternatives
    assert author.two_year_mean_citedness == 3.825
    # counts_by_year comes newest first from the API; we store it oldest first.
    years = [row["year"] for row in author.counts_by_year]
    assert years == sorted(years) and years[0] == 2012
    topic_types = {t.kind for t in author.topic_records}
    assert topic_types == {"topic"}


def test_deleted_author_is_a_tombstone(samples: Path) -> None:
    author = parse_entity(load(samples, "authors/A5317838346__deleted-author__api-2023-11.json"))
    assert isinstance(author, AuthorRecord) and author.is_deleted


def test_partial_select_response_is_refused(samples: Path) -> None:
    with pytest.raises(MalformedRecord, match="partial record") as error:
        parse_entity(load(samples, "misc/author__A5017898742__select-subset__api-2025.json"))
    assert error.value.entity == "A5017898742"


@pytest.mark.parametrize(
    "name",
    [
        "misc/error__invalid-api-key__http401__api-2026-03.json",
        "misc/error__invalid-filter-field__http400__api-2026-03.json",
    ],
)
def test_error_bodies_are_reported_not_imported(samples: Path, name: str) -> None:
    with pytest.raises(ErrorBody) as error:
        parse_entity(load(samples, name))
    assert error.value.error  # "Invalid or missing API key", "Invalid query parameters error."


# --- Works, era by era ----------------------------------------------------------------------


def test_one_work_in_three_eras(samples: Path) -> None:
    w22, w23, w25 = (
        parse_entity(load(samples, f"works/W2741809807__state-of-oa__api-{era}.json"))
        for era in ("2022-05", "2023-10", "2025-10")
    )
    assert isinstance(w22, WorkRecord) and isinstance(w23, WorkRecord) and isinstance(w25, WorkRecord)
    # 2022: host_venue with a V id and a Crossref type; later: primary_location and OpenAlex types.
    assert w22.source_id == w23.source_id == w25.source_id == "S1983995261"
    assert (w22.type, w22.type_crossref) == ("article", "journal-article")
    assert (w25.type, w25.type_crossref) == ("article", "journal-article")
    assert w22.doi == w25.doi == "10.7717/peerj.4375"
    assert w22.venue_name == w25.venue_name == "PeerJ"
    assert len(w22.abstract.split()) == len(w25.abstract.split()) == 258
    assert w25.abstract.startswith("Despite growing interest in Open Access (OA)")
    # Legacy author id in 2022, the 2023 replacement later.
    assert w22.authorships[0].author_id == "A1969205032"
    assert w23.authorships[0].author_id == "A5048491430"
    # Singular raw_affiliation_string (2022) and the list (2025) give the same text.
    assert (
        w22.authorships[0].raw_affiliation_strings
        == w25.authorships[0].raw_affiliation_strings
        == ["Impactstory, Sanford, NC, USA"]
    )
    assert w22.authorships[0].is_corresponding is None and w25.authorships[0].is_corresponding is False
    # Concepts (0-1 scores) before 2024, topics with a primary one after.
    assert all(t.topic_id.startswith("C") for t in w22.topics)
    assert (w25.topics[0].topic_id, w25.topics[0].is_primary) == ("T10102", True)
    assert w23.referenced_works_count == 35 and w22.referenced_works_count is None


def test_2021_snapshot_arxiv_posting_is_a_preprint_with_mag_abstract(samples: Path) -> None:
    work = parse_entity(load(samples, "works/W1672158254__arxiv-math-ph-2011__snapshot-2021-11.json"))
    assert isinstance(work, WorkRecord)
    assert (work.type, work.type_crossref) == ("preprint", "journal-article")
    assert work.venue_name == "arXiv: Mathematical Physics"
    # The MAG form {"IndexLength", "InvertedIndex"} is rebuilt like the modern one.
    assert len(work.abstract.split()) == 162
    assert work.abstract.startswith("We consider the semi-relativistic Pauli-Fierz")


def test_2026_work_with_null_title_and_null_author_id(samples: Path) -> None:
    work = parse_entity(load(samples, "works/W4234567890__null-title__api-2026-03.json"))
    assert isinstance(work, WorkRecord)
    assert work.title is None and work.type == "paratext" and work.abstract == ""
    assert work.authorships[0].author_id is None
    assert work.authorships[0].author_name == "Bakhtiyor Rasulev"
    assert work.type_crossref == ""  # gone again in 2026


def test_truncated_author_list_is_flagged(samples: Path) -> None:
    work = parse_entity(load(samples, "works/W4288079944__planck-2018-authors-truncated__api-2025.json"))
    assert isinstance(work, WorkRecord)
    assert work.is_authors_truncated and len(work.authorships) == 100
    assert work.title == "<i>Planck</i>2018 results"  # HTML kept as text; templates escape it


def test_works_without_abstract_or_institutions(samples: Path) -> None:
    chapter = parse_entity(load(samples, "works/W4320013936__generative-adversarial-nets-book-chapter__api-2025.json"))
    gpt3 = parse_entity(load(samples, "works/W4292779060__gpt3-language-models-few-shot-learners__api-2025.json"))
    numpy = parse_entity(load(samples, "works/W3099878876__numpy-array-programming__api-2025.json"))
    assert isinstance(chapter, WorkRecord) and isinstance(gpt3, WorkRecord) and isinstance(numpy, WorkRecord)
    assert chapter.type == "book-chapter" and chapter.abstract == ""
    assert chapter.authorships[0].institution_ids == [] and chapter.authorships[0].raw_affiliation_strings == [
        "München, Germany"
    ]
    assert gpt3.doi == "10.48550/arxiv.2005.14165" and gpt3.type == "preprint"
    assert gpt3.source_id == "S4306400194" and len(gpt3.authorships) == 31
    assert all(a.institution_ids == [] for a in gpt3.authorships)
    assert numpy.abstract.startswith("Abstract Array programming")
    assert numpy.authorships[0].countries == ["US"] and numpy.authorships[0].institution_ids == []
    assert sum(1 for a in numpy.authorships if a.is_corresponding) == 2


def test_list_responses_of_every_era(samples: Path) -> None:
    page22 = load(samples, "lists/works__author-A1969205032-cursor-page1__api-2022-05.json")
    records = [parse_entity(item) for item in page22["results"]]
    assert len(records) == 25 and all(isinstance(r, WorkRecord) for r in records)
    # 2022 authorships can carry institutions without an id: they are skipped, the text kept.
    priem = next(r for r in records if r.openalex_id == "W3208256308")
    assert isinstance(priem, WorkRecord)
    assert priem.authorships[2].institution_ids == []
    assert priem.authorships[2].raw_affiliation_strings == ["Our Research Inc., Canada"]
    page25 = load(samples, "lists/authors__search-mearman__api-2025.json")
    authors = [parse_entity(item) for item in page25["results"]]
    assert {a.display_name for a in authors} >= {"ROBERT C. MEARMAN", "Downward and Mearman Tony Lawson"}


def test_institutions_and_topics(samples: Path) -> None:
    unc = parse_entity(load(samples, "institutions/I114027177__unc-chapel-hill__api-2025-10.json"))
    assert isinstance(unc, InstitutionRecord) and unc.is_full_record
    assert unc.type == "funder"  # OpenAlex's quirk, kept as given
    assert unc.email_domains == ["unc.edu"]
    um23 = parse_entity(load(samples, "institutions/I27837315__university-of-michigan__api-2023-10.json"))
    um25 = parse_entity(load(samples, "institutions/I27837315__university-of-michigan__api-2025-06.json"))
    assert isinstance(um23, InstitutionRecord) and isinstance(um25, InstitutionRecord)
    assert um23.display_name == "University of Michigan–Ann Arbor" and um25.display_name == "University of Michigan"
    concept = parse_entity(load(samples, "topics/C71924100__medicine-legacy-concept__api-2025-06.json"))
    topic = parse_entity(load(samples, "topics/T10232__optical-network-technologies__api-2025-10.json"))
    assert isinstance(concept, TopicRecord) and concept.kind == "concept" and concept.level == 0
    assert isinstance(topic, TopicRecord) and topic.kind == "topic" and topic.field
    assert topic.description


def test_merged_ids_csv(samples: Path) -> None:
    import csv

    with (samples / "misc/merged_ids__authors__snapshot-2023-04-13.csv").open() as handle:
        merged = parse_merged_ids(csv.DictReader(handle))
    assert {m.into_id for m in merged} == {"A4317838346"}
    assert {m.old_id for m in merged} == {"A3125154712", "A3124276209", "A3123468810", "A3122914057"}
    assert merged[0].merged_on == date(2023, 4, 13)


# --- Hand-written bad input -----------------------------------------------------------------


def good_work() -> dict[str, Any]:
    return oa.work("W9", "Title", [oa.authorship("A5000000009", "Ada Example", position="first")])


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda w: w.update(id="not-an-id"), "not an OpenAlex id"),
        (lambda w: w.update(id=None), "expected an OpenAlex id"),
        (lambda w: w.update(authorships="Ada"), "authorships must be a list"),
        (lambda w: w.update(cited_by_count="many"), "cited_by_count must be a whole number"),
        (lambda w: w.update(publication_date="yesterday"), "publication_date is not a date"),
        (lambda w: w.update(abstract_inverted_index={"word": ["one"]}), "positions are not integers"),
        (lambda w: w.update(abstract_inverted_index={"word": 3}), "positions of 'word' are not a list"),
        (lambda w: w["authorships"][0]["author"].update(id="https://openalex.org/X1"), "not an OpenAlex id"),
        (lambda w: w.update(title=["a", "list"]), "title must be text"),
        (lambda w: w.pop("authorships"), "partial record"),
    ],
)
def test_malformed_works_raise_naming_the_entity(mutate: Any, reason: str) -> None:
    record = good_work()
    mutate(record)
    with pytest.raises(MalformedRecord, match=reason) as error:
        parse_entity(record)
    assert error.value.entity in ("W9", "record 'Title'", "record without id")


def test_non_objects_are_malformed() -> None:
    with pytest.raises(MalformedRecord, match="expected a JSON object"):
        parse_entity(["a", "list"])


def test_abstract_rebuild_places_words_by_position() -> None:
    assert rebuild_abstract({"world": [1, 3], "hello": [0], "again": [2]}) == "hello world again world"
    assert rebuild_abstract({"IndexLength": 2, "InvertedIndex": {"b": [1], "a": [0]}}) == "a b"
    assert rebuild_abstract(None) == ""


def test_short_ids() -> None:
    assert short_id("https://openalex.org/A5023888391") == "A5023888391"
    assert short_id("https://openalex.org/V1983995261") == "S1983995261"  # venues became sources
    assert short_id("openalex:W1") == "W1"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("A5023888391", "openalex", "A5023888391"),
        ("https://openalex.org/a5023888391", "openalex", "A5023888391"),
        ("0000-0002-1694-233x", "orcid", "0000-0002-1694-233X"),
        ("https://orcid.org/0000-0001-6187-6610", "orcid", "0000-0001-6187-6610"),
        ("  Jan   Leike ", "name", "Jan Leike"),
    ],
)
def test_author_queries(text: str, kind: str, value: str) -> None:
    query = parse_author_query(text)
    assert (query.kind, query.value) == (kind, value)


@pytest.mark.parametrize("text", ["", "   ", "W2741809807", "x" * 201, "Jan\nLeike"])
def test_bad_author_queries(text: str) -> None:
    with pytest.raises(ValueError):
        parse_author_query(text)


def test_batch_keeps_the_newer_record_and_full_institutions() -> None:
    older = oa.work("W1", "Old title", [], updated="2024-01-01T00:00:00")
    newer = oa.work("W1", "New title", [], updated="2025-01-01T00:00:00")
    batch = ImportBatch()
    batch.add(parse_entity(newer))
    batch.add(parse_entity(older))
    assert batch.works["W1"].title == "New title"

    full = parse_entity(oa.institution("I1", "Full Name", homepage="https://www.full.example.org/", full=True))
    dehydrated_in_work = oa.work(
        "W2", "T", [oa.authorship("A5000000001", "A", institutions=[oa.institution("I1", "Short")])]
    )
    batch.add(full)
    batch.add(parse_entity(copy.deepcopy(dehydrated_in_work)))
    assert batch.institutions["I1"].display_name == "Full Name"
    # Homepage www.full.example.org: the registrable domain under the Public Suffix List.
    assert batch.institutions["I1"].email_domains == ["example.org"]


@pytest.mark.parametrize(
    ("homepage", "domains"),
    [
        ("https://www.unc.edu/", ["unc.edu"]),
        ("https://www.cs.ox.ac.uk/research", ["ox.ac.uk"]),  # the registrable domain, not the department's host
        ("http://WWW.Example.EDU.", ["example.edu"]),
        ("https://www.ac.uk/", []),  # a public suffix: it would make every *.ac.uk address this institution's
        ("https://ac.uk", []),
        ("https://someone.github.io/lab", ["someone.github.io"]),  # github.io is a public suffix; this site is not
        ("http://192.0.2.7/", []),
        ("http://localhost:8000/", []),
        ("http://[::1/", []),  # malformed: vouches for nothing, and the record still imports
        ("", []),
    ],
)
def test_email_domains_are_registrable_domains_of_the_homepage(homepage: str, domains: list[str]) -> None:
    assert email_domains_from_homepage(homepage) == domains


def test_full_records_never_alter_the_shared_dehydrated_ones() -> None:
    """Dehydrated institutions and topics are parsed once and shared; a full record of the
    same entity must be a record of its own."""
    work = oa.work(
        "W5",
        "T",
        [oa.authorship("A5000000005", "A", institutions=[oa.institution("I5", "Inst")])],
        topics=[oa.topic("T5", "Topic")],
    )
    first = parse_entity(copy.deepcopy(work))
    full_institution = parse_entity(oa.institution("I5", "Inst", homepage="https://inst.example.org/", full=True))
    full_topic = parse_entity({**oa.topic("T5", "Topic"), "description": "About it."})
    again = parse_entity(copy.deepcopy(work))
    assert isinstance(first, WorkRecord) and isinstance(again, WorkRecord)
    assert isinstance(full_institution, InstitutionRecord) and full_institution.is_full_record
    assert isinstance(full_topic, TopicRecord) and full_topic.is_full_record
    for parsed in (first, again):
        assert not parsed.institutions[0].is_full_record and parsed.institutions[0].homepage_url == ""
        assert not parsed.topic_records[0].is_full_record and parsed.topic_records[0].description == ""
