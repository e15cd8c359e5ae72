"""One trust recompute per researcher per window, however many changes announce it.

A burst of follows of one researcher (or any run of ``profiles.signals.trust_inputs_changed``)
must not queue a task per change. The first change queues ``graph.recompute_trust`` with a
countdown of ``COALESCE_SECONDS`` and marks the researcher (``graph.PendingTrustRecompute``);
later changes find the mark and queue nothing. The task deletes the mark as it starts, before
it reads anything, so:

* a change committed before the task starts is read by it (the task starts after the
  change's transaction committed its mark or found the mark);
* a change after the task started finds no mark and queues the next task: the last change
  is always scored, at most ``COALESCE_SECONDS`` (plus queue time) after it.

A mark whose task never started (a lost message, a broker outage) is taken over by the next
change once it is older than ``STALE_SECONDS``; the nightly ``recompute_trust_all`` scores
everyone in any case.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from graph.models import PendingTrustRecompute

COALESCE_SECONDS = 30
# Longer than any honest wait of a queued task (the countdown, a busy queue, lock retries
# of a few minutes); a duplicate task after it is harmless (recomputes are idempotent).
STALE_SECONDS = 15 * 60


def trust_recompute_mark(researcher_ids: Iterable[int]) -> list[int]:
    """Mark these researchers as queued for a recompute; returns those that were not marked
    already (or whose mark was stale): the caller queues one task for each, nothing for the
    rest. Runs in the caller's transaction, so concurrent writers of one researcher agree on
    one task (the second waits on the first's row, then finds it). One query."""
    ids = sorted(set(researcher_ids))
    if not ids:
        return []
    table = PendingTrustRecompute._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} AS p (researcher_id, queued_at)
                SELECT id, now() FROM unnest(%s::bigint[]) AS id
                ON CONFLICT (researcher_id) DO UPDATE SET queued_at = EXCLUDED.queued_at
                WHERE p.queued_at < now() - make_interval(secs => %s)
                RETURNING researcher_id""",
            [ids, STALE_SECONDS],
        )
        return sorted(row[0] for row in cursor.fetchall())


def trust_recompute_started(researcher_id: int) -> None:
    """The queued recompute of this researcher starts: changes from now on queue a new one.
    Called by the task before it reads any input. One query."""
    PendingTrustRecompute.objects.filter(researcher_id=researcher_id).delete()
