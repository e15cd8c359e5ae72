"""Reads of the works app: import jobs, the authors of works (the one author-list selector,
:func:`author_lists`), and a researcher's works (the one definition of "their works", which
the profile, the claims pages, the graph slice and the trust inputs all read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber

from profiles.display import abstract_is_long
from profiles.models import Researcher
from profiles.selectors import count_of
from works.models import Authorship, HiddenWork, ImportJob, Work

WORKS_PER_PAGE = 20
# Newest first, the order of every list of works (a profile, the following page, feeds and
# digests); the index work_newest_first serves it.
NEWEST_FIRST = (
    F("publication_date").desc(nulls_last=True),
    F("publication_year").desc(nulls_last=True),
    F("id").desc(),
)


def import_jobs_recent(*, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("researcher", "requested_by").order_by("-created_at")[:limit]


def import_job_get(*, job_id: int) -> ImportJob:
    return ImportJob.objects.select_related("researcher").get(pk=job_id)


# --- Authors of works: the author-list component ----------------------------------------------

# Authors a work shows at once; "and N more" pages on by this many.
AUTHORS_SHOWN = 20


@dataclass
class AuthorList:
    """A slice of one work's authors in byline order and where it sits among them: what the
    author-list component (templates/works/partials/author_list.html) shows, on the work page
    and in any list of works. The size of the page it lands on never depends on ``total``."""

    work: Work
    authorships: list[Authorship]  # with their researcher (or None) selected
    total: int  # every author of the work
    before: int  # authors before this slice

    @property
    def start(self) -> int:
        """Byline number of the first author shown (1-based)."""
        return self.before + 1

    @property
    def end(self) -> int:
        return self.before + len(self.authorships)

    @property
    def remaining(self) -> int:
        """Authors after this slice ("and N more")."""
        return self.total - self.end

    @property
    def next_after(self) -> int:
        """The ``after`` of the next slice: the byline position of the last author shown."""
        return self.authorships[-1].position if self.authorships else -1


def author_lists(works: Sequence[Work], *, after: int = -1, limit: int = AUTHORS_SHOWN) -> dict[int, AuthorList]:
    """For each of ``works`` (by primary key), at most ``limit`` authors at byline positions
    after ``after`` (-1: the first ones), with the counts "and N more" needs. 2 queries
    whatever the number of works and of their authors: the counts, read from the authorship
    key's index, and the slices, ranked on that index before any researcher row is read
    (joining first would read every author of a 5,000-author work). No query for no works."""
    ids = [work.pk for work in works]
    if not ids:
        return {}
    counts = {
        work_id: (total, later)
        for work_id, total, later in Authorship.objects.filter(work_id__in=ids)
        .order_by()
        .values_list("work_id")
        .annotate(total=Count("position"), later=Count("position", filter=Q(position__gt=after)))
    }
    ranked = (
        Authorship.objects.filter(work_id__in=ids, position__gt=after)
        .annotate(rank=Window(RowNumber(), partition_by=F("work_id"), order_by=F("position").asc()))
        .filter(rank__lte=limit)
        .values_list("work_id", "position")
    )
    slices: dict[int, list[Authorship]] = {work_id: [] for work_id in ids}
    for authorship in (
        Authorship.objects.filter(pk__in=ranked).select_related("researcher").order_by("work_id", "position")
    ):
        slices[authorship.work_id].append(authorship)
    lists: dict[int, AuthorList] = {}
    for work in works:
        total, later = counts.get(work.pk, (0, 0))
        lists[work.pk] = AuthorList(work=work, authorships=slices[work.pk], total=total, before=total - later)
    return lists


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
    return works.order_by(*NEWEST_FIRST)


def hidden_on_topic_count(researcher_ref: str = "researcher_id", topic_ref: str = "topic_id") -> Coalesce:
    """For annotating ``ResearcherTopic`` rows: how many of the researcher's hidden works
    (works.HiddenWork) carry the topic. A correlated subquery over the outer row's
    ``researcher_ref`` and ``topic_ref`` columns, so the count adds no query. A topic's count of
    works on a profile is OpenAlex's ``works_count`` less this: hiding a work takes it out of
    every count of works that :func:`researcher_works` feeds, per topic too."""
    return count_of(
        HiddenWork.objects.filter(
            researcher_id=OuterRef(researcher_ref), work__work_topics__topic_id=OuterRef(topic_ref)
        )
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
