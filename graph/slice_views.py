"""The research-graph slice fragment on a profile and the explorer page (DESIGN §6)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bzpeer.http import HtmxRequest
from graph.slice import graph_slice
from profiles.display import parse_openalex_id
from profiles.models import Researcher


def _researcher_or_404(openalex_id: str) -> Researcher:
    canonical = parse_openalex_id(openalex_id, "A")
    researcher = (
        Researcher.objects.filter(openalex_id=canonical).exclude(record_status="deleted").first() if canonical else None
    )
    if researcher is None:
        raise Http404("No such researcher")
    return researcher


@require_GET
def slice_fragment(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The slice, loaded into the profile when it scrolls into view. 5 queries."""
    researcher = _researcher_or_404(openalex_id)
    return render(request, "graph/slice.html", {"slice": graph_slice(researcher)})


@require_GET
def explorer(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The full page: the same data with more people and works (a drawn, interactive graph
    comes later). 5 queries."""
    researcher = _researcher_or_404(openalex_id)
    return render(request, "graph/explorer.html", {"slice": graph_slice(researcher, people=50, works=15, topics=12)})
