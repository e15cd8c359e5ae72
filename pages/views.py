"""Public pages: home and its search (search.selectors), the researcher profile (and its works-list fragment), follow,
the work page (and its authors fragment), topic and institution pages. Composed from every
app below; profile and work pages come from pages.page_cache, with a signed-in visitor's own
parts filled in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from bzpeer.http import HtmxRequest, absolute_url, client_ip, is_htmx_partial, too_many_requests
from claims import selectors as claims_selectors
from collaboration import selectors as collaboration_selectors
from collaboration import services as collaboration_services
from collaboration import stamps as collaboration_stamps
from core.limits import RateLimited
from following import services as following_services
from pages import page_cache, selectors
from pages.forms import AuthorsSliceForm, WorksFilterForm
from profiles import selectors as profiles_selectors
from profiles.display import person_jsonld
from profiles.identifiers import parse_openalex_id
from profiles.models import Researcher
from profiles.orcid import normalize_orcid, orcid_checksum_is_valid, orcid_url
from profiles.shortcuts import researcher_or_response
from search import selectors as search_selectors
from search.params import parse_params
from search.query import SEARCH_MAX, identifier_in
from works.selectors import AUTHORS_SHOWN, WorksFilter, works_page


def _is_staff(request: HtmxRequest) -> bool:
    return bool(getattr(request.user, "is_staff", False))


# Where an identifier typed into the search box leads (search.query.Identifier.kind).
_IDENTIFIER_PAGES = {
    "author": "pages:detail", "orcid": "pages:detail", "doi": "pages:work", "work": "pages:work",
    "topic": "pages:topic", "institution": "pages:institution",
}
_IDENTIFIER_NAMES = {
    "orcid": "researcher with ORCID iD", "doi": "work with DOI", "work": "work", "topic": "topic",
    "institution": "institution",
}


@require_safe
@vary_on_headers("HX-Request")
def home(request: HtmxRequest) -> HttpResponse:
    """Home: the search box and, for a query, its results by kind (search.selectors); an
    identifier goes straight to its page (htmx: a client redirect); one BZPEER does not hold is
    said so above the results of the same text as words. htmx requests (typing,
    filtering, paging) get the ``#search-results`` fragment; the full page adds the featured and
    recently imported researchers. Queries: none for bad input (explained instead), at most 1 for an
    identifier, else search.selectors.search's, and 1 for each topic or institution filter's name; the
    full page adds the recent list (1) and the featured researchers (1 when settings name any)."""
    params = parse_params(request.GET)
    identifier = identifier_in(params.q) if params.q and not params.problem else None
    context: dict[str, Any] = {"params": params, "query": params.q, "results": None, "missing": None}
    context["search_max"] = SEARCH_MAX
    if identifier is not None:
        target = search_selectors.identifier_target(identifier)
        if target:
            url = reverse(_IDENTIFIER_PAGES[identifier.kind], args=[target])
            return HttpResponseClientRedirect(url) if is_htmx_partial(request) else redirect(url)
        context["missing"] = (_IDENTIFIER_NAMES[identifier.kind], identifier.value)
    if not params.problem and not params.is_empty:  # an identifier not held is searched as text too
        context["results"] = search_selectors.search(params.q, params.filters, kind=params.kind, page=params.page)
    if params.filters.topic or params.filters.institution:
        context["filter_names"] = search_selectors.filter_names(params.filters)
    if is_htmx_partial(request):  # with the filter ids the form sends next, swapped out of band
        return render(request, "pages/home.html#search-results", {**context, "oob": True})
    context["featured"] = profiles_selectors.researchers_featured(settings.FEATURED_RESEARCHERS)
    context["recent"] = profiles_selectors.researchers_recent()
    return render(request, "pages/home.html", context)


@require_safe
@vary_on_headers("HX-Request")
def researcher_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The profile; for htmx requests (paging, sorting, filtering the works list: the query
    string, pages.forms.WorksFilterForm) only the ``#works-list`` fragment, 5 queries
    (researcher, and works.selectors.works_page's 4). Every visitor gets the page from the
    cache while its stamp is unchanged (pages.page_cache), keyed on the full path: each
    filtered, sorted or paged list is a page of its own there. It is stored as an anonymous
    visitor sees it; a signed-in visitor gets their own parts in it (:func:`_profile_parts`),
    the stamp read with everything about them in one query (selectors.profile_viewer) and
    their unread count with the page in one Redis MGET: 2 queries with the session, as the
    anonymous hit's 1 and 1 GET."""
    partial = is_htmx_partial(request)
    canonical = parse_openalex_id(openalex_id, "A")
    cached = None
    visitor = None  # a signed-in visitor's read of the page's stamp and of their parts
    if canonical and not partial and page_cache.applies(request):
        if page_cache.is_signed_in(request):
            visitor = selectors.profile_viewer(request.user, canonical)
            if visitor:
                cached = page_cache.lookup(
                    request, page_cache.PROFILE, canonical, stamp=visitor.stamp, also=_unread_key(request)
                )
        else:
            cached = page_cache.lookup(request, page_cache.PROFILE, canonical)
        if cached and cached.stored is not None:
            return page_cache.respond(request, cached.stored, fill=_profile_parts(request, visitor, cached))
    # A page to store is built as an anonymous visitor sees it.
    viewer = page_cache.anonymous_request(request) if cached else request
    found = researcher_or_response(
        request,
        openalex_id,
        view="pages:detail",
        queryset=None if partial else selectors.researchers_for_page(viewer.user),
    )
    if isinstance(found, HttpResponse):
        return found
    filters = WorksFilterForm(request.GET).filters()
    if partial:
        works = works_page(found, filters)
        return render(request, "works/partials/works_list.html", {"researcher": found, "works": works})
    template, context = _profile(viewer, found, filters)
    if cached:
        fill = _profile_parts(request, visitor, cached)
        return page_cache.render_and_store(request, cached.key, template, context, fill=fill)
    return render(request, template, context)


# The viewer parts of the cached profile and co-author pages, and the partial each is
# rendered from for a signed-in visitor.
_PROFILE_PARTS = {
    "nav": "base.html#site-nav",
    "import": "pages/researcher_detail.html#import-control",
    "stub-import": "pages/researcher_stub.html#import-control",
    "follow": "pages/researcher_detail.html#follow-box",
    "claim": "claims/partials/identity_section.html#viewer-claim",
    "collaboration": "collaboration/card.html#direct-collaboration",
}


def _unread_key(request: HtmxRequest) -> tuple[str]:
    """The Redis key of a signed-in visitor's unread count, read with the cached page."""
    return (collaboration_stamps.unread_key(int(request.user.pk or 0)),)


def _header(request: HtmxRequest, cached: page_cache.Lookup) -> dict[str, Any]:
    """What a signed-in visitor's header shows besides their account name, from the page's
    lookup: the unread count (its stamp read with the page, the database on a miss), and
    the one CSRF token of every part's form."""
    unread = collaboration_services.unread_for(int(request.user.pk or 0), stamp=cached.also[0])
    return {"collaboration_unread": unread, "csrf_token": page_cache.visitor_token(request)}


def _profile_parts(
    request: HtmxRequest, visitor: selectors.ProfileViewer | None, cached: page_cache.Lookup
) -> page_cache.Fill | None:
    """For a signed-in visitor, what fills their parts of the profile (templates marked
    ``{% viewer_part %}``: the header with their name and unread count, the staff's import
    button, the follow box, the claim part of the identity card, the collaboration card with
    its invitation control) from ``visitor``, read with the page's stamp in one query
    (selectors.profile_viewer), and the unread count read with the page (:func:`_header`);
    None for an anonymous one (the stored parts)."""
    if visitor is None:
        return None
    researcher = visitor.researcher

    def fill(names: Sequence[str]) -> dict[str, str]:
        context = {
            "researcher": researcher,
            "account_name": researcher.account_name or "",  # type: ignore[attr-defined]
            "can_import": _is_staff(request),
            "card": collaboration_selectors.card(request.user, researcher),
            **_header(request, cached),
        }
        return page_cache.render_parts(request, {name: _PROFILE_PARTS[name] for name in names}, context)

    return fill


def _nav_part(
    request: HtmxRequest, visitor: selectors.WorkViewer | None, cached: page_cache.Lookup
) -> page_cache.Fill | None:
    """For a signed-in visitor, what fills the header of a cached page whose only viewer part
    it is (the work page): its account name read with the page's stamp (``visitor``:
    selectors.work_viewer), its unread count with the page (:func:`_header`); None for an
    anonymous one."""
    if visitor is None:
        return None
    return lambda names: page_cache.render_parts(
        request, {"nav": _PROFILE_PARTS["nav"]}, {"account_name": visitor.account_name, **_header(request, cached)}
    )


def _profile(request: HtmxRequest, researcher: Researcher, filters: WorksFilter) -> tuple[str, dict[str, Any]]:
    """Template and context of the full profile, or of the lighter page of a co-author stub
    (known only from other records' authorships)."""
    canonical_url = absolute_url(reverse("pages:detail", args=[researcher.openalex_id]))
    if researcher.record_status != Researcher.RecordStatus.STUB:
        page = selectors.profile_page(researcher, filters)
        return "pages/researcher_detail.html", {
            "page": page,
            "researcher": researcher,
            "works": page.works,
            "canonical_url": canonical_url,
            "jsonld": page.person_jsonld(canonical_url),
            "can_import": _is_staff(request),
            "card": collaboration_selectors.card(request.user, researcher),
        }
    orcid = normalize_orcid(researcher.orcid) if orcid_checksum_is_valid(researcher.orcid) else ""
    return "pages/researcher_stub.html", {
        "researcher": researcher,
        "works": works_page(researcher, filters),
        "orcid": orcid,
        "orcid_link": orcid_url(orcid) if orcid else "",
        "canonical_url": canonical_url,
        "jsonld": person_jsonld(
            name=researcher.name,
            url=canonical_url,
            openalex_id=researcher.openalex_id,
            orcid_url=orcid_url(orcid) if orcid else "",
        ),
        "can_import": _is_staff(request),
    }


@require_POST
@vary_on_headers("HX-Request")
def researcher_follow(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """Follow (``action=follow``) or unfollow (``action=unfollow``) a researcher, through
    following.services.follow_set. Anonymous visitors go to log in and come back to the
    profile. htmx gets the follow box back, with the Quick read follower count swapped out of
    band. Over the follow limits: 429, the box (htmx) or a page saying when to try again, and
    nothing changed. The owner following their own record (a stale page, a forged POST): 403
    and why, nothing changed; htmx gets the box saying so with 200 (htmx swaps no 403,
    templates/base.html)."""
    canonical = parse_openalex_id(openalex_id, "A")
    if canonical is None:
        raise Http404("Not an OpenAlex author id")
    profile_url = reverse("pages:detail", args=[canonical])
    if not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': profile_url})}"
        return HttpResponseClientRedirect(login_url) if request.htmx else redirect(login_url)
    action = request.POST.get("action")
    if action not in ("follow", "unfollow"):
        return HttpResponseBadRequest("action must be follow or unfollow")
    researcher = researcher_or_response(request, openalex_id, view="pages:detail")
    if isinstance(researcher, HttpResponse):
        return researcher
    profile_url = reverse("pages:detail", args=[researcher.openalex_id])
    user_id = int(request.user.pk or 0)  # signed in: checked above
    try:
        following_services.follow_set(
            user_id=user_id, researcher=researcher, following=action == "follow", client_ip=client_ip(request)
        )
    except RateLimited as limited:
        return _follow_limited(request, researcher, limited)
    except following_services.FollowRefused as refused:
        return _follow_refused(request, researcher, str(refused))
    if not request.htmx:
        return redirect(profile_url)
    researcher.is_following = action == "follow"  # type: ignore[attr-defined]
    # A follow got here only for someone who does not own the record (the service checked).
    owner = action == "unfollow" and claims_selectors.owns_record(user_id, researcher.pk)
    researcher.viewer_is_owner = owner  # type: ignore[attr-defined]
    researcher.followers_count = claims_selectors.followers_count(researcher)  # type: ignore[attr-defined]
    return render(request, "pages/researcher_detail.html#follow-box", {"researcher": researcher, "oob": True})


def _follow_box_as_it_stands(request: HtmxRequest, researcher: Researcher, *, is_owner: bool | None = None) -> None:
    """Set on ``researcher`` what the follow box shows the signed-in visitor now: whether they
    own the record (read unless ``is_owner`` says), follow it, and its follower count. 2 or 3
    queries."""
    user_id = int(request.user.pk or 0)  # signed in: the view checked
    if is_owner is None:
        is_owner = claims_selectors.owns_record(user_id, researcher.pk)
    researcher.viewer_is_owner = is_owner  # type: ignore[attr-defined]
    researcher.is_following = profiles_selectors.is_following(user_id, researcher)  # type: ignore[attr-defined]
    researcher.followers_count = claims_selectors.followers_count(researcher)  # type: ignore[attr-defined]


def _follow_refused(request: HtmxRequest, researcher: Researcher, message: str) -> HttpResponse:
    """The owner's follow of their own record, refused: the follow box saying it is their own
    profile, with ``message`` (htmx, 200: htmx swaps no 403), or a 403 page saying why with a
    way back."""
    if not request.htmx:
        back = {"back_url": reverse("pages:detail", args=[researcher.openalex_id]), "back_label": "Back to the profile"}
        return render(request, "pages/follow_refused.html", {"message": message, **back}, status=403)
    _follow_box_as_it_stands(request, researcher, is_owner=True)
    context = {"researcher": researcher, "oob": True, "message": message}
    return render(request, "pages/researcher_detail.html#follow-box", context)


def _follow_limited(request: HtmxRequest, researcher: Researcher, limited: RateLimited) -> HttpResponse:
    """429 for a follow over the limits: the follow box as it stands, with the message in it
    (htmx swaps 429s in place, templates/base.html), or the 429 page with a way back."""
    message = f"You have changed follows too often ({limited.rate}). Try again {limited.when}."
    profile_url = reverse("pages:detail", args=[researcher.openalex_id])
    if not request.htmx:
        back = {"back_url": profile_url, "back_label": f"Back to {researcher.name}"}
        return too_many_requests(request, message=message, retry_after=limited.retry_after, context=back)
    _follow_box_as_it_stands(request, researcher)
    context: dict[str, Any] = {"researcher": researcher, "oob": True}
    return too_many_requests(
        request,
        message=message,
        retry_after=limited.retry_after,
        template="pages/researcher_detail.html#follow-box",
        context=context,
    )


@require_safe
@vary_on_headers("HX-Request")
def work_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The public page of a work: title, venue, year, DOI, abstract, topics and the first
    authors in byline order with "and N more" (``?authors_after=<position>`` shows the next
    ones; htmx gets only those, appended in place). Its size never depends on the number of
    authors. Every visitor gets the page from the cache while its stamp is unchanged
    (pages.page_cache); a signed-in one gets their own header in it (:func:`_nav_part`)."""
    canonical = parse_openalex_id(openalex_id, "W")
    if canonical is None:
        raise Http404("Not an OpenAlex work id")
    after = AuthorsSliceForm(request.GET).after()
    if is_htmx_partial(request):
        authors = selectors.work_authors(canonical, after=after)
        if authors is None:
            raise Http404("No such work")
        return render(request, "works/partials/author_list.html#more-authors", {"authors": authors})
    cached = None
    visitor = None  # a signed-in visitor's read of the page's stamp and of their header
    if page_cache.applies(request):
        if page_cache.is_signed_in(request):
            visitor = selectors.work_viewer(request.user, canonical, after, AUTHORS_SHOWN)
            if visitor is None:
                raise Http404("No such work")  # the stamp statement found none
            args = (canonical, after, AUTHORS_SHOWN)
            cached = page_cache.lookup(request, page_cache.WORK, *args, stamp=visitor.stamp, also=_unread_key(request))
        else:
            cached = page_cache.lookup(request, page_cache.WORK, canonical, after, AUTHORS_SHOWN)
        if cached is None:
            raise Http404("No such work")  # the stamp statement found none
        if cached.stored is not None:
            return page_cache.respond(request, cached.stored, fill=_nav_part(request, visitor, cached))
    page = selectors.work_page(canonical, authors_after=after)
    if page is None:
        raise Http404("No such work")
    context = {"page": page, "work": page.work, "canonical_url": absolute_url(reverse("pages:work", args=[canonical]))}
    if cached:
        return page_cache.render_and_store(
            request, cached.key, "pages/work_detail.html", context, fill=_nav_part(request, visitor, cached)
        )
    return render(request, "pages/work_detail.html", context)


@require_safe
def topic_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """A topic (T…) or a legacy concept (C…, what pre-2024 records carry): both are Topic rows
    and profiles link both here, so both answer with the same page."""
    canonical = parse_openalex_id(openalex_id, "T") or parse_openalex_id(openalex_id, "C")
    page = selectors.topic_page(canonical) if canonical else None
    if page is None:
        raise Http404("No such topic")
    return render(request, "pages/topic_detail.html", {"page": page})


@require_safe
def institution_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    canonical = parse_openalex_id(openalex_id, "I")
    page = selectors.institution_page(canonical) if canonical else None
    if page is None:
        raise Http404("No such institution")
    return render(request, "pages/institution_detail.html", {"page": page})
