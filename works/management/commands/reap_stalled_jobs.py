"""python manage.py reap_stalled_jobs [--timeout SECONDS]"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from works import services, snapshot_sync


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Mark failed the running import jobs whose heartbeat stopped (their worker was killed or its "
        "machine restarted), and queue stalled snapshot tasks again. Beat runs the same every minute "
        "(works.reap_stalled_jobs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help=f"seconds without a heartbeat (default IMPORT_HEARTBEAT_TIMEOUT: {settings.IMPORT_HEARTBEAT_TIMEOUT})",
        )

    def handle(self, *args: Any, timeout: float | None, **options: Any) -> None:
        if timeout is not None and timeout < 0:
            raise CommandError("--timeout must not be negative")
        reaped = services.import_jobs_reap_stalled(timeout=timeout)
        if reaped:
            self.stdout.write(f"marked {len(reaped)} stalled import job(s) failed: {', '.join(map(str, reaped))}")
        elif options.get("verbosity", 1) > 1:
            self.stdout.write("no stalled import job")
        requeued = snapshot_sync.snapshot_tasks_reap_stalled(timeout=timeout)
        if requeued:
            self.stdout.write(f"queued {len(requeued)} stalled snapshot task(s) again: {', '.join(map(str, requeued))}")
