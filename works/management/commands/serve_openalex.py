"""``python manage.py serve_openalex <folder-or-file>... [--host H] [--port P]``.

Runs the local OpenAlex-compatible server (works.openalex_server) in the foreground so the
demo imports through real HTTP. Prints the base URL; Ctrl-C stops it. No database access.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from works.openalex_server import OpenAlexLoadError, OpenAlexTestServer


class Command(BaseCommand):
    help = "Serve OpenAlex JSON files (folders, files, JSONL[.gz], merged-ids CSV) over HTTP."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="folders or files of OpenAlex JSON")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = OpenAlexTestServer(
                options["paths"], host=options["host"], port=options["port"], verbose=not options["quiet"]
            )
        except OpenAlexLoadError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # port in use, bad host
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        report = server.load_report
        for skipped in report.skipped:
            self.stderr.write(f"skipped {skipped}")
        counts = ", ".join(
            f"{name} {server.store.count(name)}"
            for name in ("authors", "works", "institutions", "topics", "sources", "concepts")
            if server.store.count(name)
        )
        self.stdout.write(
            f"Loaded {report.entities} entities from {report.files} file(s) "
            f"({counts or 'none'}; {report.merged_ids} merged ids)."
        )
        self.stdout.write(f"OpenAlex-compatible server at {server.url} (Ctrl-C stops)", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
