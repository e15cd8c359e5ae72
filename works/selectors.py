"""Reads of the works app: import jobs, the authors of works (the one author-list selector,
:func:`author_lists`), and a researcher's works (the one definition of "their works", which
the profile, the claims pages, the graph slice and the trust inputs all read)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum, Value, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower, RowNumber

from core.paging import Paging
from profiles.display import abstract_is_long
from profiles.models import Researcher, ResearcherTopic
from profiles.selectors import count_of
from works.citations import EXPORT_WORKS_MAX
from works.models import Authorship, HiddenWork, ImportJob, SnapshotSync, SnapshotTask, Work, WorkTopic

WORKS_PER_PAGE = 20
# Newest first, the order of every list of works (a profile, the following page, feeds and
# digests); the index work_newest_first serves it.
NEWEST_FIRST = (
    F("publication_date").desc(nulls_last=True),
    F("publication_year").desc(nulls_last=True),
    F("id").desc(),
)

# Walking the works newest first reads a row (index only, a hash probe) for about a sixteenth
# of what reading one work's sort key by its id costs (0.2 against 3.7 µs at 1M works).
WALK_COST_RATIO = 16
# The walk keeps the set's ids in a hash that PostgreSQL builds only when it expects the set
# to fit in hash memory (work_mem × hash_mem_multiplier, 8 MB by default: 262,144 ids at the
# 32 bytes an id it reckons);
# otherwise it would scan the whole set for every walked work. The walk is chosen only up to
# this many works in the set, and the set it reads is bounded by the same LIMIT, so the planner's
# estimate (which can grow far beyond the set's real size) can
# never exceed it. Past it: the look-up (about 4 µs a work).
WALK_MAX = 200_000


def newest_page_sql(
    ids_sql: str,
    ids_params: list[Any],
    offset: int,
    *,
    limit: int = WORKS_PER_PAGE,
    walk_cost_ratio: float = WALK_COST_RATIO,
    walk_max: int = WALK_MAX,
) -> tuple[str, list[Any]]:
    """One statement that counts the works of a set (``ids_sql``: a query of distinct work
    ids, e.g. a topic's or the followed researchers') and gives the ids of the ``limit`` of them
    that start at ``offset`` newest first (:data:`NEWEST_FIRST`); it returns one row
    ``(count, ids)``. The set is gathered once; then the page is found one of two ways,
    whichever reads less, decided inside the statement from the count and PostgreSQL's estimate
    of the works table's rows:

    - walk (a large set): the works are read newest first from the index work_newest_first,
      each kept when its id is in the gathered set (a hashed subplan, so the ``OFFSET 0`` keeps
      PostgreSQL from turning it into a join that reads every work of the set, or into a
      nested loop probing the set's index for each walked work), until the page is full;
      about ``(offset + limit) * rows / count`` rows, e.g. 870 for page 1 of 23,000 among 1M;
    - look up (a small set): each work's sort key is read by its id from the covering index
      work_sort_key (the ``LIMIT 1`` keeps PostgreSQL from flattening the lateral subquery into
      a hash of the whole works table), then sorted; walking for them would read most of the
      table.

    The walk is chosen when ``count <= walk_max`` (:data:`WALK_MAX`) and ``(offset + limit) *
    rows < walk_cost_ratio * count²`` (tests pass 0 or infinity to run each way). Its worst
    case is a set whose works are all older than most of the table: it then reads far more
    rows than estimated (at most the index, about 0.2 s at 1M works)."""
    work = Work._meta.db_table
    newest_first = "publication_date DESC NULLS LAST, publication_year DESC NULLS LAST, id DESC"
    return (
        f"""WITH ids(work_id) AS MATERIALIZED ({ids_sql}),
                 total(n) AS MATERIALIZED (SELECT count(*) FROM ids),
                 walk(chosen) AS MATERIALIZED (
                     SELECT n <= %s AND (%s + %s) * greatest(
                         (SELECT reltuples FROM pg_class WHERE oid = %s::regclass), 1) < %s * n * n
                     FROM total)
            SELECT (SELECT n FROM total), ARRAY(
                (SELECT walked.id FROM (
                    SELECT w.id, w.id IN (SELECT work_id FROM ids LIMIT %s) AS kept FROM {work} w
                    WHERE (SELECT chosen FROM walk) ORDER BY {newest_first} OFFSET 0) walked
                 WHERE walked.kept LIMIT %s OFFSET %s)
                UNION ALL
                (SELECT w.id FROM ids CROSS JOIN LATERAL (
                    SELECT x.id, x.publication_date, x.publication_year FROM {work} x
                    WHERE x.id = ids.work_id LIMIT 1) w
                 WHERE NOT (SELECT chosen FROM walk) ORDER BY {newest_first} LIMIT %s OFFSET %s))""",
        [*ids_params, walk_max, offset, limit, work, walk_cost_ratio, walk_max] + [limit, offset] * 2,
    )


@dataclass(frozen=True)
class NewestWorks:
    """The newest works of a set, and how many distinct works the set holds in all."""

    count: int
    works: list[Work]


def newest_works(ids: QuerySet[Any], *, limit: int) -> NewestWorks:
    """The ``limit`` newest works of ``ids`` (a queryset of work ids) with their venue, newest
    first, and the set's size (both through :func:`newest_page_sql`). 2 queries whatever the
    size of the set."""
    ids_sql, ids_params = ids.order_by().distinct().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(*newest_page_sql(ids_sql, list(ids_params), 0, limit=limit))
        row = cursor.fetchone()
    count, page = (row[0], list(row[1])) if row else (0, [])
    found = Work.objects.filter(pk__in=page).select_related("source").in_bulk()
    return NewestWorks(count, [found[pk] for pk in page if pk in found])


def import_jobs_recent(*, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("researcher", "requested_by").order_by("-created_at")[:limit]


def import_job_get(*, job_id: int) -> ImportJob:
    return ImportJob.objects.select_related("researcher").get(pk=job_id)


def snapshot_syncs_recent(*, limit: int = 10) -> QuerySet[SnapshotSync]:
    return SnapshotSync.objects.order_by("-created_at")[:limit]


@dataclass
class EntityProgress:
    """One entity's tasks in a snapshot sync (merged-ids files count as "merged_ids/<entity>")."""

    entity: str
    total: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    records_read: int = 0
    records_written: int = 0


@dataclass
class FailedTask:
    entity: str
    label: str
    error: str


@dataclass
class SnapshotSyncSummary:
    """What the imports page and ``import_openalex --snapshot --wait`` show of a sync."""

    sync: SnapshotSync
    entities: list[EntityProgress]
    failed: list[FailedTask]
    failed_count: int

    @property
    def blocking(self) -> list[dict[str, object]]:
        return [problem for problem in self.sync.problems if problem.get("blocking")]

    @property
    def notes(self) -> list[dict[str, object]]:
        return [problem for problem in self.sync.problems if not problem.get("blocking")]

    @property
    def total(self) -> int:
        return sum(entity.total for entity in self.entities)

    @property
    def done(self) -> int:
        return sum(entity.done for entity in self.entities)

    @property
    def percent(self) -> int:
        return 100 if self.sync.state == SnapshotSync.State.DONE else int(100 * self.done / (self.total or 1))

    def as_json(self) -> dict[str, object]:
        sync = self.sync
        seconds = (sync.finished_at - sync.started_at).total_seconds() if sync.finished_at and sync.started_at else None
        return {
            "sync": sync.pk,
            "root": sync.root,
            "state": sync.state,
            "tasks": self.total,
            "tasks_done": self.done,
            "records_read": sum(entity.records_read for entity in self.entities),
            "records_written": sum(entity.records_written for entity in self.entities),
            "entities": {
                entity.entity: {
                    "tasks": entity.total,
                    "done": entity.done,
                    "failed": entity.failed,
                    "records_read": entity.records_read,
                    "records_written": entity.records_written,
                }
                for entity in self.entities
            },
            "failed": [{"part": f.label, "entity": f.entity, "error": f.error} for f in self.failed],
            "problems": sync.problems,
            "started_at": sync.started_at.isoformat() if sync.started_at else None,
            "finished_at": sync.finished_at.isoformat() if sync.finished_at else None,
            "seconds": seconds,
        }


# Failed tasks a summary names (the count says how many more).
FAILED_SHOWN = 200


def snapshot_sync_summary(*, sync_id: int) -> SnapshotSyncSummary:
    """A sync with its progress by entity and its failed tasks with their reasons. Three
    queries. SnapshotSync.DoesNotExist for an unknown id."""
    sync = SnapshotSync.objects.get(pk=sync_id)
    by_entity: dict[str, EntityProgress] = {}
    rows = (
        SnapshotTask.objects.filter(sync_id=sync_id)
        .values("entity", "state")
        .annotate(n=Count("pk"), read=Sum("records_read"), written=Sum("records_written"), first=Min("position"))
        .order_by("first")
    )
    failed_count = 0
    for row in rows:
        progress = by_entity.setdefault(row["entity"], EntityProgress(row["entity"]))
        progress.total += row["n"]
        progress.records_read += row["read"] or 0
        progress.records_written += row["written"] or 0
        if row["state"] == SnapshotTask.State.DONE:
            progress.done += row["n"]
        elif row["state"] == SnapshotTask.State.FAILED:
            progress.failed += row["n"]
            failed_count += row["n"]
        elif row["state"] == SnapshotTask.State.RUNNING:
            progress.running += row["n"]
    failed = [
        FailedTask(task.entity, task.label, task.last_error)
        for task in SnapshotTask.objects.filter(sync_id=sync_id, state=SnapshotTask.State.FAILED).order_by(
            "position", "pk"
        )[:FAILED_SHOWN]
    ]
    return SnapshotSyncSummary(sync, list(by_entity.values()), failed, failed_count)


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
    # Highlighted researchers' authorships that come after the slice (author_lists's
    # ``highlight``): shown apart, so a list never hides the person it is about.
    further: list[Authorship] = field(default_factory=list)

    @property
    def start(self) -> int:
        """Byline number of the first author shown (1-based)."""
        return self.before + 1

    @property
    def end(self) -> int:
        return self.before + len(self.authorships)

    @property
    def remaining(self) -> int:
        """Authors after this slice ("and N more"), those shown apart included."""
        return self.total - self.end

    @property
    def next_after(self) -> int:
        """The ``after`` of the next slice: the byline position of the last author shown."""
        return self.authorships[-1].position if self.authorships else -1


def author_lists(
    works: Sequence[Work], *, after: int = -1, limit: int = AUTHORS_SHOWN, highlight: Collection[int] = ()
) -> dict[int, AuthorList]:
    """For each of ``works`` (by primary key), at most ``limit`` authors at byline positions
    after ``after`` (-1: the first ones), with the counts "and N more" needs, and the
    authorships of the ``highlight`` researchers that come after the slice
    (``AuthorList.further``). 2 queries whatever the number of works and of their authors: the
    counts, read from the authorship key's index, and the slices, ranked on that index before
    any researcher row is read (joining first would read every author of a 5,000-author work);
    a third only when a slice that leaves authors out lacks one of ``highlight``: their
    authorships of those works, through the (researcher, work) index. No query for no works."""
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
    further: dict[int, list[Authorship]] = {}
    if highlight:
        wanted = set(highlight)
        cut = [  # slices that leave authors out, and some highlighted researcher with them
            work_id
            for work_id, rows in slices.items()
            if counts.get(work_id, (0, 0))[1] > len(rows) and not wanted <= {a.researcher_id for a in rows}
        ]
        if cut:
            for authorship in (
                Authorship.objects.filter(researcher_id__in=list(highlight), work_id__in=cut, position__gt=after)
                .select_related("researcher")
                .order_by("work_id", "position")
            ):
                further.setdefault(authorship.work_id, []).append(authorship)
    lists: dict[int, AuthorList] = {}
    for work in works:
        total, later = counts.get(work.pk, (0, 0))
        lists[work.pk] = AuthorList(
            work=work,
            authorships=slices[work.pk],
            total=total,
            before=total - later,
            further=further.get(work.pk, []),
        )
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


# How the works list can be sorted (the ``sort`` of the URL), the first one the default. Each
# ends on the id, so the order is total and pages never share or skip a work.
WORK_SORTS: dict[str, tuple[OrderBy | str, ...]] = {
    "date": NEWEST_FIRST,
    "citations": (F("cited_by_count").desc(), *NEWEST_FIRST),
    "title": (Lower("title").asc(nulls_last=True), "id"),
}
DEFAULT_WORK_SORT = "date"
# Authors each work of a list shows before "and N more".
LIST_AUTHORS_SHOWN = 5


@dataclass(frozen=True)
class WorksFilter:
    """What the works list of a profile shows: filters (type, a range of publication years, one
    of the researcher's topics by OpenAlex id), the order (a key of :data:`WORK_SORTS`) and the
    page. The URL carries all of it; pages.forms.WorksFilterForm parses it."""

    type: str = ""
    year_from: int | None = None
    year_to: int | None = None
    topic: str = ""
    sort: str = DEFAULT_WORK_SORT
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.type or self.year_from or self.year_to or self.topic)

    def matches(self, work_type: str, year: int | None, on_topic: bool) -> bool:
        """Whether a work of this type, year and topic membership passes the filters."""
        if self.type and work_type != self.type:
            return False
        if (self.year_from or self.year_to) and year is None:
            return False
        if self.year_from and year is not None and year < self.year_from:
            return False
        if self.year_to and year is not None and year > self.year_to:
            return False
        return on_topic or not self.topic


@dataclass
class WorksPage:
    """One page of a researcher's works list, each work with its author list, and the filter
    choices (the counts per type and per year of all their works)."""

    researcher_id: int
    works: list[Work]
    authors: dict[int, AuthorList]
    total: int  # all their works
    paging: Paging  # over the works matching the filter
    filters: WorksFilter = field(default_factory=WorksFilter)
    types: list[tuple[str, int]] = field(default_factory=list)  # (type, works), most first
    years: list[tuple[int, int]] = field(default_factory=list)  # (year, works), newest first

    @property
    def matching(self) -> int:
        return self.paging.total

    @property
    def export_capped(self) -> bool:
        """More works match than one export holds (works.citations.EXPORT_WORKS_MAX)."""
        return self.paging.total > EXPORT_WORKS_MAX

    @property
    def export_max_text(self) -> str:
        return f"{EXPORT_WORKS_MAX:,}"

    @property
    def items(self) -> list[tuple[Work, AuthorList]]:
        return [(work, self.authors[work.pk]) for work in self.works]

    @property
    def highlight(self) -> set[int]:
        """The researcher whose list it is, set in bold in each author list."""
        return {self.researcher_id}


def works_matching(researcher: Researcher, filters: WorksFilter) -> QuerySet[Work]:
    """The researcher's works (:func:`researcher_works`) that pass ``filters``. Lazy."""
    works = researcher_works(researcher, type=filters.type or None)
    if filters.year_from:
        works = works.filter(publication_year__gte=filters.year_from)
    if filters.year_to:
        works = works.filter(publication_year__lte=filters.year_to)
    if filters.topic:
        works = works.filter(_on_topic(filters.topic))
    return works


def _on_topic(topic: str) -> Exists:
    """Whether the outer work carries the topic of OpenAlex id ``topic``: a lookup in the
    (work, topic) index per work, never a read of every work on the topic."""
    return Exists(WorkTopic.objects.filter(work_id=OuterRef("pk"), topic__openalex_id=topic))


def works_page(researcher: Researcher, filters: WorksFilter | None = None) -> WorksPage:
    """The works list of a profile: 4 queries whatever the number of works and of their
    authors (the facets, which give every count; the page of works with their venue; 2 for
    their author lists, :func:`author_lists`, and a 5th when the researcher is further down a
    byline than its first authors), 2 when the page shows no work. A page past the
    end shows no work (``paging.out_of_range`` explains it); an unknown sort is the default, and
    a type or topic that none of the works has is dropped (the returned ``filters`` say what applied).

    The page's ids are chosen first, from the researcher's authorships and the works' sort
    keys (the covering index ``work_sort_key`` holds date, year and citations; titles are read
    from the researcher's works only), then the page's 20 rows are read: the cost grows with
    the researcher's works, never with the table's."""
    filters = filters or WorksFilter()
    if filters.sort not in WORK_SORTS:
        filters = replace(filters, sort=DEFAULT_WORK_SORT)
    on_topic: Exists | Value = _on_topic(filters.topic) if filters.topic else Value(True)
    facets = list(
        researcher_works(researcher)
        .order_by()
        .annotate(on_topic=on_topic)
        .values_list("type", "publication_year", "on_topic")
        .annotate(n=Count("id"))
    )
    type_counts: dict[str, int] = {}
    year_counts: dict[int, int] = {}
    total = matching = 0
    for work_type, work_year, is_on_topic, n in facets:
        total += n
        type_counts[work_type] = type_counts.get(work_type, 0) + n
        if work_year:
            year_counts[work_year] = year_counts.get(work_year, 0) + n
        if filters.matches(work_type, work_year, is_on_topic):
            matching += n
    # A type none of the works has, or a topic none of them is on that is not one of the
    # researcher's topics either (an old bookmark, a hand-edited URL), is dropped like any value
    # the form cannot read: the list shows what the form shows (its types are those of the
    # works, its topics the researcher's; a topic of theirs that no listed work is on stays
    # chosen, and the list says that nothing matches). 1 query in that case alone.
    unknown_type = bool(filters.type) and filters.type not in type_counts
    unknown_topic = (
        bool(filters.topic)
        and not any(is_on_topic for _, _, is_on_topic, _ in facets)
        and not ResearcherTopic.objects.filter(researcher=researcher, topic__openalex_id=filters.topic).exists()
    )
    if unknown_type or unknown_topic:
        filters = replace(
            filters, type="" if unknown_type else filters.type, topic="" if unknown_topic else filters.topic
        )
        matching = sum(n for kind, year, on, n in facets if filters.matches(kind, year, on))
    paging = Paging(filters.page, matching, WORKS_PER_PAGE)
    works: list[Work] = []
    if paging.start:
        order = WORK_SORTS[filters.sort]
        ids = (
            works_matching(researcher, filters)
            .order_by(*order)
            .values("pk")[paging.offset : paging.offset + WORKS_PER_PAGE]
        )
        works = list(Work.objects.filter(pk__in=ids).select_related("source").order_by(*order))
    for work in works:
        work.abstract_is_long = abstract_is_long(work.abstract)  # type: ignore[attr-defined]
    return WorksPage(
        researcher_id=researcher.pk,
        works=works,
        authors=author_lists(works, limit=LIST_AUTHORS_SHOWN, highlight=(researcher.pk,)),
        total=total,
        paging=paging,
        filters=filters,
        types=sorted(((t, n) for t, n in type_counts.items() if t), key=lambda item: (-item[1], item[0])),
        years=sorted(year_counts.items(), reverse=True),
    )
