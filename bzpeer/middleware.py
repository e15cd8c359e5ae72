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
