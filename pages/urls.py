from django.urls import path, re_path

from pages import views

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
]
