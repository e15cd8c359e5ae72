"""The research-graph slice fragment on a profile (DESIGN §6); the explorer is explorer_views."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest
from graph.drawing import draw
from graph.network import slice_network
from graph.slice import graph_slice
from profiles.shortcuts import researcher_or_response


@require_safe
def slice_fragment(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The slice, drawn (graph.drawing) beside its table, loaded into the profile when it
    scrolls into view. 5 queries."""
    researcher = researcher_or_response(request, openalex_id, view="graph:slice")
    if isinstance(researcher, HttpResponse):
        return researcher
    graph = graph_slice(researcher)
    return render(request, "graph/slice.html", {"slice": graph, "drawing": draw(slice_network(graph))})

