"""Django admin for claims: read-only. Decisions are made in /moderation/ (which logs them);
the audit log cannot be changed or deleted here (nor in the database: a trigger refuses)."""

from __future__ import annotations

from django.contrib import admin

from claims.models import Claim, ClaimAuditEvent, ProfileCorrection
from core.admin import ReadOnlyAdmin


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("id", "researcher", "user", "state", "method", "is_dispute", "reason", "created_at", "decided_at")
    list_filter = ("state", "method", "is_dispute", "reason")
    search_fields = ("researcher__openalex_id", "researcher__display_name", "user__email")
    list_select_related = ("researcher", "user")
    date_hierarchy = "created_at"


@admin.register(ClaimAuditEvent)
class ClaimAuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "actor_id", "claim_id", "researcher_id", "reason")
    list_filter = ("kind",)
    search_fields = ("reason", "message")
    date_hierarchy = "created_at"
    # The references have no foreign-key constraint (the log outlives what it names): show
    # the raw ids, which never fail on a missing row.
    readonly_fields = ("kind", "actor_id", "claim_id", "researcher_id", "reason", "message", "data", "created_at")
    exclude = ("actor", "claim", "researcher")


@admin.register(ProfileCorrection)
class ProfileCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "researcher", "kind", "actor", "created_at", "reverted_at")
    list_filter = ("kind",)
    list_select_related = ("researcher", "actor")
