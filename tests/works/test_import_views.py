"""The staff import page and its polled progress fragment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories as f
from works import services
from works.models import ImportJob

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get("/imports/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/imports/"


def test_it_returns_403_for_strangers(client: Client, stranger) -> None:
    client.force_login(stranger)
    assert client.get("/imports/").status_code == 403
    assert client.post("/imports/", {"query": "A5023888391"}).status_code == 403
    job = ImportJob.objects.create(query="A5023888391")
    assert client.get(f"/imports/{job.pk}/").status_code == 403
    assert client.get(f"/imports/{job.pk}/progress/").status_code == 403
    assert ImportJob.objects.count() == 1


def test_staff_start_an_import_and_are_sent_to_its_progress(
    client: Client, staff, django_capture_on_commit_callbacks
) -> None:
    client.force_login(staff)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/imports/", {"query": " 0000-0001-6187-6610 "})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert (job.query, job.status, job.requested_by) == ("0000-0001-6187-6610", "queued", staff)
    assert len(callbacks) == 1  # the worker task is enqueued once the job row is committed


@pytest.mark.parametrize("query", ["", "W2741809807", "x" * 250])
def test_bad_queries_are_refused_with_a_reason(client: Client, staff, query: str) -> None:
    client.force_login(staff)
    response = client.post("/imports/", {"query": query})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_forged_post_without_csrf_fails(staff) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post("/imports/", {"query": "A5023888391"}).status_code == 403
    assert not ImportJob.objects.exists()


def test_the_list_page_has_a_fixed_query_count(client: Client, staff, django_assert_num_queries) -> None:
    for n in range(5):
        ImportJob.objects.create(query=f"A50000000{n:02d}", requested_by=staff)
    client.force_login(staff)
    # the session with its user, jobs with their researcher, snapshot syncs, the header's owned record
    with django_assert_num_queries(4):
        response = client.get("/imports/")
    assert response.content.decode().count("/progress/") == 0
    assert response.content.decode().count("A50000000") == 5


def test_progress_polls_while_running_and_stops_when_done(client: Client, staff, django_assert_num_queries) -> None:
    job = ImportJob.objects.create(query="A5023888391", status="running", works_fetched=50, works_expected=200)
    client.force_login(staff)
    with django_assert_num_queries(2):
        running = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    html = running.content.decode()
    assert running.status_code == 200
    assert 'data-hx-trigger="every 1s"' in html and 'aria-valuenow="25"' in html and "Fetched 50 of 200 works" in html
    assert "<html" not in html  # a fragment, not the page

    researcher = f.stub("Jason Priem", openalex_id="A5023888391")
    ImportJob.objects.filter(pk=job.pk).update(status="done", researcher=researcher, works_written=200)
    done = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286  # htmx stops polling
    assert "data-hx-trigger" not in done.content.decode()
    assert 'href="/researchers/A5023888391/"' in done.content.decode()


def test_counts_of_one_work_are_singular(client: Client, staff) -> None:
    job = ImportJob.objects.create(query="A5023888391", status="running", works_fetched=1, works_expected=1)
    client.force_login(staff)
    assert "Fetched 1 of 1 work in" in client.get(f"/imports/{job.pk}/").content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="done", works_written=1)
    html = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Done: 1 work fetched, 1 written or updated." in html and "1 works" not in html


def test_a_failed_job_shows_its_reason(client: Client, staff) -> None:
    job = ImportJob.objects.create(
        query="A5999999999", status="failed", error="OpenAlex has no author A5999999999 (404)"
    )
    client.force_login(staff)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "The import failed: OpenAlex has no author A5999999999 (404)" in page


def test_a_job_whose_worker_died_stops_polling_and_says_so(client: Client, staff, settings) -> None:
    settings.IMPORT_HEARTBEAT_TIMEOUT = 120
    job = ImportJob.objects.create(
        query="A5023888391",
        status="running",
        works_fetched=50,
        works_expected=200,
        started_at=timezone.now() - timedelta(days=1),
        heartbeat_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    client.force_login(staff)
    running = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert running.status_code == 200 and 'hx-trigger="every 1s"' in running.content.decode()
    assert "Last heard from its worker at 03:04:05 UTC" in running.content.decode()

    assert services.import_jobs_reap_stalled() == [job.pk]
    reaped = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    html = reaped.content.decode()
    assert reaped.status_code == 286 and "hx-trigger" not in html  # htmx stops polling
    assert (
        "The import failed: The worker stopped answering at 2026-01-02 03:04:05 UTC (no heartbeat for more than "
        "120 s: it was killed, or its machine restarted), so the import did not finish. Re-run the import." in html
    )
    # ... and offers to: the same query, to the import form.
    assert 'name="query" value="A5023888391"' in html and "Run this import again" in html


def test_a_failed_file_import_shows_the_command_that_runs_it_again(client: Client, staff) -> None:
    job = ImportJob.objects.create(query="/data/works.jsonl.gz", kind="files", status="failed", error="x")
    client.force_login(staff)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "<code>python manage.py import_openalex /data/works.jsonl.gz</code>" in page
    assert "Run this import again" not in page


def test_unknown_jobs_are_404(client: Client, staff) -> None:
    client.force_login(staff)
    assert client.get("/imports/999999/").status_code == 404


def test_a_file_import_says_it_is_one_and_what_it_wrote(client: Client, staff) -> None:
    """A file import has no researcher: its row says it read files and shows its summary."""
    ImportJob.objects.create(
        query="/srv/openalex/merged_ids", kind=ImportJob.Kind.FILES, status="done", message="3 merged ids imported."
    )
    client.force_login(staff)
    html = client.get("/imports/").content.decode()
    assert "Files: <bdi>/srv/openalex/merged_ids</bdi>" in html and "<td>3 merged ids imported.</td>" in html
