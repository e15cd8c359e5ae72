"""Direct collaboration URLs (namespace ``collaboration``). ``<researcher_id>`` takes every
form the profile URL takes; legacy and merged ids redirect."""

from django.urls import path

from collaboration import views

app_name = "collaboration"

urlpatterns = [
    path("researchers/<str:researcher_id>/collaboration/", views.card, name="card"),
    path("researchers/<str:researcher_id>/collaboration/policy/", views.policy, name="policy"),
    path("researchers/<str:researcher_id>/invite/", views.invite, name="invite"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/", views.invitation, name="invitation"),
    path("invitations/<int:invitation_id>/accept/", views.invitation_answer, {"answer": "accept"}, name="accept"),
    path("invitations/<int:invitation_id>/decline/", views.invitation_answer, {"answer": "decline"}, name="decline"),
    path("invitations/<int:invitation_id>/block/", views.invitation_answer, {"answer": "block"}, name="decline_block"),
    path("invitations/<int:object_id>/report/", views.report, {"kind": "invitation"}, name="invitation_report"),
    path("conversations/", views.conversations, name="conversations"),
    path("conversations/<int:conversation_id>/", views.conversation, name="conversation"),
    path("conversations/<int:conversation_id>/poll/", views.conversation_poll, name="poll"),
    path("conversations/<int:conversation_id>/leave/", views.conversation_leave, name="leave"),
    path("conversations/<int:conversation_id>/block/", views.conversation_block, name="block"),
    path("conversations/<int:object_id>/report/", views.report, {"kind": "conversation"}, name="conversation_report"),
    path("reports/<int:report_id>/", views.report_status, name="report_status"),
    path("notices/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
