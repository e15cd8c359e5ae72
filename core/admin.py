"""Django admin for core: the read-only admin every app's service-written models use, and the
outbox, to see what waits and why (read-only; failed rows can be sent back to pending)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core import outbox
from core.models import OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows; no add, change or delete, and no actions but those a subclass
    names (claims' models and the outbox are written by their services only)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Django's bulk delete is an action; only the subclass's own actions remain.
        return {name: action for name, action in super().get_actions(request).items() if name != "delete_selected"}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Rows are written and run by core/outbox.py only: one action (run a failed row again)."""

    list_display = ("id", "task", "args", "state", "not_before", "attempts", "created_at", "finished_at", "short_error")
    list_filter = ("state", "task")
    search_fields = ("task", "key")
    ordering = ("-id",)
    actions = ["retry"]

    @admin.display(description="last error")
    def short_error(self, row: OutboxMessage) -> str:
        return row.last_error[:120]

    @admin.action(description="Run the selected failed rows again")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_failed(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"{count} failed row(s) are pending again; a worker runs them within a minute.",
            messages.SUCCESS,
        )
