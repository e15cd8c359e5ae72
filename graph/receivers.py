"""What graph does when a lower app announces a change (profiles/signals.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.dispatch import receiver

from graph.tasks import recompute_trust
from graph.trust_schedule import COALESCE_SECONDS, trust_recompute_mark
from profiles.signals import researcher_merged, trust_inputs_changed


@receiver(trust_inputs_changed, dispatch_uid="graph.recompute_trust_on_commit")
def recompute_trust_on_commit(sender: Any, *, researcher_ids: Iterable[int], **kwargs: Any) -> None:
    """Schedule ``graph.recompute_trust`` for each researcher, coalesced
    (graph/trust_schedule.py): the mark is written in the sender's transaction and the task
    is queued, ``COALESCE_SECONDS`` ahead, once it commits (at once outside a transaction);
    a researcher whose recompute is already queued gets no second task, and nothing is
    queued if the transaction rolls back."""
    for researcher_id in trust_recompute_mark(researcher_ids):
        transaction.on_commit(partial(recompute_trust.apply_async, (researcher_id,), countdown=COALESCE_SECONDS))


@receiver(researcher_merged, dispatch_uid="graph.forget_merged_researcher")
def forget_merged_researcher(sender: Any, *, source_id: int, target_id: int, **kwargs: Any) -> None:
    """The merged record's derived rows go, inside the import's transaction: its trust history
    explained a record that no longer exists, and its edges would block its deletion. The
    target's edges and trust are recomputed after the import (its id is among the import's
    researchers)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM graph_trustsnapshot WHERE researcher_id = %s", [source_id])
        cursor.execute("DELETE FROM graph_pendingtrustrecompute WHERE researcher_id = %s", [source_id])
        cursor.execute(
            "DELETE FROM graph_coauthoredge WHERE researcher_a_id = %s OR researcher_b_id = %s", [source_id, source_id]
        )
