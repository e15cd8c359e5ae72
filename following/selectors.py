"""Reads of the following app: the works of the researchers a person follows (the following
page, the private feed and the digests read the same definition), a researcher's feed, and
the settings a token names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window

from core.paging import Paging
from following.models import Announcement, Subscription
from profiles.models import Follow, Researcher
from works.models import Authorship, HiddenWork, Work
from works.selectors import (
    NEWEST_FIRST,
    WALK_COST_RATIO,
    WALK_MAX,
    WORKS_PER_PAGE,
    AuthorList,
    author_lists,
    newest_page_sql,
    researcher_works,
)

# Work columns a list of works never shows (large arrays and texts): not read.
LIST_DEFERRED = ("abstract", "referenced_works", "related_works", "counts_by_year")
# Followed researchers the page lists before "Show all".
FOLLOWED_SHOWN = 100
# Entries of a feed: the newest works.
FEED_ENTRIES = 50
# Works in one digest at most (the rest wait for the next one, still new).
DIGEST_MAX_WORKS = 100
# A work that reached BZPEER after the person turned digests on is new to them only when it
# was published within this long before (a re-import of an old work refreshes its import
# time; it is not news).
DIGEST_PUBLISHED_WITHIN = timedelta(days=365)
# Works imported this long before the previous digest are looked at again: a work committed
# by an import that started before that digest ran but ended after it is not missed.
DIGEST_OVERLAP = timedelta(days=1)


def _followed_authorships(user_id: int) -> QuerySet[Authorship]:
    """Authorships of the researchers ``user_id`` follows, minus the works each record's owner
    hid (the profile's definition of "their works", works.selectors.researcher_works, for
    every followed researcher at once)."""
    hidden = HiddenWork.objects.filter(researcher_id=OuterRef("researcher_id"), work_id=OuterRef("work_id"))
    return Authorship.objects.filter(
        researcher_id__in=Follow.objects.filter(user_id=user_id).values("researcher_id")
    ).exclude(Exists(hidden))


def following_works(user_id: int) -> QuerySet[Work]:
    """Every work by a researcher ``user_id`` follows, newest first (like a profile's list).
    Lazy; no query until evaluated."""
    return Work.objects.filter(pk__in=_followed_authorships(user_id).values("work_id")).order_by(*NEWEST_FIRST)


@dataclass
class Followed:
    """The researchers someone follows, by name: the first ``limit`` of them unless all were asked for."""

    researchers: list[Researcher]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.researchers)


def followed_researchers(user_id: int, *, limit: int | None = FOLLOWED_SHOWN) -> Followed:
    """The researchers ``user_id`` follows, by name, at most ``limit`` (None: all), with how
    many they follow in all. 1 query."""
    rows: list[Researcher] = list(
        Researcher.objects.filter(followers__user_id=user_id)
        .only("openalex_id", "display_name", "preferred_name")
        .annotate(total=Window(Count("pk")))
        .order_by("search_name", "id")[:limit]
    )
    total: int = getattr(rows[0], "total") if rows else 0  # noqa: B009 (the window annotation, unknown to mypy)
    return Followed(researchers=rows, total=total)


@dataclass
class FollowingPage:
    """One page of the works of followed researchers, each with its author list and the
    followed researchers it came from; where the page sits in ``paging`` (a page out of range
    shows no works, explained)."""

    works: list[Work]
    paging: Paging
    authors: dict[int, AuthorList] = field(default_factory=dict)
    came_from: dict[int, list[Researcher]] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[Work, AuthorList, list[Researcher]]]:
        return [(work, self.authors[work.pk], self.came_from.get(work.pk, [])) for work in self.works]


def _page_ids(
    user_id: int,
    offset: int,
    *,
    limit: int = WORKS_PER_PAGE,
    walk_cost_ratio: float = WALK_COST_RATIO,
    walk_max: int = WALK_MAX,
) -> tuple[int, list[int]]:
    """How many works the followed researchers have, and the ids of the ``limit`` of them that
    start at ``offset`` in :func:`following_works`' order. 1 query (:func:`page_ids_sql`)."""
    with connection.cursor() as cursor:
        cursor.execute(*page_ids_sql(user_id, offset, limit=limit, walk_cost_ratio=walk_cost_ratio, walk_max=walk_max))
        total, ids = cursor.fetchone()
    return total, list(ids)


def page_ids_sql(
    user_id: int,
    offset: int,
    *,
    limit: int = WORKS_PER_PAGE,
    walk_cost_ratio: float = WALK_COST_RATIO,
    walk_max: int = WALK_MAX,
) -> tuple[str, list[Any]]:
    """The statement of :func:`_page_ids` and its parameters: the followed work ids (the
    authorship index of each followed researcher, minus hidden works) handed to
    works.selectors.newest_page_sql, which counts them and finds the page."""
    followed_ids = _followed_authorships(user_id).order_by().values_list("work_id").distinct()
    ids_sql, ids_params = followed_ids.query.sql_with_params()
    return newest_page_sql(
        ids_sql, list(ids_params), offset, limit=limit, walk_cost_ratio=walk_cost_ratio, walk_max=walk_max
    )


def _works_in_order(ids: list[int]) -> list[Work]:
    """The works of ``ids`` with their venue, in that order, without the columns a list never
    shows. 1 query."""
    found = Work.objects.filter(pk__in=ids).select_related("source").defer(*LIST_DEFERRED).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def following_page(user_id: int, *, page: int = 1) -> FollowingPage:
    """Page ``page`` of :func:`following_works`: 5 queries (the count of followed works with
    the page's ids, the works with their venue, the author lists' 2, the followed researchers
    of each work); for a page out of range (or nothing followed) 1. Never more with more
    researchers or works."""
    total, ids = _page_ids(user_id, max(0, page - 1) * WORKS_PER_PAGE)
    paging = Paging(page, total, WORKS_PER_PAGE)
    if paging.out_of_range or not ids:
        return FollowingPage(works=[], paging=paging)
    works = _works_in_order(ids)
    came_from: dict[int, list[Researcher]] = {}
    for authorship in (
        _followed_authorships(user_id)
        .filter(work_id__in=ids)
        .select_related("researcher")
        .order_by("work_id", "position")
    ):
        if authorship.researcher is not None:
            came_from.setdefault(authorship.work_id, []).append(authorship.researcher)
    return FollowingPage(works=works, paging=paging, authors=author_lists(works, limit=5), came_from=came_from)


@dataclass
class FeedEntries:
    works: list[Work]
    authors: dict[int, AuthorList]


def researcher_feed(researcher: Researcher) -> FeedEntries:
    """The newest works of a researcher's profile (works.selectors.researcher_works), with
    their first authors: 3 queries."""
    works = list(researcher_works(researcher).defer(*LIST_DEFERRED)[:FEED_ENTRIES])
    return FeedEntries(works=works, authors=author_lists(works))


def following_feed(user_id: int) -> FeedEntries:
    """The newest works of the researchers ``user_id`` follows, with their first authors: the
    first :data:`FEED_ENTRIES` the following page would list (found the same way). 4 queries."""
    works = _works_in_order(_page_ids(user_id, 0, limit=FEED_ENTRIES)[1])
    return FeedEntries(works=works, authors=author_lists(works))


def subscription_by_token(token: str) -> Subscription | None:
    """The settings whose private feed ``token`` opens, or None (a wrong or reset token)."""
    if not token or len(token) > 64:
        return None
    return Subscription.objects.filter(feed_token=token).first()


def digest_candidates(user_id: int, *, since: datetime) -> QuerySet[Work]:
    """Works new to ``user_id``'s digest: by a researcher they follow, imported since
    ``since``, published within :data:`DIGEST_PUBLISHED_WITHIN` before it, and never
    announced to them. Oldest import first, at most :data:`DIGEST_MAX_WORKS`."""
    cutoff = (since - DIGEST_PUBLISHED_WITHIN).date()
    recent = Q(publication_date__gte=cutoff) | Q(publication_date__isnull=True, publication_year__gte=cutoff.year)
    announced = Announcement.objects.filter(user_id=user_id, work_id=OuterRef("pk"))
    return (
        Work.objects.filter(pk__in=_followed_authorships(user_id).values("work_id"), imported_at__gte=since)
        .filter(recent)
        .exclude(Exists(announced))
        .order_by("imported_at", "id")[:DIGEST_MAX_WORKS]
    )
