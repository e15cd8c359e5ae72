"""python manage.py recompute_trust [--all | <openalex-id>...]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from graph.trust_services import RecomputeReport, trust_recompute
from profiles.models import Researcher
from profiles.selectors import AliasRedirect, ResearcherNotFound, researcher_resolve


class Command(BaseCommand):
    help = (
        "Recompute trust scores (the same code the workers run) and print what changed. "
        "A new snapshot is stored only where the formula version, the inputs or the score changed. "
        "Researchers who cannot be scored (impossible stored data) are listed with the reason and "
        "keep their current score; with --all the others are scored all the same and the command "
        "succeeds, with ids it fails if any of them could not be scored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", metavar="openalex-id", help="A5023888391 or its OpenAlex URL")
        parser.add_argument("--all", action="store_true", help="every researcher (set-based, one pass)")
        parser.add_argument(
            "--show", type=int, default=20, help="list at most this many changes (default 20; -v 2 lists all)"
        )

    def handle(self, *args: Any, ids: list[str], all: bool, show: int, **options: Any) -> None:
        if all == bool(ids):
            raise CommandError("give --all or one or more OpenAlex author ids (not both)")
        researcher_ids = None if all else resolve_researcher_ids(ids)
        report = trust_recompute(researcher_ids=researcher_ids)
        self._print(report, show=None if options.get("verbosity", 1) > 1 else show)
        # --all is the nightly pass's twin: one researcher's bad data must not fail it (the
        # list above names them). Asked for by id, a researcher not scored is a failure.
        if report.failures and not all:
            raise CommandError(f"{len(report.failures)} researcher(s) could not be scored (see above)")

    def _print(self, report: RecomputeReport, *, show: int | None) -> None:
        rate = report.researchers / report.seconds if report.seconds else 0.0
        failed = f", {len(report.failures):,} could not be scored" if report.failures else ""
        self.stdout.write(
            f"Recomputed trust (formula {report.formula_version}) for {report.researchers:,} researcher(s) "
            f"in {report.seconds:.1f} s ({rate:,.0f}/s): {report.written:,} changed, {report.unchanged:,} unchanged"
            f"{failed}."
        )
        self.stdout.write(
            f"  gather {report.gather_seconds:.1f} s, compute {report.compute_seconds:.1f} s, "
            f"write {report.write_seconds:.1f} s"
        )
        listed = report.changes if show is None else report.changes[:show]
        for change in listed:
            if change.before_score is None:
                self.stdout.write(f"  {change.openalex_id}: {change.after_score:g} (first score)")
                continue
            reasons = ", ".join(change.reasons)
            self.stdout.write(
                f"  {change.openalex_id}: {change.before_score:g} → {change.after_score:g} ({change.delta}): {reasons}"
            )
        if len(listed) < len(report.changes):
            self.stdout.write(f"  ... and {len(report.changes) - len(listed):,} more (-v 2 lists all)")
        if report.failures:
            self.stdout.write("Could not score (their current scores, if any, are kept):")
            for failure in report.failures:
                self.stdout.write(f"  {failure.openalex_id}: {failure.reason}")


def resolve_researcher_ids(texts: list[str]) -> list[int]:
    """Researcher pks for ids in any accepted form, following aliases (legacy, merged)."""
    found: set[int] = set()
    bad: list[str] = []
    missing: list[str] = []
    for text in texts:
        try:
            record = researcher_resolve(text)
            if isinstance(record, AliasRedirect):
                record = researcher_resolve(record.openalex_id)
        except ResearcherNotFound as error:
            (missing if error.openalex_id else bad).append(error.openalex_id or text)
            continue
        if isinstance(record, Researcher):
            found.add(record.pk)
    if bad:
        raise CommandError(f"not an OpenAlex author id: {', '.join(bad)}")
    if missing:
        raise CommandError(f"no researcher with OpenAlex id {', '.join(sorted(set(missing)))} (import it first)")
    return sorted(found)
