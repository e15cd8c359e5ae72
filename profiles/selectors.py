"""Reads for the public pages: the researcher profile, its works list, search, topics and
institutions.

Every function here runs a fixed number of queries whatever the size of the record (the
docstrings say how many); the view tests pin those numbers. Templates get everything they
show from these functions and never query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from graph.models import TrustSnapshot
from profiles import charts, claim_selectors
from profiles.display import abstract_is_long, meta_description, parse_openalex_id, person_jsonld
from profiles.models import (
    Follow,
    Institution,
    Researcher,
    ResearcherAffiliation,
    ResearcherAlias,
    ResearcherTopic,
    Topic,
)
from profiles.names import fold
from profiles.orcid import normalize_orcid, orcid_checksum_is_valid, orcid_url
from works.models import Authorship, HiddenWork, Work

WORKS_PER_PAGE = 20
# When fewer than two co-authors share 2+ works, this many top co-authors are "close" (DESIGN §6).
CLOSE_FALLBACK = 5
CLOSE_MIN_SHARED = 2

# The close-collaborator count of DESIGN §6 as one correlated subquery: co-authors with at
# least 2 shared works, or, when fewer than 2 such exist, the top CLOSE_FALLBACK co-authors.
_CLOSE_COUNT_SQL = f"""
    SELECT CASE WHEN count(*) FILTER (WHERE e.shared_works >= {CLOSE_MIN_SHARED}) >= 2
                THEN count(*) FILTER (WHERE e.shared_works >= {CLOSE_MIN_SHARED})
                ELSE LEAST(count(*), {CLOSE_FALLBACK}) END
    FROM graph_coauthoredge e
    WHERE e.researcher_a_id = profiles_researcher.id OR e.researcher_b_id = profiles_researcher.id
"""


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated ``(SELECT count(*) ...)`` expression for annotations."""
    # A plain COUNT function (not the Count aggregate) adds no GROUP BY: one row, the count.
    counted = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- Researchers by id ----------------------------------------------------------------------


class ResearcherNotFound(Exception):
    """No researcher and no alias for this id. ``openalex_id`` is the canonical short id
    when the text was id-shaped, else None."""

    def __init__(self, openalex_id: str | None) -> None:
        super().__init__(openalex_id or "not an id")
        self.openalex_id = openalex_id


@dataclass(frozen=True)
class AliasRedirect:
    """The id names a legacy or merged record: the page moved to ``openalex_id``."""

    openalex_id: str


def researchers_for_page(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Researcher]:
    """Researchers annotated with what the profile header and Quick read count: followers,
    close collaborators, whether ``user`` follows them and whether the record is claimed.
    One query per fetched row set."""
    qs = Researcher.objects.annotate(
        followers_count=count_of(Follow.objects.filter(researcher=OuterRef("pk"))),
        # A constant statement without parameters: nothing from the request reaches it.
        close_collaborators_count=RawSQL(_CLOSE_COUNT_SQL, [], output_field=IntegerField()),  # noqa: S611
        # --- CLAIMS: claim state shown on the profile (extend here; keep it in this query) ---
        **claim_selectors.page_annotations(user),
    )
    if user.is_authenticated:
        qs = qs.annotate(is_following=Exists(Follow.objects.filter(researcher=OuterRef("pk"), user_id=user.pk)))
    else:
        qs = qs.annotate(is_following=Value(False))
    return qs


def researcher_resolve(text: str, *, queryset: QuerySet[Researcher] | None = None) -> Researcher | AliasRedirect:
    """The researcher an id in any accepted form names (``A5023888391``, lower case, or the
    ``https://openalex.org/A…`` URL). One query when found; a second one looks in the aliases.
    Raises ResearcherNotFound."""
    openalex_id = parse_openalex_id(text, "A")
    if openalex_id is None:
        raise ResearcherNotFound(None)
    researcher = (
        (queryset if queryset is not None else Researcher.objects.all()).filter(openalex_id=openalex_id).first()
    )
    if researcher is not None:
        return researcher
    target = (
        ResearcherAlias.objects.filter(openalex_id=openalex_id)
        .values_list("researcher__openalex_id", flat=True)
        .first()
    )
    if target:
        return AliasRedirect(target)
    raise ResearcherNotFound(openalex_id)


# --- Works of a researcher ------------------------------------------------------------------


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


def _weigh_topics(topics: list[ResearcherTopic]) -> None:
    """Set ``weight_label`` ("12 works" / "score 63.2") and ``weight_percent`` (of the
    heaviest) on each topic: works on the topic for topics, the score for legacy concepts."""
    weights = [float(t.works_count) if t.works_count is not None else float(t.score or 0.0) for t in topics]
    heaviest = max(weights, default=0.0) or 1.0
    for rt, weight in zip(topics, weights, strict=True):
        if rt.works_count is not None:
            rt.weight_label = f"{rt.works_count} work{'s' if rt.works_count != 1 else ''}"  # type: ignore[attr-defined]
        else:
            rt.weight_label = f"score {weight:.1f}"  # type: ignore[attr-defined]
        rt.weight_percent = round(100 * weight / heaviest)  # type: ignore[attr-defined]


def trust_current(researcher: Researcher) -> TrustSnapshot | None:
    """The researcher's current trust snapshot (TRUST writes it; pages only read). 1 query."""
    return (
        TrustSnapshot.objects.filter(researcher=researcher, is_current=True)
        .only("id", "researcher_id", "score", "tier", "level", "formula_version", "computed_at")
        .first()
    )


def profile_page(researcher: Researcher, *, type: str = "", year: int | None = None, page: int = 1) -> ProfilePage:
    """The profile of ``researcher`` (fetched through :func:`researchers_for_page`): 5 queries
    (trust snapshot, affiliations, topics, works facets, works page)."""
    affiliations = sorted(
        ResearcherAffiliation.objects.filter(researcher=researcher).select_related("institution"),
        key=lambda a: (not a.is_last_known, -max(a.years, default=0), a.institution.display_name),
    )
    topics = list(ResearcherTopic.objects.filter(researcher=researcher).select_related("topic").order_by("rank"))
    _weigh_topics(topics)
    citations = charts.yearly_values(researcher.counts_by_year, "cited_by_count")
    orcid = normalize_orcid(researcher.orcid) if orcid_checksum_is_valid(researcher.orcid) else ""
    return ProfilePage(
        researcher=researcher,
        trust=trust_current(researcher),
        affiliations=affiliations,
        topics=topics,
        works=works_page(researcher, type=type, year=year, page=page),
        citations_chart=charts.bar_chart(citations),
        citations_by_year=citations,
        orcid=orcid,
        orcid_link=orcid_url(orcid) if orcid else "",
    )


# --- Home: search and recent imports ----------------------------------------------------------

SEARCH_LIMIT = 25


def _with_current_institution(qs: QuerySet[Researcher]) -> QuerySet[Researcher]:
    latest = ResearcherAffiliation.objects.filter(researcher=OuterRef("pk")).order_by("-is_last_known", "-years")
    return qs.annotate(institution_name=Subquery(latest.values("institution__display_name")[:1]))


def researcher_search(query: str, *, limit: int = SEARCH_LIMIT) -> list[Researcher]:
    """Researchers whose name contains every word of ``query`` (case- and accent-insensitive,
    through Researcher.search_name and its trigram index), or whose ORCID iD it is; imported
    records first, then by works. 1 query (2 when no name contains the words and the
    trigram-similarity fallback runs)."""
    orcid = normalize_orcid(query)
    if orcid:
        return list(_with_current_institution(Researcher.objects.filter(orcid=orcid)).order_by("-works_count")[:limit])
    words = fold(query).split()
    if not words:
        return []
    ranked = ("record_status", "-works_count", "display_name")  # "imported" sorts before "stub"
    qs = Researcher.objects.exclude(record_status=Researcher.RecordStatus.DELETED)
    condition = Q()
    for word in words[:8]:
        condition &= Q(search_name__contains=word)
    found = list(_with_current_institution(qs.filter(condition)).order_by(*ranked)[:limit])
    if found:
        return found
    # Nothing contains the words: try a misspelling-tolerant match on the whole name.
    folded = " ".join(words)
    return list(_with_current_institution(qs.filter(search_name__trigram_similar=folded)).order_by(*ranked)[:limit])


def researchers_recent(*, limit: int = 12) -> list[Researcher]:
    """The most recently imported full records (not stubs). 1 query."""
    qs = Researcher.objects.filter(record_status=Researcher.RecordStatus.IMPORTED, imported_at__isnull=False)
    return list(_with_current_institution(qs).order_by("-imported_at")[:limit])


# --- Topic and institution pages -------------------------------------------------------------


@dataclass
class TopicPage:
    topic: Topic
    researchers: list[ResearcherTopic]
    works: list[Work]


def topic_page(openalex_id: str, *, limit: int = 50) -> TopicPage | None:
    """A topic with the researchers and works we hold on it. 3 queries; None if unknown."""
    topic = Topic.objects.filter(openalex_id=openalex_id).first()
    if topic is None:
        return None
    researchers = list(
        ResearcherTopic.objects.filter(topic=topic)
        .select_related("researcher")
        .order_by(F("works_count").desc(nulls_last=True), F("score").desc(nulls_last=True), "researcher__display_name")[
            :limit
        ]
    )
    works = list(
        Work.objects.filter(pk__in=Work.topics.through.objects.filter(topic=topic).values("work_id"))
        .select_related("source")
        .order_by(F("publication_date").desc(nulls_last=True), "-id")[:limit]
    )
    return TopicPage(topic, researchers, works)


@dataclass
class InstitutionPage:
    institution: Institution
    affiliations: list[ResearcherAffiliation]
    works: list[Work]


def institution_page(openalex_id: str, *, limit: int = 50) -> InstitutionPage | None:
    """An institution with the researchers affiliated with it and their recent works.
    3 queries; None if unknown."""
    institution = Institution.objects.filter(openalex_id=openalex_id).first()
    if institution is None:
        return None
    affiliations = list(
        ResearcherAffiliation.objects.filter(institution=institution)
        .select_related("researcher")
        .order_by("-is_last_known", "researcher__display_name")[:limit]
    )
    # Works through the affiliated researchers: authorship.institution_ids has no index.
    researcher_ids = [a.researcher_id for a in affiliations]
    works = list(
        Work.objects.filter(pk__in=Authorship.objects.filter(researcher_id__in=researcher_ids).values("work_id"))
        .select_related("source")
        .order_by(F("publication_date").desc(nulls_last=True), "-id")[:limit]
    )
    return InstitutionPage(institution, affiliations, works)


def followers_count(researcher: Researcher) -> int:
    """1 query."""
    return Follow.objects.filter(researcher=researcher).count()
