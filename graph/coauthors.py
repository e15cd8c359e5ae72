"""Reads for the co-author page of a researcher (`/researchers/<id>/coauthors/`): every
co-author from the co-author edges (graph.edges), with the evidence of each edge and where
the co-author is now, sortable and paged. Each row links to the shared-works page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower, NullIf

from core.paging import Paging
from graph.models import CoauthorEdge
from profiles.display import shared_works_phrase, year_span
from profiles.models import Institution, Researcher, ResearcherAffiliation

COAUTHORS_PER_PAGE = 20

# The orders of the page (the ``sort`` of its URL), the first one the default. Each ends on the
# co-author's id, so the order is total and pages never share or skip a row.
COAUTHOR_SORTS: dict[str, tuple[OrderBy | str, ...]] = {
    "shared": (F("shared_works").desc(), F("last_year").desc(nulls_last=True), "other_id"),
    "recent": (F("last_year").desc(nulls_last=True), F("shared_works").desc(), "other_id"),
    "name": (F("other_name").asc(), "other_id"),
}
DEFAULT_COAUTHOR_SORT = "shared"


@dataclass
class Coauthor:
    researcher: Researcher
    shared_works: int
    first_year: int | None
    last_year: int | None
    institutions: list[Institution] = field(default_factory=list)  # current ones

    @property
    def explanation(self) -> str:
        """ "3 shared works, 2021–2024" """
        return shared_works_phrase(self.shared_works, self.first_year, self.last_year)

    @property
    def years(self) -> str:
        """First and last shared year, "2021–2024"; "" when unknown."""
        return year_span(self.first_year, self.last_year)


@dataclass
class CoauthorsPage:
    researcher: Researcher
    coauthors: list[Coauthor]
    paging: Paging
    sort: str


def _edges_of(researcher_id: int) -> QuerySet[CoauthorEdge]:
    """The researcher's edges, each annotated with the other side's id. The two sides are read
    from the unique (a, b) index and the (b, shared) index: the researcher's edges only."""
    return CoauthorEdge.objects.filter(Q(researcher_a_id=researcher_id) | Q(researcher_b_id=researcher_id)).annotate(
        other_id=Case(
            When(researcher_a_id=researcher_id, then=F("researcher_b_id")),
            default=F("researcher_a_id"),
            output_field=IntegerField(),
        )
    )


def _other_name(researcher_id: int) -> Case:
    """The co-author's name as pages show it (``Researcher.name``), lower-cased, for sorting."""
    return Case(
        When(researcher_a_id=researcher_id, then=_name_of("researcher_b")),
        default=_name_of("researcher_a"),
    )


def _name_of(side: str) -> Lower:
    preferred = NullIf(f"{side}__preferred_name", Value(""), output_field=TextField())
    return Lower(Coalesce(preferred, f"{side}__display_name", output_field=TextField()))


def coauthors_page(researcher: Researcher, *, sort: str = DEFAULT_COAUTHOR_SORT, page: int = 1) -> CoauthorsPage:
    """One page of ``researcher``'s co-authors in the order ``sort`` (an unknown one is the
    default): 3 queries whatever the number of co-authors (the count, the page of edges with
    both researchers, the current institutions of those on the page), 1 when the page shows
    none. A page past the end shows none (``paging.out_of_range``)."""
    if sort not in COAUTHOR_SORTS:
        sort = DEFAULT_COAUTHOR_SORT
    paging = Paging(page, _edges_of(researcher.pk).count(), COAUTHORS_PER_PAGE)
    if not paging.start:
        return CoauthorsPage(researcher, [], paging, sort)
    edges = coauthor_edges(researcher.pk, with_name=sort == "name")
    coauthors = [
        Coauthor(
            edge.researcher_b if edge.researcher_a_id == researcher.pk else edge.researcher_a,
            edge.shared_works,
            edge.first_year,
            edge.last_year,
        )
        for edge in edges.order_by(*COAUTHOR_SORTS[sort])[paging.offset : paging.offset + COAUTHORS_PER_PAGE]
    ]
    by_id = {c.researcher.pk: c for c in coauthors}
    for affiliation in current_affiliations(list(by_id)):
        by_id[affiliation.researcher_id].institutions.append(affiliation.institution)
    return CoauthorsPage(researcher, coauthors, paging, sort)


def coauthor_edges(researcher_id: int, *, with_name: bool = False) -> QuerySet[CoauthorEdge]:
    """The researcher's co-author edges with both researchers, each annotated with the other
    side's id (``other_id``) and, ``with_name``, their sort name (``other_name``): what every
    order of :data:`COAUTHOR_SORTS` reads (the page here, and the API's keyset pages). Lazy."""
    edges = _edges_of(researcher_id).select_related("researcher_a", "researcher_b")
    return edges.annotate(other_name=_other_name(researcher_id)) if with_name else edges


def current_affiliations(researcher_ids: list[int]) -> QuerySet[ResearcherAffiliation]:
    """Where ``researcher_ids`` are now: their records' last known institutions (stubs have
    none), by institution name, with the institution. Lazy; 1 query."""
    return (
        ResearcherAffiliation.objects.filter(researcher_id__in=researcher_ids, is_last_known=True)
        .select_related("institution")
        .only("researcher_id", "institution__openalex_id", "institution__display_name", "institution__country_code")
        .order_by("institution__display_name")
    )
