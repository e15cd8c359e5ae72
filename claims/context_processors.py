"""What every page's header shows of the signed-in account."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from claims.selectors import account_name_annotation


def account(request: HttpRequest) -> dict[str, Any]:
    """``account_name``: the name of the record the signed-in account owns (its owner's
    preferred name, else the record's), or "" when it owns none. Never the email address: the
    header is on every page, screenshots included. A callable, so the one query it costs runs
    only when a template shows it (full pages, not fragments), at most once a request. (A cached
    page's header reads it in the page's one viewer query instead: pages.views.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def account_name() -> str:
        row = get_user_model().objects.filter(pk=user.pk).values_list(account_name_annotation(int(user.pk)))
        return next(iter(row), (None,))[0] or ""

    return {"account_name": account_name}
