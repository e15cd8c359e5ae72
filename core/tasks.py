"""Celery tasks of the core app."""

from __future__ import annotations

from celery import shared_task

from core.limits import rate_limits_prune


@shared_task(name="core.prune_rate_limits")
def prune_rate_limits() -> int:
    """Delete rate-limit hits no window reads any more (beat, nightly). Idempotent."""
    return rate_limits_prune()
