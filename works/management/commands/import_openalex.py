"""python manage.py import_openalex <file-or-folder>..."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from graph.tasks import refresh_after_import
from works import file_import, services
from works.models import ImportJob


class Command(BaseCommand):
    # A data command: the system checks (every URL and view imported, about 0.6 s here) are
    # run by ``manage.py check`` in CI and at deploy, not before every import.
    requires_system_checks: list[str] = []
    help = (
        "Import OpenAlex files: single entities, API list responses, snapshot JSON Lines (.gz), "
        "merged_ids CSVs. Folders are walked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
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
