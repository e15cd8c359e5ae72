"""One trust recompute per researcher per window (graph/trust_schedule.py): a burst of
follow changes queues one task, which scores the last change; a change after the task
started queues the next one; a rolled-back change queues nothing; a lost task's mark is
taken over once stale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from graph import models as graph_models
from graph import tasks as graph_tasks
from graph.models import TrustSnapshot
from profiles.models import Follow
from profiles.signals import trust_inputs_changed
from tests import cast
from tests import factories as f

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
COALESCE_SECONDS = 30  # graph.trust_schedule.COALESCE_SECONDS


def pending() -> Any:
    return graph_models.PendingTrustRecompute.objects  # the marks (graph.trust_schedule)


def queued(callbacks) -> list[tuple[str, tuple, int]]:
    """(task, args, countdown) of each task queued on commit."""
    return [(cb.func.__self__.name, cb.args[0], cb.keywords["countdown"]) for cb in callbacks]


def followers_scored(researcher) -> int:
    return TrustSnapshot.objects.get(researcher=researcher, is_current=True).inputs["followers"]


def test_a_burst_of_follow_changes_queues_one_recompute_that_scores_the_last_one(
    stranger, django_capture_on_commit_callbacks
) -> None:
    lead = f.researcher()
    url = f"/researchers/{lead.openalex_id}/follow/"
    toggler = Client()
    toggler.force_login(stranger)
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(30):  # as many as one account may in a minute
            toggler.post(url, {"action": "unfollow" if n % 2 else "follow"}, **HX)
        for n in range(5):
            fan = Client()
            fan.force_login(cast.verified_user(f"fan{n}"))
            fan.post(url, {"action": "follow"}, **HX)
    assert queued(callbacks) == [("graph.recompute_trust", (lead.pk,), COALESCE_SECONDS)]
    graph_tasks.recompute_trust(lead.pk)  # the one task runs, after every change above
    assert followers_scored(lead) == Follow.objects.filter(researcher=lead).count() == 5
    assert not pending().exists()
    # A change after the task started queues the next one, which scores it.
    late = Client()
    late.force_login(cast.verified_user("late"))  # the toggler has used up its minute
    with django_capture_on_commit_callbacks() as later:
        late.post(url, {"action": "follow"}, **HX)
    assert queued(later) == [("graph.recompute_trust", (lead.pk,), COALESCE_SECONDS)]
    graph_tasks.recompute_trust(lead.pk)
    assert followers_scored(lead) == 6


def test_a_change_while_the_task_runs_is_not_lost(django_capture_on_commit_callbacks, monkeypatch) -> None:
    lead = f.researcher()
    with django_capture_on_commit_callbacks() as first:
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk])
    assert len(first) == 1
    started: list[int] = []
    real = graph_tasks.trust_services.trust_recompute

    def recompute_with_a_change_arriving(**kwargs: Any) -> Any:
        # The task has cleared the mark and is reading: a follow lands now.
        with django_capture_on_commit_callbacks() as during:
            trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk])
        started.append(len(during))
        return real(**kwargs)

    monkeypatch.setattr(graph_tasks.trust_services, "trust_recompute", recompute_with_a_change_arriving)
    graph_tasks.recompute_trust(lead.pk)
    assert started == [1]  # that change queued a task of its own


def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks) -> None:
    lead = f.researcher()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk, lead.pk])
        raise RuntimeError("the writer failed")
    assert callbacks == [] and not pending().exists()


def test_a_mark_whose_task_was_lost_is_taken_over_once_stale(django_capture_on_commit_callbacks) -> None:
    lead, other = f.researcher(), f.researcher()
    pending().create(researcher_id=lead.pk, queued_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as fresh:
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk, other.pk])
    assert [args for _, args, _ in queued(fresh)] == [(other.pk,)]  # lead's task may still come
    pending().filter(researcher_id=lead.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks() as stale:
        trust_inputs_changed.send(sender=Follow, researcher_ids=[lead.pk])
    assert [args for _, args, _ in queued(stale)] == [(lead.pk,)]
