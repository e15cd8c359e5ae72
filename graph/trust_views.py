"""The trust explanation: an htmx fragment the profile lazy-loads, and a page of its own."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from bzpeer.http import HtmxRequest, is_htmx_partial
from graph import selectors
from profiles.models import Researcher
from profiles.selectors import AliasRedirect, ResearcherNotFound, researcher_resolve


@require_GET
def trust_explanation(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """``/researchers/<id>/trust/``: the score, its components, verification and recent
    changes, read from the stored snapshot (never computed here). The id takes the profile's
    forms; legacy and merged ids redirect (301). htmx requests get the ``#trust-explanation``
    fragment, others the page. 2 queries (researcher, snapshots)."""
    try:
        found = researcher_resolve(
            openalex_id, queryset=Researcher.objects.only("id", "openalex_id", "display_name", "preferred_name")
        )
    except ResearcherNotFound:
        raise Http404("No researcher with this OpenAlex id") from None
    if isinstance(found, AliasRedirect):
        return HttpResponsePermanentRedirect(reverse("graph:trust_explanation", args=[found.openalex_id]))
    template = "graph/trust_explanation.html"
    if is_htmx_partial(request):
        template += "#trust-explanation"
    context = {"researcher": found, "explanation": selectors.trust_explanation(found.pk)}
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
