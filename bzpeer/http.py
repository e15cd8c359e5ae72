"""Typed request for views, the one rule for "render only the fragment", and the one way to
build an absolute URL (:func:`absolute_url`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser | AnonymousUser  # type: ignore[assignment]


def is_htmx_partial(request: HtmxRequest) -> bool:
    """True when htmx asks for a fragment: boosted navigations and history restores
    need the full page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def absolute_url(path: str) -> str:
    """``path`` (as ``reverse`` gives it, starting with ``/``) under ``SITE_URL``: the one way
    BZPEER builds an absolute URL, for pages (canonical links, JSON-LD), emails, feeds and
    sitemaps alike. Never from the request: its ``Host`` header is the visitor's to choose,
    and a page rendered for one visitor is served from the cache to the next."""
    if not path.startswith("/"):
        raise ValueError(f"absolute_url takes a path starting with '/', not {path!r}")
    return f"{settings.SITE_URL}{path}"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to log in (and come back); signed-in non-staff get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can do this.")
        return view(request, *args, **kwargs)

    return wrapper
