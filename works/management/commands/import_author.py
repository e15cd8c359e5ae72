"""python manage.py import_author <openalex-id|orcid|name>..."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from graph.tasks import refresh_after_import
from works import services


class Command(BaseCommand):
    # A data command: the system checks (every URL and view imported, about 0.6 s here) are
    # run by ``manage.py check`` in CI and at deploy, not before every import.
    requires_system_checks: list[str] = []
    help = "Import OpenAlex authors (by OpenAlex id, ORCID iD or name) with all their works, through the API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("queries", nargs="+", help="A5023888391, 0000-0002-1825-0097, or a name")
        parser.add_argument("--queue", action="store_true", help="enqueue for a Celery worker instead of running here")
        parser.add_argument(
            "--followups",
            choices=["queue", "now"],
            default="now",
            help="co-author edges of the researchers touched: refresh here (default) or leave to a worker",
        )

    def handle(self, *args: Any, queries: list[str], queue: bool, followups: str, **options: Any) -> None:
        failures = 0
        for query in queries:
            try:
                job = services.import_job_queue(query=query) if queue else services.import_job_create(query=query)
            except ValueError as exc:
                self.stderr.write(f"{query!r}: {exc}")
                failures += 1
                continue
            if queue:
                self.stdout.write(f"queued import job {job.pk} for {query!r}")
                continue
            claimed = services.import_job_claim(job.pk)
            assert claimed is not None  # just created, nobody else knows it
            try:
                result = services.author_import(job=claimed)
            except services.ImportFailed as exc:
                self.stderr.write(f"{query!r}: import failed: {exc}")
                failures += 1
                continue
            refresh_after_import(result.researcher_ids, inline=followups == "now")
            claimed.refresh_from_db()
            name = claimed.researcher.display_name if claimed.researcher else "nothing"
            self.stdout.write(
                f"{query!r}: imported {name} ({claimed.researcher.openalex_id if claimed.researcher else '-'}); "
                f"{claimed.works_fetched} works fetched, {result.works_written} written. {claimed.message}".strip()
            )
        if failures:
            raise CommandError(f"{failures} of {len(queries)} import(s) failed")
