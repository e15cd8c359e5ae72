"""import_openalex: files of every schema era through the one parser and the one upsert, on
the real PostgreSQL. Idempotency, atomicity, and what re-imports must never touch.

The era files are our own (tests/fixtures/openalex/), and the real samples of
../shared/openalex-samples as well where that folder exists (tests/openalex_corpora.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from graph.models import CoauthorEdge
from profiles.models import Institution, Researcher, ResearcherAlias, Topic
from tests import openalex_records as oa
from tests.openalex_corpora import Corpus, each_corpus
from works.models import Authorship, ImportJob, Work

pytestmark = pytest.mark.django_db

IMPORT_TABLES = [
    "profiles_institution",
    "profiles_topic",
    "profiles_researcher",
    "profiles_researcheralias",
    "profiles_researcheraffiliation",
    "profiles_researchertopic",
    "works_source",
    "works_work",
    "works_authorship",
    "works_worktopic",
    "graph_coauthoredge",
]


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row's contents, per import table."""
    state = {}
    with connection.cursor() as cursor:
        for table in IMPORT_TABLES:
            cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)), count(*) FROM {table} t")
            digest, count = cursor.fetchone()
            state[table] = (count, digest or "")
    return state


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(*paths: str | Path) -> None:
    call_command("import_openalex", *[str(p) for p in paths], "--followups=now")


# --- Records of every era: our own, and the real samples when present (tests/openalex_corpora.py) ---

CORPUS_FOLDERS = ["authors", "works", "institutions", "topics", "lists"]


def import_corpus(corpus: Corpus) -> None:
    with pytest.raises(CommandError, match="could not be imported"):
        # lists/ holds a select=ids probe and a group_by answer: reported, not imported.
        run(*(corpus.path(folder) for folder in CORPUS_FOLDERS))


@each_corpus(
    own={
        "priem": {
            "id": "A5980000201",
            "numbers": (47, 13, 4.0),
            "orcid": "0000-0000-0004-2025",
            "earlier": ("I9980000002", [2019, 2018, 2015]),
            "top_topic": "T18001",
            "bio": "Works mainly on Catalogue interoperability and reading-room access",
        },
        "piwowar": {"orcid": "0000-0000-0004-2017", "id": "A5980000101", "legacy_id": "A1000000101"},
        "three_eras": ("W9800000001", "S9980000001", "T18001"),
        "arxiv": ("W9800000002", "Quarry Preprints: Mathematical Physics"),
        "null_title": ("W9800000004", "Ottoline Farrow-Beck"),
        "truncated": "W9800000005",
        "deleted": "A5980000999",
        "funder": ("I9980000003", "example.org"),  # the registrable domain of its homepage host
        "concept": "C9800000001",
        "stubs_more_than": 150,
    },
    shared={
        "priem": {
            "id": "A5023888391",
            "numbers": (62, 17, 6.0),
            "orcid": "0000-0001-6187-6610",
            "earlier": ("I4210166736", [2018, 2017, 2013]),
            "top_topic": "T10102",
            "bio": "Works mainly on scientometrics and bibliometrics research",
        },
        "piwowar": {"orcid": "0000-0003-1613-5981", "id": "A5048491430", "legacy_id": "A1969205032"},
        "three_eras": ("W2741809807", "S1983995261", "T10102"),
        "arxiv": ("W1672158254", "arXiv: Mathematical Physics"),
        "null_title": ("W4234567890", "Bakhtiyor Rasulev"),
        "truncated": "W4288079944",
        "deleted": "A5317838346",
        "funder": ("I114027177", "unc.edu"),
        "concept": "C71924100",
        "stubs_more_than": 100,
    },
)
def test_every_era_imports_faithfully(corpus: Corpus) -> None:
    import_corpus(corpus)

    expected = corpus.priem
    priem = Researcher.objects.get(openalex_id=expected["id"])
    # The 2025 record wins over the 2023 one, whichever file comes first.
    assert (priem.works_count, priem.h_index, priem.two_year_mean_citedness) == expected["numbers"]
    assert priem.record_status == "imported" and priem.orcid == expected["orcid"]
    affiliations = {a.institution.openalex_id: a for a in priem.affiliations.select_related("institution")}
    earlier, years = expected["earlier"]
    assert affiliations[earlier].years == years
    assert priem.topics.first().topic.openalex_id == expected["top_topic"]
    assert [row["year"] for row in priem.counts_by_year] == sorted(row["year"] for row in priem.counts_by_year)
    assert priem.generated_bio.startswith(expected["bio"])

    # Legacy 2022 id and current record share an ORCID: one researcher, the old id an alias.
    piwowar = Researcher.objects.get(orcid=corpus.piwowar["orcid"])
    assert piwowar.openalex_id == corpus.piwowar["id"]
    assert ResearcherAlias.objects.get(openalex_id=corpus.piwowar["legacy_id"]).researcher == piwowar
    # 2022 works list her under the legacy id; the authorships point at the current record.
    assert Authorship.objects.filter(researcher=piwowar).count() > 10

    work_id, source_id, topic_id = corpus.three_eras
    three_eras = Work.objects.get(openalex_id=work_id)
    assert three_eras.openalex_updated.year == 2025  # newest of the three eras kept
    assert three_eras.type == "article" and three_eras.source.openalex_id == source_id
    assert three_eras.work_topics.filter(is_primary=True).get().topic.openalex_id == topic_id

    work_id, venue = corpus.arxiv
    arxiv = Work.objects.get(openalex_id=work_id)
    assert (arxiv.type, arxiv.type_crossref, arxiv.venue_name) == ("preprint", "journal-article", venue)
    work_id, author_name = corpus.null_title
    null_title = Work.objects.get(openalex_id=work_id)
    assert null_title.title is None
    [orphan] = null_title.authorships.all()
    assert orphan.researcher is None and orphan.raw_author_name == author_name

    truncated = Work.objects.get(openalex_id=corpus.truncated)
    assert truncated.is_authors_truncated and truncated.authorships.count() == 100

    assert not Researcher.objects.filter(openalex_id=corpus.deleted).exists()  # deleted author
    institution_id, domain = corpus.funder
    funder = Institution.objects.get(openalex_id=institution_id)
    assert funder.is_full_record and funder.email_domains == [domain]
    assert Topic.objects.get(openalex_id=corpus.concept).kind == "concept"
    # Co-authors known only from works are stubs.
    assert Researcher.objects.filter(record_status="stub").count() > corpus.stubs_more_than


@each_corpus(own={}, shared={})
def test_importing_twice_changes_nothing(corpus: Corpus) -> None:
    import_corpus(corpus)
    first = snapshot()
    import_corpus(corpus)
    assert snapshot() == first
    jobs = ImportJob.objects.order_by("pk")
    assert [j.status for j in jobs] == ["failed", "failed"]  # the two non-records are reported each time
    assert jobs.last().works_written == 0


@each_corpus(
    own={
        "error": "OpenAlex error response: Invalid or missing API key: The api_key parameter names no known key",
        "partial": "A5980000301",
    },
    shared={
        "error": "OpenAlex error response: Invalid or missing API key: API key not found",
        "partial": "A5017898742",
    },
)
def test_error_bodies_and_partial_records_are_reported(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError, match="4 record"):
        run(corpus.path("misc"))
    err = capsys.readouterr().err
    assert f"error__invalid-api-key__http401__api-2026-03.json: {corpus.error}" in err
    assert f"{corpus.partial}: partial record" in err
    assert not Researcher.objects.filter(openalex_id=corpus.partial).exists()
    # The merged-ids CSV in the same folder is applied (nothing to fold yet, nothing broken).
    job = ImportJob.objects.get()
    assert job.status == "failed" and "4 problem(s)" in job.error


@each_corpus(
    own={
        "file": "misc/merged_ids__authors__snapshot-2023-05-02.csv",
        "merge": ("A3100000502", "A4000000600", "2023-05-02"),
    },
    shared={
        "file": "misc/merged_ids__authors__snapshot-2023-04-13.csv",
        "merge": ("A3125154712", "A4317838346", "2023-04-13"),
    },
)
def test_merged_ids_fold_the_old_record_into_the_survivor(tmp_path: Path, corpus: Corpus) -> None:
    old_id, survivor_id, merged_on = corpus.merge
    old = oa.author(old_id, "Merged Person")
    survivor = oa.author(survivor_id, "Merged Person")
    run(write_json(tmp_path / "old.json", old), write_json(tmp_path / "new.json", survivor))
    assert Researcher.objects.count() == 2
    run(corpus.path(corpus.file))
    assert list(Researcher.objects.values_list("openalex_id", flat=True)) == [survivor_id]
    alias = ResearcherAlias.objects.get(openalex_id=old_id)
    assert alias.reason == "merged" and str(alias.merged_on) == merged_on


# --- Bad input ---------------------------------------------------------------------------------


def test_a_malformed_record_is_named_and_the_rest_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = oa.work("W1", "Good work", [oa.authorship("A5000000001", "Ada Good", position="first")])
    bad = oa.work("W2", "Bad work", [oa.authorship("A5000000002", "Bob Bad", position="first")])
    bad["cited_by_count"] = "lots"
    lines = tmp_path / "works.jsonl.gz"
    with gzip.open(lines, "wt", encoding="utf-8") as handle:
        handle.write(
            json.dumps(good) + "\n" + json.dumps(bad) + "\n" + '{"id": "https://openalex.org/W3", "title": "cut'
        )
    other = write_json(tmp_path / "other.json", oa.author("A5000000003", "Cy Other"))

    with pytest.raises(CommandError, match="2 record"):
        run(lines, other)
    err = capsys.readouterr().err
    assert f"{lines}:2: W2: cited_by_count must be a whole number, got 'lots'" in err
    assert f"{lines}:3: invalid JSON (entity W3)" in err
    assert set(Work.objects.values_list("openalex_id", flat=True)) == {"W1"}
    # Nothing of the bad record: not its work, not its author.
    assert not Researcher.objects.filter(openalex_id="A5000000002").exists()
    assert Researcher.objects.filter(openalex_id__in=["A5000000001", "A5000000003"]).count() == 2


def test_a_truncated_single_entity_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(oa.author("A5000000004", "Dee Cut"))
    (tmp_path / "cut.json").write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(CommandError):
        run(tmp_path / "cut.json")
    assert "cut.json: invalid JSON (entity A5000000004)" in capsys.readouterr().err
    assert not Researcher.objects.exists()


def test_missing_paths_are_reported(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run(tmp_path / "nope.json")
    assert "no such file or folder" in ImportJob.objects.get().error


# --- What re-imports keep --------------------------------------------------------------------


def test_reimport_never_touches_owner_data(tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", oa.author("A5000000005", "Eve Owner"))
    run(path)
    Researcher.objects.filter(openalex_id="A5000000005").update(
        owner_bio="My own words.", preferred_name="Eve O.", open_to_collaborate=True
    )
    newer = oa.author("A5000000005", "Eve Owner-Renamed", works_count=9, updated="2026-01-01T00:00:00")
    run(write_json(path, newer))
    eve = Researcher.objects.get(openalex_id="A5000000005")
    assert (eve.display_name, eve.works_count) == ("Eve Owner-Renamed", 9)
    assert (eve.owner_bio, eve.preferred_name, eve.open_to_collaborate) == ("My own words.", "Eve O.", True)


def test_an_older_record_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    run(write_json(tmp_path / "new.json", oa.author("A5000000006", "New Name", updated="2025-06-01T00:00:00")))
    run(write_json(tmp_path / "old.json", oa.author("A5000000006", "Old Name", updated="2024-06-01T00:00:00")))
    assert Researcher.objects.get(openalex_id="A5000000006").display_name == "New Name"


def test_a_truncated_author_list_never_shortens_a_full_one(tmp_path: Path) -> None:
    people = [oa.authorship(f"A5{n:010d}", f"Person {n}") for n in range(150)]
    full = oa.work("W7", "Big collaboration", people)
    run(write_json(tmp_path / "full.json", full))
    listed = oa.work("W7", "Big collaboration", people[:100], is_authors_truncated=True)
    run(write_json(tmp_path / "listed.json", listed))
    work = Work.objects.get(openalex_id="W7")
    assert work.authorships.count() == 150 and not work.is_authors_truncated


def test_stub_becomes_full_record_and_keeps_its_authorships(tmp_path: Path) -> None:
    run(write_json(tmp_path / "w.json", oa.work("W8", "Paper", [oa.authorship("A5000000008", "F. Stub")])))
    stub = Researcher.objects.get(openalex_id="A5000000008")
    assert stub.record_status == "stub" and stub.display_name == "F. Stub"
    run(write_json(tmp_path / "a.json", oa.author("A5000000008", "Frida Stubbe")))
    full = Researcher.objects.get(openalex_id="A5000000008")
    assert full.pk == stub.pk and full.record_status == "imported" and full.display_name == "Frida Stubbe"
    assert full.authorships.count() == 1
    # A later work naming her differently does not rename the imported record.
    run(write_json(tmp_path / "w2.json", oa.work("W9", "Paper 2", [oa.authorship("A5000000008", "F. S.")])))
    assert Researcher.objects.get(pk=stub.pk).display_name == "Frida Stubbe"


def test_coauthor_edges_are_materialised(tmp_path: Path) -> None:
    a, b, c = ("A5000000011", "Ann"), ("A5000000012", "Ben"), ("A5000000013", "Cat")
    works = [
        oa.work("W11", "One", [oa.authorship(*a), oa.authorship(*b)], year=2021),
        oa.work("W12", "Two", [oa.authorship(*a), oa.authorship(*b), oa.authorship(*c)], year=2024),
    ]
    lines = tmp_path / "w.jsonl"
    lines.write_text("\n".join(json.dumps(w) for w in works), encoding="utf-8")
    run(lines)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT ra.openalex_id, rb.openalex_id, e.shared_works, e.first_year, e.last_year
               FROM graph_coauthoredge e JOIN profiles_researcher ra ON ra.id = e.researcher_a_id
               JOIN profiles_researcher rb ON rb.id = e.researcher_b_id ORDER BY 1, 2"""
        )
        edges = cursor.fetchall()
    assert ("A5000000011", "A5000000012", 2, 2021, 2024) in edges
    assert ("A5000000011", "A5000000013", 1, 2024, 2024) in edges
    assert len(edges) == 3


def test_snapshot_digest_detects_changes(tmp_path: Path) -> None:
    """The idempotency test above relies on snapshot(); make sure it sees a one-field change."""
    path = write_json(tmp_path / "a.json", oa.author("A5000000014", "Gil"))
    run(path)
    before = snapshot()
    run(write_json(path, oa.author("A5000000014", "Gil", works_count=3, updated="2026-01-01T00:00:00")))
    assert snapshot() != before


def test_awkward_text_survives_the_copy_path_exactly(tmp_path: Path) -> None:
    strings = ['Dept. "Q", {A,B} \\ Univ.\tof\nX', "NULL", "", "tab\tend\\", "Zürich 東京"]
    record = oa.work("W20", "Title with \\N and \t tab", [oa.authorship("A5000000020", 'Ann "Q" \\ O\'Neil')])
    record["authorships"][0]["raw_affiliation_strings"] = strings
    record["authorships"][0]["raw_author_name"] = 'Ann "Q" \\ O\'Neil\tx'
    run(write_json(tmp_path / "w.json", record))
    authorship = Authorship.objects.get(work__openalex_id="W20")
    assert authorship.raw_affiliation_strings == [s for s in strings if s]  # empty strings are dropped
    assert authorship.raw_author_name == 'Ann "Q" \\ O\'Neil\tx'
    assert Work.objects.get(openalex_id="W20").title == "Title with \\N and \t tab"


def test_nul_characters_are_dropped_not_fatal(tmp_path: Path) -> None:
    record = oa.work("W21", "T", [oa.authorship("A5000000021", "Nul Person")])
    record["authorships"][0]["raw_affiliation_strings"] = ["Bad\x00Byte University"]
    run(write_json(tmp_path / "w.json", record))
    assert Authorship.objects.get(work__openalex_id="W21").raw_affiliation_strings == ["BadByte University"]
    record = oa.work("W22", "Nul\x00Title", [], abstract="an abstract with a \x00 nul")
    run(write_json(tmp_path / "w2.json", record))
    work = Work.objects.get(openalex_id="W22")
    assert (work.title, work.abstract) == ("NulTitle", "an abstract with a  nul")


@pytest.mark.django_db(transaction=True)
def test_batches_parsed_in_a_child_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Outside a transaction, a child process parses while this one writes."""
    works = [
        oa.work(f"W3{n:02d}", f"Paper {n}", [oa.authorship(f"A50000003{n % 7:02d}", f"P{n % 7}")]) for n in range(25)
    ]
    works[12]["publication_year"] = "soon"
    lines = tmp_path / "many.jsonl"
    lines.write_text("\n".join(json.dumps(w) for w in works), encoding="utf-8")
    with pytest.raises(CommandError, match="1 record"):
        call_command("import_openalex", str(lines), "--batch-size=4", "--followups=now")
    assert f"{lines}:13: W312: publication_year must be a whole number" in capsys.readouterr().err
    assert Work.objects.count() == 24 and Researcher.objects.count() == 7
    job = ImportJob.objects.get()
    assert (job.status, job.works_written, job.works_fetched) == ("failed", 24, 24)
    assert CoauthorEdge.objects.count() == 0  # one author per work: no pairs


@pytest.mark.django_db(transaction=True)
def test_a_record_the_database_refuses_is_isolated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A record the parser accepts but the database refuses fails its batch; the batch is
    retried item by item, so only that record is lost, and it is named. (The parser bounds
    every value to its column, so a constraint of the test's own stands in for the refusal.)"""
    works = [oa.work(f"W4{n:02d}", f"Paper {n}", [oa.authorship("A5000000400", "Ida")]) for n in range(10)]
    lines = tmp_path / "works.jsonl"
    lines.write_text("\n".join(json.dumps(w) for w in works), encoding="utf-8")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE works_work ADD CONSTRAINT test_refuses_w405 CHECK (openalex_id <> 'W405')")
    try:
        with pytest.raises(CommandError, match="1 record"):
            call_command("import_openalex", str(lines), "--batch-size=4", "--followups=skip")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE works_work DROP CONSTRAINT test_refuses_w405")
    err = capsys.readouterr().err
    assert f'{lines}:6: W405: the database refused it: new row for relation "works_work" violates check' in err
    assert sorted(Work.objects.values_list("openalex_id", flat=True)) == [f"W4{n:02d}" for n in range(10) if n != 5]
