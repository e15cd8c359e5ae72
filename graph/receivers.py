"""What graph does when a lower app announces a change (profiles/signals.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.dispatch import receiver

from graph.trust_schedule import trust_recompute_schedule
from profiles.signals import researcher_merged, trust_inputs_changed


@receiver(trust_inputs_changed, dispatch_uid="graph.recompute_trust_later")
def recompute_trust_later(sender: Any, *, researcher_ids: Iterable[int], **kwargs: Any) -> None:
    """Schedule ``graph.recompute_trust`` for each researcher, coalesced and kept in the
    database (graph/trust_schedule.py): an outbox row written in the sender's transaction,
    due 30 s later; a researcher with a pending row already gets none. A rollback takes the
    row with the change; a broker outage only delays it."""
    trust_recompute_schedule(researcher_ids)


@receiver(researcher_merged, dispatch_uid="graph.forget_merged_researcher")
def forget_merged_researcher(sender: Any, *, source_id: int, target_id: int, **kwargs: Any) -> None:
    """The merged record's derived rows go, inside the import's transaction: its trust history
    explained a record that no longer exists, and its edges would block its deletion. The
    target's edges and trust are recomputed after the import (its id is among the import's
    researchers). A recompute of the source still waiting in the outbox finds no one and
    does nothing."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM graph_trustsnapshot WHERE researcher_id = %s", [source_id])
        cursor.execute(
            "DELETE FROM graph_coauthoredge WHERE researcher_a_id = %s OR researcher_b_id = %s", [source_id, source_id]
        )
