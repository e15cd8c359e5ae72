"""Reads for the research-graph slice on a profile and the explorer page (DESIGN §6).

The slice: the researcher, their close collaborators (each explained), the institutions of
both, the researcher's top topics and their most connected recent works. A fixed number of
queries whatever the size of the network (see :func:`graph_slice`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import BooleanField, Count, F, IntegerField, Q
from django.db.models.expressions import RawSQL

from graph.coauthors import Coauthor, current_affiliations
from graph.edges import CLOSE_ORDER, close_count_sql, close_is_fallback_sql
from graph.models import CoauthorEdge
from profiles.models import Institution, Researcher, ResearcherTopic
from works.models import Work
from works.selectors import researcher_works

# Among this many newest works the slice picks the most connected ones.
RECENT_WORKS_WINDOW = 50


@dataclass
class ConnectedWork:
    work: Work
    collaborators: list[Researcher]


@dataclass
class InstitutionNode:
    institution: Institution
    members: list[Researcher]  # the researcher and/or collaborators who are there


@dataclass
class GraphSlice:
    researcher: Researcher
    collaborators: list[Coauthor]
    close_total: int  # all close collaborators (the list may be cut to a page's limit)
    is_fallback: bool  # fewer than two co-authors share 2+ works: the top co-authors instead
    institutions: list[InstitutionNode]
    topics: list[ResearcherTopic]
    works: list[ConnectedWork]

    @property
    def is_empty(self) -> bool:
        return not (self.collaborators or self.topics or self.works or self.institutions)


def close_collaborators(researcher_id: int, *, limit: int = 12) -> tuple[list[Coauthor], int, bool]:
    """The close collaborators of DESIGN §6 (graph.edges defines them: the first ``count``
    edges in CLOSE_ORDER), strongest first, then most recent. Returns (the first ``limit`` of
    them, how many there are, whether the fallback applied). 1 query."""
    ids = [researcher_id, researcher_id]
    edges = list(
        CoauthorEdge.objects.filter(Q(researcher_a_id=researcher_id) | Q(researcher_b_id=researcher_id))
        .annotate(
            # Constant statements; the only parameter is the researcher's id.
            close_total=RawSQL(close_count_sql("%s"), ids, output_field=IntegerField()),  # noqa: S611
            is_fallback=RawSQL(close_is_fallback_sql("%s"), ids, output_field=BooleanField()),  # noqa: S611
        )
        .select_related("researcher_a", "researcher_b")
        .only(
            "shared_works",
            "first_year",
            "last_year",
            "researcher_a_id",
            "researcher_b_id",
            *(
                f"{side}__{name}"
                for side in ("researcher_a", "researcher_b")
                for name in ("openalex_id", "display_name", "preferred_name", "record_status")
            ),
        )
        .order_by(*CLOSE_ORDER)[:limit]
    )
    if not edges:
        return [], 0, True
    close_total: int = edges[0].close_total  # type: ignore[attr-defined]
    people = [
        Coauthor(
            e.researcher_b if e.researcher_a_id == researcher_id else e.researcher_a,
            e.shared_works,
            e.first_year,
            e.last_year,
        )
        for e in edges[:close_total]
    ]
    return people, close_total, edges[0].is_fallback  # type: ignore[attr-defined]


def graph_slice(researcher: Researcher, *, people: int = 12, works: int = 5, topics: int = 6) -> GraphSlice:
    """The slice for ``researcher``: 4 queries (close collaborators, institutions of everyone
    in it, top topics, most connected recent works)."""
    collaborators, close_total, is_fallback = close_collaborators(researcher.pk, limit=people)
    by_id = {c.researcher.pk: c for c in collaborators}

    # Current institutions: the record's last known ones (stubs have none).
    affiliations = current_affiliations([researcher.pk, *by_id])
    nodes: dict[int, InstitutionNode] = {}
    for affiliation in affiliations:
        node = nodes.setdefault(affiliation.institution_id, InstitutionNode(affiliation.institution, []))
        member = (
            researcher if affiliation.researcher_id == researcher.pk else by_id[affiliation.researcher_id].researcher
        )
        node.members.append(member)
        if affiliation.researcher_id in by_id:
            by_id[affiliation.researcher_id].institutions.append(affiliation.institution)
    institutions = sorted(nodes.values(), key=lambda n: (-len(n.members), n.institution.display_name))

    top_topics = list(
        ResearcherTopic.objects.filter(researcher=researcher).select_related("topic").order_by("rank")[:topics]
    )

    recent = researcher_works(researcher).values("id")[:RECENT_WORKS_WINDOW]
    connected = list(
        Work.objects.filter(pk__in=recent)
        .annotate(
            connected=Count("authorships", filter=Q(authorships__researcher_id__in=list(by_id))),
            connected_ids=ArrayAgg(
                "authorships__researcher_id", filter=Q(authorships__researcher_id__in=list(by_id)), default=[]
            ),
        )
        .select_related("source")
        .only(
            "openalex_id", "title", "type", "publication_year", "publication_date", "venue_name", "source__display_name"
        )
        .order_by("-connected", F("publication_date").desc(nulls_last=True), "-id")[:works]
    )
    return GraphSlice(
        researcher=researcher,
        collaborators=collaborators,
        close_total=close_total,
        is_fallback=is_fallback,
        institutions=institutions,
        topics=top_topics,
        works=[ConnectedWork(w, [by_id[i].researcher for i in w.connected_ids if i in by_id]) for w in connected],  # type: ignore[attr-defined]
    )
