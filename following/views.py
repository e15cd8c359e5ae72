"""The following page (works of followed researchers, the followed list with unfollow in place,
the private feed link and the digest choice), the Atom feeds, and unsubscribing from digests
without logging in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from bzpeer.http import HtmxRequest, absolute_url, client_ip, is_htmx_partial, too_many_requests
from core import page_cache
from core.limits import RateLimited
from following import feeds, selectors, services
from following.forms import DigestForm, PageForm
from following.models import Subscription
from profiles.identifiers import parse_openalex_id
from profiles.shortcuts import researcher_or_response


def _user_id(request: HtmxRequest) -> int:
    return int(request.user.pk or 0)


def _path_before_id(view: str) -> str:
    """The path of ``view`` up to its one id argument (``/researchers/`` for ``pages:detail``):
    a list of 500 researchers builds its links from it, not with 1,000 ``reverse`` calls."""
    path = reverse(view, args=["A1"])
    if not path.endswith("/A1/"):
        raise ValueError(f"{view} does not end with its id")
    return path.removesuffix("A1/")


@require_safe
@vary_on_headers("HX-Request")
def following(request: HtmxRequest) -> HttpResponse:
    """The following page; for htmx paging only the ``#following-works`` fragment. Anonymous
    visitors go to log in and come back."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    page = selectors.following_page(_user_id(request), page=PageForm(request.GET).number())
    if is_htmx_partial(request):
        return render(request, "following/following.html#following-works", {"page": page})
    subscription = services.subscription_for(_user_id(request))
    context = {
        "page": page,
        "followed": selectors.followed_researchers(
            _user_id(request), limit=None if request.GET.get("followed") == "all" else selectors.FOLLOWED_SHOWN
        ),
        "profile_path": _path_before_id("pages:detail"),
        "unfollow_path": _path_before_id("following:unfollow"),
        "subscription": subscription,
        "digest_form": DigestForm(initial={"digest": subscription.digest}),
        "feed_url": absolute_url(reverse("following:feed", args=[subscription.feed_token])),
    }
    return render(request, "following/following.html", context)


def _limited(request: HtmxRequest, limited: RateLimited, what: str) -> HttpResponse:
    message = f"You have changed {what} too often ({limited.rate}). Try again {limited.when}."
    back = {"back_url": reverse("following:page"), "back_label": "Back to Following"}
    return too_many_requests(request, message=message, retry_after=limited.retry_after, context=back)


@require_POST
@vary_on_headers("HX-Request")
def unfollow(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """Stop following a researcher from the following page, through the one follow path
    (services.follow_set) and its limits. htmx gets the row back saying so."""
    if parse_openalex_id(openalex_id, "A") is None:
        raise Http404("Not an OpenAlex author id")
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("following:page"))
    researcher = researcher_or_response(request, openalex_id, view="pages:detail")
    if isinstance(researcher, HttpResponse):
        return researcher
    try:
        services.follow_set(
            user_id=_user_id(request), researcher=researcher, following=False, client_ip=client_ip(request)
        )
    except RateLimited as limited:
        return _limited(request, limited, "follows")
    if request.htmx:
        context = {"r": researcher, "unfollowed": True, "profile_path": _path_before_id("pages:detail")}
        return render(request, "following/following.html#followed-row", context)
    messages.success(request, f"You no longer follow {researcher.name}.")
    return redirect("following:page")


@require_POST
def feed_reset(request: HtmxRequest) -> HttpResponse:
    """A new private feed address; the old one stops working at once."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("following:page"))
    try:
        services.feed_token_reset(_user_id(request))
    except RateLimited as limited:
        return _limited(request, limited, "your settings")
    messages.success(request, "Your private feed has a new address. The old one no longer works.")
    return redirect(reverse("following:page") + "#feeds")


@require_POST
def digest(request: HtmxRequest) -> HttpResponse:
    """Choose the email digest: none, daily or weekly."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("following:page"))
    form = DigestForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("digest must be off, daily or weekly")
    try:
        chosen = services.digest_set(_user_id(request), form.cleaned_data["digest"])
    except RateLimited as limited:
        return _limited(request, limited, "your settings")
    if chosen.digest == Subscription.Digest.OFF:
        messages.success(request, "Email digests are off.")
    else:
        how_often = chosen.get_digest_display().lower()
        messages.success(request, f"You will get a {how_often} email when researchers you follow have new works.")
    return redirect(reverse("following:page") + "#digest")


@require_safe
def researcher_feed(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The Atom feed of a researcher's works. Ids resolve like the profile's (301 for a
    merged id, 404, 410); served from the cache while the researcher's stamp is unchanged."""
    canonical = parse_openalex_id(openalex_id, "A")
    cached = None
    if canonical and page_cache.cache_seconds() > 0:
        cached = page_cache.lookup(request, feeds.RESEARCHER_FEED, canonical)
        if cached and cached.stored is not None:
            return page_cache.respond(request, cached.stored, content_type=feeds.CONTENT_TYPE)
    researcher = researcher_or_response(request, openalex_id, view="following:researcher_feed")
    if isinstance(researcher, HttpResponse):
        return researcher
    body = feeds.feed_bytes(
        title=f"{researcher.name} · BZPEER",
        page_path=reverse("pages:detail", args=[researcher.openalex_id]),
        feed_path=reverse("following:researcher_feed", args=[researcher.openalex_id]),
        subtitle=f"New works of {researcher.name}, from OpenAlex",
        entries=selectors.researcher_feed(researcher),
    )
    if cached:
        return page_cache.store(request, cached.key, body, content_type=feeds.CONTENT_TYPE)
    return HttpResponse(body, content_type=feeds.CONTENT_TYPE)


@require_safe
def following_feed(request: HtmxRequest, token: str) -> HttpResponse:
    """A person's private feed: works of the researchers they follow. A wrong or reset token
    is a plain 404 that says nothing of any account."""
    subscription = selectors.subscription_by_token(token)
    if subscription is None:
        raise Http404("No such feed")
    body = feeds.feed_bytes(
        title="Works of the researchers you follow · BZPEER",
        page_path=reverse("following:page"),
        feed_path=reverse("following:feed", args=[token]),
        subtitle="New works of the researchers you follow on BZPEER",
        entries=selectors.following_feed(subscription.user_id),
    )
    response = HttpResponse(body, content_type=feeds.CONTENT_TYPE)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private"
    return response


# Mail clients send RFC 8058's one-click POST without any cookie or CSRF token: the signed
# token in the URL is what authorises it, and a forged one changes nothing.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HtmxRequest, token: str) -> HttpResponse:
    """GET: a page asking to confirm; POST (the page's button, or a mail client's one-click
    ``List-Unsubscribe=One-Click``): digests off. A forged token: 400, nothing changed."""
    user_id = services.unsubscribe_user_id(token)
    context: dict[str, Any] = {"token": token, "valid": user_id is not None}
    if user_id is None:
        return render(request, "following/unsubscribe.html", context, status=400)
    if request.method == "POST":
        services.digest_unsubscribe(user_id)
        context["done"] = True
    return render(request, "following/unsubscribe.html", context)
