"""One researcher's bad data stops no trust recompute (issue 11, item 1): data written before
the import bounded numbers (a negative citation count, a negative h-index, an unknown record
status) or a snapshot the database refuses leaves that researcher unscored and named, and
everyone else is scored: ``recompute_trust --all`` and the nightly task succeed."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from graph import tasks
from graph.models import TrustSnapshot
from graph.trust_services import trust_recompute
from profiles.models import Researcher
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Researcher]:
    """Two sound records and three with impossible values, written as old data would be
    (through the ORM, past today's parser). One of the poisoned has a score from before."""
    people = {
        "good": f.researcher("Gia Good", openalex_id="A5000000901", cited_by_count=40, h_index=3),
        "also_good": f.researcher("Al Good", openalex_id="A5000000902"),
        "negative_citations": f.researcher("Neg Cites", openalex_id="A5000000903"),
        "negative_h_index": f.researcher("Neg Index", openalex_id="A5000000904"),
        "odd_status": f.researcher("Odd Status", openalex_id="A5000000905"),
    }
    f.snapshot(people["negative_citations"], score=21.0)
    Researcher.objects.filter(pk=people["negative_citations"].pk).update(cited_by_count=-5)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE profiles_researcher SET h_index = -2 WHERE id = %s", [people["negative_h_index"].pk])
        cursor.execute(
            "UPDATE profiles_researcher SET record_status = 'ghost' WHERE id = %s", [people["odd_status"].pk]
        )
    return people


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_trust", *args, stdout=out)
    return out.getvalue()


POISON_REASONS = [
    "A5000000903: citations cannot be negative (-5)",
    "A5000000904: h_index cannot be negative (-2)",
    "A5000000905: unknown record status 'ghost'",
]


def test_recompute_all_scores_everyone_else_and_names_who_it_could_not(people: dict[str, Researcher]) -> None:
    out = run("--all")  # returns: the command exits 0

    assert "for 5 researcher(s)" in out and "2 changed, 0 unchanged, 3 could not be scored" in out
    assert "Could not score (their current scores, if any, are kept):" in out
    for reason in POISON_REASONS:
        assert f"  {reason}" in out
    scored = set(TrustSnapshot.objects.filter(is_current=True).values_list("researcher__openalex_id", "score"))
    assert {key for key, _ in scored} == {"A5000000901", "A5000000902", "A5000000903"}
    assert ("A5000000903", 21.0) in scored  # the score from before stays


def test_the_nightly_task_scores_everyone_else_and_logs_who_it_could_not(
    people: dict[str, Researcher], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="graph.tasks"):
        assert tasks.recompute_trust_all() == 2
    logged = [record.getMessage() for record in caplog.records]
    pk = people["negative_citations"].pk
    assert f"trust: could not score A5000000903 (researcher {pk}): citations cannot be negative (-5)" in logged
    assert len(logged) == 3


def test_asked_for_by_id_a_researcher_not_scored_fails_the_command(people: dict[str, Researcher]) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="1 researcher\\(s\\) could not be scored"):
        call_command("recompute_trust", "A5000000901", "A5000000904", stdout=out)
    assert "  A5000000904: h_index cannot be negative (-2)" in out.getvalue()
    assert TrustSnapshot.objects.filter(researcher=people["good"], is_current=True).exists()


def test_a_snapshot_the_database_refuses_is_isolated(people: dict[str, Researcher]) -> None:
    """A refusal no check in Python foresaw (here a constraint of the test's own, rolled back
    with the test) undoes the run; the run is retried in halves, so only the researcher
    refused goes unscored."""
    refused = people["also_good"].pk
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks, or ALTER TABLE refuses
        cursor.execute(
            f"ALTER TABLE graph_trustsnapshot ADD CONSTRAINT test_refuses_one CHECK (researcher_id <> {refused})"
        )
    out = run("--all")
    assert "for 5 researcher(s)" in out and "1 changed, 0 unchanged, 4 could not be scored" in out
    assert (
        '  A5000000902: the database refused the new snapshot: new row for relation "graph_trustsnapshot" '
        'violates check constraint "test_refuses_one"'
    ) in out
    assert TrustSnapshot.objects.filter(researcher=people["good"], is_current=True).exists()
    assert not TrustSnapshot.objects.filter(researcher_id=refused).exists()


def test_a_previous_snapshot_with_impossible_inputs_stops_no_one() -> None:
    """Explaining a change reads the previous snapshot's inputs; old impossible ones (text
    where counts belong) must not undo the run."""
    who = f.researcher("Gia Good", openalex_id="A5000000901", cited_by_count=40)
    other = f.researcher("Al Good", openalex_id="A5000000902")
    old = f.snapshot(who, score=3.0)
    TrustSnapshot.objects.filter(pk=old.pk).update(inputs={"works": "many", "citations": "lots", "followers": None})
    out = run("--all")
    assert "A5000000901: 3 → " in out and "the previous snapshot's inputs could not be compared" in out
    assert TrustSnapshot.objects.filter(researcher=other, is_current=True).exists()
    assert trust_recompute().written == 0  # and the next run finds nothing to change
