from django.contrib import admin
from django.urls import include, path

from bzpeer.health import healthz

# allauth answers its rate limits with this (allauth.core.internal.ratelimit.respond_429).
handler429 = "bzpeer.accounts.rate_limited"
# The 404 page names the work, topic or institution asked for (pages/errors.py); 403, 400, 500
# and the CSRF failure are Django's handlers rendering templates/403.html, 400.html, 500.html
# and 403_csrf.html.
handler404 = "pages.errors.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("moderation/reports/", include("collaboration.moderation_urls")),
    path("moderation/", include("claims.moderation_urls")),
    path("", include("api.urls")),
    path("", include("works.urls")),
    path("", include("claims.urls")),
    path("", include("graph.urls")),
    path("", include("following.urls")),
    path("", include("collaboration.urls")),
    path("", include("pages.urls")),
]
