"""The full refresh of derived data, partitioned: co-author edges, then trust and similar
researchers, for every researcher, as Celery tasks of bounded size.

Normal operation never needs it: every import refreshes what it touched (graph.tasks.
refresh_after_import). It is for the nightly pass that heals what no event announced, a
first full load (the snapshot sync), and a formula change. At the full OpenAlex snapshot a
single statement chain over everyone would run for hours, past the task time limit, and
hold one lock over everyone; here it is a :class:`~graph.models.DerivedRefreshRun` row and
one :class:`~graph.models.DerivedRefreshPartition` row per (kind, id range).

Contract
========

* **Partitions tile the ids.** The ranges ``[low, high)`` of each kind cover every id (the
  first starts open, the last ends open). Trust and similar ranges are aligned to trust's
  lock blocks (graph.trust_services.LOCK_BLOCK_IDS); edge ranges are cut anywhere, as many
  as the others, each holding about as many authorships (see the sizing). An edge (a, b),
  a < b, is owned by the range of a and written or deleted by that partition only, so the
  union of the partitions is exactly the single-statement refresh
  (graph.edges.coauthor_edges_refresh). Trust and similar researchers are per researcher.
* **Sized by researchers, edges by authorships.** A trust or similar range holds about
  :data:`PARTITION_RESEARCHERS` researchers (whole blocks: at least one block): a few
  seconds of work. An edge partition costs what the authorships of its researchers cost
  (every work of theirs is staged and paired): ~0.13-0.16 ms an authorship in the single pass,
  measured at 100k and at 1M works (``make bench-trust``, ``make bench-web``). Cut by
  researcher count, the edge ranges were as skewed as authorship is: the first 16,384 ids of
  the trust benchmark own 3.5M of its 4.8M edges and took 214 s of a 291 s run. So the edge
  ranges are the quantiles of the authorships by researcher id (counted, or sampled past
  :data:`EDGE_WEIGHT_SAMPLE_ROWS`). At the full snapshot (~1B authorships, ~90M researchers:
  ~3,600 partitions of each kind) that is ~280,000 authorships an edge partition, ~45 s, far
  inside the 30-minute soft time limit (CELERY_TASK_SOFT_TIME_LIMIT); only one researcher
  with an enormous number of works could make a partition heavy, and works of more than
  MAX_AUTHORS_FOR_EDGES authors are left out of the pairs.
* **Exactly once in effect.** A partition's task takes its row with ``FOR UPDATE SKIP
  LOCKED`` and writes its rows, marks the row done and, when it was the step's last, moves
  the run on, in one transaction: a partition that is done, or being run by another process
  (redelivered, resumed twice), is a no-op; a process that dies rolls everything of its
  partition back, and the outbox runs it again (core/outbox.py: at least once).
* **Steps without chords.** Edges are step 0; trust and similar (both read the edges) step 1.
  The partition that finds, holding the run row's lock, no other partition of its step left
  undone is the last (exactly one does: the lock serialises the check, each one sees the
  others' commits), and it queues step 1's partitions through the outbox in its transaction.
* **One run at a time.** Starting a refresh while one runs returns the running one (a
  partial unique index); :func:`refresh_resume` queues again whatever of its step is undone.
  The nightly start does the same (``resume``), for a run started inline too: a run nobody
  finishes would otherwise block every later night.
* **A partition that keeps failing gives up.** After :data:`MAX_PARTITION_ATTEMPTS` attempts
  it is marked failed with its error (logged at ERROR) and counts as ended: its step moves on
  (the next step runs for everyone else) and the run ends failed ("done with failures", in the
  admin and ``refresh_derived --status``), so the next night starts a fresh run. A failed
  partition is never run again by a redelivered or re-queued message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core import outbox
from graph import edges, similar, trust_services
from graph.models import DerivedRefreshPartition, DerivedRefreshRun

logger = logging.getLogger(__name__)

PARTITION_TASK = "graph.refresh_derived_partition"
PARTITION_RESEARCHERS = 25_000
# Edge ranges are cut from at most about this many authorship rows (a sample of the table
# past it): the plan stays a few seconds at any size.
EDGE_WEIGHT_SAMPLE_ROWS = 2_000_000
# Held while a run is planned, so two starts cannot both plan one (distinct from trust's keys).
LOCK_NAMESPACE = 0x44525652  # "DRVR"
# Attempts of one partition before it is marked failed. The outbox retries a failing task with
# a growing backoff and the nightly start queues the partition again, so a transient failure
# (a lock wait, a restart) is retried; a partition failing this often fails for good, and
# must not hold the run (and every later night's run) open forever.
MAX_PARTITION_ATTEMPTS = 5

Kind = DerivedRefreshPartition.Kind
STEPS: dict[str, int] = {Kind.EDGES: 0, Kind.TRUST: 1, Kind.SIMILAR: 1}
LAST_STEP = max(STEPS.values())

_PARTITIONS = DerivedRefreshPartition._meta.db_table
_RUNS = DerivedRefreshRun._meta.db_table


@dataclass(frozen=True)
class Progress:
    """How far a run is: partitions done of all, per kind."""

    run_id: int
    state: str
    step: int
    done: dict[str, int]
    total: dict[str, int]
    failed: dict[str, int]

    @property
    def finished(self) -> bool:
        return self.state != DerivedRefreshRun.State.RUNNING


def plan_ranges(partition_researchers: int = PARTITION_RESEARCHERS) -> list[tuple[int | None, int | None]]:
    """Id ranges of whole lock blocks holding about ``partition_researchers`` researchers each
    (at least one block), tiling every id: the first starts open, the last ends open. One
    index-only scan of the researcher ids."""
    if partition_researchers < 1:
        raise ValueError("a partition holds at least one researcher")
    block = trust_services.LOCK_BLOCK_IDS
    with connection.cursor() as cursor:
        cursor.execute("SELECT id / %s AS block, count(*) FROM profiles_researcher GROUP BY 1 ORDER BY 1", [block])
        counts = cursor.fetchall()
    cuts: list[int] = []
    held = 0
    for number, count in counts:
        if held >= partition_researchers:
            cuts.append(number * block)
            held = 0
        held += count
    lows: list[int | None] = [None, *cuts]
    highs: list[int | None] = [*cuts, None]
    return list(zip(lows, highs, strict=True))


def plan_edge_ranges(parts: int) -> list[tuple[int | None, int | None]]:
    """At most ``parts`` id ranges holding about as many authorships each (the cost of an edge
    partition), tiling every id. One aggregate over the authorships, sampled past
    EDGE_WEIGHT_SAMPLE_ROWS rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'works_authorship'::regclass")
        estimate = float(cursor.fetchone()[0])
        sample = ""
        if estimate > EDGE_WEIGHT_SAMPLE_ROWS:
            sample = f"TABLESAMPLE SYSTEM ({100.0 * EDGE_WEIGHT_SAMPLE_ROWS / estimate:.6f})"
        cursor.execute(
            f"""WITH w AS (SELECT researcher_id AS id, count(*) AS n FROM works_authorship {sample}
                           WHERE researcher_id IS NOT NULL GROUP BY 1),
                     c AS (SELECT id, sum(n) OVER (ORDER BY id) AS upto, sum(n) OVER () AS total FROM w)
                SELECT min(id) FROM c GROUP BY floor((upto - 1) * %s / total) ORDER BY 1""",
            [max(1, parts)],
        )
        cuts = [first for (first,) in cursor.fetchall()][1:]
    lows: list[int | None] = [None, *cuts]
    highs: list[int | None] = [*cuts, None]
    return list(zip(lows, highs, strict=True))


def refresh_start(
    *, reason: str, partition_researchers: int = PARTITION_RESEARCHERS, queued: bool = True, resume: bool = False
) -> DerivedRefreshRun:
    """Plan a full refresh and (``queued``) queue its edge partitions through the outbox, in
    one transaction; the later steps are queued by the partitions themselves. When a run is
    already running, that run is returned and no other is planned; with ``resume`` its undone
    partitions of the current step are queued again (:func:`refresh_resume`: a partition
    whose outbox row failed for good must not stall every later night; those in flight or
    done are no-ops when their second message arrives). That holds for a run started
    inline (``queued=False``) and abandoned: it is handed to the workers, as
    :func:`refresh_resume` does."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE])
        running = DerivedRefreshRun.objects.filter(state=DerivedRefreshRun.State.RUNNING).first()
        if running is not None:
            if resume:
                _hand_to_workers(running)
            return running
        run = DerivedRefreshRun.objects.create(
            reason=reason[:32], partition_researchers=partition_researchers, queued=queued
        )
        ranges = plan_ranges(partition_researchers)
        plans = {Kind.EDGES: plan_edge_ranges(len(ranges)), Kind.TRUST: ranges, Kind.SIMILAR: ranges}
        DerivedRefreshPartition.objects.bulk_create(
            DerivedRefreshPartition(run=run, kind=kind, step=STEPS[kind], low=low, high=high, researchers=count)
            for kind, planned in plans.items()
            for (low, high), count in zip(planned, _researchers_per_range(planned), strict=True)
        )
        if queued:
            _enqueue_step(run.pk, 0)
    logger.info("derived refresh %s (%s): %s partitions per kind", run.pk, reason, len(ranges))
    return run


def refresh_resume(run_id: int) -> int:
    """Queue again every partition of the run's current step that is not done (after a lost
    queue, or a run started with ``queued=False`` and abandoned). Partitions that are done or
    running are no-ops when their message arrives. Returns how many were queued."""
    with transaction.atomic():
        run = DerivedRefreshRun.objects.select_for_update().get(pk=run_id)
        if run.state != DerivedRefreshRun.State.RUNNING:
            return 0
        return _hand_to_workers(run)


def _hand_to_workers(run: DerivedRefreshRun) -> int:
    """Mark the run queued (so its last partitions queue the next step) and queue its current
    step's pending partitions, in the caller's transaction. Returns how many."""
    if not run.queued:
        run.queued = True
        run.save(update_fields=["queued"])
    return _enqueue_step(run.pk, run.step)


def refresh_run_here(run_id: int) -> None:
    """Run every remaining partition of the run in this process, step by step (the command's
    ``--inline``, and the first load of a machine without workers). Safe beside workers: a
    partition another process runs is skipped here and finished there."""
    while True:
        run = DerivedRefreshRun.objects.get(pk=run_id)
        if run.state != DerivedRefreshRun.State.RUNNING:
            return
        pending = list(
            DerivedRefreshPartition.objects.filter(
                run_id=run_id, step=run.step, state=DerivedRefreshPartition.State.PENDING
            )
            .order_by("kind", "low")
            .values_list("pk", flat=True)
        )
        ran = [partition_run(pk) for pk in pending]
        if not any(ran) and DerivedRefreshRun.objects.get(pk=run_id).step == run.step:
            # Every partition left is being run by another process; theirs will finish them.
            return


def partition_run(partition_id: int) -> bool:
    """Run one partition (the task ``graph.refresh_derived_partition``): write its rows, mark
    it done and, if it was the last of its step, move the run on, in one transaction.
    Idempotent: a partition that is done or failed, or that another process holds, is left
    alone. An error is raised (the outbox retries the task) until the partition's
    MAX_PARTITION_ATTEMPTS-th attempt, which marks it failed instead; an attempt beyond that
    (earlier ones died without a word: killed, timed out) marks it failed before running it.
    Returns whether it ran."""
    _note_start(partition_id)
    with transaction.atomic():
        partition = (
            DerivedRefreshPartition.objects.select_for_update(skip_locked=True)
            .filter(pk=partition_id, state=DerivedRefreshPartition.State.PENDING)
            .first()
        )
        if partition is None:
            return False
        if partition.attempts > MAX_PARTITION_ATTEMPTS:
            _fail(partition, f"gave up: {MAX_PARTITION_ATTEMPTS} attempts ended without finishing")
            return True
        try:
            with transaction.atomic():  # a savepoint: a failed attempt leaves the row usable
                changed, failures = _partition_work(partition)
        except Exception as exc:
            if partition.attempts < MAX_PARTITION_ATTEMPTS:
                raise
            _fail(partition, f"{type(exc).__name__}: {exc}")
            return True
        DerivedRefreshPartition.objects.filter(pk=partition.pk).update(
            state=DerivedRefreshPartition.State.DONE,
            finished_at=timezone.now(),
            rows_changed=changed,
            failures=failures,
        )
        _advance_if_last(partition.run_id, partition.step)
    return True


def _partition_work(partition: DerivedRefreshPartition) -> tuple[int, int]:
    """Write one partition's rows. Returns the rows changed and the researchers trust could
    not score."""
    id_range = (partition.low, partition.high)
    if partition.kind == Kind.EDGES:
        return edges.coauthor_edges_refresh(id_range=id_range), 0
    if partition.kind == Kind.TRUST:
        report = trust_services.trust_recompute(id_range=id_range)
        for failure in report.failures:
            logger.warning(
                "trust: could not score %s (researcher %s): %s",
                failure.openalex_id,
                failure.researcher_id,
                failure.reason,
            )
        return report.written, len(report.failures)
    return similar.similar_researchers_refresh(id_range=id_range), 0


def _fail(partition: DerivedRefreshPartition, error: str) -> None:
    """Mark the partition failed for good (in its transaction, holding its row) and move the
    run on as if it were done: the others of its step and the next step are not held back."""
    logger.error(
        "derived refresh %s: partition %s (%s) failed after %s attempts: %s",
        partition.run_id,
        partition.pk,
        partition,
        partition.attempts,
        error,
    )
    DerivedRefreshPartition.objects.filter(pk=partition.pk).update(
        state=DerivedRefreshPartition.State.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
    _advance_if_last(partition.run_id, partition.step)


def refresh_progress(run_id: int) -> Progress:
    """Partitions done, failed and in all, per kind. Two queries."""
    run = DerivedRefreshRun.objects.get(pk=run_id)
    done: dict[str, int] = {kind: 0 for kind in STEPS}
    total: dict[str, int] = {kind: 0 for kind in STEPS}
    failed: dict[str, int] = {kind: 0 for kind in STEPS}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, count(*), count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed') "
            f"FROM {_PARTITIONS} WHERE run_id = %s GROUP BY kind",
            [run_id],
        )
        for kind, all_of_kind, done_of_kind, failed_of_kind in cursor.fetchall():
            total[kind], done[kind], failed[kind] = all_of_kind, done_of_kind, failed_of_kind
    return Progress(run.pk, run.state, run.step, done, total, failed)


def _note_start(partition_id: int) -> None:
    """Record that a process took the partition up (shown as progress; committed at once,
    the work itself commits only when the partition is done)."""
    with transaction.atomic():
        DerivedRefreshPartition.objects.filter(pk=partition_id, state=DerivedRefreshPartition.State.PENDING).update(
            started_at=timezone.now(), attempts=F("attempts") + 1
        )


def _advance_if_last(run_id: int, step: int) -> None:
    """In the partition's transaction, after it was marked done (or failed): if no partition
    of ``step`` is left pending, move the run to the next step (queueing it) or finish it. The run row's
    lock makes the check happen one partition at a time, each seeing the others' commits."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT step, queued FROM {_RUNS} WHERE id = %s FOR UPDATE", [run_id])
        current, queued = cursor.fetchone()
        if current != step:
            return
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {_PARTITIONS} WHERE run_id = %s AND step = %s AND state = 'pending')",
            [run_id, step],
        )
        if cursor.fetchone()[0]:
            return
        if step == 0:
            # The edges were rewritten: stale planner estimates made profile queries slow.
            cursor.execute("ANALYZE graph_coauthoredge")
        if step < LAST_STEP:
            cursor.execute(f"UPDATE {_RUNS} SET step = %s WHERE id = %s", [step + 1, run_id])
            if queued:
                _enqueue_step(run_id, step + 1)
            return
        cursor.execute("ANALYZE graph_similarresearcher")
        cursor.execute(
            f"""UPDATE {_RUNS} SET step = %s, finished_at = now(),
                       state = CASE WHEN EXISTS (SELECT 1 FROM {_PARTITIONS} WHERE run_id = %s AND state = 'failed')
                                    THEN 'failed' ELSE 'done' END
                WHERE id = %s RETURNING state""",
            [step + 1, run_id, run_id],
        )
        state = cursor.fetchone()[0]
    if state == DerivedRefreshRun.State.FAILED:
        logger.error("derived refresh %s: done with failed partitions (the admin lists them)", run_id)
    else:
        logger.info("derived refresh %s: done", run_id)


def _enqueue_step(run_id: int, step: int) -> int:
    ids = list(
        DerivedRefreshPartition.objects.filter(run_id=run_id, step=step, state=DerivedRefreshPartition.State.PENDING)
        .order_by("kind", "low")
        .values_list("pk", flat=True)
    )
    outbox.enqueue_many(PARTITION_TASK, [[pk] for pk in ids])
    return len(ids)


def _researchers_per_range(ranges: list[tuple[int | None, int | None]]) -> list[int]:
    """How many researchers each range holds now (for the progress display). One query."""
    cuts = [high for _, high in ranges[:-1]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT width_bucket(id, %s::bigint[]) AS n, count(*) FROM profiles_researcher GROUP BY 1",
            [cuts or [0]],
        )
        found = dict(cursor.fetchall())
    if not cuts:
        return [sum(found.values())]
    return [found.get(n, 0) for n in range(len(ranges))]
