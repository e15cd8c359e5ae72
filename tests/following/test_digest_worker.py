"""Digests on a real Celery worker process and the real Redis broker: beat's task fans out
through the outbox, the worker composes the digest and sends its one email; a second run
sends nothing new."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bzpeer.celery import app as celery_app
from core.models import OutboxMessage
from following import services
from following.models import Announcement, Digest
from profiles.models import Follow
from tests import factories as f
from tests.waiting import wait_for
from works.models import Work


@pytest.fixture
def console_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker (started after this) prints its mail instead of talking to a mail server."""
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")


def done(task: str) -> list[list[int]]:
    return [row.args for row in OutboxMessage.objects.filter(task=task, state=OutboxMessage.State.DONE)]


@pytest.mark.worker
def test_beat_sends_one_digest_on_the_worker_and_a_second_run_nothing(
    console_mail: None, celery_worker_queue: str, stranger, verified_user
) -> None:
    ada = f.researcher("Ada Worker")
    Follow.objects.create(user=stranger, researcher=ada)
    Follow.objects.create(user=verified_user, researcher=ada)  # follows, but no digest
    works = [f.work([ada], title=f"Worker news {n}", year=timezone.now().year) for n in range(3)]
    Work.objects.filter(pk__in=[w.pk for w in works]).update(
        imported_at=timezone.now(), publication_date=timezone.now().date()
    )
    services.subscription_for(verified_user.pk)
    services.digest_set(stranger.pk, "daily")
    Work.objects.filter(pk__in=[w.pk for w in works]).update(imported_at=timezone.now())

    celery_app.send_task("following.dispatch_digests", ["daily"])  # what beat sends each morning
    wait_for(lambda: len(done(services.DIGEST_EMAIL_TASK)) == 1)
    digest = Digest.objects.get()
    assert digest.user_id == stranger.pk and digest.frequency == "daily"
    assert done(services.DIGEST_EMAIL_TASK) == [[digest.pk]]
    assert done(services.DIGEST_TASK) == [[stranger.pk]]
    assert sorted(Announcement.objects.filter(user=stranger).values_list("work_id", flat=True)) == sorted(
        w.pk for w in works
    )

    celery_app.send_task("following.dispatch_digests", ["daily"])  # again: a repeat, or redelivered
    wait_for(lambda: len(done(services.DIGEST_TASK)) == 2)
    assert Digest.objects.count() == 1 and len(done(services.DIGEST_EMAIL_TASK)) == 1
    assert not OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE).exists()
