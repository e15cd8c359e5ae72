"""OpenAlex snapshot sync fanned out over Celery: the plan becomes rows, each row a task any
worker may take, and the rows are the sync's state (``python manage.py import_openalex
--snapshot DIR``; the imports page shows them).

- :func:`sync_start` plans the folder (works/snapshot_manifest.py) and writes one
  SnapshotTask row per part file or range of one, and an outbox row (core/outbox.py) per task
  for ``works.run_snapshot_task``, in one transaction: a broker outage delays the tasks and
  loses none. Started again on the same folder it continues the open sync of that folder:
  its rows follow the plan of the folder now (new parts, ranges cut otherwise), failed rows
  and rows whose worker died are queued again; done rows are left alone.
- :func:`task_run` (the task) claims its row with one conditional UPDATE (queued, or running
  with a heartbeat older than IMPORT_HEARTBEAT_TIMEOUT), reads its range through
  works.file_import.part_import (one parsing process; the one parser and the one write path,
  works.upsert, which is idempotent), heartbeats the row per batch, and ends it: done, failed
  with the reason (per-record errors, a corrupt or missing file, a manifest that disagrees),
  or queued again after a transient failure (a lost connection, a deadlock: the range is read
  again from its start, which duplicates nothing) until MAX_ATTEMPTS. A repeated or
  redelivered task whose row is done, or held by a live run, does nothing.
- The task that ends the last part row sees it in the same transaction (the sync's row
  locked, then the rows counted) and, exactly once, moves the sync to finishing and queues
  ``works.finish_snapshot_sync``: merged-ids files (:func:`sync_run_merged_ids`), the
  follow-ups for the researchers the sync touched (:func:`sync_touched_take`; works/tasks.py
  hands them to graph), then :func:`sync_close`.
- A worker killed mid-range leaves its row running with a heartbeat that goes stale; the
  reaper (:func:`snapshot_tasks_reap_stalled`, works.reap_stalled_jobs every minute) queues
  it again.

Nothing here enqueues graph work: works/tasks.py does.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Q, QuerySet, Sum
from django.utils import timezone

from core import outbox
from works import file_import, snapshot_manifest
from works.models import SnapshotSync, SnapshotTask
from works.services import heartbeat_interval
from works.upsert import WriteResult

logger = logging.getLogger(__name__)

RUN_TASK = "works.run_snapshot_task"
FINISH_TASK = "works.finish_snapshot_sync"
# Claims of a row before a transient failure fails it for good.
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 5
RETRY_MAX_SECONDS = 300
# What a lost connection, a deadlock or a serialization failure raises (Django wraps
# psycopg's errors): the range is read again, later.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
# Advisory lock (first int4 key; the second is the root's hash) held while a folder is planned.
PLAN_LOCK_NAMESPACE = 0x534E4150  # "SNAP"
# Records per range task, conservatively: at 200 records/s (a worker on a slow machine with
# large records; 1,000-2,000 works/s measured here) a range takes a quarter of the task's
# soft time limit, far inside the hard limit and the broker's visibility timeout
# (bzpeer/settings.py: 1,800 s -> 90,000 records, about 450 s at that rate).
RECORDS_PER_SECOND_FLOOR = 200
SHARE_OF_TIME_LIMIT = 0.25


def default_records_per_task() -> int:
    return max(1_000, int(settings.CELERY_TASK_SOFT_TIME_LIMIT * SHARE_OF_TIME_LIMIT * RECORDS_PER_SECOND_FLOOR))


class TaskAbandoned(Exception):
    """This run no longer holds its row (the reaper queued it again, another worker claimed it)."""


class PartUnusable(Exception):
    """The part cannot be read as the manifest describes it (missing, another size)."""


# --- Planning ---------------------------------------------------------------------------------


@dataclass
class SyncStarted:
    sync: SnapshotSync
    continued: bool  # an open sync of this folder was continued
    tasks: int  # part tasks of the sync, all told
    queued: int  # queued now (the others are done, or held by a live run)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notice: str = ""  # what this run left for later (a finishing sync takes no new parts)


def completed_watermarks() -> dict[str, str]:
    """Per entity (and merged-ids), the newest partition a completed sync covered."""
    merged: dict[str, str] = {}
    for watermarks in SnapshotSync.objects.filter(state=SnapshotSync.State.DONE).values_list("watermarks", flat=True):
        for key, day in (watermarks or {}).items():
            if isinstance(day, str) and day > merged.get(key, ""):
                merged[key] = day
    return merged


def sync_start(root: str | Path, *, records_per_task: int | None = None, followups: str = "queue") -> SyncStarted:
    """Plan the snapshot folder ``root`` and queue its tasks, or continue the open (not done)
    sync of that folder: bring its rows to what the plan says now (_reconcile: new parts,
    ranges cut otherwise; done rows stay as they are), queue its failed rows and those whose
    worker died again (attempts counted afresh), re-queue the messages of its queued rows.
    A sync that is finishing takes no new rows (``notice`` says so). Only partitions newer than the
    completed syncs' watermarks are planned (incremental). One planner per folder at a time
    (an advisory lock). ValueError for a folder that does not exist. Queues through the
    outbox in this transaction. When nothing is left to run, the finishing task is queued."""
    per_task = records_per_task or default_records_per_task()
    path = Path(root).resolve()
    if not path.is_dir():
        raise ValueError(f"{root}: no such folder")
    key = str(path)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [PLAN_LOCK_NAMESPACE, key])
        sync = (
            SnapshotSync.objects.select_for_update()
            .filter(root=key)
            .exclude(state=SnapshotSync.State.DONE)
            .order_by("-pk")
            .first()
        )
        continued = sync is not None
        if sync is None:
            since = completed_watermarks()
            sync = SnapshotSync.objects.create(
                root=key,
                since=since,
                full_load=not SnapshotSync.objects.filter(state=SnapshotSync.State.DONE).exists(),
                followups=followups,
                started_at=timezone.now(),
            )
        plan = snapshot_manifest.plan_snapshot(path, sync.since, per_task)
        stale, fresh, refreshed = _reconcile(sync, plan.tasks, per_task)
        sync.followups = followups
        finishing = sync.state == SnapshotSync.State.FINISHING
        if finishing:
            # Its parts have all ended and its finishing task is queued or at work: parts
            # queued now would never be claimed (parts run while a sync runs). The sync is
            # left as it is (rows, watermarks, problems): the next sync reads what is new.
            outbox.enqueue(FINISH_TASK, [sync.pk], key=f"snapshot-finish:{sync.pk}")
            queued = 0
        else:
            SnapshotTask.objects.filter(pk__in=stale).delete()
            _create_rows(sync, fresh)
            for row in refreshed:
                row.save(update_fields=["content_length", "records_expected"])
            sync.problems = [problem.as_json() for problem in plan.problems]
            sync.watermarks = {**sync.watermarks, **plan.watermarks}
            if continued:
                _requeue(sync)
            sync.state, sync.finished_at, sync.message = SnapshotSync.State.RUNNING, None, ""
            queued = _queue_part_tasks(sync)
        sync.save(update_fields=["problems", "watermarks", "followups", "state", "finished_at", "message"])
        total = sync.tasks.filter(kind=SnapshotTask.Kind.PART).count()
        _end_if_last(sync.pk)
        sync.refresh_from_db()
    notice = ""
    if finishing and (stale or fresh):
        notice = f"sync {sync.pk} is finishing; run again when it is done to read the new parts"
    return SyncStarted(sync, continued, total, queued, sync.problems, notice)


def _create_rows(sync: SnapshotSync, planned: list[snapshot_manifest.PlannedTask]) -> None:
    start = (sync.tasks.aggregate(top=Max("position"))["top"] or 0) + 1
    SnapshotTask.objects.bulk_create(
        SnapshotTask(
            sync=sync,
            kind=task.kind,
            entity=task.entity,
            partition=task.partition,
            path=task.path,
            first_record=task.first_record,
            last_record=task.last_record,
            records_expected=task.records_expected,
            content_length=task.content_length,
            position=start + number,
            state=SnapshotTask.State.FAILED if task.error else SnapshotTask.State.QUEUED,
            last_error=task.error,
            finished_at=timezone.now() if task.error else None,
        )
        for number, task in enumerate(planned)
    )


def _reconcile(
    sync: SnapshotSync, planned: list[snapshot_manifest.PlannedTask], per_task: int
) -> tuple[list[int], list[snapshot_manifest.PlannedTask], list[SnapshotTask]]:
    """What the plan changes in the sync's rows, compared by (path, first_record,
    last_record): the ids of the rows not done to delete, the tasks to create, and the rows
    not done that keep their range and take what the manifest says now of it (a part
    downloaded again: its size, its record count). Nothing is written here.

    Per planned path, the rows wanted are the plan's ranges less the records the path's done
    rows read: a finished range is never read again, even when the file was downloaded again
    since (its records were written; the rest of the file is read). When the path's rows not
    done have exactly those ranges, they stay. So do rows cut otherwise that still fit the
    file as the manifest describes it (_fits: a rerun with another --records-per-task does
    not cut again what it need not). Otherwise they are deleted and the ranges created (a
    part missing at first, one whole-file row, later cut into ranges; another record count or
    size). A live run of a deleted row finds its row gone at its next heartbeat and stops.
    Rows of paths the plan no longer names are left alone."""
    rows: dict[str, list[SnapshotTask]] = {}
    for row in sync.tasks.all():
        rows.setdefault(row.path, []).append(row)
    by_path: dict[str, list[snapshot_manifest.PlannedTask]] = {}
    for task in planned:
        by_path.setdefault(task.path, []).append(task)
    stale: list[int] = []
    fresh: list[snapshot_manifest.PlannedTask] = []
    refreshed: list[SnapshotTask] = []
    for file_path, tasks in by_path.items():
        have = rows.get(file_path, [])
        done = [(row.first_record, row.last_record) for row in have if row.state == SnapshotTask.State.DONE]
        wanted = [piece for task in tasks for piece in _less(task, done)]
        pending = [row for row in have if row.state != SnapshotTask.State.DONE]
        current = {(row.first_record, row.last_record): row for row in pending}
        if len(current) == len(wanted) and all((t.first_record, t.last_record) in current for t in wanted):
            for task in wanted:
                row = current[(task.first_record, task.last_record)]
                if (row.content_length, row.records_expected) != (task.content_length, task.records_expected):
                    row.content_length, row.records_expected = task.content_length, task.records_expected
                    refreshed.append(row)
            continue
        if _fits(have, tasks, per_task):
            continue
        stale.extend(row.pk for row in pending)
        fresh.extend(wanted)
    return stale, fresh, refreshed


def _fits(rows: list[SnapshotTask], planned: list[snapshot_manifest.PlannedTask], per_task: int) -> bool:
    """Whether a path's rows still describe its file as the manifest does now (the same size,
    the same record count in all) in ranges not done of at most ``per_task`` records."""
    expected = [task.records_expected for task in planned]
    have = [row.records_expected for row in rows]
    return (
        all(row.content_length == planned[0].content_length for row in rows)
        and None not in expected
        and None not in have
        and sum(filter(None, have)) == sum(filter(None, expected))
        and all(
            row.records_expected is not None and row.records_expected <= per_task
            for row in rows
            if row.state != SnapshotTask.State.DONE
        )
    )


def _less(
    task: snapshot_manifest.PlannedTask, done: list[tuple[int, int | None]]
) -> list[snapshot_manifest.PlannedTask]:
    """The pieces of the planned range ``task`` that no done range covers (``last_record``
    None: to the end of the file), each expecting its share of the range's records."""
    pieces: list[tuple[int, int | None]] = [(task.first_record, task.last_record)]
    for done_first, done_last in done:
        left: list[tuple[int, int | None]] = []
        for first, last in pieces:
            if (last is not None and last < done_first) or (done_last is not None and done_last < first):
                left.append((first, last))  # no overlap
                continue
            if first < done_first:
                left.append((first, done_first - 1))
            if done_last is not None and (last is None or done_last < last):
                left.append((done_last + 1, last))
        pieces = left
    if pieces == [(task.first_record, task.last_record)]:
        return [task]
    end = None if task.records_expected is None else task.first_record + task.records_expected
    return [
        replace(
            task,
            first_record=first,
            last_record=last,
            records_expected=(
                (last + 1 - first) if last is not None else (None if end is None else max(0, end - first))
            ),
        )
        for first, last in pieces
    ]


def _requeue(sync: SnapshotSync) -> int:
    """Failed rows, and running rows whose heartbeat is stale, are queued again with their
    attempts counted afresh (a person asked for the run)."""
    stale = timezone.now() - timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT)
    return sync.tasks.filter(
        Q(state=SnapshotTask.State.FAILED) | Q(state=SnapshotTask.State.RUNNING, heartbeat_at__lt=stale)
    ).update(state=SnapshotTask.State.QUEUED, attempts=0, finished_at=None)


def _queue_part_tasks(sync: SnapshotSync) -> int:
    """One outbox row per queued part row (a pending row of its key already covers it), in
    queue order. Returns how many rows are queued."""
    ids = list(
        sync.tasks.filter(kind=SnapshotTask.Kind.PART, state=SnapshotTask.State.QUEUED)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    outbox.enqueue_many(RUN_TASK, [[pk] for pk in ids], keys=[_message_key(pk) for pk in ids])
    return len(ids)


def _message_key(task_id: int) -> str:
    return f"snapshot-task:{task_id}"


def _end_if_last(sync_id: int) -> bool:
    """In the caller's transaction: when no part row of the running sync is queued or
    running, move it to finishing and queue the finishing task. The sync's row is locked
    first, so of the tasks that end together exactly one sees the last row end (READ
    COMMITTED: the count after the lock sees every commit before it)."""
    sync = SnapshotSync.objects.select_for_update().get(pk=sync_id)
    if sync.state != SnapshotSync.State.RUNNING:
        return False
    left = sync.tasks.filter(
        kind=SnapshotTask.Kind.PART, state__in=[SnapshotTask.State.QUEUED, SnapshotTask.State.RUNNING]
    )
    if left.exists():
        return False
    SnapshotSync.objects.filter(pk=sync_id).update(state=SnapshotSync.State.FINISHING)
    outbox.enqueue(FINISH_TASK, [sync_id], key=f"snapshot-finish:{sync_id}")
    return True


# --- Running a task ---------------------------------------------------------------------------


def task_claim(task_id: int) -> SnapshotTask | None:
    """Take the row for this run (one conditional UPDATE): a queued row, or a running one
    whose heartbeat is older than IMPORT_HEARTBEAT_TIMEOUT (its worker died), of a sync in
    the phase that runs it (parts while running, merged ids while finishing). None when it is
    done, failed, held by a live run, or gone. The claim is the run's first heartbeat; its
    ``started_at`` names the run."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT)
    claimable = Q(state=SnapshotTask.State.QUEUED) | Q(state=SnapshotTask.State.RUNNING, heartbeat_at__lt=stale)
    phase = Q(kind=SnapshotTask.Kind.PART, sync__state=SnapshotSync.State.RUNNING) | Q(
        kind=SnapshotTask.Kind.MERGED_IDS, sync__state=SnapshotSync.State.FINISHING
    )
    claimed = SnapshotTask.objects.filter(claimable, phase, pk=task_id).update(
        state=SnapshotTask.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        records_read=0,
        records_written=0,
    )
    return SnapshotTask.objects.select_related("sync").get(pk=task_id) if claimed else None


def _this_run(task: SnapshotTask) -> QuerySet[SnapshotTask]:
    return SnapshotTask.objects.filter(pk=task.pk, state=SnapshotTask.State.RUNNING, started_at=task.started_at)


class TaskHeartbeat:
    """The heartbeats of one run of a task row: ``beat(**progress)`` writes at once, a bare
    ``beat()`` at most every heartbeat_interval(). Raises TaskAbandoned when the run lost
    its row."""

    def __init__(self, task: SnapshotTask) -> None:
        self.task = task
        self.interval = heartbeat_interval()
        self._last = time.monotonic()

    def beat(self, **fields: object) -> None:
        now = time.monotonic()
        if not fields and now - self._last < self.interval:
            return
        if not _this_run(self.task).update(heartbeat_at=timezone.now(), **fields):
            raise TaskAbandoned(f"snapshot task {self.task.pk} was queued again or claimed by another run")
        self._last = now


def _records_written(result: WriteResult) -> int:
    return result.works_written + result.authors_written


def task_run(task_id: int, *, batch_size: int = file_import.FILES_BATCH_SIZE) -> str:
    """Run snapshot task ``task_id`` if this run can claim it (see task_claim); returns what
    happened: "skipped" (done, failed, or held by a live run), "done", "failed", "retry"
    (queued again after a transient failure) or "abandoned" (the row was taken from this run
    mid-way; it wrote nothing more). Never raises for what it reads: failures end in the row.
    Idempotent: the range is written through the idempotent upsert, so a run again after a
    crash duplicates nothing."""
    task = task_claim(task_id)
    if task is None:
        logger.info("snapshot task %s is not claimable (done, failed, or running elsewhere)", task_id)
        return "skipped"
    heartbeat = TaskHeartbeat(task)
    try:
        report = _read(task, heartbeat, batch_size)
    except TaskAbandoned:
        logger.warning("snapshot task %s: this run lost its row and stopped", task_id)
        return "abandoned"
    except TRANSIENT_ERRORS as exc:
        return _retry_or_fail(task, exc)
    except PartUnusable as exc:
        return _end(task, SnapshotTask.State.FAILED, str(exc))
    except Exception as exc:
        logger.exception("snapshot task %s (%s) failed", task_id, task.label)
        return _end(task, SnapshotTask.State.FAILED, f"the task stopped: {_describe(exc)}")
    errors = list(report.errors)
    if not errors and task.records_expected is not None and report.entities_read != task.records_expected:
        errors.append(
            f"{task.path}: the manifest says {task.records_expected:,} records for this range, "
            f"the file has {report.entities_read:,}"
        )
    fields = {"records_read": report.entities_read, "records_written": _records_written(report.result)}
    if errors:
        shown = "\n".join(errors[:200]) + (f"\n… and {len(errors) - 200:,} more" if len(errors) > 200 else "")
        return _end(task, SnapshotTask.State.FAILED, f"{len(errors):,} problem(s):\n{shown}", **fields)
    return _end(task, SnapshotTask.State.DONE, "", **fields)


def _read(task: SnapshotTask, heartbeat: TaskHeartbeat, batch_size: int) -> file_import.FilesReport:
    path = Path(task.sync.root) / task.path
    _check_file(path, task)
    sync_id = task.sync_id
    on_written = None if task.sync.full_load else (lambda written: _touch(sync_id, written.researcher_ids))

    def on_batch(report: file_import.FilesReport) -> None:
        heartbeat.beat(records_read=report.entities_read, records_written=_records_written(report.result))
        # Recorded per batch (on_written), or everyone (a full load): memory stays flat
        # whatever the range's size.
        report.result.researcher_ids.clear()
        report.result.skipped.clear()

    return file_import.part_import(
        path=path,
        start=task.first_record,
        stop=task.last_record,
        batch_size=batch_size,
        keep_alive=heartbeat.beat,
        on_batch=on_batch,
        on_written=on_written,
        reraise=TRANSIENT_ERRORS,
    )


def _check_file(path: Path, task: SnapshotTask) -> None:
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise PartUnusable("missing: the manifest lists it, but there is no such file") from None
    except OSError as exc:
        raise PartUnusable(f"cannot read file: {exc}") from None
    if task.content_length is not None and size != task.content_length:
        raise PartUnusable(
            f"size {size:,} bytes, but the manifest says {task.content_length:,} (incomplete or replaced download)"
        )


def _touch(sync_id: int, researcher_ids: set[int]) -> None:
    """Record the researchers a batch touched, in the batch's transaction (sorted, so that
    concurrent batches lock the index entries in one order)."""
    if not researcher_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO works_snapshottouched (sync_id, researcher_id, followed_up)
               SELECT %s, unnest(%s::bigint[]), false ON CONFLICT DO NOTHING""",
            [sync_id, sorted(researcher_ids)],
        )


def _end(task: SnapshotTask, state: str, error: str, **fields: object) -> str:
    """End this run's row (done or failed) and, for a part, see whether it was the sync's
    last (_end_if_last), in one transaction. A row this run no longer holds is left alone."""
    now = timezone.now()
    with transaction.atomic():
        if not _this_run(task).update(state=state, last_error=error, finished_at=now, heartbeat_at=now, **fields):
            logger.warning("snapshot task %s: this run lost its row before it could end it", task.pk)
            return "abandoned"
        if task.kind == SnapshotTask.Kind.PART:
            _end_if_last(task.sync_id)
    if state == SnapshotTask.State.FAILED:
        logger.warning("snapshot task %s (%s) failed: %s", task.pk, task.label, error.splitlines()[0])
    return state


def retry_delay(attempts: int) -> int:
    """Seconds before the next claim after ``attempts`` claims: 5, 10, 20 ... 300."""
    return int(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _retry_or_fail(task: SnapshotTask, exc: BaseException) -> str:
    """After a transient failure: the row is queued again, its message due after a growing
    delay (a part) or left to the finishing task's next run (merged ids), until MAX_ATTEMPTS
    fail it with the reason."""
    reason = f"attempt {task.attempts}: {_describe(exc)}"
    logger.warning("snapshot task %s (%s): %s", task.pk, task.label, reason)
    connection.close_if_unusable_or_obsolete()  # a lost connection is opened afresh
    if task.attempts >= MAX_ATTEMPTS:
        return _end(task, SnapshotTask.State.FAILED, f"{reason} (gave up after {MAX_ATTEMPTS} attempts)")
    with transaction.atomic():
        if not _this_run(task).update(state=SnapshotTask.State.QUEUED, last_error=reason, heartbeat_at=timezone.now()):
            return "abandoned"
        if task.kind == SnapshotTask.Kind.PART:
            due = timezone.now() + timedelta(seconds=retry_delay(task.attempts))
            outbox.enqueue(RUN_TASK, [task.pk], key=_message_key(task.pk), not_before=due)
    return "retry"


def _describe(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


# --- The reaper -------------------------------------------------------------------------------


def snapshot_tasks_reap_stalled(*, timeout: float | None = None) -> list[int]:
    """Queue again every running task row whose heartbeat is older than ``timeout`` seconds
    (default IMPORT_HEARTBEAT_TIMEOUT): its worker was killed or its machine restarted. A part
    row gets a new message; a row past MAX_ATTEMPTS claims is failed instead. Each row is one
    conditional UPDATE on the heartbeat it read, so a run that heartbeats meanwhile keeps it.
    Returns the ids of the rows taken. Idempotent; one query when nothing is stalled."""
    seconds = settings.IMPORT_HEARTBEAT_TIMEOUT if timeout is None else timeout
    now = timezone.now()
    stalled = SnapshotTask.objects.filter(
        state=SnapshotTask.State.RUNNING, heartbeat_at__lt=now - timedelta(seconds=seconds)
    ).values_list("pk", "heartbeat_at", "attempts", "kind", "sync_id")
    reaped = []
    for pk, heartbeat_at, attempts, kind, sync_id in stalled:
        reason = (
            f"attempt {attempts}: the worker stopped answering at {heartbeat_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(no heartbeat for more than {seconds:g} s: it was killed, or its machine restarted)"
        )
        row = SnapshotTask.objects.filter(pk=pk, state=SnapshotTask.State.RUNNING, heartbeat_at=heartbeat_at)
        with transaction.atomic():
            if attempts >= MAX_ATTEMPTS:
                marked = row.update(
                    state=SnapshotTask.State.FAILED,
                    last_error=f"{reason}; gave up after {MAX_ATTEMPTS} attempts",
                    finished_at=now,
                )
                if marked and kind == SnapshotTask.Kind.PART:
                    _end_if_last(sync_id)
            else:
                marked = row.update(state=SnapshotTask.State.QUEUED, last_error=reason)
                if marked and kind == SnapshotTask.Kind.PART:
                    outbox.enqueue(RUN_TASK, [pk], key=_message_key(pk))
        if marked:
            logger.warning("snapshot task %s: %s", pk, reason)
            reaped.append(pk)
    return reaped


# --- Finishing --------------------------------------------------------------------------------


class FinishLater(Exception):
    """A merged-ids file met a transient failure; the finishing task runs again later."""


def sync_run_merged_ids(sync_id: int) -> bool:
    """Step 1 of the finishing task: run the sync's merged-ids rows, oldest first, here (after
    every part, as OpenAlex's merges refer to records the parts wrote). False when the sync
    is not finishing (a repeated finishing task: nothing to do). FinishLater when one must be
    tried again (the outbox runs the finishing task again after a delay)."""
    if not SnapshotSync.objects.filter(pk=sync_id, state=SnapshotSync.State.FINISHING).exists():
        return False
    rows = (
        SnapshotTask.objects.filter(sync_id=sync_id, kind=SnapshotTask.Kind.MERGED_IDS)
        .exclude(state__in=[SnapshotTask.State.DONE, SnapshotTask.State.FAILED])
        .order_by("partition", "pk")
        .values_list("pk", flat=True)
    )
    for pk in list(rows):
        outcome = task_run(pk)
        if (
            outcome in ("retry", "skipped")
            and SnapshotTask.objects.filter(pk=pk)
            .exclude(state__in=[SnapshotTask.State.DONE, SnapshotTask.State.FAILED])
            .exists()
        ):
            raise FinishLater(f"merged-ids task {pk} is to be tried again")
    return True


def sync_touched_take(sync_id: int, *, limit: int = 10_000) -> list[int]:
    """Step 2: up to ``limit`` researchers the sync touched that no follow-up covers yet,
    marked covered in the caller's transaction (write their follow-ups in it, and none is
    refreshed twice or lost). Empty when all are covered."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE works_snapshottouched t SET followed_up = true
               FROM (SELECT researcher_id FROM works_snapshottouched
                     WHERE sync_id = %s AND NOT followed_up ORDER BY researcher_id LIMIT %s
                     FOR UPDATE SKIP LOCKED) AS picked
               WHERE t.sync_id = %s AND t.researcher_id = picked.researcher_id
               RETURNING t.researcher_id""",
            [sync_id, limit, sync_id],
        )
        return sorted(row[0] for row in cursor.fetchall())


def sync_close(sync_id: int) -> SnapshotSync | None:
    """Step 3: the finishing sync is done when every task row is done and no blocking problem
    stands (its watermarks then count for the next sync), failed otherwise (its summary names
    the failed parts). None when it was not finishing. Running the command on the folder
    again continues a failed sync."""
    with transaction.atomic():
        sync = SnapshotSync.objects.select_for_update().get(pk=sync_id)
        if sync.state != SnapshotSync.State.FINISHING:
            return None
        failed = sync.tasks.exclude(state=SnapshotTask.State.DONE).count()
        blocking = [problem for problem in sync.problems if problem.get("blocking")]
        done = not failed and not blocking
        sync.state = SnapshotSync.State.DONE if done else SnapshotSync.State.FAILED
        sync.finished_at = timezone.now()
        totals = sync.tasks.aggregate(read=Sum("records_read"), written=Sum("records_written"))
        sync.message = (
            f"{totals['read'] or 0:,} records read, {totals['written'] or 0:,} works and authors written"
            + (f"; {failed:,} task(s) failed" if failed else "")
            + (f"; {len(blocking)} problem(s) with the folder" if blocking else "")
            + "."
        )
        sync.save(update_fields=["state", "finished_at", "message"])
    return sync
