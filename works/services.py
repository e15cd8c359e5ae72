"""Imports: job bookkeeping and the import of one author from the OpenAlex API (the import
from OpenAlex files is works/file_import.py).

Both go through works.openalex_parser (one parser) and works.upsert.write_batch (one write
path). Every run is an ImportJob row whose progress the page polls. Services here never
enqueue follow-up work (co-author edges, trust); their callers (tasks, commands, views) do,
with the researcher ids the result names.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import outbox
from profiles.models import Researcher
from works import openalex_client
from works.models import ImportJob
from works.openalex_parser import (
    AuthorRecord,
    ErrorBody,
    ImportBatch,
    InstitutionRecord,
    MalformedRecord,
    WorkRecord,
    parse_author,
    parse_author_query,
    parse_entity,
)
from works.upsert import WriteResult, write_batch

logger = logging.getLogger(__name__)


class ImportFailed(Exception):
    """The import could not be completed; the message is shown to people as the reason."""


class ImportAbandoned(ImportFailed):
    """This run no longer holds its job: the reaper marked it failed because its heartbeat
    had stopped (import_jobs_reap_stalled), or another worker claimed it again. The job row
    already says why; the run stops and writes nothing more to it."""


# --- Jobs ------------------------------------------------------------------------------------


def import_job_create(
    *, query: str, kind: str = ImportJob.Kind.AUTHOR, requested_by_id: int | None = None
) -> ImportJob:
    """Create a queued job. For author imports the query is validated first (ValueError)."""
    if kind == ImportJob.Kind.AUTHOR:
        parse_author_query(query)
    return ImportJob.objects.create(kind=kind, query=query.strip(), requested_by_id=requested_by_id)


# The task that runs a queued author import (works/tasks.py), by the name the outbox knows it.
IMPORT_AUTHOR_TASK = "works.import_author"


def import_job_queue(*, query: str, requested_by_id: int | None = None) -> ImportJob:
    """Create a queued author import job and, in the same transaction, its outbox row for
    ``works.import_author`` (core/outbox.py): a worker runs it once this commits, and a
    broker outage delays it without losing it or failing the request. ValueError for a
    query that names no author."""
    with transaction.atomic():
        job = import_job_create(query=query, requested_by_id=requested_by_id)
        outbox.enqueue(IMPORT_AUTHOR_TASK, [job.pk])
    return job


def import_job_claim(job_id: int) -> ImportJob | None:
    """Move a queued job to running (a conditional UPDATE, so two workers cannot both get it);
    None if another worker has it or it is gone. A job left running by a worker that died
    longer ago than any task may run is claimable again. The claim is the run's first
    heartbeat; its ``started_at`` names the run (see import_job_heartbeat)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    claimable = Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, started_at__lt=stale)
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, error=""
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def import_job_update(job: ImportJob, **fields: object) -> None:
    """Write ``fields`` to the job whatever its state (for a run's own state, see
    import_job_heartbeat, which checks the run still holds the job)."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _this_run(job: ImportJob) -> QuerySet[ImportJob]:
    """The job's row while the run that claimed it (the claim set ``started_at``) still
    holds it: running, neither reaped nor claimed again since."""
    return ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, started_at=job.started_at)


def import_job_heartbeat(job: ImportJob, **fields: object) -> None:
    """Record that the run holding ``job`` is alive, and write ``fields`` (progress, a
    message, its final status) in the same UPDATE: one query. Conditional on the run still
    holding the job; when it does not (the reaper marked the job failed, or another worker
    claimed it again) nothing is written and ImportAbandoned is raised, so the run stops."""
    now = timezone.now()
    if not _this_run(job).update(heartbeat_at=now, **fields):
        raise ImportAbandoned(
            f"Import job {job.pk} was marked failed or claimed again while this run was at it "
            "(its heartbeat had stopped for too long); this run stops here."
        )
    job.heartbeat_at = now
    for name, value in fields.items():
        setattr(job, name, value)


def heartbeat_interval() -> float:
    """Seconds between two heartbeats of a run that has no progress to report: a few times
    within the reaper's timeout, and never more often than every 5 s."""
    return min(5.0, settings.IMPORT_HEARTBEAT_TIMEOUT / 4)


class JobHeartbeat:
    """The heartbeats of one run of ``job``. ``beat(**progress)`` writes the progress and the
    heartbeat at once; without progress it writes at most once per heartbeat_interval(),
    so it may be called in every loop of a long step at no cost. Either raises
    ImportAbandoned when the run lost its job."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.interval = heartbeat_interval()
        self._last = time.monotonic()  # the claim was a heartbeat
        self._lost: ImportAbandoned | None = None

    def beat(self, **fields: object) -> None:
        if self._lost is not None:
            raise self._lost
        now = time.monotonic()
        if fields or now - self._last >= self.interval:
            import_job_heartbeat(self.job, **fields)
            self._last = now

    def beat_quietly(self) -> None:
        """``beat()`` for callers that must not raise (a wait inside the HTTP client): a lost
        job is raised by the next ``beat()``; a database error is logged (the next step will
        meet it)."""
        try:
            self.beat()
        except ImportAbandoned as exc:
            self._lost = exc
        except DatabaseError:
            logger.warning("import job %s: the heartbeat could not be written", self.job.pk, exc_info=True)


def import_job_fail(job: ImportJob, reason: str) -> bool:
    """Mark the job failed with ``reason``, if its run still holds it (a job the reaper
    failed keeps the reaper's reason). True if it was marked."""
    now = timezone.now()
    marked = _this_run(job).update(status=ImportJob.Status.FAILED, error=reason, finished_at=now, heartbeat_at=now)
    if marked:
        job.status, job.error, job.finished_at, job.heartbeat_at = ImportJob.Status.FAILED, reason, now, now
    return bool(marked)


def import_jobs_reap_stalled(*, timeout: float | None = None) -> list[int]:
    """Mark failed every running job whose last heartbeat (or start, for a job that has
    none) is older than ``timeout`` seconds (default settings.IMPORT_HEARTBEAT_TIMEOUT):
    its process was killed or its machine restarted. Returns the ids of the jobs marked.

    Each job is one conditional UPDATE that also requires the heartbeat it read, so a slow
    but alive run that heartbeats between the read and the write keeps its job; a run that
    was reaped while in fact alive stops at its next heartbeat (ImportAbandoned). Safe to
    run in several processes at once and idempotent. One query when nothing is stalled."""
    seconds = settings.IMPORT_HEARTBEAT_TIMEOUT if timeout is None else timeout
    now = timezone.now()
    stalled = (
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING)
        .annotate(last_sign=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(last_sign__lt=now - timedelta(seconds=seconds))
        .values_list("pk", "heartbeat_at", "started_at", "last_sign")
    )
    reaped = []
    for pk, heartbeat_at, started_at, last_sign in stalled:
        reason = (
            f"The worker stopped answering at {last_sign.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC "
            f"(no heartbeat for more than {seconds:g} s: it was killed, or its machine restarted), "
            "so the import did not finish. Re-run the import."
        )
        marked = ImportJob.objects.filter(
            pk=pk, status=ImportJob.Status.RUNNING, heartbeat_at=heartbeat_at, started_at=started_at
        ).update(status=ImportJob.Status.FAILED, error=reason, finished_at=now)
        if marked:
            logger.warning("import job %s: %s", pk, reason)
            reaped.append(pk)
    return reaped


def notes_summary(notes: list[str], shown: int = 20) -> str:
    """A sentence for a job's message naming what an import cut to fit ("" for nothing):
    "2 over-long text(s) cut to fit: <note>; <note>." (the log lists every note)."""
    if not notes:
        return ""
    more = f"; and {len(notes) - shown:,} more (the log lists them all)" if len(notes) > shown else ""
    return f"{len(notes):,} over-long text(s) cut to fit: " + "; ".join(notes[:shown]) + more + "."


# --- From the API ----------------------------------------------------------------------------


def author_import(*, job: ImportJob) -> WriteResult:
    """Import the author ``job.query`` names (OpenAlex id, ORCID iD or name) with all their
    works, from the OpenAlex API. The job must be running (see import_job_claim).

    Fetches first (updating the job's progress as pages arrive), then writes the author and
    every work in one transaction: a failure leaves nothing of the author written. Idempotent.
    On failure the job is marked failed with a readable reason and ImportFailed is raised; an
    unexpected error also marks it failed (never left running), then propagates. Text cut to
    fit (works.openalex_parser) is logged and named in the job's message.

    The run heartbeats its job with every page, every other request and while OpenAlex makes
    it wait (see import_job_heartbeat); a run whose job was reaped or claimed again stops at
    its next heartbeat with ImportAbandoned, leaving the job as the reaper wrote it and
    nothing of the author written (the job's end commits with the author's rows).
    """
    notes: list[str] = []
    heartbeat = JobHeartbeat(job)
    try:
        with openalex_client.while_waiting(heartbeat.beat_quietly):
            batch, author = _fetch_author(job, notes, heartbeat)
        with transaction.atomic():
            result = write_batch(batch)
            researcher = Researcher.objects.filter(openalex_id=author.openalex_id).first()
            if researcher is None:
                researcher = Researcher.objects.filter(aliases__openalex_id=author.openalex_id).first()
            message = " ".join(text for text in (job.message, notes_summary(notes)) if text)
            if author.is_deleted:
                message = f"OpenAlex deleted {author.openalex_id}; nothing was imported." + (
                    " The profile we held is now hidden." if researcher else ""
                )
            import_job_heartbeat(
                job,
                status=ImportJob.Status.DONE,
                finished_at=timezone.now(),
                researcher=researcher,
                works_written=result.works_written,
                message=message,
            )
    except ImportAbandoned:
        logger.warning("import job %s (%s) was reaped or claimed again; this run stopped", job.pk, job.query)
        raise
    except (openalex_client.OpenAlexError, MalformedRecord, ErrorBody, ValueError) as exc:
        reason = f"{exc.entity}: {exc.reason}" if isinstance(exc, MalformedRecord) else str(exc)
        import_job_fail(job, reason)
        raise ImportFailed(reason) from exc
    except BaseException as exc:
        try:
            import_job_fail(job, f"Unexpected error ({type(exc).__name__}); the log has the details.")
        except DatabaseError:  # the database may be what failed; the original error says more
            logger.exception("could not mark import job %s failed", job.pk)
        raise
    for note in notes:
        logger.warning("import job %s (%s): %s", job.pk, job.query, note)
    return result


def _fetch_author(job: ImportJob, notes: list[str], heartbeat: JobHeartbeat) -> tuple[ImportBatch, AuthorRecord]:
    """The author ``job.query`` names and all their works, parsed; what the parser cut to fit
    is added to ``notes``, with where it came from. Heartbeats after every request."""
    query = parse_author_query(job.query)
    if query.kind == "name":
        matches = openalex_client.search_authors(query.value, limit=10)
        if not matches:
            raise openalex_client.NotFound(f"No OpenAlex author matches the name {query.value!r}")
        raw = matches[0]
        if len(matches) > 1:
            others = ", ".join(
                f"{m.get('display_name')} ({str(m.get('id', '')).rsplit('/', 1)[-1]})" for m in matches[1:4]
            )
            heartbeat.beat(message=f"Imported the best match for {query.value!r}. Other matches: {others}.")
    else:
        raw = openalex_client.get_author(query.lookup)
    heartbeat.beat()
    author = parse_author(raw)
    batch = ImportBatch()
    if query.kind == "openalex" and author.openalex_id != query.value:
        # The API redirects a merged id to the surviving record.
        batch.aliases[query.value] = (author.openalex_id, "merged")
        heartbeat.beat(message=f"OpenAlex merged {query.value} into {author.openalex_id}.")

    if author.is_legacy_id and author.orcid and not author.is_deleted:
        # Author ids were replaced in July 2023: find the current record through the ORCID.
        candidates = [parse_author(raw) for raw in openalex_client.authors_with_orcid(author.orcid)]
        current = next((c for c in candidates if not c.is_legacy_id and not c.is_deleted), None)
        if current is not None:
            heartbeat.beat(
                message=f"{author.openalex_id} is a legacy id; imported the current record "
                f"{current.openalex_id} (same ORCID).",
            )
            batch.aliases[author.openalex_id] = (current.openalex_id, "legacy")
            author = current

    batch.add(author)
    notes.extend(f"OpenAlex API: {note}" for note in author.notes)
    if author.is_deleted:
        return batch, author

    for page, total in openalex_client.iter_author_works(author.openalex_id):
        for raw_work in page:
            work = parse_entity(raw_work)
            if not isinstance(work, WorkRecord):
                raise MalformedRecord(work.openalex_id, "the works list returned something that is not a work")
            if work.is_authors_truncated:
                # List responses cap authorships at 100; the single record has them all.
                work = parse_entity(openalex_client.get_work(work.openalex_id))  # type: ignore[assignment]
                heartbeat.beat()
            batch.add(work)
            notes.extend(f"OpenAlex API: {note}" for note in work.notes)
        heartbeat.beat(
            works_fetched=job.works_fetched + len(page), pages_fetched=job.pages_fetched + 1, works_expected=total
        )
    if len(batch.works) == 0 and author.works_count:
        logger.info("OpenAlex listed no works for %s although works_count=%s", author.openalex_id, author.works_count)
    _fetch_institutions(batch, author)
    return batch, author


def _fetch_institutions(batch: ImportBatch, author: AuthorRecord) -> None:
    """The full records of the author's own institutions (affiliations and last known), in
    one request: the author record only carries them dehydrated, without the homepage from
    which their email domains come (claims by institutional email need them). Co-authors'
    institutions stay dehydrated until a file import or their own import brings them."""
    wanted = sorted({i.openalex_id for i in author.institutions})
    if not wanted:
        return
    for raw in openalex_client.get_institutions(wanted):
        institution = parse_entity(raw)
        if not isinstance(institution, InstitutionRecord):
            raise MalformedRecord(institution.openalex_id, "the institutions list returned something else")
        batch.add(institution)
