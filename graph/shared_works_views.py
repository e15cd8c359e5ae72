"""The shared-works page of two researchers: what a co-author edge stands for."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest
from graph.forms import PageForm
from graph.shared_works import shared_works_page
from profiles.shortcuts import researcher_or_response


@require_safe
def shared_works(request: HtmxRequest, openalex_id: str, other_id: str) -> HttpResponse:
    """The works ``openalex_id`` and ``other_id`` both wrote, newest first, paged, with their
    authors. Each id resolves like a profile's (301 for a merged id, keeping the other; 404;
    410). The same person twice is a 400. A pair with no shared work is a 404 page that says
    so and links both profiles: nothing to index, something to read. 7 queries."""
    a = researcher_or_response(
        request, openalex_id, view="graph:shared_works", view_args=lambda current: [current, other_id]
    )
    if isinstance(a, HttpResponse):
        return a
    b = researcher_or_response(
        request, other_id, view="graph:shared_works", view_args=lambda current: [a.openalex_id, current]
    )
    if isinstance(b, HttpResponse):
        return b
    if a.pk == b.pk:
        return render(request, "graph/shared_works.html", {"a": a, "b": b, "same": True}, status=400)
    page = shared_works_page(a, b, page=PageForm(request.GET).number())
    return render(request, "graph/shared_works.html", {"a": a, "b": b, "page": page}, status=200 if page.total else 404)
