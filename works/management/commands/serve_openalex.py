"""``python manage.py serve_openalex <folder-or-file>... [--host H] [--port P] [--quiet]``.

Runs the fake OpenAlex server (the ``openalex_fake`` package) in the foreground so the demo
imports through real HTTP; the same as ``python -m openalex_fake``. Prints the base URL; Ctrl-C
stops it. No database access.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import openalex_fake


class Command(BaseCommand):
    help = openalex_fake.DESCRIPTION
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        openalex_fake.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            openalex_fake.serve(
                options["paths"],
                host=options["host"],
                port=options["port"],
                verbose=not options["quiet"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except openalex_fake.ServeError as exc:
            raise CommandError(str(exc)) from exc
