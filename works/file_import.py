"""The import from OpenAlex files (snapshot JSON Lines, list responses, single entities, .gz,
merged_ids CSVs): child processes read, parse and prepare batches while this process writes
them, each batch in its own transaction.

Goes through works.openalex_parser (one parser) and works.upsert (one write path), like the
API import in works.services; the run is an ImportJob row whose progress the page polls.
Nothing here enqueues follow-up work: the caller does, with the researcher ids the report names.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, Error, connection, connections, transaction
from django.utils import timezone

from works.models import ImportJob
from works.openalex_files import FileItem, expand_paths, read_items
from works.openalex_parser import (
    ErrorBody,
    ImportBatch,
    MalformedRecord,
    MergedId,
    Record,
    parse_entity,
    parse_merged_ids,
)
from works.services import ImportAbandoned, JobHeartbeat, import_job_fail, import_job_heartbeat, notes_summary
from works.upsert import PreparedBatch, WriteResult, WrittenRows, prepare_batch, write_prepared

logger = logging.getLogger(__name__)


@dataclass
class FilesReport:
    """``errors``: what was not imported, and why; ``notes``: what was imported with text cut
    to fit (works.openalex_parser). Each names file and position, entity and field."""

    entities_read: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
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
    nothing of it is written; everything else still imports. Text cut to fit is logged and
    named in the job's message. The job ends done when there were no errors, failed
    otherwise (with the errors as its reason). Idempotent.

    Whatever happens, the job does not stay running: should the run itself stop (a parsing
    process dies, the database goes away, the process is interrupted), the job is marked
    failed with the reason, and the exception propagates. Should the process be killed
    outright, its heartbeat stops (one per batch, and every few seconds within a long one)
    and the reaper marks the job failed (services.import_jobs_reap_stalled); the parsing
    processes end with it. A run whose job was reaped or claimed again stops at its next
    heartbeat with ImportAbandoned and leaves the job as it is.
    """
    try:
        with _fewer_gc_passes():
            return _files_import(job=job, paths=paths, batch_size=batch_size, on_progress=on_progress)
    except ImportAbandoned:
        logger.warning("import job %s was reaped or claimed again; this run stopped", job.pk)
        raise
    except BaseException as exc:
        _fail_stopped_run(job, exc)
        raise


def _fail_stopped_run(job: ImportJob, exc: BaseException) -> None:
    """Mark ``job`` failed after the run stopped with ``exc`` (best effort: the database may
    be what failed)."""
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        reason = "The import was interrupted; nothing after the last finished batch was written."
    else:
        first_line = (str(exc).strip().splitlines() or [""])[0][:500]
        reason = f"The import stopped: {type(exc).__name__}: {first_line}".rstrip(": ")
    logger.exception("import job %s stopped", job.pk)
    try:
        import_job_fail(job, reason)
    except DatabaseError:
        logger.exception("could not mark import job %s failed", job.pk)


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
    heartbeat = JobHeartbeat(job)
    batches = (
        _parsed_in_children(files, batch_size, keep_alive=heartbeat.beat)
        if in_child
        else _parse_batches(files, batch_size)
    )

    def progress(report: FilesReport) -> None:
        # The progress is the batch's heartbeat.
        heartbeat.beat(works_written=report.result.works_written, works_fetched=report.entities_read)
        if on_progress:
            on_progress(report)

    _write_batches(
        batches, report, WrittenRows(), keep_alive=heartbeat.beat, on_batch=progress, label=f"import job {job.pk}"
    )

    finished = {"finished_at": timezone.now(), "works_written": report.result.works_written}
    summary = (
        f"{report.entities_read} records read; {report.result.works_written} works, "
        f"{report.result.authors_written} authors and {report.result.stubs_written} co-author stubs written"
    )
    if report.notes:
        summary += ". " + notes_summary(report.notes)
    if report.errors:
        import_job_heartbeat(
            job,
            status=ImportJob.Status.FAILED,
            message=summary,
            error=f"{len(report.errors)} problem(s):\n" + "\n".join(report.errors[:200]),
            **finished,
        )
    else:
        import_job_heartbeat(job, status=ImportJob.Status.DONE, message=summary, **finished)
    return report


def _write_batches(
    batches: Generator[ParsedBatch],
    report: FilesReport,
    written_rows: WrittenRows,
    *,
    keep_alive: Callable[[], None],
    on_batch: ProgressCallback,
    label: str,
    on_written: WrittenCallback | None = None,
    reraise: tuple[type[BaseException], ...] = (),
) -> None:
    """Write ``batches`` as they come (see _write_isolating_failures), adding to ``report``;
    ``on_batch`` after each. The batches' parsing processes end when this returns or raises
    (closing: now, not whenever the generator is collected). Their commits do not wait for
    the disk (:class:`_CommitsWithoutWaiting`); what follows the run does again."""
    no_wait = _CommitsWithoutWaiting()
    try:
        with closing(batches):
            for parsed in batches:
                no_wait.apply()
                report.errors.extend(parsed.errors)
                report.entities_read += parsed.records_read
                for note in parsed.notes:
                    logger.warning("%s: %s", label, note)
                report.notes.extend(parsed.notes)
                if parsed.items:
                    _write_isolating_failures(
                        parsed, report, written_rows, keep_alive=keep_alive, on_written=on_written, reraise=reraise
                    )
                on_batch(report)
    finally:
        no_wait.restore()


# Called inside the transaction of each batch written, with what the batch wrote: whatever it
# records commits (or rolls back) with the batch.
WrittenCallback = Callable[[WriteResult], None]

# Rows of a part task's WrittenRows memory (see works.upsert.WrittenRows): a few hundred
# bytes each, so that a worker stays far under 1 GiB whatever the part's size.
PART_WRITTEN_ROWS_LIMIT = 200_000


def part_import(
    *,
    path: Path,
    start: int = 0,
    stop: int | None = None,
    batch_size: int = FILES_BATCH_SIZE,
    keep_alive: Callable[[], None],
    on_batch: ProgressCallback,
    on_written: WrittenCallback | None = None,
    reraise: tuple[type[BaseException], ...] = (),
) -> FilesReport:
    """Import the records ``start`` to ``stop`` (0-based ordinals of the non-blank lines,
    inclusive; ``stop`` None: to the end) of one JSON Lines file (.gz or not), or a whole
    merged_ids CSV: a snapshot sync's task (works/snapshot_sync.py).

    Streams with bounded memory whatever the file's size: ONE parsing process (forked, as in
    files_import, at most two batches ahead) decompresses up to ``start`` without decoding,
    reads the range and stops after ``stop``; this process writes each batch in its own
    transaction, calling ``on_written`` inside it and ``on_batch`` after it. Malformed
    records and unreadable files are reported in the result's ``errors`` as files_import
    reports them; database errors of a type in ``reraise`` (a lost connection, a deadlock)
    propagate instead of being isolated item by item, so the caller can run the range again.
    Idempotent (works.upsert). Touches no ImportJob."""
    report = FilesReport()
    span = (start, stop)
    # In a Celery prefork pool process too (see _forking_allowed); inside a caller's
    # transaction (tests), parsing happens here.
    in_child = not connection.in_atomic_block
    batches = (
        _parsed_in_children([path], batch_size, owners=(0,), keep_alive=keep_alive, span=span)
        if in_child
        else _parse_batches([path], batch_size, span=span)
    )
    with _fewer_gc_passes():
        _write_batches(
            batches,
            report,
            WrittenRows(limit=PART_WRITTEN_ROWS_LIMIT),
            keep_alive=keep_alive,
            on_batch=on_batch,
            label=str(path),
            on_written=on_written,
            reraise=reraise,
        )
    return report


@dataclass
class ParsedBatch:
    """A batch ready to write, and where its records came from: ``items`` are (file, ordinal
    of the item in that file, location) so a refused batch can be retried item by item.
    ``prepared`` is None when preparing the batch failed: its items are then written one by
    one, so that only the item at fault is lost."""

    prepared: PreparedBatch | None
    items: list[tuple[Path, int, str]]
    errors: list[str]
    records_read: int
    notes: list[str] = field(default_factory=list)


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


# All of a file's items: read_items' (start, stop).
WHOLE: tuple[int, int | None] = (0, None)


def _parse_batches(
    files: list[Path],
    batch_size: int,
    part: int = 0,
    owners: tuple[int, ...] = (0,),
    span: tuple[int, int | None] = WHOLE,
) -> Generator[ParsedBatch]:
    """Read, parse and prepare ``files`` in batches of ``batch_size`` items (an entity, or a
    merged_ids file): the blocks that ``owners`` gives to process ``part`` (see _Share), all
    of them by default, of each file's items ``span`` (read_items' start and stop). Pure
    (files in, prepared batches out): it may run in a child process."""
    share = _Share(batch_size, part, owners)
    batch = ImportBatch()
    items: list[tuple[Path, int, str]] = []
    errors: list[str] = []
    notes: list[str] = []
    read = 0
    current = -1
    for path in files:
        share.next_file()
        for ordinal, item in read_items(path, share.keep, start=span[0], stop=span[1]):
            block = share.block(ordinal)
            if block != current and (items or errors):
                yield ParsedBatch(_prepared(batch), items, errors, read, notes)
                batch, items, errors, notes, read = ImportBatch(), [], [], [], 0
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
            except Exception as exc:  # noqa: BLE001 -- one unreadable item must not stop the run
                errors.append(f"{item.location}: {_entity_hint(item.data)}: could not be read ({_describe(exc)})")
                continue
            for record in records:
                if isinstance(record, MergedId):
                    batch.merged_ids.append(record)
                else:
                    batch.add(record)
                    if record.notes:
                        notes.extend(f"{item.location}: {note}" for note in record.notes)
            read += len(records)
            items.append((path, ordinal, item.location))
    if items or errors:
        yield ParsedBatch(_prepared(batch), items, errors, read, notes)


def _prepared(batch: ImportBatch) -> PreparedBatch | None:
    """The batch prepared, or None if that failed (the writer then takes its items one by one)."""
    try:
        return prepare_batch(batch)
    except Exception:  # noqa: BLE001 -- the writer isolates the item at fault
        logger.warning("preparing a batch failed; its items will be written one by one", exc_info=True)
        return None


def _entity_hint(data: Any) -> str:
    """The OpenAlex id of a raw item that could not be parsed, as far as it shows one."""
    raw = data.get("id") if isinstance(data, dict) else None
    return raw.rsplit("/", 1)[-1][:40] if isinstance(raw, str) and raw else "record"


def _describe(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


# prctl(2) option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this (parsing) process end when ``parent``, the import that forked it, dies, even
    by SIGKILL: on Linux the kernel sends it SIGTERM then (prctl PR_SET_PDEATHSIG; strictly,
    when the thread that forked it ends, and the import forks and waits in one thread).
    Elsewhere, or should the call fail, _send notices the new parent at its next batch."""
    # The default action, whatever handler the parent had (a worker's): SIGTERM ends us.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
                logger.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError):
            logger.warning("prctl(PR_SET_PDEATHSIG) is not available", exc_info=True)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def _send(channel: Any, message: object, parent: int) -> None:
    """Put ``message`` on ``channel`` for ``parent``. The channel holds two batches; while it
    is full, check every second that the parent still lives (our parent pid changes when it
    dies), and end this process if not: nobody will ever read the channel."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        try:
            channel.put(message, timeout=1)
            return
        except queue.Full:
            continue


def _child_main(
    files: list[Path],
    batch_size: int,
    part: int,
    owners: tuple[int, ...],
    channel: Any,
    parent: int,
    span: tuple[int, int | None] = WHOLE,
) -> None:
    _die_with_parent(parent)
    # This process only parses, and parsing builds no reference cycles: the cyclic
    # collector's passes over millions of young objects are pure cost here (measured on
    # 50,000 works: 32.7 s -> 27.0 s of CPU). A full collection every 100 batches bounds
    # what a cycle could hold all the same.
    gc.disable()
    try:
        for number, parsed in enumerate(_parse_batches(files, batch_size, part, owners, span), start=1):
            _send(channel, parsed, parent)
            if number % 100 == 0:
                gc.collect()
        _send(channel, None, parent)
    except BaseException:
        _send(channel, traceback.format_exc(), parent)


# Which parsing process takes each block of items, in turn: two processes, the first taking
# two blocks in three. On this 2-core machine parsing costs more than writing (this process
# and PostgreSQL together), and each parsing process decompresses the whole file, so a
# second one helps only a little: 50,000 works took 26.6 s with (0, 0, 1), 28.0 s with
# (0, 1) and 28.3 s with one process (means of 2-4 runs; runs vary by 10%).
BLOCK_OWNERS = (0, 0, 1)


def _receive(channel: Any, child: Any, keep_alive: Callable[[], None]) -> Any:
    """The child's next message; an error if it died without a word (killed, out of memory).
    Calls ``keep_alive`` every second while it waits."""
    while True:
        try:
            return channel.get(timeout=1)
        except queue.Empty:
            if not child.is_alive():
                raise RuntimeError(f"a parsing process ended unexpectedly (exit code {child.exitcode})") from None
            keep_alive()


def _nothing() -> None:
    pass


@contextmanager
def _forking_allowed() -> Iterator[None]:
    """Let this process start parsing processes even where it is daemonic: a Celery prefork
    pool process is, and multiprocessing refuses a daemonic process children so that none
    outlives it. A parsing process cannot outlive its parent (_die_with_parent), which is
    what the rule protects, so the flag is lifted while the children are started."""
    config = getattr(multiprocessing.current_process(), "_config", None)
    daemonic = isinstance(config, dict) and bool(config.get("daemon"))
    if daemonic:
        assert isinstance(config, dict)
        config["daemon"] = False
    try:
        yield
    finally:
        if daemonic:
            assert isinstance(config, dict)
            config["daemon"] = True


def _parsed_in_children(
    files: list[Path],
    batch_size: int,
    owners: tuple[int, ...] = BLOCK_OWNERS,
    keep_alive: Callable[[], None] = _nothing,
    span: tuple[int, int | None] = WHOLE,
) -> Generator[ParsedBatch]:
    """``_parse_batches`` run in child processes (fork), each at most two batches ahead;
    block b is parsed by child ``owners[b % len(owners)]``. Batches are yielded in file order.
    ``keep_alive`` is called every second while a child keeps this process waiting. The
    children end when the generator is closed, and when this process dies (_die_with_parent)."""
    context = multiprocessing.get_context("fork")
    parts = max(owners) + 1
    channels = [context.Queue(maxsize=2) for _ in range(parts)]
    # The children must not share this process's database connections.
    connections.close_all()
    parent = os.getpid()
    children = [
        context.Process(
            target=_child_main, args=(files, batch_size, part, owners, channels[part], parent, span), daemon=True
        )
        for part in range(parts)
    ]
    with _forking_allowed():
        for child in children:
            child.start()
    try:
        turn = 0
        while True:
            owner = owners[turn % len(owners)]
            message = _receive(channels[owner], children[owner], keep_alive)
            if message is None:
                # Block ``turn`` does not exist, so no later one does: every other child
                # has only its end to say.
                for other in range(parts):
                    if other != owner and _receive(channels[other], children[other], keep_alive) is not None:
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


class _CommitsWithoutWaiting:
    """Lets the run's commits return before their WAL reaches the disk: ``SET
    synchronous_commit = off`` on this process's connection while the run writes (``apply``
    before each batch: the connection may have been opened anew, as when the parsing
    processes are forked), set back to what it was at the end (``restore``), so a worker's
    later tasks on the same connection wait again. Every other session, people's edits included, still
    waits for its flush as configured. Inside a caller's transaction (a test, an atomic
    request) it does nothing: that commit is the caller's to decide.

    Why it is safe for the file import: a commit stays atomic, and durable against a crash of
    this process; only a crash of the PostgreSQL server or of the machine within a fraction of
    a second after a commit (up to three ``wal_writer_delay``s, 600 ms by default) can lose
    the last committed batches, whole, never half of one: the database comes back
    consistent, as it was a few batches earlier. The import is idempotent, so a re-run writes
    exactly what was lost; the job row, whose last heartbeats may be lost with them, is
    failed by the reaper. What it saves: a WAL flush wait per batch and per progress update,
    each a wait for the disk and then for the scheduler on a busy machine."""

    def __init__(self) -> None:
        self.applied_to: object | None = None
        self.before = ""

    def apply(self) -> None:
        if connection.in_atomic_block:
            return
        connection.ensure_connection()
        if connection.connection is not self.applied_to:
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                row = cursor.fetchone()
                cursor.execute("SET synchronous_commit = off")
            self.before = str(row[0]) if row else "on"
            self.applied_to = connection.connection

    def restore(self) -> None:
        if self.applied_to is not None and connection.connection is self.applied_to:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [self.before])
            except Error:  # the connection is gone (or broken), and the setting with it
                logger.warning("could not set synchronous_commit back", exc_info=True)
        self.applied_to = None


def _write_isolating_failures(
    parsed: ParsedBatch,
    report: FilesReport,
    written_rows: WrittenRows,
    keep_alive: Callable[[], None] = _nothing,
    on_written: WrittenCallback | None = None,
    reraise: tuple[type[BaseException], ...] = (),
) -> None:
    """Write the batch in one transaction; if the database refuses it (or it could not be
    prepared), write its items one by one (read again from their files, in one pass per
    file) so that only what is refused is lost (and reported), calling ``keep_alive`` before
    each. ``on_written`` runs inside each transaction with what it wrote. A database error of
    a type in ``reraise`` is not isolated: it propagates."""
    if parsed.prepared is not None:
        try:
            with transaction.atomic():
                written = write_prepared(parsed.prepared, written_rows)
                if on_written is not None:
                    on_written(written)
            report.result.merge(written)
            return
        except reraise:
            raise
        except DatabaseError as exc:
            logger.warning("batch of %d items failed (%s); retrying one by one", len(parsed.items), exc)
    wanted: dict[Path, dict[int, str]] = {}
    for path, ordinal, location in parsed.items:
        wanted.setdefault(path, {})[ordinal] = location
    for path, locations in wanted.items():
        left = dict(locations)
        for ordinal, item in read_items(path, keep=locations.__contains__, stop=max(locations)):
            if item.error:  # the file cannot be read (any more) up to this item
                break
            keep_alive()
            _write_one(item, left.pop(ordinal), report, on_written, reraise)
        report.errors.extend(f"{where}: could not be read again to be written on its own" for where in left.values())


def _write_one(
    item: FileItem,
    location: str,
    report: FilesReport,
    on_written: WrittenCallback | None,
    reraise: tuple[type[BaseException], ...],
) -> None:
    """Write one item of a refused batch in its own transaction; report it if refused."""
    single = ImportBatch()
    for record in _parse_item(item):
        if isinstance(record, MergedId):
            single.merged_ids.append(record)
        else:
            single.add(record)
    entity = next(
        iter(single.works or single.authors or single.institutions or single.topics or single.sources),
        "merged ids",
    )
    try:
        prepared = prepare_batch(single)
    except Exception as exc:  # noqa: BLE001 -- only this item is lost, and it is named
        report.errors.append(f"{location}: {entity}: could not be prepared for writing ({_describe(exc)})")
        return
    try:
        with transaction.atomic():
            written = write_prepared(prepared)
            if on_written is not None:
                on_written(written)
        report.result.merge(written)
    except reraise:
        raise
    except DatabaseError as exc:
        report.errors.append(f"{location}: {entity}: the database refused it: {str(exc).splitlines()[0]}")
