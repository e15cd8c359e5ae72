"""The header's unread count (invitations waiting and unread messages)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from collaboration import services


def unread(request: HttpRequest) -> dict[str, Any]:
    """``collaboration_unread``: for a signed-in account, a callable (run only when a template
    shows it, at most once a request) that costs one Redis GET and no query; the database
    when Redis has no stamp or fails (collaboration.stamps)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    user_id = int(user.pk)

    @cache
    def count() -> int:
        return services.unread_for(user_id)

    return {"collaboration_unread": count}
