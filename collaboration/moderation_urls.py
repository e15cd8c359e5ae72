"""/moderation/reports/: staff review reports (namespace ``moderation_reports``)."""

from django.urls import path

from collaboration import moderation_views as views

app_name = "moderation_reports"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:report_id>/", views.report, name="report"),
    path("<int:report_id>/decide/", views.decide, name="decide"),
    path("log/", views.log, name="log"),
]
