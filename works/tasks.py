"""Celery tasks of the works app: thin interfaces over works.services. An import's follow-ups
(co-author edges, then trust) are graph's: graph.tasks.refresh_after_import."""

from __future__ import annotations

import logging

from celery import shared_task

from graph.tasks import refresh_after_import
from works import services

logger = logging.getLogger(__name__)


@shared_task(name=services.IMPORT_AUTHOR_TASK)
def import_author(job_id: int) -> None:
    """Run the queued author import ``job_id`` (queued through the outbox:
    services.import_job_queue). A job another worker already claimed is left alone, so a
    second run of its row does nothing. Failures end in the job row, not in Celery. Its
    follow-ups go to the outbox too (graph.tasks.refresh_after_import)."""
    job = services.import_job_claim(job_id)
    if job is None:
        logger.info("import job %s is not queued any more; nothing to do", job_id)
        return
    try:
        result = services.author_import(job=job)
    except services.ImportFailed as exc:
        logger.info("import job %s failed: %s", job_id, exc)
        return
    except Exception as exc:
        services.import_job_fail(job, f"Unexpected error ({type(exc).__name__}); the worker log has the details.")
        raise
    refresh_after_import(result.researcher_ids, inline=False)


@shared_task(name="works.reap_stalled_jobs")
def reap_stalled_jobs() -> int:
    """Mark failed the running import jobs whose heartbeat stopped (their worker was killed
    or its machine restarted); beat runs it every minute. Returns how many. Idempotent."""
    return len(services.import_jobs_reap_stalled())
