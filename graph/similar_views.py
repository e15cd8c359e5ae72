"""Similar researchers: a fragment the profile lazy-loads, and a page of its own."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest, is_htmx_partial
from graph.similar import similar_researchers
from profiles.shortcuts import researcher_or_response

SHOWN = 6


@require_safe
def similar(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """``/researchers/<id>/similar/``: the stored similar researchers, each with its reason
    (never computed here). htmx requests get the ``#similar-researchers`` fragment, others the
    page. 2 queries (researcher, similar researchers)."""
    found = researcher_or_response(request, openalex_id, view="graph:similar")
    if isinstance(found, HttpResponse):
        return found
    template = "graph/similar.html"
    if is_htmx_partial(request):
        template += "#similar-researchers"
    response = render(request, template, {"researcher": found, "similar": similar_researchers(found, SHOWN)})
    patch_vary_headers(response, ["HX-Request"])
    return response
