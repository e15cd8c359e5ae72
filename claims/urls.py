"""Claim and owner URLs (namespace ``claims``), under the profile's path.

``<researcher_id>`` takes every form the profile URL takes (A5023888391, the openalex.org
URL); legacy and merged ids redirect.
"""

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.my_claims, name="my_claims"),
    path("researchers/<str:researcher_id>/claim/", views.claim, name="claim"),
    path("researchers/<str:researcher_id>/claim/<int:claim_id>/withdraw/", views.claim_withdraw, name="claim_withdraw"),
    path("researchers/<str:researcher_id>/claim/<int:claim_id>/release/", views.claim_release, name="claim_release"),
    path("researchers/<str:researcher_id>/claim/<int:claim_id>/evidence/", views.claim_evidence, name="claim_evidence"),
    path("researchers/<str:researcher_id>/edit/", views.owner_edit, name="owner_edit"),
    path("researchers/<str:researcher_id>/edit/works/<int:work_id>/hide/", views.work_hide, name="work_hide"),
    path("researchers/<str:researcher_id>/edit/works/<int:work_id>/unhide/", views.work_unhide, name="work_unhide"),
    path("researchers/<str:researcher_id>/history/", views.correction_history, name="correction_history"),
    path(
        "researchers/<str:researcher_id>/history/<int:correction_id>/revert/",
        views.correction_revert,
        name="correction_revert",
    ),
]
