from django.contrib import admin
from django.urls import include, path

from bzpeer.health import healthz

# allauth answers its rate limits with this (allauth.core.internal.ratelimit.respond_429).
handler429 = "bzpeer.accounts.rate_limited"

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
