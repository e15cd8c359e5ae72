"""The pure OpenAlex parser on records of every schema era, and on hand-written malformed ones.
No database.

The era tests run on our own OpenAlex-shaped records (tests/fixtures/openalex/) on every
checkout, and on the real records of ../shared/openalex-samples as well where that folder
exists (tests/openalex_corpora.py): each states what it expects of either corpus.
"""

from __future__ import annotations

import copy
import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests import openalex_records as oa
from tests.openalex_corpora import Corpus, each_corpus, each_file
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

# --- Every entity file ----------------------------------------------------------------------

OWN_ENTITY_FILES = [
    "authors/A1000000101__marisol-quenby__api-2022-05.json",
    "authors/A1000000102__tobiah-pennyworth-gale__api-2022-05.json",
    "authors/A4000000301__ysolde-brackenridge__snapshot-2023-04.json",
    "authors/A5980000101__marisol-quenby__api-2025-10.json",
    "authors/A5980000201__cornelius-ashdown-fairweather__api-2023-10.json",
    "authors/A5980000201__cornelius-ashdown-fairweather__api-2025-10.json",
    "authors/A5980000401__helene-marchetti-okafor__api-2025-10.json",
    "authors/A5980000501__oswin-thackeray-lund__api-2025-09.json",
    "authors/A5980000603__beatrixl-ormsby__api-2025-10.json",
    "authors/A5980000999__deleted-author__api-2023-11.json",
    "institutions/I9980000002__brightwater-university__api-2023-10.json",
    "institutions/I9980000002__brightwater-university__api-2025-06.json",
    "institutions/I9980000003__fernhollow-university__api-2025-10.json",
    "institutions/I9980000005__hollowmere-academy__api-2022-05.json",
    "topics/C9800000001__library-science-legacy-concept__api-2025-06.json",
    "topics/T18001__catalogue-interoperability__api-2025-10.json",
    "topics/T18002__acoustic-ecology-of-archives__api-2025-06.json",
    "works/W9800000001__ledger-of-open-shelves__api-2022-05.json",
    "works/W9800000001__ledger-of-open-shelves__api-2023-10.json",
    "works/W9800000001__ledger-of-open-shelves__api-2025-10.json",
    "works/W9800000002__lantern-oscillators-math-ph__snapshot-2021-11.json",
    "works/W9800000003__publishers-notices__snapshot-2023-05.json",
    "works/W9800000004__null-title__api-2026-03.json",
    "works/W9800000005__lantern-survey-authors-truncated__api-2025.json",
    "works/W9800000006__catalogues-as-maps-book-chapter__api-2025.json",
    "works/W9800000007__robotic-shelvers-preprint__api-2025.json",
    "works/W9800000008__shelf-marks-without-a-registry__api-2025.json",
    "works/W9800000009__listening-to-the-stacks-preprint__api-2025-09.json",
    "works/W9800000010__quiet-corners__api-2026-03.json",
    "works/W9800000011__a-shelf-is-worth-sixteen-books__api-2025.json",
]

SHARED_ENTITY_FILES = [
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


@each_corpus(own={"files": OWN_ENTITY_FILES}, shared={"files": SHARED_ENTITY_FILES})
def test_every_entity_file_is_listed_here(corpus: Corpus) -> None:
    on_disk = {
        str(p.relative_to(corpus.root))
        for folder in ("authors", "institutions", "topics", "works")
        for p in (corpus.root / folder).glob("*.json")
    }
    assert on_disk == set(corpus.files), "a new entity file needs its expectations here"


@each_file(own=OWN_ENTITY_FILES, shared=SHARED_ENTITY_FILES)
def test_each_sample_parses_to_its_own_id(corpus: Corpus, name: str) -> None:
    record = parse_entity(corpus.load(name))
    assert record.openalex_id == Path(name).name.split("__")[0]


# --- Authors, era by era --------------------------------------------------------------------


@each_corpus(
    own={
        "file": "authors/A1000000101__marisol-quenby__api-2022-05.json",
        "orcid": "0000-0000-0004-2017",
        "works_count": 38,
        "institution": "I9980000001",
        "top_concept": ("C9800000001", 91.0),
        "updated": datetime(2022, 4, 18, tzinfo=UTC),
    },
    shared={
        "file": "authors/A1969205032__heather-piwowar__api-2022-05.json",
        "orcid": "0000-0003-1613-5981",
        "works_count": 50,
        "institution": "I4200000001",
        "top_concept": ("C41008148", 88.0),
        "updated": datetime(2022, 3, 9, tzinfo=UTC),
    },
)
def test_2022_author_has_singular_last_known_institution_and_concepts(corpus: Corpus) -> None:
    author = parse_entity(corpus.load(corpus.file))
    assert isinstance(author, AuthorRecord)
    assert author.is_legacy_id
    assert author.orcid == corpus.orcid
    assert author.works_count == corpus.works_count
    assert author.h_index is None and author.i10_index is None  # no summary_stats in 2022
    [affiliation] = author.affiliations
    assert (affiliation.institution_id, affiliation.years, affiliation.is_last_known, affiliation.source) == (
        corpus.institution,
        [],
        True,
        "last_known",
    )
    # x_concepts stand in for topics before 2024, ranked by score (0-100).
    assert (author.topics[0].topic_id, author.topics[0].score) == corpus.top_concept
    assert all(t.works_count is None for t in author.topics)
    assert author.updated == corpus.updated  # date-only updated_date


@each_corpus(
    own={"file": "authors/A1000000102__tobiah-pennyworth-gale__api-2022-05.json", "year": 2019},
    shared={"file": "authors/A2341944528__tom-edmund-jessop__api-2022-05.json", "year": 2017},
)
def test_2022_author_without_institution_or_orcid(corpus: Corpus) -> None:
    author = parse_entity(corpus.load(corpus.file))
    assert isinstance(author, AuthorRecord)
    assert author.orcid == "" and author.affiliations == []
    assert [row["year"] for row in author.counts_by_year] == [corpus.year]  # only active years listed


@each_corpus(
    own={
        "file": "authors/A4000000301__ysolde-brackenridge__snapshot-2023-04.json",
        "stats": (4, 2, 2.0),
        "institution": "I9980000007",
        "ror": "0zq7x1k42",
    },
    shared={
        "file": "authors/A4347464006__lucero-molina__snapshot-2023-04.json",
        "stats": (0, 0, 0.0),
        "institution": "I59553526",
        "ror": "05qghxh33",
    },
)
def test_2023_snapshot_author_with_ten_key_summary_stats(corpus: Corpus) -> None:
    author = parse_entity(corpus.load(corpus.file))
    assert isinstance(author, AuthorRecord)
    assert author.is_legacy_id  # minted before the July 2023 re-assignment
    assert (author.h_index, author.i10_index, author.two_year_mean_citedness) == corpus.stats
    assert isinstance(author.two_year_mean_citedness, float)
    assert [a.institution_id for a in author.affiliations] == [corpus.institution]
    assert author.institutions[0].ror == corpus.ror


@each_corpus(
    own={
        "files": (
            "authors/A5980000201__cornelius-ashdown-fairweather__api-2023-10.json",
            "authors/A5980000201__cornelius-ashdown-fairweather__api-2025-10.json",
        ),
        "id": "A5980000201",
        "old": (41, 12, 0.25),
        "new": (47, 13, 4.0),
        "last_known": ("I9980000001", [2025, 2024, 2023]),
        "earlier": ("I9980000002", [2019, 2018, 2015]),
        "top_topic": ("T18001", 21, 0.0002917),
    },
    shared={
        "files": (
            "authors/A5023888391__jason-priem__api-2023-10.json",
            "authors/A5023888391__jason-priem__api-2025-10.json",
        ),
        "id": "A5023888391",
        "old": (53, 16, 0.5),
        "new": (62, 17, 6.0),
        "last_known": ("I4200000001", [2023, 2022, 2021]),
        "earlier": ("I4210166736", [2018, 2017, 2013]),
        "top_topic": ("T10102", 23, 0.0001889),
    },
)
def test_2023_and_2025_records_of_one_author_differ_as_the_schema_did(corpus: Corpus) -> None:
    old, new = (parse_entity(corpus.load(name)) for name in corpus.files)
    assert isinstance(old, AuthorRecord) and isinstance(new, AuthorRecord)
    assert old.openalex_id == new.openalex_id == corpus.id
    assert (old.works_count, old.h_index, old.two_year_mean_citedness) == corpus.old
    assert (new.works_count, new.h_index, new.two_year_mean_citedness) == corpus.new  # int -> float
    assert isinstance(new.two_year_mean_citedness, float)
    # 2023: one last known institution; 2025: affiliations with years.
    last_known, last_years = corpus.last_known
    assert [(a.institution_id, a.source) for a in old.affiliations] == [(last_known, "last_known")]
    by_id = {a.institution_id: a for a in new.affiliations}
    assert by_id[last_known].years[:3] == last_years and by_id[last_known].is_last_known
    earlier, earlier_years = corpus.earlier
    assert by_id[earlier].years == earlier_years and not by_id[earlier].is_last_known
    # 2025: topics with counts and shares replace concepts.
    assert (new.topics[0].topic_id, new.topics[0].works_count, new.topics[0].share) == corpus.top_topic
    assert old.topics[0].topic_id.startswith("C")
    assert old.updated is not None and new.updated is not None and new.updated > old.updated


@each_corpus(
    own={
        "file": "authors/A5980000401__helene-marchetti-okafor__api-2025-10.json",
        "one_last_known": "I9980000006",
        "display_name": "Hélène Marchetti-Okafor",
        "alternative": "H. Marchetti-Okafor",
        "mean": 2.625,
    },
    shared={
        "file": "authors/A5068542997__vincent-lariviere__api-2025-10.json",
        "one_last_known": "I70931966",
        "display_name": "Vincent Larivière",
        "alternative": "V. Lariviere",
        "mean": 3.825,
    },
)
def test_2025_author_with_several_last_known_institutions(corpus: Corpus) -> None:
    author = parse_entity(corpus.load(corpus.file))
    assert isinstance(author, AuthorRecord)
    last_known = [a.institution_id for a in author.affiliations if a.is_last_known]
    assert len(last_known) == 3 and corpus.one_last_known in last_known
    assert author.display_name == corpus.display_name
    assert corpus.alternative in author.display_name_alternatives
    assert author.two_year_mean_citedness == corpus.mean
    # counts_by_year comes newest first from the API; we store it oldest first.
    years = [row["year"] for row in author.counts_by_year]
    assert years == sorted(years) and years[0] == 2012
    topic_types = {t.kind for t in author.topic_records}
    assert topic_types == {"topic"}


@each_corpus(
    own={"file": "authors/A5980000999__deleted-author__api-2023-11.json"},
    shared={"file": "authors/A5317838346__deleted-author__api-2023-11.json"},
)
def test_deleted_author_is_a_tombstone(corpus: Corpus) -> None:
    author = parse_entity(corpus.load(corpus.file))
    assert isinstance(author, AuthorRecord) and author.is_deleted


@each_corpus(
    own={"file": "misc/author__A5980000301__select-subset__api-2025.json", "id": "A5980000301"},
    shared={"file": "misc/author__A5017898742__select-subset__api-2025.json", "id": "A5017898742"},
)
def test_partial_select_response_is_refused(corpus: Corpus) -> None:
    with pytest.raises(MalformedRecord, match="partial record") as error:
        parse_entity(corpus.load(corpus.file))
    assert error.value.entity == corpus.id


ERROR_FILES = [
    "misc/error__invalid-api-key__http401__api-2026-03.json",
    "misc/error__invalid-filter-field__http400__api-2026-03.json",
    "misc/error__invalid-select-field__http400__api-2026-03.json",
]


@each_file(own=ERROR_FILES, shared=ERROR_FILES)
def test_error_bodies_are_reported_not_imported(corpus: Corpus, name: str) -> None:
    with pytest.raises(ErrorBody) as error:
        parse_entity(corpus.load(name))
    assert error.value.error  # "Invalid or missing API key", "Invalid query parameters error."


# --- Works, era by era ----------------------------------------------------------------------


@each_corpus(
    own={
        "pattern": "works/W9800000001__ledger-of-open-shelves__api-{era}.json",
        "source": "S9980000001",
        "doi": "10.5555/jrrs.2018.0042",
        "venue": "Journal of Reading-Room Studies",
        "abstract": (63, "Reading rooms differ widely in who may enter"),
        "authors": ("A1000000101", "A5980000101"),
        "affiliation": "Quillfeather Research Trust, Harrowgate Quay, Nowhere",
        "primary_topic": "T18001",
        "referenced_works_count": 6,
    },
    shared={
        "pattern": "works/W2741809807__state-of-oa__api-{era}.json",
        "source": "S1983995261",
        "doi": "10.7717/peerj.4375",
        "venue": "PeerJ",
        "abstract": (258, "Despite growing interest in Open Access (OA)"),
        "authors": ("A1969205032", "A5048491430"),
        "affiliation": "Impactstory, Sanford, NC, USA",
        "primary_topic": "T10102",
        "referenced_works_count": 35,
    },
)
def test_one_work_in_three_eras(corpus: Corpus) -> None:
    w22, w23, w25 = (
        parse_entity(corpus.load(corpus.pattern.format(era=era))) for era in ("2022-05", "2023-10", "2025-10")
    )
    assert isinstance(w22, WorkRecord) and isinstance(w23, WorkRecord) and isinstance(w25, WorkRecord)
    # 2022: host_venue with a V id and a Crossref type; later: primary_location and OpenAlex types.
    assert w22.source_id == w23.source_id == w25.source_id == corpus.source
    assert (w22.type, w22.type_crossref) == ("article", "journal-article")
    assert (w25.type, w25.type_crossref) == ("article", "journal-article")
    assert w22.doi == w25.doi == corpus.doi
    assert w22.venue_name == w25.venue_name == corpus.venue
    words, start = corpus.abstract
    assert len(w22.abstract.split()) == len(w25.abstract.split()) == words
    assert w25.abstract.startswith(start)
    # Legacy author id in 2022, the 2023 replacement later.
    legacy, current = corpus.authors
    assert w22.authorships[0].author_id == legacy
    assert w23.authorships[0].author_id == current
    # Singular raw_affiliation_string (2022) and the list (2025) give the same text.
    assert (
        w22.authorships[0].raw_affiliation_strings == w25.authorships[0].raw_affiliation_strings == [corpus.affiliation]
    )
    assert w22.authorships[0].is_corresponding is None and w25.authorships[0].is_corresponding is False
    # Concepts (0-1 scores) before 2024, topics with a primary one after.
    assert all(t.topic_id.startswith("C") for t in w22.topics)
    assert (w25.topics[0].topic_id, w25.topics[0].is_primary) == (corpus.primary_topic, True)
    assert w23.referenced_works_count == corpus.referenced_works_count and w22.referenced_works_count is None


@each_corpus(
    own={
        "file": "works/W9800000002__lantern-oscillators-math-ph__snapshot-2021-11.json",
        "venue": "Quarry Preprints: Mathematical Physics",
        "abstract": (54, "We study a chain of coupled lantern oscillators"),
    },
    shared={
        "file": "works/W1672158254__arxiv-math-ph-2011__snapshot-2021-11.json",
        "venue": "arXiv: Mathematical Physics",
        "abstract": (162, "We consider the semi-relativistic Pauli-Fierz"),
    },
)
def test_2021_snapshot_arxiv_posting_is_a_preprint_with_mag_abstract(corpus: Corpus) -> None:
    work = parse_entity(corpus.load(corpus.file))
    assert isinstance(work, WorkRecord)
    assert (work.type, work.type_crossref) == ("preprint", "journal-article")
    assert work.venue_name == corpus.venue
    # The MAG form {"IndexLength", "InvertedIndex"} is rebuilt like the modern one.
    words, start = corpus.abstract
    assert len(work.abstract.split()) == words
    assert work.abstract.startswith(start)


@each_corpus(
    own={"file": "works/W9800000004__null-title__api-2026-03.json", "author": "Ottoline Farrow-Beck"},
    shared={"file": "works/W4234567890__null-title__api-2026-03.json", "author": "Bakhtiyor Rasulev"},
)
def test_2026_work_with_null_title_and_null_author_id(corpus: Corpus) -> None:
    work = parse_entity(corpus.load(corpus.file))
    assert isinstance(work, WorkRecord)
    assert work.title is None and work.type == "paratext" and work.abstract == ""
    assert work.authorships[0].author_id is None
    assert work.authorships[0].author_name == corpus.author
    assert work.type_crossref == ""  # gone again in 2026


@each_corpus(
    own={
        "file": "works/W9800000005__lantern-survey-authors-truncated__api-2025.json",
        "title": "<i>Lantern</i>2019 results: the catalogue survey",
    },
    shared={
        "file": "works/W4288079944__planck-2018-authors-truncated__api-2025.json",
        "title": "<i>Planck</i>2018 results",
    },
)
def test_truncated_author_list_is_flagged(corpus: Corpus) -> None:
    work = parse_entity(corpus.load(corpus.file))
    assert isinstance(work, WorkRecord)
    assert work.is_authors_truncated and len(work.authorships) == 100
    assert work.title == corpus.title  # HTML kept as text; templates escape it


@each_corpus(
    own={
        "chapter": ("works/W9800000006__catalogues-as-maps-book-chapter__api-2025.json", "Korvenholm, Nordmark"),
        "preprint": (
            "works/W9800000007__robotic-shelvers-preprint__api-2025.json",
            "10.5555/quarry.2005.01417",  # upper case in the record
            "S9980000009",
        ),
        "abstract_work": (
            "works/W9800000008__shelf-marks-without-a-registry__api-2025.json",
            "Abstract Shelf marks",
            "NZ",
        ),
    },
    shared={
        "chapter": ("works/W4320013936__generative-adversarial-nets-book-chapter__api-2025.json", "München, Germany"),
        "preprint": (
            "works/W4292779060__gpt3-language-models-few-shot-learners__api-2025.json",
            "10.48550/arxiv.2005.14165",
            "S4306400194",
        ),
        "abstract_work": (
            "works/W3099878876__numpy-array-programming__api-2025.json",
            "Abstract Array programming",
            "US",
        ),
    },
)
def test_works_without_abstract_or_institutions(corpus: Corpus) -> None:
    chapter_file, chapter_affiliation = corpus.chapter
    preprint_file, preprint_doi, repository = corpus.preprint
    abstract_file, abstract_start, country = corpus.abstract_work
    chapter, preprint, with_abstract = (
        parse_entity(corpus.load(f)) for f in (chapter_file, preprint_file, abstract_file)
    )
    assert (
        isinstance(chapter, WorkRecord) and isinstance(preprint, WorkRecord) and isinstance(with_abstract, WorkRecord)
    )
    assert chapter.type == "book-chapter" and chapter.abstract == ""
    assert chapter.authorships[0].institution_ids == [] and chapter.authorships[0].raw_affiliation_strings == [
        chapter_affiliation
    ]
    assert preprint.doi == preprint_doi and preprint.type == "preprint"
    assert preprint.source_id == repository and len(preprint.authorships) == 31
    assert all(a.institution_ids == [] for a in preprint.authorships)
    assert with_abstract.abstract.startswith(abstract_start)
    assert with_abstract.authorships[0].countries == [country] and with_abstract.authorships[0].institution_ids == []
    assert sum(1 for a in with_abstract.authorships if a.is_corresponding) == 2


@each_corpus(
    own={
        "works_2022": ("lists/works__author-A1000000101-cursor-page1__api-2022-05.json", "W9800000101"),
        "unidentified_institution": "Quillfeather Research Inc., Nowhere",
        "authors_2025": "lists/authors__search-wendeborn__api-2025.json",
        "names": {"WILHELMINA T. WENDEBORN", "Wendeborn and Partridge Lowe Amadeus Crane"},
    },
    shared={
        "works_2022": ("lists/works__author-A1969205032-cursor-page1__api-2022-05.json", "W3208256308"),
        "unidentified_institution": "Our Research Inc., Canada",
        "authors_2025": "lists/authors__search-mearman__api-2025.json",
        "names": {"ROBERT C. MEARMAN", "Downward and Mearman Tony Lawson"},
    },
)
def test_list_responses_of_every_era(corpus: Corpus) -> None:
    works_file, work_id = corpus.works_2022
    page22 = corpus.load(works_file)
    records = [parse_entity(item) for item in page22["results"]]
    assert len(records) == 25 and all(isinstance(r, WorkRecord) for r in records)
    # 2022 authorships can carry institutions without an id: they are skipped, the text kept.
    work = next(r for r in records if r.openalex_id == work_id)
    assert isinstance(work, WorkRecord)
    assert work.authorships[2].institution_ids == []
    assert work.authorships[2].raw_affiliation_strings == [corpus.unidentified_institution]
    page25 = corpus.load(corpus.authors_2025)
    authors = [parse_entity(item) for item in page25["results"]]
    assert {a.display_name for a in authors} >= corpus.names


@each_corpus(
    own={
        "funder": ("institutions/I9980000003__fernhollow-university__api-2025-10.json", "example.org"),
        "renamed": (
            "institutions/I9980000002__brightwater-university__api-{era}.json",
            "Brightwater University–Eastfield",
            "Brightwater University",
        ),
        "concept": "topics/C9800000001__library-science-legacy-concept__api-2025-06.json",
        "topic": "topics/T18001__catalogue-interoperability__api-2025-10.json",
    },
    shared={
        "funder": ("institutions/I114027177__unc-chapel-hill__api-2025-10.json", "unc.edu"),
        "renamed": (
            "institutions/I27837315__university-of-michigan__api-{era}.json",
            "University of Michigan–Ann Arbor",
            "University of Michigan",
        ),
        "concept": "topics/C71924100__medicine-legacy-concept__api-2025-06.json",
        "topic": "topics/T10232__optical-network-technologies__api-2025-10.json",
    },
)
def test_institutions_and_topics(corpus: Corpus) -> None:
    funder_file, domain = corpus.funder
    funder = parse_entity(corpus.load(funder_file))
    assert isinstance(funder, InstitutionRecord) and funder.is_full_record
    assert funder.type == "funder"  # OpenAlex's quirk, kept as given
    assert funder.email_domains == [domain]
    pattern, name23, name25 = corpus.renamed
    old = parse_entity(corpus.load(pattern.format(era="2023-10")))
    new = parse_entity(corpus.load(pattern.format(era="2025-06")))
    assert isinstance(old, InstitutionRecord) and isinstance(new, InstitutionRecord)
    assert old.openalex_id == new.openalex_id
    assert old.display_name == name23 and new.display_name == name25
    concept = parse_entity(corpus.load(corpus.concept))
    topic = parse_entity(corpus.load(corpus.topic))
    assert isinstance(concept, TopicRecord) and concept.kind == "concept" and concept.level == 0
    assert isinstance(topic, TopicRecord) and topic.kind == "topic" and topic.field
    assert topic.description


@each_corpus(
    own={
        "file": "misc/merged_ids__authors__snapshot-2023-05-02.csv",
        "into": {"A4000000600"},
        "old": {"A3100000501", "A3100000502", "A3100000503"},
        "date": date(2023, 5, 2),
    },
    shared={
        "file": "misc/merged_ids__authors__snapshot-2023-04-13.csv",
        "into": {"A4317838346"},
        "old": {"A3125154712", "A3124276209", "A3123468810", "A3122914057"},
        "date": date(2023, 4, 13),
    },
)
def test_merged_ids_csv(corpus: Corpus) -> None:
    with corpus.path(corpus.file).open() as handle:
        merged = parse_merged_ids(csv.DictReader(handle))
    assert {m.into_id for m in merged} == corpus.into
    assert {m.old_id for m in merged} == corpus.old
    assert merged[0].merged_on == corpus.date


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
