from django.urls import path

from graph import slice_views

app_name = "graph"

urlpatterns = [
    # Research graph around a profile (PROFILE): the lazy slice fragment and the explorer page.
    path("researchers/<str:openalex_id>/graph-slice/", slice_views.slice_fragment, name="slice"),
    path("researchers/<str:openalex_id>/graph/", slice_views.explorer, name="explorer"),
]
