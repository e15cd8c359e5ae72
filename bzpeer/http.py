"""Typed request for views, and the one rule for "render only the fragment"."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser | AnonymousUser  # type: ignore[assignment]


def is_htmx_partial(request: HtmxRequest) -> bool:
    """True when htmx asks for a fragment: boosted navigations and history restores
    need the full page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
