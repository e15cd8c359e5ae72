"""The co-author page of a researcher: everyone they share works with, each row leading to
the works they share (graph.shared_works_views)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from bzpeer.http import HtmxRequest, is_htmx_partial
from graph.coauthors import coauthors_page
from graph.forms import CoauthorsForm
from profiles.shortcuts import researcher_or_response


@require_safe
@vary_on_headers("HX-Request")
def coauthors(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """Every co-author of ``openalex_id`` with their shared works, first and last shared year
    and current institution, sorted by ``?sort=`` (shared, recent, name) and paged
    (``?page=``; past the end: an empty, explained page). The id resolves like a profile's
    (301 for a merged id, with the query string; 404; 410). htmx requests (sorting, paging)
    get the ``#coauthors-list`` fragment. 4 queries (researcher, and
    graph.coauthors.coauthors_page's 3), 2 when the page lists no one."""
    researcher = researcher_or_response(request, openalex_id, view="graph:coauthors")
    if isinstance(researcher, HttpResponse):
        return researcher
    form = CoauthorsForm(request.GET)
    page = coauthors_page(researcher, sort=form.order(), page=form.number())
    template = "graph/coauthors.html#coauthors-list" if is_htmx_partial(request) else "graph/coauthors.html"
    return render(request, template, {"researcher": researcher, "page": page})
