"""Celery tasks of the graph app: thin interfaces over graph.edges and graph.trust_services."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task

from core import outbox
from graph import derived_refresh, edges, similar, trust_services
from graph.trust_services import RecomputeReport, TrustLockTimeout

logger = logging.getLogger(__name__)

# A per-researcher recompute takes milliseconds, so waiting a few seconds for another one
# (same researcher) is cheap. A full recompute holds its lock for tens of seconds: rather than
# keep a worker process waiting that long, the task gives up after this wait and re-queues
# itself with a growing countdown (5 s, 10 s, 20 s, ... capped at 2 min).
TRUST_LOCK_WAIT_SECONDS = 10.0
TRUST_LOCK_RETRIES = 20
_LOCK_RETRY = {
    "autoretry_for": (TrustLockTimeout,),
    "max_retries": TRUST_LOCK_RETRIES,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": False,
}

# An import's follow-ups go in chunks of at most this many researchers, each an outbox row
# of its own: a snapshot part touching 50,000 researchers is ten tasks of under a minute
# each, not one transaction of many minutes (edges of 5,000 researchers: at most ~40 s at
# the 8 ms a researcher of the densest benchmark data, graph/derived_refresh.py).
IMPORT_FOLLOWUP_CHUNK = 5_000


@shared_task(name="graph.refresh_coauthor_edges")
def refresh_coauthor_edges(researcher_ids: list[int] | None = None) -> int:
    """Recompute co-author edges for these researchers (everyone when None). Idempotent."""
    return edges.coauthor_edges_refresh(researcher_ids=researcher_ids)


@shared_task(name="graph.refresh_similar")
def refresh_similar(researcher_ids: list[int] | None = None) -> int:
    """Recompute the similar researchers of these researchers (everyone when None: the nightly
    pass). Reads the co-author edges: runs after them. Idempotent. Returns the rows stored."""
    return similar.similar_researchers_refresh(researcher_ids=researcher_ids)


@shared_task(name="graph.recompute_trust", **_LOCK_RETRY)
def recompute_trust(researcher_id: int) -> int:
    """Recompute one researcher's trust and store it if it changed. Idempotent; safe to run
    twice or concurrently (runs for one researcher are serialised by a database lock; one that
    waits more than TRUST_LOCK_WAIT_SECONDS raises TrustLockTimeout: re-queued by Celery, or
    retried by the outbox, which is how changes schedule it: graph/trust_schedule.py). A
    researcher that no longer exists (merged away) is nothing to do.

    When the researcher's verification level changed (a claim approved or revoked, an ORCID iD
    gained or lost), their co-authors' "claimed co-authors" input may have changed too: their
    recompute is written to the outbox. Returns the number of snapshots written (0 or 1)."""
    report = trust_services.trust_recompute(researcher_ids=[researcher_id], lock_timeout=TRUST_LOCK_WAIT_SECONDS)
    _log_failures(report)
    if any(change.level_changed for change in report.changes):
        coauthors = edges.coauthor_ids(researcher_id)
        if coauthors:
            outbox.enqueue(recompute_trust_many.name, [coauthors])
    return report.written


@shared_task(name="graph.recompute_trust_many", **_LOCK_RETRY)
def recompute_trust_many(researcher_ids: list[int]) -> int:
    """Recompute these researchers' trust in one set-based pass (import follow-ups).
    Idempotent. Returns the number of snapshots written."""
    report = trust_services.trust_recompute(researcher_ids=researcher_ids, lock_timeout=TRUST_LOCK_WAIT_SECONDS)
    _log_failures(report)
    return report.written


@shared_task(name="graph.recompute_trust_all")
def recompute_trust_all() -> int:
    """Every researcher's trust in one pass and one lock over everyone (``recompute_trust
    --all`` runs the same). No longer scheduled: the nightly pass is :func:`refresh_all`,
    whose partitions fit the task time limit at any size; kept for a small database and for
    messages already queued. Researchers who cannot be scored are logged (with the reason)
    and skipped. Returns the number of snapshots written."""
    report = trust_services.trust_recompute(researcher_ids=None)
    _log(report)
    return report.written


@shared_task(name="graph.refresh_all")
def refresh_all(reason: str = "nightly", partition_researchers: int | None = None, *, inline: bool = False) -> int:
    """The full refresh of derived data, partitioned (graph.derived_refresh): plans a run and
    queues its edge partitions through the outbox; when the edges are done, the last edge
    partition queues the trust and similar partitions (both read the edges). The nightly
    pass (beat), ``manage.py refresh_derived --all`` and the snapshot sync after a first full
    load call this. While a run is running, starts no other: queues that run's undone
    partitions again (no-ops where they are done or running) and returns it. Returns the
    run's id. ``inline`` runs a new run's partitions here, in order, instead (commands)."""
    size = partition_researchers or derived_refresh.PARTITION_RESEARCHERS
    if inline:
        run = derived_refresh.refresh_start(reason=reason, partition_researchers=size, queued=False)
        derived_refresh.refresh_run_here(run.pk)
        return run.pk
    return derived_refresh.refresh_start(reason=reason, partition_researchers=size, resume=True).pk


@shared_task(name=derived_refresh.PARTITION_TASK)
def refresh_derived_partition(partition_id: int) -> bool:
    """One partition of a full refresh (queued through the outbox by graph.derived_refresh).
    Idempotent: a partition done or held by another process is a no-op. Returns whether it
    ran."""
    return derived_refresh.partition_run(partition_id)


@shared_task(name="graph.import_followups")
def import_followups(researcher_ids: list[int]) -> int:
    """An import's follow-ups off the request (``refresh_after_import(..., inline=False)``):
    the co-author edges of these researchers here, then their similar researchers and their
    trust, each as an outbox row of its own (both read the edges), so a trust lock that is busy
    retries the trust alone, not the edges. Idempotent. Returns the number of edges written."""
    written = edges.coauthor_edges_refresh(researcher_ids=researcher_ids)
    outbox.enqueue(refresh_similar.name, [researcher_ids])
    outbox.enqueue(recompute_trust_many.name, [researcher_ids])
    return written


def refresh_after_import(researcher_ids: Iterable[int], *, inline: bool) -> None:
    """Refresh what an import changes beyond its own rows, for the researchers it touched
    (its authors and every author of the works it wrote): their co-author edges, then their
    similar researchers and their trust scores. The one place that knows the order: similarity
    and the collaboration input of trust read the edges, so edges come first. ``inline`` runs
    all three here (commands); otherwise an outbox row for ``graph.import_followups`` is
    written in the current transaction (the import's, when there is one), so a broker outage
    delays the follow-ups and never loses them. Either way in chunks of at most
    IMPORT_FOLLOWUP_CHUNK researchers (one outbox row each), so a big import's follow-ups
    stay tasks of bounded size; it never falls back to a full refresh.

    Queued, the chunks run in parallel and each does its edges, then its similar researchers
    and trust: a chunk's similar researchers (which read edges two steps away) and the
    collaboration input of its trust may read edges of researchers in another chunk whose
    edges are not refreshed yet. Those rows stay a little stale until the next refresh that
    covers them, at the latest the nightly full refresh (graph.derived_refresh). Inline, all
    the edges come first and nothing is stale. Known and accepted: ordering the chunks would
    need one task doing every chunk's edges, a task of unbounded size."""
    ids = sorted(set(researcher_ids))
    if not ids:
        return
    chunks = [ids[start : start + IMPORT_FOLLOWUP_CHUNK] for start in range(0, len(ids), IMPORT_FOLLOWUP_CHUNK)]
    if inline:
        # All the edges first: a chunk's similar researchers read edges two steps away.
        for chunk in chunks:
            edges.coauthor_edges_refresh(researcher_ids=chunk)
        for chunk in chunks:
            similar.similar_researchers_refresh(researcher_ids=chunk)
            _log_failures(trust_services.trust_recompute(researcher_ids=chunk))
        return
    outbox.enqueue_many(import_followups.name, [[chunk] for chunk in chunks])


def _log(report: RecomputeReport) -> None:
    logger.info(
        "trust recompute: %s researchers, %s new snapshots, %.1f s", report.researchers, report.written, report.seconds
    )
    _log_failures(report)


def _log_failures(report: RecomputeReport) -> None:
    for failure in report.failures:
        logger.warning(
            "trust: could not score %s (researcher %s): %s", failure.openalex_id, failure.researcher_id, failure.reason
        )
