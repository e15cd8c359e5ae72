"""One import through a real Celery worker process and the real Redis broker."""

from __future__ import annotations

import time

import pytest

from graph.models import CoauthorEdge
from openalex_fake import OpenAlexFakeServer
from profiles.models import Researcher
from tests import openalex_records as oa
from tests.waiting import wait_for
from works import services
from works.models import ImportJob
from works.tasks import import_author


@pytest.mark.worker
def test_a_queued_import_reaches_done_on_a_worker(openalex: OpenAlexFakeServer, celery_worker_queue: str) -> None:
    openalex.add_entity(oa.author("A5000000300", "Wanda Worker", works_count=2))
    for n in range(2):
        openalex.add_entity(
            oa.work(
                f"W30{n}",
                f"Worker paper {n}",
                [
                    oa.authorship("A5000000300", "Wanda Worker", position="first"),
                    oa.authorship("A5000000301", "Colin Coworker"),
                ],
            )
        )
    job = services.import_job_create(query="A5000000300")
    import_author.delay(job.pk)

    wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.researcher == Researcher.objects.get(openalex_id="A5000000300")
    assert job.works_written == 2 and job.started_at and job.finished_at
    # The follow-up task (co-author edges) ran on the worker too.
    wait_for(lambda: CoauthorEdge.objects.filter(shared_works=2).exists())

    # A redelivered message for a finished job does nothing.
    import_author.delay(job.pk)
    time.sleep(1)
    assert ImportJob.objects.get(pk=job.pk).finished_at == job.finished_at
