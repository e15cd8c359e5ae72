"""/moderation/: staff review claims (namespace ``moderation``)."""

from django.urls import path

from claims import moderation_views as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("claims/<int:claim_id>/", views.claim, name="claim"),
    path("claims/<int:claim_id>/decide/", views.decide, name="decide"),
    path("claims/<int:claim_id>/revoke/", views.revoke, name="revoke"),
    path("claims/<int:claim_id>/message/", views.message_template, name="message_template"),
    path("log/", views.audit_log, name="log"),
]
