"""Request helpers for every app: the typed request, the one rule for "render only the
fragment", the one rule for the client's address (every rate limit and the log-in lockout
use it), the one "too many requests" answer, and the one way to build an absolute URL
(:func:`absolute_url`)."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

# Stands for a client whose address cannot be told (no REMOTE_ADDR, e.g. a Unix socket):
# such clients share one bucket, which errs towards limiting, never towards a fresh bucket.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a bucket name, nothing binds to it


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser | AnonymousUser  # type: ignore[assignment]


def is_htmx_partial(request: HtmxRequest) -> bool:
    """True when htmx asks for a fragment: boosted navigations and history restores
    need the full page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def is_head(request: HttpRequest) -> bool:
    """Whether the client sent HEAD (bzpeer.middleware.HeadAsGetMiddleware runs it as GET)."""
    return request.method == "HEAD" or bool(request.META.get("bzpeer.head_as_get"))


def whole_number(text: str, *, maximum: int = 2**62) -> int | None:
    """``text`` as a number from a query string, or None: ASCII digits only (``str.isdigit``
    also takes "²", which ``int`` refuses), at most ``maximum`` (a 20-digit id would overflow
    the database's bigint)."""
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


def absolute_url(path: str) -> str:
    """``path`` (as ``reverse`` gives it, starting with ``/``) under ``SITE_URL``: the one way
    BZPEER builds an absolute URL, for pages (canonical links, JSON-LD), emails, feeds and
    sitemaps alike. Never from the request: its ``Host`` header is the visitor's to choose,
    and a page rendered for one visitor is served from the cache to the next."""
    if not path.startswith("/"):
        raise ValueError(f"absolute_url takes a path starting with '/', not {path!r}")
    return f"{settings.SITE_URL}{path}"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to log in (and come back); signed-in non-staff get 403 (the
    403 page shows the refusal's message: templates/403.html)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Only BZPEER's staff can open this page or do this.")
        return view(request, *args, **kwargs)

    return wrapper


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request``: the one rule every rate limit and the
    log-in lockout use (allauth's adapter and axes call it too).

    With ``TRUSTED_PROXY_COUNT = n > 0`` (n reverse proxies in front, each appending the
    address it received the request from to ``X-Forwarded-For``), the client is the n-th
    entry from the right: whatever stands left of it was sent by the client and proves
    nothing, so a forged header cannot choose a bucket. With 0 (the default: clients connect
    directly) the header is never read and ``REMOTE_ADDR`` is the client. A header with fewer
    entries than proxies, or an entry that is not an address, falls back to ``REMOTE_ADDR``
    (the nearest peer), which can only share a bucket, never open a new one.
    """
    count: int = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(entries) >= count:
            address = _address(entries[-count])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS


def client_address_key(address: str) -> str:
    """The bucket name of a client address: IPv4 as it is, IPv6 by its /64 network (one
    subscriber usually holds a whole /64, so single IPv6 addresses would be free buckets)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address) + "/64"
    return str(ip)


def _address(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" or "[2001:db8::1]"
        text = text[1 : text.index("]")]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def too_many_requests(
    request: HttpRequest,
    *,
    message: str,
    retry_after: int,
    template: str = "429.html",
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The answer to a request over a limit: HTTP 429 with ``Retry-After`` (seconds) and
    ``message`` (a sentence that says when to try again) rendered in ``template`` (the full
    page by default; an htmx fragment passes its own template)."""
    response = render(request, template, {"message": message, **(context or {})}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def try_again_phrase(retry_at: datetime, now: datetime) -> str:
    """When to try again, for a sentence: "in 42 seconds (at 14:03:12 UTC)", "in 3 minutes
    (at 14:05 UTC)", "in about 5 hours (at 2026-11-27 19:00 UTC)"."""
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    moment = retry_at.astimezone(UTC)
    if seconds < 90:
        return f"in {seconds} second{'s' if seconds != 1 else ''} (at {moment:%H:%M:%S} UTC)"
    if seconds < 90 * 60:
        return f"in {math.ceil(seconds / 60)} minutes (at {moment:%H:%M} UTC)"
    return f"in about {math.ceil(seconds / 3600)} hours (at {moment:%Y-%m-%d %H:%M} UTC)"
