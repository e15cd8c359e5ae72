"""import_author through the real pyalex code path, against a local OpenAlex-compatible
server (the only thing mocked is OpenAlex itself, at its HTTP boundary)."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command

from openalex_fake import OpenAlexFakeServer
from profiles.models import Institution, Researcher, ResearcherAlias
from tests import openalex_records as oa
from works import services
from works.models import ImportJob, Work

pytestmark = pytest.mark.django_db

TOPIC = oa.topic("T900", "Example Studies")
PLACE = oa.institution("I900", "Example University")


def seed(server: OpenAlexFakeServer, *, works: int = 3, key: str = "A5000000100", orcid: str | None = None) -> None:
    server.add_entity(
        oa.author(key, "Rosa Example", orcid=orcid, works_count=works, institutions=[PLACE], topics=[TOPIC])
    )
    for n in range(works):
        server.add_entity(
            oa.work(
                f"W{900 + n}",
                f"Paper number {n}",
                [
                    oa.authorship(key, "Rosa Example", position="first", orcid=orcid, institutions=[PLACE]),
                    oa.authorship("A5000000200", "Co Author"),
                ],
                year=2015 + n % 10,
                topics=[TOPIC],
            )
        )


def import_author(query: str) -> ImportJob:
    call_command("import_author", query)
    return ImportJob.objects.latest("pk")


def test_by_openalex_id_with_works_coauthors_and_credentials(openalex: OpenAlexFakeServer, settings) -> None:
    settings.OPENALEX_API_KEY = "secret-key"
    settings.OPENALEX_EMAIL = "team@example.org"
    seed(openalex)
    job = import_author("A5000000100")

    assert job.status == "done" and job.works_fetched == 3 and job.works_written == 3
    rosa = Researcher.objects.get(openalex_id="A5000000100")
    assert job.researcher == rosa and rosa.record_status == "imported"
    assert rosa.works.count() == 3
    assert rosa.generated_bio == (
        "Works mainly on Example Studies. At Example University; 3 works published 2015–2025."
    )
    assert Researcher.objects.get(openalex_id="A5000000200").record_status == "stub"
    # OpenAlex wants the key as a query parameter; pyalex also sends it as a header.
    works_request = openalex.requests.matching("/works")[0]
    assert works_request.query["api_key"] == "secret-key"
    assert works_request.query["mailto"] == "team@example.org"
    assert works_request.query["filter"] == "author.id:A5000000100"
    assert works_request.headers.get("Authorization") == "Bearer secret-key"


def test_by_orcid(openalex: OpenAlexFakeServer) -> None:
    seed(openalex, orcid="0000-0002-1694-233X")
    job = import_author("https://orcid.org/0000-0002-1694-233x")
    assert job.status == "done"
    assert Researcher.objects.get(orcid="0000-0002-1694-233X").openalex_id == "A5000000100"
    assert openalex.requests.matching("/authors")[0].path == "/authors/orcid:0000-0002-1694-233X"


def test_by_name_takes_the_best_match_and_names_the_others(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    openalex.add_entity(oa.author("A5000000101", "Rosa Example Smith"))
    job = import_author("rosa example")
    assert job.status == "done"
    assert job.researcher.openalex_id == "A5000000100"
    assert "Other matches: Rosa Example Smith (A5000000101)" in job.message


def test_cursor_paging_walks_every_page(openalex: OpenAlexFakeServer) -> None:
    seed(openalex, works=60)
    job = import_author("A5000000100")
    assert job.status == "done" and job.works_written == 60 and job.pages_fetched == 4 and job.works_expected == 60
    cursors = [r.query.get("cursor") for r in openalex.requests.matching("/works")]
    assert cursors[0] == "*" and len(cursors) == 4 and len(set(cursors)) == 4  # 25+25+10, then the empty end
    assert all(r.query.get("per-page") == "25" for r in openalex.requests.matching("/works"))
    assert Work.objects.count() == 60


def test_rate_limit_then_success_honours_retry_after(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    openalex.faults.add(path_prefix="/works", status=429, times=2, retry_after=1)
    started = time.monotonic()
    job = import_author("A5000000100")
    assert job.status == "done" and job.works_written == 3
    statuses = [r.status for r in openalex.requests.matching("/works")]
    assert statuses[:3] == [429, 429, 200]
    assert time.monotonic() - started >= 2  # two Retry-After: 1 waits


def test_exhausted_server_errors_fail_the_job_and_write_nothing(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    openalex.faults.add(path_prefix="/works", status=503, times=None)
    with pytest.raises(CommandError):
        import_author("A5000000100")
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.error == "OpenAlex kept failing while fetching the works of A5000000100 (HTTP 503) after 3 retries"
    assert len(openalex.requests.matching("/works")) == 4  # first try + 3 retries
    assert not Researcher.objects.exists() and not Work.objects.exists()


def test_a_failure_on_a_later_page_leaves_no_half_written_author(openalex: OpenAlexFakeServer) -> None:
    seed(openalex, works=60)
    openalex.add_entity(oa.work("W999", "Broken", [oa.authorship("A5000000100", "Rosa Example")], year=1900))
    # The oldest work comes last (works are listed newest first); make it malformed.
    broken = oa.work("W999", "Broken", [oa.authorship("A5000000100", "Rosa Example")], year=1900)
    broken["cited_by_count"] = "n/a"
    openalex.add_entity(broken)
    with pytest.raises(CommandError):
        import_author("A5000000100")
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error == "W999: cited_by_count must be a whole number, got 'n/a'"
    assert job.pages_fetched >= 2  # pages before it were fetched ...
    assert not Researcher.objects.exists() and not Work.objects.exists()  # ... and none written


def test_timeouts_are_retried_then_reported(openalex: OpenAlexFakeServer, settings) -> None:
    settings.OPENALEX_TIMEOUT = 0.3
    settings.OPENALEX_MAX_RETRIES = 1
    seed(openalex)
    openalex.faults.add(path_prefix="/authors", delay=1.5, times=None)
    started = time.monotonic()
    with pytest.raises(CommandError):
        import_author("A5000000100")
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.error == ("OpenAlex did not answer in time while fetching author A5000000100 (timeout 0.3 s, 1 retries)")
    assert time.monotonic() - started >= 0.6  # the first try and the retry each waited
    assert not Researcher.objects.exists()


def test_unknown_author_is_a_readable_404(openalex: OpenAlexFakeServer) -> None:
    with pytest.raises(CommandError):
        import_author("A5999999999")
    assert ImportJob.objects.get().error == "OpenAlex has no author A5999999999 (404)"


def test_an_error_body_is_reported_as_such(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    openalex.faults.add(
        path_prefix="/authors",
        status=401,
        body={"error": "Invalid or missing API key", "message": "API key not found"},
    )
    with pytest.raises(CommandError):
        import_author("A5000000100")
    error = ImportJob.objects.get().error
    assert "Invalid or missing API key" in error and not Researcher.objects.exists()


def test_merged_id_redirects_to_the_survivor(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    openalex.add_merged_id("A5000000099", "A5000000100")
    job = import_author("A5000000099")
    assert job.status == "done" and "OpenAlex merged A5000000099 into A5000000100" in job.message
    assert job.researcher.openalex_id == "A5000000100"
    assert not Researcher.objects.filter(openalex_id="A5000000099").exists()


def test_legacy_id_is_resolved_to_the_current_record_through_orcid(openalex: OpenAlexFakeServer) -> None:
    seed(openalex, orcid="0000-0001-5109-3700")
    openalex.add_entity(oa.author("A2000000100", "Rosa Example", orcid="0000-0001-5109-3700", updated="2022-05-01"))
    job = import_author("A2000000100")
    assert job.status == "done" and "A2000000100 is a legacy id" in job.message
    rosa = Researcher.objects.get(orcid="0000-0001-5109-3700")
    assert rosa.openalex_id == "A5000000100" and rosa.works.count() == 3
    assert ResearcherAlias.objects.get(openalex_id="A2000000100").researcher == rosa
    # Importing the legacy id again changes nothing.
    import_author("A2000000100")
    assert Researcher.objects.filter(record_status="imported").count() == 1


def test_the_authors_institutions_arrive_whole_with_their_email_domains(openalex: OpenAlexFakeServer) -> None:
    """Claims by institutional email need the institutions' domains, which only their full
    records carry (the homepage): the API import fetches them, in one request."""
    elsewhere = oa.institution("I901", "Everyone's Academy")
    seed(openalex)
    openalex.add_entity(oa.author("A5000000100", "Rosa Example", institutions=[PLACE, elsewhere], topics=[TOPIC]))
    openalex.add_entity(oa.institution("I900", "Example University", homepage="https://www.cs.example.edu/", full=True))
    openalex.add_entity(oa.institution("I901", "Everyone's Academy", homepage="https://www.ac.uk/", full=True))
    job = import_author("A5000000100")

    assert job.status == "done"
    place = Institution.objects.get(openalex_id="I900")
    assert (place.is_full_record, place.homepage_url) == (True, "https://www.cs.example.edu/")
    assert place.email_domains == ["example.edu"]  # the registrable domain of the homepage
    academy = Institution.objects.get(openalex_id="I901")
    assert academy.is_full_record and academy.email_domains == []  # www.ac.uk: a public suffix vouches for no one
    (request,) = openalex.requests.matching("/institutions")
    assert request.query["filter"] == "openalex:I900|I901"


def test_truncated_author_lists_are_fetched_whole(openalex: OpenAlexFakeServer) -> None:
    seed(openalex, works=1)
    people = [oa.authorship("A5000000100", "Rosa Example", position="first")] + [
        oa.authorship(f"A5{n:010d}", f"Member {n}") for n in range(1, 130)
    ]
    openalex.add_entity(oa.work("W950", "Consortium paper", people))
    job = import_author("A5000000100")
    assert job.status == "done"
    consortium = Work.objects.get(openalex_id="W950")
    assert consortium.authorships.count() == 130 and not consortium.is_authors_truncated
    assert openalex.requests.matching("/works/W950")  # the single record was fetched


def test_reimport_is_idempotent(openalex: OpenAlexFakeServer) -> None:
    seed(openalex)
    import_author("A5000000100")
    rosa = Researcher.objects.get(openalex_id="A5000000100")
    second = import_author("A5000000100")
    assert second.status == "done" and second.works_written == 0
    assert Researcher.objects.get(pk=rosa.pk).imported_at == rosa.imported_at


def test_invalid_queries_never_reach_openalex(openalex: OpenAlexFakeServer) -> None:
    with pytest.raises(CommandError):
        call_command("import_author", "W2741809807")
    assert not ImportJob.objects.exists() and len(openalex.requests) == 0
    with pytest.raises(ValueError, match="longer than 200"):
        services.import_job_create(query="x" * 300)
