from django.contrib import admin
from django.urls import include, path

from bzpeer.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("moderation/", include("claims.moderation_urls")),
    path("", include("works.urls")),
    path("", include("claims.urls")),
    path("", include("graph.urls")),
    path("", include("pages.urls")),
]
