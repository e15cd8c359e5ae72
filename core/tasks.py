"""Celery tasks of the core app: the rate-limit log's and the sessions' pruning, and the
outbox's runners."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from core import outbox
from core.limits import rate_limits_prune
from core.sessions import SessionStore

logger = logging.getLogger(__name__)


@shared_task(name="core.prune_rate_limits")
def prune_rate_limits() -> int:
    """Delete rate-limit hits no window reads any more (beat, nightly). Idempotent."""
    return rate_limits_prune()


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete the sessions whose expiry has passed (beat, nightly; Django's
    ``clearsessions``): nobody can use them, and the table would only grow. Returns how many
    were deleted. Idempotent."""
    expired = SessionStore.get_model_class().objects.filter(expire_date__lt=timezone.now())
    return int(expired.delete()[0])


@shared_task(name=outbox.RUN_TASK)
def run_outbox_message(message_id: int) -> bool:
    """Run one outbox row (published when the transaction that wrote it committed); a row
    already taken, done or not yet due is left alone. See core/outbox.py."""
    return outbox.run(message_id)


@shared_task(name=outbox.DRAIN_TASK)
def drain_outbox() -> int:
    """Run every due outbox row nobody took (beat, every minute; each worker at start):
    what a broker outage, a lost message or a dead runner left behind. Returns how many ran."""
    return outbox.drain()


@shared_task(name="core.prune_outbox")
def prune_outbox() -> int:
    """Delete outbox rows done more than a week ago (beat, nightly). Idempotent."""
    return outbox.prune()


@worker_ready.connect(dispatch_uid="core.drain_outbox_at_worker_start")
def drain_outbox_at_worker_start(sender: Any, **kwargs: Any) -> None:
    """A worker that starts (after a deploy, a crash, an outage) drains at once instead of
    at beat's next minute. Queued like any task, so this worker or another runs it."""
    try:
        sender.app.send_task(outbox.DRAIN_TASK)
    except Exception as exc:  # noqa: BLE001 - beat sends the next one in a minute
        logger.warning("could not queue the outbox drain at worker start: %s: %s", type(exc).__name__, exc)
