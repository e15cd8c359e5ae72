"""What every page's header shows of the signed-in account."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from claims.models import Claim


def account(request: HttpRequest) -> dict[str, Any]:
    """``account_name``: the name of the record the signed-in account owns (its owner's
    preferred name, else the record's), or "" when it owns none. Never the email address: the
    header is on every page, screenshots included. A callable, so the one query it costs runs
    only when a template shows it (full pages, not fragments), at most once a request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def account_name() -> str:
        claim = (
            Claim.objects.filter(user_id=user.pk, state=Claim.State.APPROVED)
            .select_related("researcher")
            .only("researcher__display_name", "researcher__preferred_name")
            .first()
        )
        return claim.researcher.name if claim else ""

    return {"account_name": account_name}
