"""Reads of the works app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet

from works.models import Authorship, ImportJob, Work, WorkTopic


def import_jobs_recent(*, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("researcher", "requested_by").order_by("-created_at")[:limit]


def import_job_get(*, job_id: int) -> ImportJob:
    return ImportJob.objects.select_related("researcher").get(pk=job_id)


# --- Public work page ---------------------------------------------------------------------------


@dataclass
class WorkPage:
    work: Work
    authorships: list[Authorship]
    topics: list[WorkTopic]


def work_page(openalex_id: str) -> WorkPage | None:
    """A work with its venue, its authors in byline order (linked researchers) and its topics.
    3 queries; None if we do not hold it."""
    work = Work.objects.select_related("source").filter(openalex_id=openalex_id).first()
    if work is None:
        return None
    authorships = list(work.authorships.select_related("researcher").order_by("position"))
    topics = list(work.work_topics.select_related("topic").order_by("-is_primary", F("score").desc(nulls_last=True)))
    return WorkPage(work, authorships, topics)
