"""Response headers every view would otherwise have to remember."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivateCacheForSignedInMiddleware:
    """``Cache-Control: private`` on every response to a signed-in visitor that sets no
    Cache-Control of its own: a page that shows someone's email, claims or follow state must
    never be stored by a shared cache (a proxy, a CDN) and handed to the next visitor.

    Responses that already say how to cache them keep what they say (``/healthz``'s
    ``never_cache``, the anonymous profile cache's ``Vary: Cookie``). A request without a
    session cookie cannot be signed in, so it is decided without loading the session: the
    anonymous hot path (cached profiles, ``/healthz``) costs no query more.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            not response.has_header("Cache-Control")
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
        ):
            patch_cache_control(response, private=True)
        return response


HEAD_AS_GET = "bzpeer.head_as_get"


class HeadAsGetMiddleware:
    """HEAD runs as the GET it mirrors (RFC 9110 §9.3.2: the same status and headers, no body).

    Django's class-based views already answer HEAD with their ``get``, and our function views
    accept it (``require_safe``); but some views decide on ``request.method == "GET"`` and so
    answer HEAD differently: allauth's provider log-in starts the OAuth redirect for a HEAD
    where a GET shows its confirmation page, the admin log-in shows its form to staff a GET
    would redirect. The view sees GET; the request says HEAD again before the response leaves,
    so the server (gunicorn, runserver, the test client) sends no body. A view that must not
    act on a HEAD (marking messages read) asks ``bzpeer.http.is_head``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        request.META[HEAD_AS_GET] = True
        try:
            return self.get_response(request)
        finally:
            request.method = "HEAD"
