"""One trust recompute per researcher per window, however many changes announce it, and
never lost.

A burst of follows of one researcher (or any run of ``profiles.signals.trust_inputs_changed``)
must not queue a task per change, and a change must not lose its recompute when Redis is
down. The first change writes an outbox row (core/outbox.py) for ``graph.recompute_trust``,
keyed ``graph.recompute_trust:<id>`` and due ``COALESCE_SECONDS`` later, in the change's own
transaction; later changes find that pending row and write nothing (one pending row per
key). The runner takes the row (pending -> running, committed) before the task reads any
input, so:

* a change committed before the run starts is read by it (the change's transaction
  committed its row, or found the pending one, before the run could take it);
* a change after the run started finds no pending row and writes the next one: the last
  change is always scored, ``COALESCE_SECONDS`` after it (plus queue time).

A row whose message was lost or never published (Redis down) runs at the outbox's next
drain (a minute) once Redis is back; a runner that died leaves it to be taken again after
its lease. The nightly ``recompute_trust_all`` scores everyone in any case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from core import outbox

COALESCE_SECONDS = 30
TASK = "graph.recompute_trust"


def trust_recompute_key(researcher_id: int) -> str:
    """The outbox key of a researcher's pending recompute."""
    return f"{TASK}:{researcher_id}"


def trust_recompute_schedule(researcher_ids: Iterable[int]) -> int:
    """Schedule a recompute of each of these researchers ``COALESCE_SECONDS`` from now, in
    the caller's transaction; returns how many got a new row (the others had a pending one
    already, which will read this change). One query."""
    ids = sorted(set(researcher_ids))
    if not ids:
        return 0
    not_before = timezone.now() + timedelta(seconds=COALESCE_SECONDS)
    keys = [trust_recompute_key(researcher_id) for researcher_id in ids]
    return len(outbox.enqueue_many(TASK, [[researcher_id] for researcher_id in ids], keys=keys, not_before=not_before))
