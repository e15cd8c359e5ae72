"""Reads of the public pages composed from every app: the profile page, the work page, topic
and institution pages.

Every function here runs a fixed number of queries whatever the size of the record (the
docstrings say how many); the view tests pin those numbers. Templates get everything they
show from these functions and never query.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from claims import selectors as claims_selectors
from collaboration import selectors as collaboration_selectors
from collaboration.rules import DECLINE_COOLDOWN
from core import page_cache
from graph.edges import close_count_sql
from graph.models import TrustSnapshot
from graph.trust_selectors import trust_current
from pages.page_cache import PROFILE, WORK
from profiles import charts
from profiles.display import meta_description, person_jsonld
from profiles.models import Follow, Institution, Researcher, ResearcherAffiliation, ResearcherTopic, Topic
from profiles.orcid import normalize_orcid, orcid_checksum_is_valid, orcid_url
from profiles.selectors import count_of
from works.models import Authorship, Work, WorkTopic
from works.selectors import (
    AUTHORS_SHOWN,
    AuthorList,
    NewestWorks,
    WorksFilter,
    WorksPage,
    author_lists,
    hidden_on_topic_count,
    newest_works,
    works_page,
)


def researchers_for_page(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Researcher]:
    """Researchers annotated with what the profile header and Quick read count: followers,
    close collaborators, whether ``user`` follows them and whether the record is claimed.
    One query per fetched row set."""
    qs = Researcher.objects.annotate(
        followers_count=claims_selectors.followers_count_annotation(),
        # A constant statement without parameters: nothing from the request reaches it.
        close_collaborators_count=RawSQL(  # noqa: S611
            close_count_sql("profiles_researcher.id"), [], output_field=IntegerField()
        ),
        # The claim state the profile shows, in the same query.
        **claims_selectors.page_annotations(user),
    )
    if user.is_authenticated:
        qs = qs.annotate(is_following=Exists(Follow.objects.filter(researcher=OuterRef("pk"), user_id=user.pk)))
    else:
        qs = qs.annotate(is_following=Value(False))
    return qs


@dataclass(frozen=True)
class ProfileViewer:
    """A signed-in visitor's read of a cached profile (:func:`profile_viewer`)."""

    stamp: tuple[int, str]  # the page cache's stamp row of the profile (pages.page_cache.PROFILE)
    researcher: Researcher  # the record with everything its viewer parts show this visitor


def profile_viewer(user: AbstractBaseUser | AnonymousUser, openalex_id: str) -> ProfileViewer | None:
    """The cache stamp of the profile of ``openalex_id`` (pages.page_cache.PROFILE) and
    everything its viewer parts show a signed-in ``user`` (the header, the follow box, the
    claim part of the identity card, the collaboration card with its invitation control;
    pages.views.researcher_detail), in one query: the record's name, id and collaborate
    flag, followers_count and is_following, the header's account_name (claims),
    claims.selectors.viewer_annotations and collaboration.selectors.viewer_annotations.
    None when the id names no profile to show (as the stamp alone: an alias, a deleted
    record, nothing).

    The ORM compiles the viewer's part once per process (:func:`_profile_viewer_statement`)
    and PostgreSQL plans the whole once per connection (core.page_cache.fetch_prepared):
    compiling and planning its fifteen subqueries cost several times running them, and each
    round trip to the database is a tenth of a cache hit, on the path that must keep up with
    the page cache."""
    statement = _profile_viewer_statement()
    values: dict[Any, Any] = {_USER: int(user.pk or 0), _CUTOFF: timezone.now() - DECLINE_COOLDOWN}
    params = [openalex_id, *(values.get(p, p) if type(p) in (int, datetime) else p for p in statement.params)]
    row = page_cache.fetch_prepared(_PROFILE_VIEWER, statement.prepare_sql, statement.execute_sql, params)
    if row is None or row[2] is None:
        return None
    # As a raw queryset would build it (the record's fields, the rest as attributes), without
    # its per-query set-up: this read is most of a signed-in visitor's cost over a cache hit.
    fields = row[2 : 2 + len(statement.fields)]
    researcher = Researcher.from_db(connection.alias, statement.fields, fields)
    for name, value in zip(statement.annotations, row[2 + len(statement.fields) :], strict=True):
        setattr(researcher, name, value)
    return ProfileViewer(stamp=(row[0], row[1]), researcher=researcher)


_PROFILE_VIEWER = "profile_viewer"
# Stand-ins for the statement's parameters while the ORM compiles it, found again in its
# parameters: the viewer, the record (the stamp's row: ``st.id``), and the collaboration
# cooldown's cutoff.
_USER, _RESEARCHER = -7_000_000_001, -7_000_000_002
_NOW = datetime(1900, 1, 1, tzinfo=UTC)
_CUTOFF = _NOW - DECLINE_COOLDOWN


class _StandInViewer:
    is_authenticated = True
    pk = _USER


@dataclass(frozen=True)
class _ViewerStatement:
    prepare_sql: str
    execute_sql: str
    params: tuple[Any, ...]  # $2...: each a stand-in that profile_viewer replaces, or a constant
    fields: tuple[str, ...]  # the record's attnames, in the row after the stamp's two columns
    annotations: tuple[str, ...]  # then these, in order


@functools.cache
def _profile_viewer_statement() -> _ViewerStatement:
    """The statement of :func:`profile_viewer`: the profile's stamp statement ($1, the
    OpenAlex id), and for its row the viewer's columns, compiled by the ORM with stand-ins
    for its parameters ($2...); and the names of the columns it returns."""
    viewer: Any = _StandInViewer()
    query = (
        Researcher.objects.filter(pk=_RESEARCHER)
        .only("id", "openalex_id", "display_name", "preferred_name", "open_to_collaborate", "record_status")
        .annotate(
            followers_count=claims_selectors.followers_count_annotation(),
            is_following=Exists(Follow.objects.filter(researcher=OuterRef("pk"), user_id=_USER)),
            account_name=claims_selectors.account_name_annotation(_USER),
            **claims_selectors.viewer_annotations(viewer),
            **collaboration_selectors.viewer_annotations(viewer, _NOW),
        )
        .order_by()
        .query
    )
    compiler = query.get_compiler(using=connection.alias)
    sql, compiled_params = compiler.as_sql()
    # Where the compiler put the record's fields and the annotations among the columns.
    field_at = compiler.klass_info["select_fields"]
    annotations = tuple(compiler.annotation_col_map)
    if field_at != list(range(len(field_at))) or list(compiler.annotation_col_map.values()) != list(
        range(len(field_at), len(compiler.select))
    ):
        raise AssertionError("profile_viewer: the record's columns are expected first, then the annotations")
    fields = tuple(compiler.select[i][0].target.attname for i in field_at)
    # The record's id comes from the stamp's row; every other parameter is numbered from $2.
    viewer_sql, params = _numbered(sql, compiled_params, first=2, inline={_RESEARCHER: "st.id"})
    statement = (
        f"SELECT st.id, st.stamp, v.* FROM ({PROFILE.stamp_sql}) AS st (id, stamp) "
        f"LEFT JOIN LATERAL ({viewer_sql}) AS v ON true"
    )
    return _ViewerStatement(
        prepare_sql=f"PREPARE {_PROFILE_VIEWER} AS {statement}",
        execute_sql=f"EXECUTE {_PROFILE_VIEWER}({', '.join(['%s'] * (len(params) + 1))})",
        params=tuple(params),
        fields=fields,
        annotations=annotations,
    )


def _numbered(sql: str, params: Sequence[Any], *, first: int, inline: Mapping[Any, str]) -> tuple[str, list[Any]]:
    """The ORM's ``sql`` (``%s`` for each of ``params``, ``%%`` for %) for a prepared
    statement: its parameters numbered from ``$first``, except the stand-ins in ``inline``,
    written as the SQL given there; and the parameters that stay, in order."""
    kept: list[Any] = []
    inlined: list[Any] = []
    found = iter(params)

    def placeholder(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%"
        value = next(found)
        if type(value) is int and value in inline:
            inlined.append(value)
            return inline[value]
        kept.append(value)
        return f"${first + len(kept) - 1}"

    numbered = re.sub(r"%s|%%", placeholder, sql)
    if set(inlined) != set(inline):
        raise AssertionError(f"expected among the statement's parameters: {set(inline) - set(inlined)}")
    return numbered, kept


@dataclass(frozen=True)
class WorkViewer:
    """A signed-in visitor's read of a cached work page (:func:`work_viewer`)."""

    stamp: tuple[int, str]  # the page cache's stamp row of the page (pages.page_cache.WORK)
    account_name: str  # the header's (claims.context_processors.account), "" for none


def work_viewer(user: AbstractBaseUser | AnonymousUser, openalex_id: str, after: int, shown: int) -> WorkViewer | None:
    """The cache stamp of the work page of ``openalex_id`` (pages.page_cache.WORK, the authors
    after byline position ``after``, ``shown`` of them) and the header's account name of a
    signed-in ``user`` (claims.selectors.account_name_annotation), in one prepared query;
    None when there is no such work."""
    prepare_sql, execute_sql, constants = _work_viewer_statement()
    params = [openalex_id, after, shown, int(user.pk or 0), *constants]
    row = page_cache.fetch_prepared(_WORK_VIEWER, prepare_sql, execute_sql, params)
    if row is None:
        return None
    return WorkViewer(stamp=(row[0], row[1]), account_name=row[2] or "")


_WORK_VIEWER = "work_viewer"


@functools.cache
def _work_viewer_statement() -> tuple[str, str, tuple[Any, ...]]:
    """(PREPARE, EXECUTE, the query's constants) of :func:`work_viewer`: the work page's
    stamp statement ($1–$3) and the account name's subquery for the user $4 (its constants
    from $5)."""
    sql, compiled = claims_selectors.account_name_annotation(_USER).query.sql_with_params()
    name_sql, constants = _numbered(sql, compiled, first=5, inline={_USER: "$4"})
    return (
        f"PREPARE {_WORK_VIEWER} AS SELECT st.id, st.stamp, ({name_sql}) FROM ({WORK.stamp_sql}) AS st (id, stamp)",
        f"EXECUTE {_WORK_VIEWER}({', '.join(['%s'] * (4 + len(constants)))})",
        tuple(constants),
    )


# --- The profile page -----------------------------------------------------------------------


@dataclass
class ProfilePage:
    """Everything the profile page shows. Built by :func:`profile_page`."""

    researcher: Researcher
    trust: TrustSnapshot | None
    affiliations: list[ResearcherAffiliation]
    topics: list[ResearcherTopic]
    works: WorksPage
    citations_chart: charts.BarChart | None
    citations_by_year: list[tuple[int, int]]
    orcid: str  # normalised iD when its check digit is valid, else ""
    orcid_link: str

    @property
    def current_institutions(self) -> list[Institution]:
        """Where the researcher is now: the record's last known institutions, else the
        affiliation with the latest year."""
        current = [a.institution for a in self.affiliations if a.is_last_known]
        if current or not self.affiliations:
            return current
        latest = max(self.affiliations, key=lambda a: max(a.years, default=0))
        return [latest.institution]

    @property
    def meta_description(self) -> str:
        current = self.current_institutions
        return meta_description(
            self.researcher.name,
            self.researcher.bio,
            works=self.works.total,
            institution=current[0].display_name if current else "",
        )

    def person_jsonld(self, url: str) -> dict[str, Any]:
        """schema.org Person for the page at ``url``."""
        return person_jsonld(
            name=self.researcher.name,
            url=url,
            openalex_id=self.researcher.openalex_id,
            orcid_url=self.orcid_link,
            description=self.researcher.bio,
            affiliations=[i.display_name for i in self.current_institutions],
            topics=[t.topic.display_name for t in self.topics[:10]],
            alternate_names=[self.researcher.display_name, *self.researcher.display_name_alternatives[:5]],
        )


def shown_works_count(rt: ResearcherTopic) -> int | None:
    """Works on the topic as the profile counts them: OpenAlex's count less the works the
    owner hid that carry it (``hidden_on_topic`` annotated by :func:`with_hidden_counts`);
    None for legacy concepts, which carry a score instead."""
    if rt.works_count is None:
        return None
    return max(0, rt.works_count - getattr(rt, "hidden_on_topic", 0))


def with_hidden_counts(topics: QuerySet[ResearcherTopic]) -> QuerySet[ResearcherTopic]:
    """``topics`` annotated with ``hidden_on_topic`` (see :func:`shown_works_count`), in the
    same query."""
    return topics.annotate(hidden_on_topic=hidden_on_topic_count())


def _weigh_topics(topics: list[ResearcherTopic]) -> None:
    """Set ``weight_label`` ("12 works" / "score 63.2") and ``weight_percent`` (of the
    heaviest) on each topic: works on the topic (less hidden ones) for topics, the score for
    legacy concepts."""
    counts = [shown_works_count(t) for t in topics]
    weights = [float(n) if n is not None else float(t.score or 0.0) for t, n in zip(topics, counts, strict=True)]
    heaviest = max(weights, default=0.0) or 1.0
    for rt, weight, count in zip(topics, weights, counts, strict=True):
        if count is not None:
            rt.weight_label = f"{count} work{'s' if count != 1 else ''}"  # type: ignore[attr-defined]
        else:
            rt.weight_label = f"score {weight:.1f}"  # type: ignore[attr-defined]
        rt.weight_percent = round(100 * weight / heaviest)  # type: ignore[attr-defined]


def profile_page(researcher: Researcher, filters: WorksFilter | None = None) -> ProfilePage:
    """The profile of ``researcher`` (fetched through :func:`researchers_for_page`) with its
    works list as ``filters`` select it: 7 queries (trust snapshot, affiliations, topics, and
    the 4 of :func:`works.selectors.works_page`: facets, page of works, 2 for their authors),
    5 when the list shows no work."""
    affiliations = sorted(
        ResearcherAffiliation.objects.filter(researcher=researcher).select_related("institution"),
        key=lambda a: (not a.is_last_known, -max(a.years, default=0), a.institution.display_name),
    )
    topics = list(
        with_hidden_counts(ResearcherTopic.objects.filter(researcher=researcher))
        .select_related("topic")
        .order_by("rank")
    )
    _weigh_topics(topics)
    citations = charts.yearly_values(researcher.counts_by_year, "cited_by_count")
    orcid = normalize_orcid(researcher.orcid) if orcid_checksum_is_valid(researcher.orcid) else ""
    return ProfilePage(
        researcher=researcher,
        trust=trust_current(researcher.pk),
        affiliations=affiliations,
        topics=topics,
        works=works_page(researcher, filters),
        citations_chart=charts.bar_chart(citations),
        citations_by_year=citations,
        orcid=orcid,
        orcid_link=orcid_url(orcid) if orcid else "",
    )


# --- The work page ---------------------------------------------------------------------------


@dataclass
class WorkPage:
    work: Work
    authors: AuthorList  # a slice of the authors, however many there are
    topics: list[WorkTopic]


def _work(openalex_id: str) -> Work | None:
    return Work.objects.select_related("source").filter(openalex_id=openalex_id).first()


def work_page(openalex_id: str, *, authors_after: int = -1) -> WorkPage | None:
    """A work with its venue, a slice of its authors in byline order (the first
    :data:`works.selectors.AUTHORS_SHOWN`, or those after byline position ``authors_after``)
    and its topics. 4 queries whatever the number of authors; None if we do not hold it."""
    work = _work(openalex_id)
    if work is None:
        return None
    authors = author_lists([work], after=authors_after)[work.pk]
    topics = list(work.work_topics.select_related("topic").order_by("-is_primary", F("score").desc(nulls_last=True)))
    return WorkPage(work, authors, topics)


def work_authors(openalex_id: str, *, after: int, limit: int = AUTHORS_SHOWN) -> AuthorList | None:
    """The next slice of a work's authors alone ("and N more"). 3 queries; None if unknown."""
    work = _work(openalex_id)
    return author_lists([work], after=after, limit=limit)[work.pk] if work else None


# --- Topic and institution pages -------------------------------------------------------------


@dataclass
class TopicPage:
    topic: Topic
    researchers: list[ResearcherTopic]  # the first of them, most works on the topic first
    researcher_count: int  # all the researchers who list the topic
    works: NewestWorks  # the newest of its works, and how many BZPEER holds


def topic_page(openalex_id: str, *, limit: int = 50) -> TopicPage | None:
    """A topic with the researchers and works we hold on it (the newest, works.selectors.newest_works),
    each with how many there are in all. 4 queries; None if unknown."""
    topic = (
        Topic.objects.filter(openalex_id=openalex_id)
        .annotate(researcher_count=count_of(ResearcherTopic.objects.filter(topic=OuterRef("pk"))))
        .first()
    )
    if topic is None:
        return None
    researchers = list(
        with_hidden_counts(ResearcherTopic.objects.filter(topic=topic))
        .select_related("researcher")
        .order_by(F("works_count").desc(nulls_last=True), F("score").desc(nulls_last=True), "researcher__display_name")[
            :limit
        ]
    )
    works = newest_works(Work.topics.through.objects.filter(topic=topic).values("work_id"), limit=limit)
    for rt in researchers:
        rt.shown_count = shown_works_count(rt)  # type: ignore[attr-defined]
    return TopicPage(topic, researchers, topic.researcher_count, works)  # type: ignore[attr-defined]


@dataclass
class InstitutionPage:
    institution: Institution
    affiliations: list[ResearcherAffiliation]  # the first of them: current ones first, by name
    researcher_count: int  # every researcher who lists it, now or earlier
    works: NewestWorks  # the newest works of the researchers listed


def institution_page(openalex_id: str, *, limit: int = 50) -> InstitutionPage | None:
    """An institution with the researchers affiliated with it, how many they are in all, and
    the recent works of those listed (the newest, works.selectors.newest_works). 4 queries;
    None if unknown.

    The works are those of the listed researchers only: gathering the works of every
    researcher of a large institution costs seconds (7,210 researchers, about 360,000
    authorships at 1M works: 1.2-7 s), and no index finds works by authorship.institution_openalex_ids."""
    institution = (
        Institution.objects.filter(openalex_id=openalex_id)
        .annotate(researcher_count=count_of(ResearcherAffiliation.objects.filter(institution=OuterRef("pk"))))
        .first()
    )
    if institution is None:
        return None
    affiliations = list(
        ResearcherAffiliation.objects.filter(institution=institution)
        .select_related("researcher")
        .order_by("-is_last_known", "researcher__display_name")[:limit]
    )
    researcher_ids = [a.researcher_id for a in affiliations]
    works = newest_works(Authorship.objects.filter(researcher_id__in=researcher_ids).values("work_id"), limit=limit)
    return InstitutionPage(institution, affiliations, institution.researcher_count, works)  # type: ignore[attr-defined]
