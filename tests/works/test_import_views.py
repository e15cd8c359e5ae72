"""The staff import page and its polled progress fragment."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
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
    with django_assert_num_queries(3):  # session, user, jobs with their researcher
        response = client.get("/imports/")
    assert response.content.decode().count("/progress/") == 0
    assert response.content.decode().count("A50000000") == 5


def test_progress_polls_while_running_and_stops_when_done(client: Client, staff, django_assert_num_queries) -> None:
    job = ImportJob.objects.create(query="A5023888391", status="running", works_fetched=50, works_expected=200)
    client.force_login(staff)
    with django_assert_num_queries(3):
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


def test_a_failed_job_shows_its_reason(client: Client, staff) -> None:
    job = ImportJob.objects.create(
        query="A5999999999", status="failed", error="OpenAlex has no author A5999999999 (404)"
    )
    client.force_login(staff)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "The import failed: OpenAlex has no author A5999999999 (404)" in page


def test_unknown_jobs_are_404(client: Client, staff) -> None:
    client.force_login(staff)
    assert client.get("/imports/999999/").status_code == 404
