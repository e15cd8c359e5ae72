"""python manage.py refresh_similar [--all | <openalex-id>...]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from graph.management.commands.recompute_trust import resolve_researcher_ids
from graph.similar import similar_researchers_refresh


class Command(BaseCommand):
    help = (
        "Recompute the stored similar researchers (the same code the workers run after imports "
        "and every night): of every imported researcher, or of the ones named."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", metavar="openalex-id", help="A5023888391 or its OpenAlex URL")
        parser.add_argument("--all", action="store_true", help="every imported researcher (set-based, in batches)")

    def handle(self, *args: Any, ids: list[str], all: bool, **options: Any) -> None:
        if all == bool(ids):
            raise CommandError("give --all or one or more OpenAlex author ids (not both)")
        stored = similar_researchers_refresh(researcher_ids=None if all else resolve_researcher_ids(ids))
        self.stdout.write(f"{stored} similar researcher rows stored")
