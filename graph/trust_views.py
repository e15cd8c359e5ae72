"""The trust explanation: an htmx fragment the profile lazy-loads, and a page of its own."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest, is_htmx_partial
from graph import trust_selectors
from profiles.models import Researcher
from profiles.shortcuts import researcher_or_response


@require_safe
def trust_explanation(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """``/researchers/<id>/trust/``: the score, its components, verification and recent
    changes, read from the stored snapshot (never computed here). The id takes the profile's
    forms; legacy and merged ids redirect (301), a deleted record is 410. htmx requests get the ``#trust-explanation``
    fragment, others the page. 2 queries (researcher, snapshots)."""
    found = researcher_or_response(
        request,
        openalex_id,
        view="graph:trust_explanation",
        queryset=Researcher.objects.only("id", "openalex_id", "display_name", "preferred_name", "record_status"),
    )
    if isinstance(found, HttpResponse):
        return found
    template = "graph/trust_explanation.html"
    if is_htmx_partial(request):
        template += "#trust-explanation"
    context = {"researcher": found, "explanation": trust_selectors.trust_explanation(found.pk)}
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
