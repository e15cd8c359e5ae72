"""python manage.py import_openalex <file-or-folder>...
python manage.py import_openalex --snapshot DIR [--wait [--json]] [--records-per-task N]"""

from __future__ import annotations

import json as _json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from graph.tasks import refresh_after_import
from works import file_import, selectors, services, snapshot_sync
from works.models import ImportJob, SnapshotSync


class Command(BaseCommand):
    # A data command: the system checks (every URL and view imported, about 0.6 s here) are
    # run by ``manage.py check`` in CI and at deploy, not before every import.
    requires_system_checks: list[str] = []
    help = (
        "Import OpenAlex files: single entities, API list responses, snapshot JSON Lines (.gz), "
        "merged_ids CSVs. Folders are walked. With --snapshot DIR: sync an OpenAlex snapshot folder "
        "over the Celery workers (incremental; see README, 'Syncing an OpenAlex snapshot')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*")
        parser.add_argument(
            "--snapshot",
            metavar="DIR",
            help="plan and queue a sync of this OpenAlex snapshot folder (data/<entity>/manifest ...); "
            "run again on the same folder to continue an unfinished sync",
        )
        parser.add_argument("--wait", action="store_true", help="with --snapshot: wait for the sync to end")
        parser.add_argument("--json", action="store_true", help="with --wait: print one JSON summary line")
        parser.add_argument(
            "--records-per-task",
            type=int,
            default=None,
            help="with --snapshot: records per range task (default: sized to the task time limit, "
            f"{snapshot_sync.default_records_per_task():,} here)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=file_import.FILES_BATCH_SIZE,
            help=f"records per transaction (default {file_import.FILES_BATCH_SIZE})",
        )
        parser.add_argument(
            "--followups",
            choices=["queue", "now", "skip"],
            default="queue",
            help="co-author edges of the researchers touched: leave to a worker (default), refresh here, or skip",
        )

    def handle(self, *args: Any, paths: list[str], batch_size: int, followups: str, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["snapshot"]:
            if paths:
                raise CommandError("give either files and folders or --snapshot DIR, not both")
            self._snapshot(options["snapshot"], followups=followups, **options)
            return
        if not paths:
            raise CommandError("give files or folders to import, or --snapshot DIR")
        if options["wait"] or options["json"]:
            raise CommandError("--wait and --json go with --snapshot")
        job = services.import_job_create(query=" ".join(paths), kind=ImportJob.Kind.FILES)
        claimed = services.import_job_claim(job.pk)
        assert claimed is not None  # just created

        def progress(report: file_import.FilesReport) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {report.entities_read} records read, {report.result.works_written} works written")

        try:
            report = file_import.files_import(job=claimed, paths=paths, batch_size=batch_size, on_progress=progress)
        except services.ImportAbandoned as exc:
            raise CommandError(str(exc)) from exc
        if followups != "skip":
            refresh_after_import(report.result.researcher_ids, inline=followups == "now")
        claimed.refresh_from_db()
        self.stdout.write(claimed.message)
        for note in [*report.result.skipped, *report.notes]:
            self.stdout.write(f"  note: {note}")
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"error: {error}")
            raise CommandError(f"{len(report.errors)} record(s) or file(s) could not be imported (see above)")

    def _snapshot(
        self, root: str, *, followups: str, wait: bool, json: bool, records_per_task: int | None, **options: Any
    ) -> None:
        if records_per_task is not None and records_per_task < 1:
            raise CommandError("--records-per-task must be at least 1")
        if json and not wait:
            raise CommandError("--json goes with --wait")
        try:
            started = snapshot_sync.sync_start(root, records_per_task=records_per_task, followups=followups)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        sync = started.sync
        if not json:
            verb = "continued" if started.continued else "planned"
            self.stdout.write(
                f"Snapshot sync {sync.pk} {verb}: {started.tasks:,} task(s), {started.queued:,} queued now "
                f"({sync.root})."
            )
            if started.notice:
                self.stdout.write(f"  {started.notice}")
            for problem in started.problems:
                label = "problem" if problem.get("blocking") else "note"
                self.stdout.write(f"  {label}: {problem['part']}: {problem['error']}")
            self.stdout.write(
                f"Watch it on {reverse('works:snapshot_detail', args=[sync.pk])} (staff), or run this command "
                "again with --wait. The Celery workers run the tasks; run it again to continue after a failure."
            )
        if not wait:
            return
        while not SnapshotSync.objects.get(pk=sync.pk).is_finished:
            time.sleep(1)
        self._summary(sync.pk, as_json=json)

    def _summary(self, sync_id: int, *, as_json: bool) -> None:
        summary = selectors.snapshot_sync_summary(sync_id=sync_id)
        sync = summary.sync
        if as_json:
            self.stdout.write(_json.dumps(summary.as_json(), sort_keys=True))
        else:
            self.stdout.write(f"Snapshot sync {sync.pk}: {sync.state}. {sync.message}")
            for entity in summary.entities:
                self.stdout.write(
                    f"  {entity.entity}: {entity.done:,}/{entity.total:,} task(s) done, "
                    f"{entity.records_read:,} records read, {entity.records_written:,} written"
                )
        if sync.state != SnapshotSync.State.DONE:
            for failure in summary.failed:
                self.stderr.write(f"failed: {failure.label}: {failure.error}")
            for problem in summary.blocking:
                self.stderr.write(f"problem: {problem['part']}: {problem['error']}")
            raise CommandError(
                f"snapshot sync {sync.pk} failed: {len(summary.failed)} task(s) failed "
                "(see above); run the command again on the folder to retry them"
            )
