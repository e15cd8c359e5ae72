"""Django admin for collaboration: read-only, like claims'. Decisions are made in
/moderation/reports/ (which logs them); the moderation log cannot be changed or deleted here
(nor in the database: a trigger refuses). Messages are not listed: they are private to the
two participants, and moderators read those a report hands them on the report's page."""

from __future__ import annotations

from django.contrib import admin

from collaboration.models import Block, Invitation, ModerationEvent, Report, Suspension
from core.admin import ReadOnlyAdmin


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("id", "sender_id", "recipient_id", "state", "created_at", "decided_at")
    list_filter = ("state",)
    exclude = ("subject", "message")


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("id", "blocker_id", "blocked_id", "created_at")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "reporter_id", "reported_id", "reason", "state", "created_at", "decided_at")
    list_filter = ("state", "reason")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "report_id", "created_at")


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "actor_id", "report_id", "subject_user_id")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
    readonly_fields = ("kind", "actor_id", "report_id", "subject_user_id", "message", "data", "created_at")
    exclude = ("actor", "report", "subject_user")
