"""The research-graph slice fragment on a profile (DESIGN §6); the explorer is explorer_views."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest
from core import page_cache
from core.page_cache import CachedPage, rows_stamp
from graph.drawing import draw
from graph.network import slice_network
from graph.slice import graph_slice
from profiles.identifiers import parse_openalex_id
from profiles.shortcuts import researcher_or_response

# The slice shows the same to everyone, so it is kept for every request (core.page_cache)
# under a stamp of what it draws: the record, its current trust snapshot (every import that
# touches the researcher's works recomputes it, after the co-author edges), its co-author
# edges on either side, current affiliations, topics and hidden works. A collaborator's
# rename or move reaches it within the cache's 10 minutes.
SLICE = CachedPage(
    "graph_slice",
    f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {rows_stamp("graph_coauthoredge", "ea", "ea.researcher_a_id = r.id")},
    {rows_stamp("graph_coauthoredge", "eb", "eb.researcher_b_id = r.id")},
    {rows_stamp("profiles_researcheraffiliation", "ra", "ra.researcher_id = r.id")},
    {rows_stamp("profiles_researchertopic", "rt", "rt.researcher_id = r.id")},
    {rows_stamp("works_hiddenwork", "h", "h.researcher_id = r.id")}
)
FROM profiles_researcher r
WHERE r.openalex_id = $1 AND r.record_status <> 'deleted'
""",
    ("text",),
)


@require_safe
def slice_fragment(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The slice, drawn (graph.drawing) beside its table, loaded into the profile when it
    scrolls into view. From the cache: 1 query and 1 Redis GET; rendered: 6 (the stamp, then
    the record and the slice's 4)."""
    canonical = parse_openalex_id(openalex_id, "A")
    cached = None
    if canonical and page_cache.cache_seconds() > 0:
        cached = page_cache.lookup(request, SLICE, canonical)
        if cached and cached.stored is not None:
            return page_cache.respond(request, cached.stored)
    researcher = researcher_or_response(request, openalex_id, view="graph:slice")
    if isinstance(researcher, HttpResponse):
        return researcher
    graph = graph_slice(researcher)
    body = render_to_string(
        "graph/slice.html", {"slice": graph, "drawing": draw(slice_network(graph))}, request
    ).encode()
    return page_cache.store(request, cached.key, body) if cached else HttpResponse(body)

