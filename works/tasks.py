"""Celery tasks of the works app: thin interfaces over works.services."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task

from graph import services as graph_services
from graph import tasks as graph_tasks
from graph import trust_services
from works import services

logger = logging.getLogger(__name__)


def after_import(researcher_ids: Iterable[int], *, inline: bool) -> None:
    """Refresh what an import changes beyond its own rows, for the researchers it touched
    (its authors and every author of the works it wrote): their co-author edges, then their
    trust scores (the collaboration input reads the edges, so edges come first). ``inline``
    runs both here (commands); otherwise a chain of two tasks does, after commit."""
    ids = sorted(set(researcher_ids))
    if not ids:
        return
    if inline:
        graph_services.coauthor_edges_refresh(researcher_ids=ids)
        trust_services.trust_recompute(researcher_ids=ids)
    else:
        graph_tasks.refresh_edges_then_trust(ids)


@shared_task(name="works.import_author")
def import_author(job_id: int) -> None:
    """Run the queued author import ``job_id``. A job another worker already claimed is left
    alone, so a redelivered message does nothing. Failures end in the job row, not in Celery."""
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
    after_import(result.researcher_ids, inline=False)
