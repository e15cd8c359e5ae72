from django.urls import path, re_path

from graph import coauthors_views, explorer_views, shared_works_views, similar_views, slice_views, trust_views

app_name = "graph"

urlpatterns = [
    # Research graph around a profile: the lazy slice fragment, the explorer page and its
    # expand endpoint (JSON).
    path("researchers/<str:openalex_id>/graph-slice/", slice_views.slice_fragment, name="slice"),
    path("researchers/<str:openalex_id>/graph/", explorer_views.explorer, name="explorer"),
    path("researchers/<str:openalex_id>/graph/expand/", explorer_views.expand, name="expand"),
    # Similar researchers: lazy fragment of the profile, and a page without htmx.
    path("researchers/<str:openalex_id>/similar/", similar_views.similar, name="similar"),
    # Every co-author of a researcher, each leading to the works they share.
    path("researchers/<str:openalex_id>/coauthors/", coauthors_views.coauthors, name="coauthors"),
    # The evidence of a co-author edge: the works two researchers share.
    path(
        "researchers/<str:openalex_id>/coauthors/<str:other_id>/",
        shared_works_views.shared_works,
        name="shared_works",
    ),
    # Trust explanation: lazy fragment of the profile, and a page without htmx.
    path("researchers/<str:openalex_id>/trust/", trust_views.trust_explanation, name="trust_explanation"),
    # The full OpenAlex URL as the id, like the profile accepts (decoded before routing).
    re_path(
        r"^researchers/(?P<openalex_id>https?:/{1,2}(?:www\.)?openalex\.org/[^/]+)/trust/$",
        trust_views.trust_explanation,
    ),
]
