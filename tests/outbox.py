"""The outbox in tests (core/outbox.py): what is waiting, and a worker's run of it."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from core import outbox
from core.models import OutboxMessage


def waiting(task: str | None = None) -> list[tuple[str, list[Any]]]:
    """(task, args) of the rows not done yet (pending, running or failed), oldest first."""
    rows = OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE).order_by("id")
    return [(row.task, row.args) for row in rows if task is None or row.task == task]


def make_due() -> None:
    """What the clock does: every pending row's delay (coalescing, backoff) has passed. (Due
    from when it was written: the database's ``now()`` is the transaction's start, which in a
    test's transaction is earlier than any clock reading.)"""
    OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).update(not_before=F("created_at"))


def run_outbox() -> int:
    """What a worker does once the transaction committed and the delays passed: run every
    waiting row here, in the test's transaction (mail lands in ``mailoutbox``). Returns how
    many rows ran."""
    make_due()
    return outbox.drain()
