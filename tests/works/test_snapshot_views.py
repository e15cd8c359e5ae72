"""The staff page of a snapshot sync (/imports/snapshots/<id>/) and its polled progress."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from works.models import SnapshotSync, SnapshotTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def sync() -> SnapshotSync:
    sync = SnapshotSync.objects.create(
        root="/data/openalex",
        problems=[
            {"part": "data/funders", "error": "not read: the importer does not import this entity", "blocking": False}
        ],
    )
    rows = [
        ("authors", "data/authors/updated_date=2025-01-01/part_000.gz", 0, None, "done", 500, 500, ""),
        ("works", "data/works/updated_date=2025-01-01/part_000.gz", 0, 999, "done", 1000, 990, ""),
        ("works", "data/works/updated_date=2025-01-01/part_000.gz", 1000, None, "running", 200, 200, ""),
        (
            "works",
            "data/works/updated_date=2025-01-02/part_000.gz",
            0,
            None,
            "failed",
            3,
            3,
            "1 problem(s):\n/data/openalex/data/works/updated_date=2025-01-02/part_000.gz:4: invalid JSON",
        ),
        (
            "works",
            "data/works/updated_date=2025-01-02/part_001.gz",
            0,
            None,
            "failed",
            0,
            0,
            "missing: the manifest lists it, but there is no such file",
        ),
    ]
    for position, (entity, path, first, last, state, read, written, error) in enumerate(rows):
        SnapshotTask.objects.create(
            sync=sync,
            entity=entity,
            partition=date(2025, 1, 1),
            path=path,
            first_record=first,
            last_record=last,
            state=state,
            records_read=read,
            records_written=written,
            last_error=error,
            position=position,
        )
    return sync


def test_anonymous_visitors_are_sent_to_log_in(client: Client, sync: SnapshotSync) -> None:
    response = client.get(f"/imports/snapshots/{sync.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_returns_403_for_strangers(client: Client, stranger, sync: SnapshotSync) -> None:
    client.force_login(stranger)
    assert client.get(f"/imports/snapshots/{sync.pk}/").status_code == 403
    assert client.get(f"/imports/snapshots/{sync.pk}/progress/").status_code == 403
    assert client.post(f"/imports/snapshots/{sync.pk}/").status_code == 403


def test_staff_see_progress_by_entity_and_the_failed_parts_with_their_reasons(
    client: Client, staff, sync: SnapshotSync, django_assert_num_queries
) -> None:
    client.force_login(staff)
    # the session with its user, the sync, its tasks by entity and state, its failed tasks, the header's owned record
    with django_assert_num_queries(5):
        response = client.get(f"/imports/snapshots/{sync.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 of 5 tasks done" in html and 'aria-valuenow="40"' in html
    assert "<td>authors</td>\n        <td>1 / 1</td>" in html
    assert (
        '<td>works</td>\n        <td>1 / 4</td>\n        <td>1</td>\n        <td class="status-failed">2</td>' in html
    )
    assert "<td>1203</td>" in html  # records read of the works
    assert "Failed tasks (2)" in html
    assert "data/works/updated_date=2025-01-02/part_001.gz" in html and "there is no such file" in html
    assert "part_000.gz:4: invalid JSON" in html
    assert "data/works/updated_date=2025-01-01/part_000.gz records 1,001–end" not in html  # running, not failed
    assert "data/funders" in html and "does not import this entity" in html
    assert 'data-hx-trigger="every 2s"' in html


def test_the_progress_fragment_stops_polling_once_the_sync_ended(client: Client, staff, sync: SnapshotSync) -> None:
    client.force_login(staff)
    running = client.get(f"/imports/snapshots/{sync.pk}/progress/", HTTP_HX_REQUEST="true")
    assert running.status_code == 200 and "<html" not in running.content.decode()
    SnapshotSync.objects.filter(pk=sync.pk).update(state="failed", message="1,703 records read; 2 task(s) failed.")
    ended = client.get(f"/imports/snapshots/{sync.pk}/progress/", HTTP_HX_REQUEST="true")
    html = ended.content.decode()
    assert ended.status_code == 286 and "data-hx-trigger" not in html
    assert "2 task(s) failed" in html and "import_openalex --snapshot <bdi>/data/openalex</bdi>" in html


def test_an_unknown_sync_is_404_and_the_list_links_each_sync(client: Client, staff, sync: SnapshotSync) -> None:
    client.force_login(staff)
    assert client.get(f"/imports/snapshots/{sync.pk + 1}/").status_code == 404
    assert client.get(f"/imports/snapshots/{sync.pk + 1}/progress/").status_code == 404
    listing = client.get("/imports/").content.decode()
    assert f'href="/imports/snapshots/{sync.pk}/"' in listing and "/data/openalex" in listing
