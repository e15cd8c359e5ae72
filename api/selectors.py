"""The reads of the API: each endpoint's answer as plain data in the shape of api.schemas.
Every read goes through the selectors the pages use (profiles, works, graph, search), so the
API shows what the pages show and nothing more: no email, no claim evidence, no follows, no
conversation, no hidden work."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from api.keyset import keyset_after, keyset_ordered, position_of
from bzpeer.http import absolute_url
from graph.coauthors import COAUTHOR_SORTS, coauthor_edges, current_affiliations
from graph.network import slice_network
from graph.slice import graph_slice
from graph.trust_selectors import trust_explanation
from profiles.display import shared_works_phrase
from profiles.models import Researcher, ResearcherTopic
from works.models import Work
from works.selectors import (
    AUTHORS_SHOWN,
    LIST_AUTHORS_SHOWN,
    WORK_SORTS,
    AuthorList,
    WorksFilter,
    author_lists,
    works_matching,
)

TOPICS_SHOWN = 10


def researcher_detail(researcher: Researcher) -> dict[str, Any]:
    """The researcher endpoint's answer. 3 queries: current institutions, top topics, the
    trust explanation (graph.trust_selectors.trust_explanation without history)."""
    places = [
        {
            "id": a.institution.openalex_id,
            "name": a.institution.display_name,
            "country_code": a.institution.country_code,
        }
        for a in current_affiliations([researcher.pk])
    ]
    topics = [
        {"id": rt.topic.openalex_id, "name": rt.topic.display_name, "works_count": rt.works_count or 0}
        for rt in ResearcherTopic.objects.filter(researcher=researcher)
        .select_related("topic")
        .order_by("rank")[:TOPICS_SHOWN]
    ]
    explained = trust_explanation(researcher.pk, history=0)
    snapshot = explained.snapshot
    a = researcher.openalex_id
    return {
        "id": a,
        "name": researcher.name,
        "display_name": researcher.display_name,
        "alternative_names": list(researcher.display_name_alternatives),
        "orcid": researcher.orcid or None,
        "works_count": researcher.works_count,
        "cited_by_count": researcher.cited_by_count,
        "h_index": researcher.h_index,
        "record_status": researcher.record_status,
        "institutions": places,
        "topics": topics,
        "verification": None
        if explained.level is None
        else {"level": explained.level, "name": explained.level_name, "evidence": explained.level_evidence},
        "trust": None
        if snapshot is None
        else {
            "score": snapshot.score,
            "max_points": explained.max_points,
            "tier": snapshot.tier,
            "formula_version": snapshot.formula_version,
            "computed_at": snapshot.computed_at,
            "components": [
                {
                    "name": c.name,
                    "label": c.label,
                    "points": c.points,
                    "cap": c.cap,
                    "evidence": c.evidence,
                    "rule": c.rule,
                }
                for c in explained.components
            ],
        },
        "links": {
            "profile": absolute_url(reverse("pages:detail", args=[a])),
            "works": absolute_url(reverse("api:researcher_works", args=[a])),
            "coauthors": absolute_url(reverse("api:researcher_coauthors", args=[a])),
            "graph": absolute_url(reverse("api:researcher_graph", args=[a])),
        },
    }


def work_data(work: Work, authors: AuthorList) -> dict[str, Any]:
    """A work with the slice of its byline ``authors`` holds (and how many authors it has)."""
    return {
        "id": work.openalex_id,
        "title": work.title or "",
        "type": work.type,
        "publication_year": work.publication_year,
        "publication_date": work.publication_date.isoformat() if work.publication_date else None,
        "doi": work.doi or None,
        "venue": (work.source.display_name if work.source else "") or work.venue_name,
        "cited_by_count": work.cited_by_count,
        "authors": [
            {
                "position": a.position,
                "name": a.researcher.name if a.researcher else (a.raw_author_name or "Unnamed author"),
                "researcher": a.researcher.openalex_id if a.researcher else None,
            }
            for a in authors.authorships
        ],
        "authors_count": authors.total,
        "url": absolute_url(reverse("pages:work", args=[work.openalex_id])),
    }


def works_after(
    researcher: Researcher, filters: WorksFilter, position: list[Any] | None, limit: int
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page of the researcher's works (works.selectors.works_matching: hidden works never
    appear) in ``filters.sort`` order, after ``position``, and the position of its last work
    when more follow. 3 queries (the page of works with their venue, 2 for the author lists);
    1 when the page is empty."""
    ordering = WORK_SORTS[filters.sort]
    qs = keyset_ordered(works_matching(researcher, filters).select_related("source"), ordering)
    if position is not None:
        qs = keyset_after(qs, ordering, position)
    rows = list(qs[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    lists = author_lists(page, limit=LIST_AUTHORS_SHOWN)
    return [work_data(w, lists[w.pk]) for w in page], (position_of(page[-1], ordering) if more else None)


def work_detail(work: Work) -> dict[str, Any]:
    """A work with its first :data:`works.selectors.AUTHORS_SHOWN` authors. 2 queries."""
    return work_data(work, author_lists([work], limit=AUTHORS_SHOWN)[work.pk])


def coauthors_after(
    researcher: Researcher, sort: str, position: list[Any] | None, limit: int
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page of the researcher's co-authors (graph.coauthors' edges and orders) after
    ``position``, and the position of the last when more follow. 1 query."""
    ordering = COAUTHOR_SORTS[sort]
    qs = keyset_ordered(coauthor_edges(researcher.pk, with_name=sort == "name"), ordering)
    if position is not None:
        qs = keyset_after(qs, ordering, position)
    rows = list(qs[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    items = []
    for edge in page:
        other = edge.researcher_b if edge.researcher_a_id == researcher.pk else edge.researcher_a
        items.append(
            {
                "id": other.openalex_id,
                "name": other.name,
                "shared_works": edge.shared_works,
                "first_year": edge.first_year,
                "last_year": edge.last_year,
                "evidence": shared_works_phrase(edge.shared_works, edge.first_year, edge.last_year),
            }
        )
    return items, (position_of(page[-1], ordering) if more else None)


def researcher_graph(researcher: Researcher) -> dict[str, Any]:
    """The slice as nodes and edges (graph.network: the shape the drawing, its table and the
    explorer read), each edge with its evidence. 4 queries (graph.slice.graph_slice)."""
    network = slice_network(graph_slice(researcher))
    return {
        "centre": network.centre,
        "nodes": [
            {
                "id": n.id,
                "kind": str(n.kind),
                "label": n.label,
                "weight": n.weight,
                "is_centre": n.is_centre,
                "year": n.year,
            }
            for n in network.nodes
        ],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "kind": str(e.kind),
                "weight": e.weight,
                "first_year": e.first_year,
                "last_year": e.last_year,
                "evidence": e.evidence,
            }
            for e in network.edges
        ],
    }
