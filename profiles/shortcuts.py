"""The one way a view turns a researcher id from its URL into a record, or into the answer a
visitor should get instead (like healthchecks' ``_get_check_for_user``).

Every view with ``<openalex_id>`` in its path calls :func:`researcher_or_response`, so that
every such URL answers alike: any accepted id form (``A5023888391``, lower case, the
openalex.org URL) finds the record; an id OpenAlex retired (a legacy id resolved through
ORCID, or a record merged into another) moves permanently to the current one, keeping the
query string; an unknown id, or text that is no author id, is a 404 page that says what to do
next; a record OpenAlex deleted is a 410 page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse

from profiles.identifiers import id_kind, parse_openalex_id
from profiles.models import Researcher
from profiles.selectors import AliasRedirect, ResearcherNotFound, researcher_resolve

# Where an id of another entity kind typed into a researcher URL has its own page.
OTHER_ENTITY_PAGES = {"W": "pages:work", "T": "pages:topic", "I": "pages:institution"}


def researcher_or_response(
    request: HttpRequest,
    openalex_id: str,
    *,
    view: str,
    queryset: QuerySet[Researcher] | None = None,
    view_args: Callable[[str], Sequence[str]] | None = None,
) -> Researcher | HttpResponse:
    """The researcher ``openalex_id`` names (fetched through ``queryset``, e.g. with the
    annotations a page needs), or the response to send instead:

    * an alias: GET and HEAD move permanently (301) to ``view`` for the current id, with the
      query string; other methods act on the current record (a redirect would turn a POST
      into a GET), fetched through ``queryset``;
    * no such record, or not an author id: 404 (``profiles/researcher_not_found.html``);
    * a record OpenAlex deleted: 410 (``profiles/researcher_gone.html``).

    1 query for a current record; 2 for an alias or an unknown id (3 for an alias under POST).
    ``view`` takes the id as its only URL argument, unless ``view_args`` maps the current id
    to its URL arguments (a page of two researchers keeps the other one).
    """
    try:
        found = researcher_resolve(openalex_id, queryset=queryset)
        if isinstance(found, AliasRedirect) and request.method not in ("GET", "HEAD"):
            found = researcher_resolve(found.openalex_id, queryset=queryset)
    except ResearcherNotFound as missing:
        return researcher_not_found(request, openalex_id, missing.openalex_id)
    if isinstance(found, AliasRedirect):
        target = reverse(view, args=view_args(found.openalex_id) if view_args else [found.openalex_id])
        query = request.GET.urlencode()
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    if found.record_status == Researcher.RecordStatus.DELETED:
        return render(request, "profiles/researcher_gone.html", {"researcher": found}, status=410)
    return found


def researcher_not_found(request: HttpRequest, text: str, openalex_id: str | None) -> HttpResponse:
    """The 404 page for ``text``: an author id we do not hold (``openalex_id``, with an import
    button for staff), or text that is not an author id (a link to the page of another kind of
    OpenAlex id when it is one)."""
    kind = id_kind(text)
    other = parse_openalex_id(text, kind) if kind in OTHER_ENTITY_PAGES else None
    context = {
        "openalex_id": openalex_id,
        "query": text,
        "other_page": reverse(OTHER_ENTITY_PAGES[kind], args=[other]) if kind and other else "",
        "can_import": bool(getattr(request.user, "is_staff", False)) and openalex_id is not None,
    }
    return render(request, "profiles/researcher_not_found.html", context, status=404)
