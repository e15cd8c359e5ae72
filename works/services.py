"""Imports: job bookkeeping and the import of one author from the OpenAlex API (the import
from OpenAlex files is works/file_import.py).

Both go through works.openalex_parser (one parser) and works.upsert.write_batch (one write
path). Every run is an ImportJob row whose progress the page polls. Services here never
enqueue follow-up work (co-author edges, trust); their callers (tasks, commands, views) do,
with the researcher ids the result names.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
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
    longer ago than any task may run is claimable again."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    claimable = Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, started_at__lt=stale)
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), error=""
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def import_job_update(job: ImportJob, **fields: object) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def import_job_fail(job: ImportJob, reason: str) -> None:
    import_job_update(job, status=ImportJob.Status.FAILED, error=reason, finished_at=timezone.now())


# --- From the API ----------------------------------------------------------------------------


def author_import(*, job: ImportJob) -> WriteResult:
    """Import the author ``job.query`` names (OpenAlex id, ORCID iD or name) with all their
    works, from the OpenAlex API. The job must be running (see import_job_claim).

    Fetches first (updating the job's progress as pages arrive), then writes the author and
    every work in one transaction: a failure leaves nothing of the author written. Idempotent.
    On failure the job is marked failed with a readable reason and ImportFailed is raised.
    """
    try:
        batch, author = _fetch_author(job)
        with transaction.atomic():
            result = write_batch(batch)
    except (openalex_client.OpenAlexError, MalformedRecord, ErrorBody, ValueError) as exc:
        reason = f"{exc.entity}: {exc.reason}" if isinstance(exc, MalformedRecord) else str(exc)
        import_job_fail(job, reason)
        raise ImportFailed(reason) from exc

    researcher = Researcher.objects.filter(openalex_id=author.openalex_id).first()
    if researcher is None:
        researcher = Researcher.objects.filter(aliases__openalex_id=author.openalex_id).first()
    message = job.message
    if author.is_deleted:
        message = f"OpenAlex deleted {author.openalex_id}; nothing was imported." + (
            " The profile we held is now hidden." if researcher else ""
        )
    import_job_update(
        job,
        status=ImportJob.Status.DONE,
        finished_at=timezone.now(),
        researcher=researcher,
        works_written=result.works_written,
        message=message,
    )
    return result


def _fetch_author(job: ImportJob) -> tuple[ImportBatch, AuthorRecord]:
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
            import_job_update(job, message=f"Imported the best match for {query.value!r}. Other matches: {others}.")
    else:
        raw = openalex_client.get_author(query.lookup)
    author = parse_author(raw)
    batch = ImportBatch()
    if query.kind == "openalex" and author.openalex_id != query.value:
        # The API redirects a merged id to the surviving record.
        batch.aliases[query.value] = (author.openalex_id, "merged")
        import_job_update(job, message=f"OpenAlex merged {query.value} into {author.openalex_id}.")

    if author.is_legacy_id and author.orcid and not author.is_deleted:
        # Author ids were replaced in July 2023: find the current record through the ORCID.
        candidates = [parse_author(raw) for raw in openalex_client.authors_with_orcid(author.orcid)]
        current = next((c for c in candidates if not c.is_legacy_id and not c.is_deleted), None)
        if current is not None:
            import_job_update(
                job,
                message=f"{author.openalex_id} is a legacy id; imported the current record "
                f"{current.openalex_id} (same ORCID).",
            )
            batch.aliases[author.openalex_id] = (current.openalex_id, "legacy")
            author = current

    batch.add(author)
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
            batch.add(work)
        ImportJob.objects.filter(pk=job.pk).update(
            works_fetched=F("works_fetched") + len(page), pages_fetched=F("pages_fetched") + 1, works_expected=total
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
