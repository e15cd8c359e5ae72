"""Reads of the works app."""

from __future__ import annotations

from django.db.models import QuerySet

from works.models import ImportJob


def import_jobs_recent(*, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("researcher", "requested_by").order_by("-created_at")[:limit]


def import_job_get(*, job_id: int) -> ImportJob:
    return ImportJob.objects.select_related("researcher").get(pk=job_id)
