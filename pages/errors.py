"""The site's error pages, in its layout: templates/404.html, 403.html, 403_csrf.html, 400.html
and 500.html.

Django renders most of them from those templates itself (django.views.defaults,
django.views.csrf): 403, 400 and the CSRF failure with the request, so with the header as on
every page; 500 with an empty context and no request, so 500.html stands alone (it must render
when the database is what failed: no query, no user, no context processor). The 404 is ours
(``bzpeer.urls.handler404``): under a work, topic or institution URL it names the id asked for
and where to look it up, as the researcher pages do (profiles.shortcuts.researcher_not_found).
With ``DEBUG`` on, Django shows its debug pages for 404 and 500 instead.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from profiles.identifiers import parse_openalex_id

# The entity pages whose 404 says what was asked for: the kind's name, the id letters its
# page accepts (a topic page takes legacy concepts too: pages.views.topic_detail) and an
# example id.
_ENTITY_PAGES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pages:work": ("work", ("W",), "W2741809807"),
    "pages:topic": ("topic", ("T", "C"), "T10017"),
    "pages:institution": ("institution", ("I",), "I27837315"),
}


# The header's forms take the visitor's CSRF token, which a 404 from the URL resolver would
# otherwise not have made (as Django's own handlers).
@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 in the site's layout. Under a work, topic or institution URL: that BZPEER holds no
    such record (with a link to OpenAlex), or that the text is no id of that kind; elsewhere,
    that no page has this address. Both with the search box. No query of its own."""
    context: dict[str, Any] = {}
    match = request.resolver_match  # None when no route matched the path
    entity = _ENTITY_PAGES.get(match.view_name) if match else None
    if match and entity:
        kind, letters, example = entity
        text = str(match.kwargs.get("openalex_id", ""))
        openalex_id = next(filter(None, (parse_openalex_id(text, letter) for letter in letters)), None)
        context = {"kind": kind, "openalex_id": openalex_id, "query": text, "example": example}
    return render(request, "404.html", context, status=404)
