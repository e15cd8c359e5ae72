from django.urls import path, re_path

from pages import exports, sitemaps, views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("researchers/<str:openalex_id>/", views.researcher_detail, name="detail"),
    # The full OpenAlex URL, percent-encoded in the path (decoded before routing).
    re_path(r"^researchers/(?P<openalex_id>https?:/{1,2}(?:www\.)?openalex\.org/[^/]+)/$", views.researcher_detail),
    path("researchers/<str:openalex_id>/follow/", views.researcher_follow, name="follow"),
    path("works/<str:openalex_id>/", views.work_detail, name="work"),
    path("topics/<str:openalex_id>/", views.topic_detail, name="topic"),
    path("institutions/<str:openalex_id>/", views.institution_detail, name="institution"),
    # Citation exports (pages/exports.py): a profile's works and one work.
    path("researchers/<str:openalex_id>/works.bib", exports.researcher_works_export, {"fmt": "bib"}, name="works_bib"),
    path("researchers/<str:openalex_id>/works.ris", exports.researcher_works_export, {"fmt": "ris"}, name="works_ris"),
    path(
        "researchers/<str:openalex_id>/works.csl.json",
        exports.researcher_works_export,
        {"fmt": "csl.json"},
        name="works_csl",
    ),
    path("works/<str:openalex_id>/export.bib", exports.work_export, {"fmt": "bib"}, name="work_bib"),
    path("works/<str:openalex_id>/export.ris", exports.work_export, {"fmt": "ris"}, name="work_ris"),
    path("works/<str:openalex_id>/export.csl.json", exports.work_export, {"fmt": "csl.json"}, name="work_csl"),
    # For crawlers (pages/sitemaps.py).
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap_index"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap"),
]
