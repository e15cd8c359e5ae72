"""The transactional outbox: work that must follow a commit is a database row first and a
Celery message second, so a Redis outage delays it and never loses it.

Why: ``transaction.on_commit(task.delay)`` publishes after the change committed; with the
broker unreachable the publish raises, the request answers 500 for a change that stands, and
the work (a trust recompute, an email) is gone. Here instead:

1. :func:`enqueue` writes a :class:`~core.models.OutboxMessage` in the caller's transaction:
   the work exists exactly when the change does (a rollback takes both). One query.
2. When that transaction commits, :func:`publish` hands Celery a ``core.run_outbox_message``
   message for the row, best effort: a broker error is logged and the row waits.
3. :func:`run` takes the row (pending -> running, committed before the task starts), calls
   the named task in this process and marks the row done; an exception puts it back,
   due again after a growing backoff, until ``MAX_ATTEMPTS`` mark it failed.
4. :func:`drain` (``core.drain_outbox``: beat every minute, and each worker at start) runs
   every due row nobody has taken: those whose message was never published or was lost (a
   restarted Redis has lost its queues; compose runs Redis without persistence) and those
   whose runner died (once its lease, the task time limit, has passed).

**Guarantee: at least once.** A row is done only after its task returned, so a crash
between the task's effect and the "done" runs it again, once per such crash. Every task run
through here is idempotent (trust recomputes, edge refreshes, an import job that another
run already claimed), except email: a claim email is marked done in the statement right
after the mail server accepted it, so a process that dies in that window sends it once more,
and only then. A mail server that refuses is retried like any other failure.

Tasks are named, never imported: core stands below every app (ARCHITECTURE.md), so it finds
the task in Celery's registry by the name its app gave it (``graph.recompute_trust``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

RUN_TASK = "core.run_outbox_message"
DRAIN_TASK = "core.drain_outbox"
# A failing task runs again after 1, 2, 4 ... minutes (at most an hour between tries), for
# about 8 hours in all, then the row is failed and waits for a person (README, "Outbox").
MAX_ATTEMPTS = 10
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
# One drain stops taking new rows after this long; the next one (a minute later) goes on.
DRAIN_SECONDS = 45
KEEP_DONE_DAYS = 7
# Advisory lock (first int4 key) held by the one drain that runs at a time; distinct from
# core.limits' "RLMT" and graph's trust locks.
LOCK_NAMESPACE = 0x4F544258  # "OTBX"
# One quick retry of a publish (a pooled broker connection that Redis closed when it
# restarted is replaced on the retry); then the row waits for the drain, not the request.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

_TABLE = OutboxMessage._meta.db_table
_WAITING = "state IN ('pending', 'running')"


@dataclass(frozen=True)
class Taken:
    """A row a runner has taken: running from now until done or put back."""

    id: int
    task: str
    args: list[Any]
    attempts: int


def lease_seconds() -> int:
    """How long a running row belongs to its runner: the hard time limit of a task (which
    kills it by then) and a minute. Past it, the runner is taken for dead."""
    return int(settings.CELERY_TASK_TIME_LIMIT) + 60


# --- Writing -----------------------------------------------------------------------------------


def enqueue(
    task_name: str, args: Sequence[Any] = (), *, key: str | None = None, not_before: datetime | None = None
) -> int | None:
    """Run ``task_name(*args)`` once the current transaction commits (at once outside one),
    not before ``not_before``. ``args`` must be JSON (ids, not objects).

    Writes one row in the caller's transaction (one query) and, on commit, publishes it
    (:func:`publish`; a broker outage only delays it). With a ``key``, a pending row of the
    same key already covers this call: nothing is written and None is returned (the
    caller's change is read when that row runs, as it runs after this commit). Returns the
    new row's id."""
    ids = enqueue_many(task_name, [args], keys=[key], not_before=not_before)
    return ids[0] if ids else None


def enqueue_many(
    task_name: str,
    args_list: Iterable[Sequence[Any]],
    *,
    keys: Sequence[str | None] | None = None,
    not_before: datetime | None = None,
) -> list[int]:
    """:func:`enqueue` for several rows of one task in one query; ``keys`` (when given) pairs
    a key with each ``args``. Returns the ids of the rows written (not those a pending row
    of their key already covered)."""
    rows: list[dict[str, Any]] = [{"args": list(args)} for args in args_list]
    if keys is not None:
        if len(keys) != len(rows):
            raise ValueError(f"{len(rows)} argument lists but {len(keys)} keys")
        for row, key in zip(rows, keys, strict=True):
            row["key"] = key
    if not rows:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_TABLE} AS m (task, args, key, state, created_at, not_before, attempts, last_error)
                SELECT %s, r.args, r.key, 'pending', now(), coalesce(%s::timestamptz, now()), 0, ''
                FROM jsonb_to_recordset(%s::jsonb) AS r(args jsonb, key text)
                ON CONFLICT (key) WHERE state = 'pending' DO NOTHING
                RETURNING id""",
            [task_name, not_before, json.dumps(rows)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for message_id in ids:
        transaction.on_commit(partial(publish, message_id, eta=not_before))
    return ids


def publish(message_id: int, *, eta: datetime | None = None) -> bool:
    """Hand Celery a ``core.run_outbox_message`` message for this row, to run at ``eta``.
    Best effort and never raises: when the broker cannot take it (Redis down), the row
    stays pending for :func:`drain`. Returns whether the broker took it.

    With ``CELERY_TASK_ALWAYS_EAGER`` (debugging; the browser tests) there is no worker and
    no beat: the row runs here at once, whatever its delay."""
    try:
        if current_app.conf.task_always_eager:
            run(message_id, due_now=True)
            return True
        current_app.send_task(RUN_TASK, args=[message_id], eta=eta, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # noqa: BLE001 - any broker failure means "the drain will do it"
        logger.warning(
            "outbox message %s stays in the database for the drain: publishing failed (%s: %s)",
            message_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


# --- Running -----------------------------------------------------------------------------------


def run(message_id: int, *, due_now: bool = False) -> bool:
    """Run this row if it is due (or ``due_now``) and nobody else runs it (pending, or
    running past its lease); a row already done, not yet due or being run elsewhere is left
    alone (the drain takes a row once due). Returns whether it ran the task (successfully
    or not)."""
    taken = _take("id = %s", [message_id], due_now=due_now)
    if taken is None:
        return False
    _execute(taken)
    return True


def drain(*, seconds: float = DRAIN_SECONDS) -> int:
    """Run due rows one by one, oldest due first, until none is left or ``seconds`` have
    passed (the next drain goes on). One drain runs at a time (a PostgreSQL advisory lock;
    a second one returns 0 at once); single rows still run beside it through their own
    messages. Returns how many rows it ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [LOCK_NAMESPACE])
        if not cursor.fetchone()[0]:
            return 0
    ran = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            taken = _take("TRUE", [])
            if taken is None:
                break
            _execute(taken)
            ran += 1
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [LOCK_NAMESPACE])
        except DatabaseError:  # the connection went with the lock
            logger.warning("outbox drain: could not release its lock (the connection is gone)")
    return ran


def _take(where: str, params: list[Any], *, due_now: bool = False) -> Taken | None:
    """Take the first due row (any, with ``due_now``) matching ``where`` that nobody runs:
    pending, or running past its lease. Committed at once when no transaction is open, so a
    change made from now on writes a new pending row instead of counting on this run. One
    query."""
    due = "TRUE" if due_now else "not_before <= now()"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {_TABLE} AS m SET state = 'running', started_at = now(), attempts = m.attempts + 1
                WHERE m.id = (
                    SELECT id FROM {_TABLE}
                    WHERE {where} AND {_WAITING} AND {due}
                      AND (state = 'pending' OR started_at < now() - make_interval(secs => %s))
                    ORDER BY not_before, id LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING m.id, m.task, m.args, m.attempts""",
            [*params, lease_seconds()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message_id, task, args, attempts = row
    # Django reads jsonb as text from a raw cursor (its JSONField decodes in Python).
    return Taken(message_id, task, json.loads(args) if isinstance(args, str) else args, attempts)


def _execute(taken: Taken) -> None:
    """Call the row's task here and record the outcome on the row."""
    task = _registered(taken.task)
    if task is None:
        _finish(taken, OutboxMessage.State.FAILED, f"No task named {taken.task!r} is registered.")
        logger.error("outbox message %s names no registered task: %s", taken.id, taken.task)
        return
    try:
        # A direct call: the task runs in this process, and an exception (a retryable one
        # too: a direct call raises what autoretry would retry) comes back here.
        task(*taken.args)
    except Exception as exc:  # noqa: BLE001 - every failure is kept on the row and retried
        _failed(taken, exc)
    else:
        _finish(taken, OutboxMessage.State.DONE, "")


def _registered(name: str) -> Any:
    """The task registered under ``name``. A worker has imported every app's tasks module;
    another process (``manage.py outbox --drain``, a test) imports them on first need."""
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks.get(name)


def _finish(taken: Taken, state: str, error: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, finished_at = now(), last_error = %s WHERE id = %s AND state = 'running'",
            [state, error, taken.id],
        )


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: 60, 120, 240 ... 3600."""
    return int(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _failed(taken: Taken, exc: Exception) -> None:
    error = f"attempt {taken.attempts}: {type(exc).__name__}: {exc}"[:2000]
    if taken.attempts >= MAX_ATTEMPTS:
        logger.error("outbox message %s (%s) failed for good: %s", taken.id, taken.task, error, exc_info=exc)
        _finish(taken, OutboxMessage.State.FAILED, error)
        return
    delay = retry_delay(taken.attempts)
    logger.warning("outbox message %s (%s) will run again in %s s: %s", taken.id, taken.task, delay, error)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {_TABLE} SET state = 'pending', not_before = now() + make_interval(secs => %s),
                    last_error = %s WHERE id = %s AND state = 'running'""",
                [delay, error, taken.id],
            )
    except IntegrityError:
        # A newer pending row of the same key does the same (idempotent) work: this one
        # steps aside rather than run twice.
        _finish(taken, OutboxMessage.State.DONE, f"{error} (superseded by a newer pending row of its key)")


# --- Looking after the table -------------------------------------------------------------------


def retry_failed(ids: Iterable[int] | None = None) -> int:
    """Failed rows (these, or all) are pending again, due now, with a fresh count of
    attempts; of several failed rows of one key only the newest goes back, and none when
    the key has a pending row already (that row does the work). Returns how many went back."""
    wanted = None if ids is None else sorted(set(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {_TABLE} AS m SET state = 'pending', not_before = now(), attempts = 0, finished_at = NULL
                WHERE m.id IN (
                    -- the newest failed row of each key (two pending rows of a key may not be)
                    SELECT DISTINCT ON (coalesce(f.key, f.id::text)) f.id FROM {_TABLE} f
                    WHERE f.state = 'failed' AND (%s::bigint[] IS NULL OR f.id = ANY(%s::bigint[]))
                    ORDER BY coalesce(f.key, f.id::text), f.id DESC)
                  AND (m.key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM {_TABLE} p WHERE p.key = m.key AND p.state = 'pending'))""",
            [wanted, wanted],
        )
        return cursor.rowcount


def prune(*, days: int = KEEP_DONE_DAYS) -> int:
    """Delete rows done more than ``days`` ago (failed rows stay). Returns how many went."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_TABLE} WHERE state = 'done' AND finished_at < now() - make_interval(days => %s)", [days]
        )
        return cursor.rowcount
