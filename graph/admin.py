"""Django admin for graph: the progress of the full refreshes of derived data (read-only;
graph.derived_refresh writes the rows), with one action to queue a stalled run again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from graph import derived_refresh
from graph.models import DerivedRefreshPartition, DerivedRefreshRun


class PartitionInline(admin.TabularInline):
    model = DerivedRefreshPartition
    fields = (
        "kind",
        "low",
        "high",
        "researchers",
        "state",
        "attempts",
        "started_at",
        "finished_at",
        "rows_changed",
        "error",
    )
    readonly_fields = fields
    ordering = ("step", "kind", "low")
    can_delete = False
    extra = 0
    max_num = 0


@admin.register(DerivedRefreshRun)
class DerivedRefreshRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "reason", "state", "step", "progress", "created_at", "finished_at")
    list_filter = ("state", "reason")
    ordering = ("-id",)
    inlines = [PartitionInline]
    actions = ["resume"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DerivedRefreshRun]:
        # The progress column in the same query as the list, not two queries per run.
        return (
            super()
            .get_queryset(request)
            .annotate(
                partitions_done=Count("partitions", filter=Q(partitions__state=DerivedRefreshPartition.State.DONE)),
                partitions_failed=Count("partitions", filter=Q(partitions__state=DerivedRefreshPartition.State.FAILED)),
                partitions_total=Count("partitions"),
            )
        )

    @admin.display(description="partitions done")
    def progress(self, run: DerivedRefreshRun) -> str:
        shown = f"{run.partitions_done} / {run.partitions_total}"  # type: ignore[attr-defined]
        failed = run.partitions_failed  # type: ignore[attr-defined]
        return f"{shown}, {failed} failed" if failed else shown

    @admin.action(description="Queue again what the selected runs have not done")
    def resume(self, request: HttpRequest, queryset: QuerySet[DerivedRefreshRun]) -> None:
        queued = sum(derived_refresh.refresh_resume(run.pk) for run in queryset)
        self.message_user(request, f"{queued} partition(s) queued again.", messages.SUCCESS)
