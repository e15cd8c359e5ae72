"""Celery tasks of the graph app: thin interfaces over graph.services."""

from __future__ import annotations

from celery import shared_task

from graph import services


@shared_task(name="graph.refresh_coauthor_edges")
def refresh_coauthor_edges(researcher_ids: list[int] | None = None) -> int:
    """Recompute co-author edges for these researchers (everyone when None). Idempotent."""
    return services.coauthor_edges_refresh(researcher_ids=researcher_ids)
