"""python manage.py refresh_derived [--all [--wait | --inline] | --resume RUN | --status [RUN]]"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from graph import derived_refresh
from graph.models import DerivedRefreshRun
from graph.tasks import refresh_all


class Command(BaseCommand):
    help = (
        "The full refresh of derived data (co-author edges, then trust and similar researchers) for "
        "every researcher, partitioned by researcher id ranges into Celery tasks: the same run the "
        "nightly pass starts. Imports refresh what they touch; this is for a first full load or a "
        "formula change. While a run is running, --all queues its undone partitions again instead of starting another."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--all", action="store_true", help="start a full refresh (queued for the workers)")
        action.add_argument("--resume", type=int, metavar="RUN", help="queue again what a run has not done")
        action.add_argument("--status", nargs="?", type=int, const=0, metavar="RUN", help="progress (default: latest)")
        parser.add_argument("--wait", action="store_true", help="with --all or --resume: wait until the run is done")
        parser.add_argument("--inline", action="store_true", help="with --all: run the partitions in this process")
        parser.add_argument(
            "--partition-researchers",
            type=int,
            default=derived_refresh.PARTITION_RESEARCHERS,
            help=f"researchers per partition (default {derived_refresh.PARTITION_RESEARCHERS:,})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["partition_researchers"]
        if size < 1:
            raise CommandError("--partition-researchers must be at least 1")
        if options["inline"] and not options["all"]:
            raise CommandError("--inline goes with --all")
        if options["status"] is not None:
            run = self._run(options["status"] or None)
            self._show(run.pk)
            return
        if options["resume"] is not None:
            run = self._run(options["resume"])
            queued = derived_refresh.refresh_resume(run.pk)
            self.stdout.write(f"Run {run.pk}: {queued} partition(s) queued again.")
        elif options["inline"]:
            self.stdout.write("Running the partitions here.")
            run = DerivedRefreshRun.objects.get(
                pk=refresh_all(reason="command", partition_researchers=size, inline=True)
            )
            self.stdout.write(f"Run {run.pk} done.")
        else:
            run = DerivedRefreshRun.objects.get(pk=refresh_all(reason="command", partition_researchers=size))
            self.stdout.write(f"Run {run.pk} ({run.reason}) queued for the workers.")
        if options["wait"]:
            while not derived_refresh.refresh_progress(run.pk).finished:
                time.sleep(2)
        self._show(run.pk)

    def _run(self, run_id: int | None) -> DerivedRefreshRun:
        runs = DerivedRefreshRun.objects.order_by("-pk")
        run = runs.filter(pk=run_id).first() if run_id else runs.first()
        if run is None:
            raise CommandError(f"no run {run_id}" if run_id else "no full refresh has run yet")
        return run

    def _show(self, run_id: int) -> None:
        progress = derived_refresh.refresh_progress(run_id)
        parts = ", ".join(f"{kind} {progress.done[kind]}/{progress.total[kind]}" for kind in progress.total)
        self.stdout.write(f"Run {run_id}: {progress.state}, step {progress.step}; partitions done: {parts}.")
        failed = {kind: n for kind, n in progress.failed.items() if n}
        if failed:
            listed = ", ".join(f"{kind} {n}" for kind, n in failed.items())
            self.stdout.write(f"Failed partitions (given up; the admin shows their errors): {listed}.")
