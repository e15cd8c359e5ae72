"""Reads of the works app: import jobs, a work's page, and a researcher's works (the one
definition of "their works", which the profile, the claims pages, the graph slice and the
trust inputs all read)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet

from profiles.display import abstract_is_long
from profiles.models import Researcher
from works.models import Authorship, HiddenWork, ImportJob, Work, WorkTopic

WORKS_PER_PAGE = 20


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


# --- A researcher's works ------------------------------------------------------------------


def researcher_works(researcher: Researcher, *, type: str | None = None, year: int | None = None) -> QuerySet[Work]:
    """The works a profile lists, newest first: every work with an authorship of
    ``researcher``, minus those the record's owner hid (works.HiddenWork), optionally of one
    type and one publication year. The one definition of "their works" for the page, its
    counts and the trust inputs. Lazy; no query until evaluated."""
    works = Work.objects.filter(
        pk__in=Authorship.objects.filter(researcher=researcher).values("work_id"),
    ).exclude(pk__in=HiddenWork.objects.filter(researcher=researcher).values("work_id"))
    if type:
        works = works.filter(type=type)
    if year:
        works = works.filter(publication_year=year)
    return works.order_by(
        F("publication_date").desc(nulls_last=True), F("publication_year").desc(nulls_last=True), "-id"
    )


@dataclass
class WorksPage:
    """One page of a researcher's works list with its filter choices."""

    works: list[Work]
    total: int  # all their works
    matching: int  # works matching the filter
    page: int
    pages: int
    type: str = ""
    year: int | None = None
    types: list[tuple[str, int]] = field(default_factory=list)  # (type, works), most first
    years: list[tuple[int, int]] = field(default_factory=list)  # (year, works), newest first

    @property
    def start(self) -> int:
        return (self.page - 1) * WORKS_PER_PAGE + 1 if self.matching else 0

    @property
    def end(self) -> int:
        return min(self.page * WORKS_PER_PAGE, self.matching)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def is_filtered(self) -> bool:
        return bool(self.type or self.year)


def works_page(researcher: Researcher, *, type: str = "", year: int | None = None, page: int = 1) -> WorksPage:
    """The works list: 2 queries (the type/year facets, which also give every count, and the
    page of works with their venue). A page past the end shows the last page."""
    facets = list(
        researcher_works(researcher).order_by().values_list("type", "publication_year").annotate(n=Count("id"))
    )
    type_counts: dict[str, int] = {}
    year_counts: dict[int, int] = {}
    total = matching = 0
    for work_type, work_year, n in facets:
        total += n
        type_counts[work_type] = type_counts.get(work_type, 0) + n
        if work_year:
            year_counts[work_year] = year_counts.get(work_year, 0) + n
        if (not type or work_type == type) and (not year or work_year == year):
            matching += n
    pages = max(1, -(-matching // WORKS_PER_PAGE))
    page = min(max(1, page), pages)
    offset = (page - 1) * WORKS_PER_PAGE
    works = (
        list(
            researcher_works(researcher, type=type or None, year=year).select_related("source")[
                offset : offset + WORKS_PER_PAGE
            ]
        )
        if matching
        else []
    )
    for work in works:
        work.abstract_is_long = abstract_is_long(work.abstract)  # type: ignore[attr-defined]
    return WorksPage(
        works=works,
        total=total,
        matching=matching,
        page=page,
        pages=pages,
        type=type,
        year=year,
        types=sorted(((t, n) for t, n in type_counts.items() if t), key=lambda item: (-item[1], item[0])),
        years=sorted(year_counts.items(), reverse=True),
    )
