"""Imports: from the OpenAlex API (one author and all their works) and from OpenAlex files.

Both go through works.openalex_parser (one parser) and works.upsert.write_batch (one write
path). Every run is an ImportJob row whose progress the page polls. Services here never
enqueue follow-up work (co-author edges, trust); their callers (tasks, commands, views) do,
with the researcher ids the result names.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from profiles.models import Researcher
from works import openalex_client
from works.models import ImportJob
from works.openalex_files import FileItem, expand_paths, read_items
from works.openalex_parser import (
    AuthorRecord,
    ErrorBody,
    ImportBatch,
    MalformedRecord,
    MergedId,
    Record,
    WorkRecord,
    parse_author,
    parse_author_query,
    parse_entity,
    parse_merged_ids,
)
from works.upsert import PreparedBatch, WriteResult, WrittenRows, prepare_batch, write_batch, write_prepared

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


def _job_update(job: ImportJob, **fields: object) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def import_job_fail(job: ImportJob, reason: str) -> None:
    _job_update(job, status=ImportJob.Status.FAILED, error=reason, finished_at=timezone.now())


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
    _job_update(
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
            _job_update(job, message=f"Imported the best match for {query.value!r}. Other matches: {others}.")
    else:
        raw = openalex_client.get_author(query.lookup)
    author = parse_author(raw)
    batch = ImportBatch()
    if query.kind == "openalex" and author.openalex_id != query.value:
        # The API redirects a merged id to the surviving record.
        batch.aliases[query.value] = (author.openalex_id, "merged")
        _job_update(job, message=f"OpenAlex merged {query.value} into {author.openalex_id}.")

    if author.is_legacy_id and author.orcid and not author.is_deleted:
        # Author ids were replaced in July 2023: find the current record through the ORCID.
        candidates = [parse_author(raw) for raw in openalex_client.authors_with_orcid(author.orcid)]
        current = next((c for c in candidates if not c.is_legacy_id and not c.is_deleted), None)
        if current is not None:
            _job_update(
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
    return batch, author


# --- From files ------------------------------------------------------------------------------


@dataclass
class FilesReport:
    entities_read: int = 0
    errors: list[str] = field(default_factory=list)
    result: WriteResult = field(default_factory=WriteResult)


ProgressCallback = Callable[[FilesReport], None]


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Parsing allocates millions of short-lived dicts and lists, none of them in cycles; the
    cyclic collector's frequent passes over them cost about a fifth of an import (measured on
    10,000 works: 6.2 s -> 5.0 s of CPU). Reference counting still frees them as usual."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(500_000, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


# Records per transaction of a file import. Per batch, each co-author and each institution,
# topic and source is prepared, sent and locked once: bigger batches repeat that less. On
# 50,000 works, 2,000 took 23.7 s against 27.9 s for 1,000 (means of three runs); 3,000 and
# 5,000 were no faster.
FILES_BATCH_SIZE = 2000


def files_import(
    *,
    job: ImportJob,
    paths: Iterable[str | Path],
    batch_size: int = FILES_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
) -> FilesReport:
    """Import OpenAlex files (single entities, list responses, JSON Lines, .gz, merged_ids
    CSVs; folders are walked). Entities are written in batches of ``batch_size``, each in its
    own transaction. A malformed entity is reported (file, position, entity, reason) and
    nothing of it is written; everything else still imports. The job ends done when there
    were no errors, failed otherwise (with the errors as its reason). Idempotent.
    """
    with _fewer_gc_passes():
        return _files_import(job=job, paths=paths, batch_size=batch_size, on_progress=on_progress)


def _files_import(
    *, job: ImportJob, paths: Iterable[str | Path], batch_size: int, on_progress: ProgressCallback | None
) -> FilesReport:
    report = FilesReport()
    files, missing = expand_paths(paths)
    report.errors.extend(missing)
    if not files and not missing:
        report.errors.append("no OpenAlex files found (expected .json, .jsonl, .json.gz, .jsonl.gz or .csv)")

    # Reading, parsing and preparing (Python) overlap writing (PostgreSQL): child processes
    # parse while this one writes. Inside a caller's transaction (tests, atomic requests)
    # or inside a daemonic worker process (which may not fork), everything happens here.
    in_child = not connection.in_atomic_block and not multiprocessing.current_process().daemon
    batches = _parsed_in_children(files, batch_size) if in_child else _parse_batches(files, batch_size)
    written_rows = WrittenRows()
    for parsed in batches:
        report.errors.extend(parsed.errors)
        report.entities_read += parsed.records_read
        if parsed.items:
            _write_isolating_failures(parsed, report, written_rows)
        _job_update(job, works_written=report.result.works_written, works_fetched=report.entities_read)
        if on_progress:
            on_progress(report)

    finished = {"finished_at": timezone.now(), "works_written": report.result.works_written}
    summary = (
        f"{report.entities_read} records read; {report.result.works_written} works, "
        f"{report.result.authors_written} authors and {report.result.stubs_written} co-author stubs written"
    )
    if report.errors:
        _job_update(
            job,
            status=ImportJob.Status.FAILED,
            message=summary,
            error=f"{len(report.errors)} problem(s):\n" + "\n".join(report.errors[:200]),
            **finished,
        )
    else:
        _job_update(job, status=ImportJob.Status.DONE, message=summary, **finished)
    return report


@dataclass
class ParsedBatch:
    """A batch ready to write, and where its records came from: ``items`` are (file, ordinal
    of the item in that file, location) so a refused batch can be retried item by item."""

    prepared: PreparedBatch
    items: list[tuple[Path, int, str]]
    errors: list[str]
    records_read: int


def _parse_item(item: FileItem) -> list[Record | MergedId]:
    """The records of one file item; raises MalformedRecord or ErrorBody."""
    if item.kind == "merged_ids":
        return list(parse_merged_ids(item.data))
    return [parse_entity(item.data)]


class _Share:
    """The items of a run one parsing process (``part``) takes: blocks of ``size``
    consecutive items, counted across the files in order; block b belongs to process
    ``owners[b % len(owners)]``. A block is a batch, so the writer takes the batches from
    the processes in that order, which is file order."""

    def __init__(self, size: int, part: int = 0, owners: tuple[int, ...] = (0,)) -> None:
        self.size, self.part, self.owners = size, part, owners
        self.before = 0  # items in the files already read
        self.seen = 0  # items seen so far in the current file

    def next_file(self) -> None:
        self.before += self.seen
        self.seen = 0

    def block(self, ordinal: int) -> int:
        return (self.before + ordinal) // self.size

    def keep(self, ordinal: int) -> bool:
        self.seen = ordinal + 1  # asked about every ordinal of a file, in order
        return self.owners[self.block(ordinal) % len(self.owners)] == self.part


def _parse_batches(
    files: list[Path], batch_size: int, part: int = 0, owners: tuple[int, ...] = (0,)
) -> Iterator[ParsedBatch]:
    """Read, parse and prepare ``files`` in batches of ``batch_size`` items (an entity, or a
    merged_ids file): the blocks that ``owners`` gives to process ``part`` (see _Share), all
    of them by default. Pure (files in, prepared batches out): it may run in a child process."""
    share = _Share(batch_size, part, owners)
    batch = ImportBatch()
    items: list[tuple[Path, int, str]] = []
    errors: list[str] = []
    read = 0
    current = -1
    for path in files:
        share.next_file()
        for ordinal, item in read_items(path, share.keep):
            block = share.block(ordinal)
            if block != current and (items or errors):
                yield ParsedBatch(prepare_batch(batch), items, errors, read)
                batch, items, errors, read = ImportBatch(), [], [], 0
            current = block
            if item.error:
                errors.append(f"{item.location}: {item.error}")
                continue
            try:
                records = _parse_item(item)
            except MalformedRecord as exc:
                errors.append(f"{item.location}: {exc.entity}: {exc.reason}")
                continue
            except ErrorBody as exc:
                errors.append(f"{item.location}: {exc} (an error response, not a record)")
                continue
            for record in records:
                if isinstance(record, MergedId):
                    batch.merged_ids.append(record)
                else:
                    batch.add(record)
            read += len(records)
            items.append((path, ordinal, item.location))
    if items or errors:
        yield ParsedBatch(prepare_batch(batch), items, errors, read)


def _child_main(files: list[Path], batch_size: int, part: int, owners: tuple[int, ...], channel: Any) -> None:
    # This process only parses, and parsing builds no reference cycles: the cyclic
    # collector's passes over millions of young objects are pure cost here (measured on
    # 50,000 works: 32.7 s -> 27.0 s of CPU). A full collection every 100 batches bounds
    # what a cycle could hold all the same.
    gc.disable()
    try:
        for number, parsed in enumerate(_parse_batches(files, batch_size, part, owners), start=1):
            channel.put(parsed)
            if number % 100 == 0:
                gc.collect()
        channel.put(None)
    except BaseException:
        channel.put(traceback.format_exc())


# Which parsing process takes each block of items, in turn: two processes, the first taking
# two blocks in three. On this 2-core machine parsing costs more than writing (this process
# and PostgreSQL together), and each parsing process decompresses the whole file, so a
# second one helps only a little: 50,000 works took 26.6 s with (0, 0, 1), 28.0 s with
# (0, 1) and 28.3 s with one process (means of 2-4 runs; runs vary by 10%).
BLOCK_OWNERS = (0, 0, 1)


def _receive(channel: Any, child: Any) -> Any:
    """The child's next message; an error if it died without a word (killed, out of memory)."""
    while True:
        try:
            return channel.get(timeout=5)
        except queue.Empty:
            if not child.is_alive():
                raise RuntimeError(f"a parsing process ended unexpectedly (exit code {child.exitcode})") from None


def _parsed_in_children(
    files: list[Path], batch_size: int, owners: tuple[int, ...] = BLOCK_OWNERS
) -> Iterator[ParsedBatch]:
    """``_parse_batches`` run in child processes (fork), each at most two batches ahead;
    block b is parsed by child ``owners[b % len(owners)]``. Batches are yielded in file order."""
    context = multiprocessing.get_context("fork")
    parts = max(owners) + 1
    channels = [context.Queue(maxsize=2) for _ in range(parts)]
    # The children must not share this process's database connections.
    connections.close_all()
    children = [
        context.Process(target=_child_main, args=(files, batch_size, part, owners, channels[part]), daemon=True)
        for part in range(parts)
    ]
    for child in children:
        child.start()
    try:
        turn = 0
        while True:
            owner = owners[turn % len(owners)]
            message = _receive(channels[owner], children[owner])
            if message is None:
                # Block ``turn`` does not exist, so no later one does: every other child
                # has only its end to say.
                for other in range(parts):
                    if other != owner and _receive(channels[other], children[other]) is not None:
                        raise RuntimeError("a parsing process had a batch after the last one")
                return
            if isinstance(message, str):
                raise RuntimeError(f"parsing the files failed:\n{message}")
            yield message
            turn += 1
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


def _write_isolating_failures(parsed: ParsedBatch, report: FilesReport, written_rows: WrittenRows) -> None:
    """Write the batch in one transaction; if the database refuses it, write its items one
    by one (read again from their files) so that only what it refuses is lost (and reported)."""
    try:
        with transaction.atomic():
            report.result.merge(write_prepared(parsed.prepared, written_rows))
        return
    except DatabaseError as exc:
        logger.warning("batch of %d items failed (%s); retrying one by one", len(parsed.items), exc)
    for path, ordinal, location in parsed.items:
        item = next(item for _, item in read_items(path, keep=ordinal.__eq__))
        single = ImportBatch()
        for record in _parse_item(item):
            if isinstance(record, MergedId):
                single.merged_ids.append(record)
            else:
                single.add(record)
        try:
            with transaction.atomic():
                report.result.merge(write_batch(single))
        except DatabaseError as exc:
            entity = next(
                iter(single.works or single.authors or single.institutions or single.topics or single.sources),
                "merged ids",
            )
            report.errors.append(f"{location}: {entity}: the database refused it: {str(exc).splitlines()[0]}")
