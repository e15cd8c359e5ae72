"""Public pages: home search, the researcher profile (and its works-list fragment), follow,
topic and institution pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from bzpeer.http import HtmxRequest, is_htmx_partial
from profiles import selectors, services
from profiles.display import id_kind, parse_openalex_id, person_jsonld
from profiles.forms import SearchForm, WorksFilterForm
from profiles.models import Researcher
from profiles.orcid import normalize_orcid, orcid_checksum_is_valid, orcid_url

ENTITY_PAGES = {"W": "works:detail", "T": "profiles:topic", "I": "profiles:institution"}


@require_GET
def home(request: HtmxRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    author_id = parse_openalex_id(query, "A")
    if author_id:  # an id goes straight to its page (which explains unknown ids)
        return redirect("profiles:detail", openalex_id=author_id)
    results = selectors.researcher_search(query) if query else None
    return render(
        request,
        "home.html",
        {"form": form, "query": query, "results": results, "recent": selectors.researchers_recent()},
    )


def _resolve(request: HtmxRequest, openalex_id: str, queryset=None) -> Researcher | HttpResponse:
    """The researcher, or the response for an alias (301), an unknown id (404) or a record
    OpenAlex deleted (410)."""
    try:
        found = selectors.researcher_resolve(openalex_id, queryset=queryset)
    except selectors.ResearcherNotFound as missing:
        kind = id_kind(openalex_id)
        context = {
            "openalex_id": missing.openalex_id,
            "query": openalex_id,
            "other_page": reverse(ENTITY_PAGES[kind], args=[parse_openalex_id(openalex_id, kind)])
            if kind in ENTITY_PAGES
            else "",
            "can_import": request.user.is_staff and missing.openalex_id is not None,
        }
        return render(request, "profiles/researcher_not_found.html", context, status=404)
    if isinstance(found, selectors.AliasRedirect):
        target = reverse("profiles:detail", args=[found.openalex_id])
        query = request.GET.urlencode()
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    if found.record_status == Researcher.RecordStatus.DELETED:
        return render(request, "profiles/researcher_gone.html", {"researcher": found}, status=410)
    return found


@require_GET
@vary_on_headers("HX-Request")
def researcher_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The profile; for htmx requests (paging, filtering) only the ``#works-list`` fragment."""
    partial = is_htmx_partial(request)
    found = _resolve(request, openalex_id, None if partial else selectors.researchers_for_page(request.user))
    if isinstance(found, HttpResponse):
        return found
    filters = WorksFilterForm(request.GET).filters()
    if partial:
        works = selectors.works_page(found, **filters)  # type: ignore[arg-type]
        return render(request, "profiles/partials/works_list.html", {"researcher": found, "works": works})
    canonical_url = request.build_absolute_uri(reverse("profiles:detail", args=[found.openalex_id]))
    if found.record_status == Researcher.RecordStatus.STUB:
        return _stub(request, found, filters, canonical_url)
    page = selectors.profile_page(found, **filters)  # type: ignore[arg-type]
    context = {
        "page": page,
        "researcher": found,
        "works": page.works,
        "canonical_url": canonical_url,
        "jsonld": page.person_jsonld(canonical_url),
        "can_import": request.user.is_staff,
    }
    return render(request, "profiles/researcher_detail.html", context)


def _stub(request: HtmxRequest, researcher: Researcher, filters: dict, canonical_url: str) -> HttpResponse:
    """The lighter page of a co-author known only from other records' authorships."""
    orcid = normalize_orcid(researcher.orcid) if orcid_checksum_is_valid(researcher.orcid) else ""
    context = {
        "researcher": researcher,
        "works": selectors.works_page(researcher, **filters),
        "orcid": orcid,
        "orcid_link": orcid_url(orcid) if orcid else "",
        "canonical_url": canonical_url,
        "jsonld": person_jsonld(
            name=researcher.name,
            url=canonical_url,
            openalex_id=researcher.openalex_id,
            orcid_url=orcid_url(orcid) if orcid else "",
        ),
        "can_import": request.user.is_staff,
    }
    return render(request, "profiles/researcher_stub.html", context)


@require_POST
@vary_on_headers("HX-Request")
def researcher_follow(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """Follow (``action=follow``) or unfollow (``action=unfollow``) a researcher. Anonymous
    visitors go to log in and come back to the profile. htmx gets the follow box back, with
    the Quick read follower count swapped out of band."""
    canonical = parse_openalex_id(openalex_id, "A")
    if canonical is None:
        raise Http404("Not an OpenAlex author id")
    profile_url = reverse("profiles:detail", args=[canonical])
    if not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': profile_url})}"
        return HttpResponseClientRedirect(login_url) if request.htmx else redirect(login_url)
    action = request.POST.get("action")
    if action not in ("follow", "unfollow"):
        return HttpResponseBadRequest("action must be follow or unfollow")
    researcher = Researcher.objects.filter(openalex_id=canonical).exclude(record_status="deleted").first()
    if researcher is None:
        raise Http404("No such researcher")
    services.follow_set(user_id=request.user.pk, researcher=researcher, following=action == "follow")
    if not request.htmx:
        return redirect(profile_url)
    researcher.is_following = action == "follow"  # type: ignore[attr-defined]
    researcher.followers_count = selectors.followers_count(researcher)  # type: ignore[attr-defined]
    return render(request, "profiles/researcher_detail.html#follow-box", {"researcher": researcher, "oob": True})


@require_GET
def topic_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    canonical = parse_openalex_id(openalex_id, "T")
    page = selectors.topic_page(canonical) if canonical else None
    if page is None:
        raise Http404("No such topic")
    return render(request, "profiles/topic_detail.html", {"page": page})


@require_GET
def institution_detail(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    canonical = parse_openalex_id(openalex_id, "I")
    page = selectors.institution_page(canonical) if canonical else None
    if page is None:
        raise Http404("No such institution")
    return render(request, "profiles/institution_detail.html", {"page": page})
