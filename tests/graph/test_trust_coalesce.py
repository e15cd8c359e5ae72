"""One trust recompute per researcher per window (graph/trust_schedule.py), kept in the
outbox (core/outbox.py): a burst of follow changes writes one row, whose run scores the last
change; a change after the run started writes the next one; a rolled-back change writes
nothing; a row nobody ran (its message lost) is run by the drain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from graph import tasks as graph_tasks
from graph.models import TrustSnapshot
from profiles.models import Follow
from profiles.signals import trust_inputs_changed
from tests import cast
from tests import factories as f
from tests.outbox import make_due, waiting

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
COALESCE_SECONDS = 30  # graph.trust_schedule.COALESCE_SECONDS


def followers_scored(researcher) -> int:
    return TrustSnapshot.objects.get(researcher=researcher, is_current=True).inputs["followers"]


def the_row(researcher) -> OutboxMessage:
    return OutboxMessage.objects.get(key=f"graph.recompute_trust:{researcher.pk}", state="pending")


def test_a_burst_of_follow_changes_writes_one_recompute_that_scores_the_last_one(stranger) -> None:
    lead = f.researcher()
    url = f"/researchers/{lead.openalex_id}/follow/"
    toggler = Client()
    toggler.force_login(stranger)
    before = timezone.now()
    for n in range(30):  # as many as one account may in a minute
        toggler.post(url, {"action": "unfollow" if n % 2 else "follow"}, **HX)
    for n in range(5):
        fan = Client()
        fan.force_login(cast.verified_user(f"fan{n}"))
        fan.post(url, {"action": "follow"}, **HX)
    assert waiting() == [("graph.recompute_trust", [lead.pk])]
    row = the_row(lead)
    # Due COALESCE_SECONDS after the first change (the later ones did not move it).
    due = row.not_before - before
    assert timedelta(seconds=COALESCE_SECONDS) <= due <= timedelta(seconds=COALESCE_SECONDS + 5)
    assert outbox.run(row.pk) is False  # not due yet: left alone
    make_due()
    assert outbox.run(row.pk) is True  # the one run, after every change above
    assert followers_scored(lead) == Follow.objects.filter(researcher=lead).count() == 5
    assert waiting() == []
    # A change after the run started writes the next row, whose run scores it.
    late = Client()
    late.force_login(cast.verified_user("late"))  # the toggler has used up its minute
    late.post(url, {"action": "follow"}, **HX)
    assert waiting() == [("graph.recompute_trust", [lead.pk])]
    make_due()
    outbox.run(the_row(lead).pk)
    assert followers_scored(lead) == 6


def test_a_change_while_the_run_reads_writes_the_next_row(monkeypatch) -> None:
    lead = f.researcher()
    trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk])
    make_due()
    first = the_row(lead)
    during: list[list[tuple[str, list[Any]]]] = []
    real = graph_tasks.trust_services.trust_recompute

    def recompute_with_a_change_arriving(**kwargs: Any) -> Any:
        # The run has taken its row and is reading: a follow lands now.
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk])
        during.append(waiting())
        return real(**kwargs)

    monkeypatch.setattr(graph_tasks.trust_services, "trust_recompute", recompute_with_a_change_arriving)
    outbox.run(first.pk)
    # That change wrote a row of its own (the running one did not count as pending).
    assert len(during) == 1 and len(during[0]) == 2
    assert the_row(lead).pk != first.pk
    first.refresh_from_db()
    assert first.state == "done"


def test_a_rolled_back_change_writes_nothing() -> None:
    lead = f.researcher()
    with pytest.raises(RuntimeError), transaction.atomic():
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk, lead.pk])
        assert waiting() == [("graph.recompute_trust", [lead.pk])]  # one row for both, in the transaction
        raise RuntimeError("the writer failed")
    assert waiting() == []


def test_a_row_whose_message_was_lost_runs_at_the_drain() -> None:
    lead, other = f.researcher(), f.researcher()
    trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk, other.pk])
    assert sorted(args for _, args in waiting()) == [[lead.pk], [other.pk]]
    assert outbox.drain() == 0  # nothing due yet
    make_due()
    assert outbox.drain() == 2  # no message ever reached a worker (none was published here)
    assert waiting() == [] and TrustSnapshot.objects.filter(researcher__in=[lead, other]).count() == 2
