"""Settings every page's layout reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """``demo_mode``: whether base.html shows that the data is illustrative (DEMO_MODE)."""
    return {"demo_mode": settings.DEMO_MODE}
