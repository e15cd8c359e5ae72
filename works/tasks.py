"""Celery tasks of the works app: thin interfaces over works.services and works.snapshot_sync.
An import's follow-ups (co-author edges, then trust) are graph's: graph.tasks.refresh_after_import."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from graph.tasks import refresh_after_import, refresh_all
from works import services, snapshot_sync
from works.models import SnapshotSync

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
    or its machine restarted), and queue again the snapshot tasks whose heartbeat stopped;
    beat runs it every minute. Returns how many. Idempotent."""
    return len(services.import_jobs_reap_stalled()) + len(snapshot_sync.snapshot_tasks_reap_stalled())


@shared_task(name=snapshot_sync.RUN_TASK)
def run_snapshot_task(task_id: int) -> str:
    """Run one task of a snapshot sync (queued through the outbox by
    snapshot_sync.sync_start, the reaper or a retry). A row that is done, failed, or held by
    a live run is left alone, so a repeated or redelivered message does nothing. Failures end
    in the row, not in Celery. The last task of a sync queues works.finish_snapshot_sync."""
    return snapshot_sync.task_run(task_id)


@shared_task(name=snapshot_sync.FINISH_TASK)
def finish_snapshot_sync(sync_id: int) -> str:
    """Finish a sync whose parts have all ended (queued exactly once by the last of them):
    its merged-ids files, then the follow-ups for the researchers it touched, then its final
    state. A sync that is not finishing is left alone (a repeated message). A merged-ids file
    that meets a transient failure raises, so the outbox runs this again after a delay."""
    if not snapshot_sync.sync_run_merged_ids(sync_id):
        return "skipped"
    sync = SnapshotSync.objects.get(pk=sync_id)
    if sync.followups != "skip":
        _followups(sync)
    closed = snapshot_sync.sync_close(sync_id)
    return closed.state if closed else "skipped"


# Researchers per follow-up task: each is one graph.import_followups run (edges, similar,
# trust for those researchers), small enough to finish well inside the task time limit.
FOLLOWUP_CHUNK = 5_000


def _followups(sync: SnapshotSync) -> None:
    """The follow-ups of a finished sync, once for the researchers it touched: co-author
    edges, similar researchers and trust (graph.tasks.refresh_after_import), in chunks of
    FOLLOWUP_CHUNK, each chunk marked covered in the transaction that queues it.

    On a first full load (``sync.full_load``) the sync touched everyone and kept no list: the
    partitioned full refresh of derived data (graph.tasks.refresh_all) is queued instead, its
    partitions spread over the workers: always queued, even with ``--followups=now``, since
    this runs inside a task with a time limit and the full refresh over everyone does not fit
    one (``manage.py refresh_derived --all --inline`` runs it in a process of its own)."""
    inline = sync.followups == "now"
    if sync.full_load:
        if sync.tasks.filter(records_written__gt=0).exists():  # a first sync that wrote nothing touched no one
            refresh_all(reason=f"snapshot sync {sync.pk}", inline=False)
        return
    while True:
        with transaction.atomic():
            ids = snapshot_sync.sync_touched_take(sync.pk, limit=FOLLOWUP_CHUNK)
            if not ids:
                return
            refresh_after_import(ids, inline=inline)
