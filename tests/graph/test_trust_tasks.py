"""graph.tasks for trust, run in-process (the worker test runs them on a real worker): a level
change reaches the co-authors, import follow-ups inline and through the outbox, the nightly
schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from django.conf import settings

from bzpeer.celery import app
from claims.models import Claim
from graph import tasks
from graph.models import CoauthorEdge, TrustSnapshot
from graph.tasks import refresh_after_import
from graph.trust_services import trust_recompute
from profiles.models import Researcher
from tests import cast
from tests import factories as f
from tests.outbox import run_outbox, waiting
from works.models import Authorship, Work

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair() -> tuple[Researcher, Researcher]:
    """Two researchers who share a work; edges and scores computed."""
    ann = f.researcher("Ann", openalex_id="A5000000801", orcid="0000-0002-1825-0097", imported_at=None)
    bob = f.researcher("Bob", openalex_id="A5000000802", imported_at=None)
    work = Work.objects.create(openalex_id="W801", title="Shared", publication_year=2025)
    Authorship.objects.create(work=work, researcher=ann, position=0)
    Authorship.objects.create(work=work, researcher=bob, position=1)
    refresh_after_import([ann.pk, bob.pk], inline=True)  # what --followups=now does: edges, then trust
    return ann, bob


def current(researcher: Researcher) -> TrustSnapshot:
    return TrustSnapshot.objects.get(researcher=researcher, is_current=True)


def test_inline_follow_ups_refresh_edges_then_trust(pair: tuple[Researcher, Researcher]) -> None:
    ann, bob = pair
    assert CoauthorEdge.objects.filter(researcher_a=ann, researcher_b=bob, shared_works=1).exists()
    assert current(ann).inputs["distinct_coauthors"] == current(bob).inputs["distinct_coauthors"] == 1


def test_a_claim_decision_on_one_record_reaches_its_co_authors(pair: tuple[Researcher, Researcher]) -> None:
    ann, bob = pair
    cast.owner(ann, method=Claim.Method.EVIDENCE, decided_at=datetime(2026, 11, 25, tzinfo=UTC))

    assert tasks.recompute_trust(ann.pk) == 1  # what a claim decision enqueues
    assert current(ann).level == 3
    assert waiting() == [("graph.recompute_trust_many", [[bob.pk]])]  # the co-authors, in the outbox

    run_outbox()
    assert current(bob).inputs["claimed_coauthors"] == 1  # recompute_trust_many ran for Bob


def test_an_unchanged_level_enqueues_nothing_more(pair: tuple[Researcher, Researcher]) -> None:
    ann, bob = pair
    bob_rows = TrustSnapshot.objects.filter(researcher=bob).count()
    assert tasks.recompute_trust(ann.pk) == 0
    assert waiting() == []
    assert TrustSnapshot.objects.filter(researcher=bob).count() == bob_rows


def test_queued_follow_ups_wait_in_the_outbox_then_refresh_edges_then_trust() -> None:
    ann = f.researcher("Ann", openalex_id="A5000000811", imported_at=None)
    bob = f.researcher("Bob", openalex_id="A5000000812", imported_at=None)
    work = Work.objects.create(openalex_id="W811", title="Shared", publication_year=2025)
    Authorship.objects.create(work=work, researcher=ann, position=0)
    Authorship.objects.create(work=work, researcher=bob, position=1)
    refresh_after_import([bob.pk, ann.pk, ann.pk], inline=False)  # what --followups=queue and the worker's import do
    assert waiting() == [("graph.import_followups", [sorted([ann.pk, bob.pk])])]
    assert not CoauthorEdge.objects.exists()
    run_outbox()  # the edges, then trust as a row of its own, which the drain runs next
    assert waiting() == []
    assert current(ann).inputs["distinct_coauthors"] == current(bob).inputs["distinct_coauthors"] == 1


def test_the_many_and_all_tasks_call_the_same_service(pair: tuple[Researcher, Researcher]) -> None:
    ann, bob = pair
    TrustSnapshot.objects.all().delete()
    assert tasks.recompute_trust_many([ann.pk]) == 1
    assert tasks.recompute_trust_all() == 1  # Bob; Ann is unchanged
    assert trust_recompute().written == 0


def test_the_nightly_recompute_is_the_partitioned_refresh_of_everything() -> None:
    entries = settings.CELERY_BEAT_SCHEDULE.values()
    nightly = {entry["task"] for entry in entries if isinstance(entry["schedule"], crontab)}
    # Edges, then trust and similar, in one run (its steps order them: test_derived_refresh.py).
    assert "graph.refresh_all" in nightly
    assert not nightly & {"graph.recompute_trust_all", "graph.refresh_coauthor_edges", "graph.refresh_similar"}
    for name in ("recompute_trust", "recompute_trust_many", "recompute_trust_all", "import_followups", "refresh_all"):
        name = f"graph.{name}"
        assert name in app.tasks


def test_a_recompute_of_a_researcher_merged_away_does_nothing() -> None:
    """An outbox row may outlive its researcher (an OpenAlex merge deletes the row)."""
    assert tasks.recompute_trust(987654321) == 0 and tasks.recompute_trust_many([987654321]) == 0
    assert waiting() == []
