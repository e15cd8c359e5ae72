"""python manage.py outbox [--drain] [--retry-failed]: what waits in the outbox (core/outbox.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Min

from core import outbox
from core.models import OutboxMessage


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "List the work waiting in the outbox (pending, running, failed): counts per task and the oldest rows. "
        "--drain runs the due rows here (when no worker runs); --retry-failed sends failed rows back to pending."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--drain", action="store_true", help="run every due row in this process, then list")
        parser.add_argument("--retry-failed", action="store_true", help="failed rows become pending, due now")
        parser.add_argument("--limit", type=int, default=20, help="rows to list (default 20)")

    def handle(self, *args: Any, drain: bool, retry_failed: bool, limit: int, **options: Any) -> None:
        if retry_failed:
            self.stdout.write(f"{outbox.retry_failed()} failed row(s) back to pending")
        if drain:
            ran = 0
            while batch := outbox.drain():
                ran += batch
            self.stdout.write(f"ran {ran} row(s)")
        waiting = OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE)
        summary = waiting.values("state", "task").annotate(rows=Count("id"), oldest=Min("created_at")).order_by(
            "state", "task"
        )
        if not summary:
            self.stdout.write("nothing waits in the outbox")
            return
        for line in summary:
            oldest = f"{line['oldest']:%Y-%m-%d %H:%M:%S}"
            self.stdout.write(f"{line['state']:8} {line['rows']:6}  {line['task']}  (oldest written {oldest})")
        self.stdout.write("")
        for row in waiting.order_by("not_before", "id")[:limit]:
            error = f"  last error: {row.last_error}" if row.last_error else ""
            self.stdout.write(
                f"#{row.pk} {row.state} {row.task}{tuple(row.args)!r} due {row.not_before:%Y-%m-%d %H:%M:%S} "
                f"attempts {row.attempts}{error}"
            )
