from django.urls import path

from works import views

app_name = "works"

# /imports/: staff start and watch OpenAlex imports.
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/snapshots/<int:sync_id>/", views.snapshot_detail, name="snapshot_detail"),
    path("imports/snapshots/<int:sync_id>/progress/", views.snapshot_progress, name="snapshot_progress"),
]
