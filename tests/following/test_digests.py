"""Email digests: off by default, one email per digest listing every new work, nothing when
nothing is new, never a work twice (repeated, redelivered and concurrent runs), unsubscribing
without logging in (signed token; a forged one changes nothing)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from following import services
from following.models import Announcement, Digest, Subscription
from profiles.models import Follow, Researcher
from tests import factories as f
from tests.outbox import run_outbox, waiting
from works.models import Work

pytestmark = pytest.mark.django_db


def subscribed(user: Any, frequency: str = "daily", *, days_ago: int = 3) -> Subscription:
    subscription = services.subscription_for(user.pk)
    subscription.digest = frequency
    subscription.digest_since = timezone.now() - timedelta(days=days_ago)
    subscription.save()
    return subscription


def new_work(authors: list[Researcher], title: str, *, imported_days_ago: int = 1, year: int | None = None) -> Work:
    today = timezone.now().date()
    work = f.work(authors, title=title, year=year or today.year)
    Work.objects.filter(pk=work.pk).update(
        imported_at=timezone.now() - timedelta(days=imported_days_ago),
        publication_date=today if year is None else work.publication_date,
    )
    return work


@pytest.fixture
def ada(stranger) -> Researcher:
    ada = f.researcher("Ada Digest")
    Follow.objects.create(user=stranger, researcher=ada)
    return ada


def test_digests_are_off_by_default(stranger, ada, mailoutbox) -> None:
    new_work([ada], "Fresh paper")
    services.subscription_for(stranger.pk)
    assert services.digest_compose(stranger.pk) is None
    assert services.digests_dispatch("daily") == 0
    assert run_outbox() == 0 and mailoutbox == [] and not Digest.objects.exists()


def test_one_email_lists_every_new_work_with_an_unsubscribe_link(stranger, ada, mailoutbox, settings) -> None:
    bo = f.researcher("Bo Digest")
    Follow.objects.create(user=stranger, researcher=bo)
    subscribed(stranger)
    first, second = new_work([ada], "Fresh paper one"), new_work([bo, ada], "Fresh paper two")
    new_work([f.researcher("Not Followed")], "Someone else's")
    assert services.digests_dispatch("daily") == 1
    assert waiting() == [("following.compose_digest", [stranger.pk])]
    run_outbox()
    digest = Digest.objects.get()
    assert set(digest.announcements.values_list("work_id", flat=True)) == {first.pk, second.pk}
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [stranger.email] and mail.subject == "BZPEER: 2 new works by researchers you follow"
    assert "Fresh paper one" in mail.body and "Fresh paper two" in mail.body and "Someone else" not in mail.body
    assert f"{settings.SITE_URL}/works/{first.openalex_id}/" in mail.body
    assert "Bo Digest, Ada Digest" in mail.body
    unsubscribe = mail.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{settings.SITE_URL}/following/unsubscribe/") and unsubscribe in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_running_again_sends_nothing_new_and_a_later_work_comes_alone(stranger, ada, mailoutbox) -> None:
    subscribed(stranger)
    new_work([ada], "First news")
    services.digests_dispatch("daily")
    run_outbox()
    assert len(mailoutbox) == 1
    services.digests_dispatch("daily")  # beat again, or a redelivered task
    run_outbox()
    assert services.digest_compose(stranger.pk) is None
    run_outbox()
    assert len(mailoutbox) == 1 and Digest.objects.count() == 1
    new_work([ada], "Second news", imported_days_ago=0)
    services.digests_dispatch("daily")
    run_outbox()
    assert len(mailoutbox) == 2
    assert "Second news" in mailoutbox[1].body and "First news" not in mailoutbox[1].body


def test_nothing_new_sends_nothing(stranger, ada, mailoutbox) -> None:
    subscribed(stranger)
    services.digests_dispatch("daily")
    run_outbox()
    assert mailoutbox == [] and not Digest.objects.exists()


def test_only_works_new_since_opting_in_are_announced(stranger, ada, mailoutbox) -> None:
    subscribed(stranger, days_ago=3)
    new_work([ada], "Imported before opting in", imported_days_ago=10)
    new_work([ada], "An old paper re-imported", year=2001)
    new_work([ada], "Really new")
    assert services.digest_compose(stranger.pk) is not None
    run_outbox()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Really new" in body and "Imported before" not in body and "old paper" not in body


def test_weekly_and_daily_runs_reach_only_their_own(stranger, verified_user, ada) -> None:
    Follow.objects.create(user=verified_user, researcher=ada)
    subscribed(stranger, "weekly")
    subscribed(verified_user, "daily")
    assert services.digests_dispatch("weekly") == 1
    assert waiting() == [("following.compose_digest", [stranger.pk])]
    assert services.digests_dispatch("weekly") == 0  # still waiting: the key covers it


def test_a_work_is_never_announced_twice_even_when_two_runs_race(
    transactional_db, stranger, ada, django_capture_on_commit_callbacks
) -> None:
    subscribed(stranger)
    for n in range(5):
        new_work([ada], f"Raced {n}")
    barrier = threading.Barrier(2)
    found: list[int | None] = []

    def run() -> None:
        try:
            barrier.wait()
            digest = services.digest_compose(stranger.pk)
            found.append(digest.pk if digest else None)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 2 and found.count(None) == 1  # one run announced, the other found nothing new
    assert Announcement.objects.filter(user=stranger).count() == 5
    assert waiting("following.send_digest_email") == [("following.send_digest_email", [Digest.objects.get().pk])]


def test_turning_digests_off_before_the_email_goes_stops_it(stranger, ada, mailoutbox) -> None:
    subscribed(stranger)
    new_work([ada], "Almost sent")
    services.digest_compose(stranger.pk)
    services.digest_unsubscribe(stranger.pk)
    run_outbox()
    assert mailoutbox == []


# --- Unsubscribing without logging in --------------------------------------------------------


def test_the_unsubscribe_link_asks_first_then_unsubscribes_without_logging_in(stranger, anonymous: Client) -> None:
    subscribed(stranger)
    url = f"/following/unsubscribe/{services.unsubscribe_token(stranger.pk)}/"
    page = anonymous.get(url)
    assert page.status_code == 200 and ">Unsubscribe</button>" in page.content.decode()
    assert Subscription.objects.get(user=stranger).digest == "daily"  # a GET changes nothing
    done = anonymous.post(url)
    assert done.status_code == 200 and "You will get no more digest emails." in done.content.decode()
    assert Subscription.objects.get(user=stranger).digest == "off"


def test_one_click_unsubscribe_works_without_a_csrf_token(stranger) -> None:
    subscribed(stranger)
    mail_client = Client(enforce_csrf_checks=True)
    url = f"/following/unsubscribe/{services.unsubscribe_token(stranger.pk)}/"
    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscription.objects.get(user=stranger).digest == "off"


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "eyJ1IjoxfQ:forgedsignature",
        '"><img src=x onerror=alert(1)>',
    ],
)
def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(stranger, anonymous: Client, token: str) -> None:
    subscribed(stranger)
    for method in (anonymous.get, anonymous.post):
        response = method(f"/following/unsubscribe/{token}/")
        assert response.status_code == 400 and "This unsubscribe link is not valid" in response.content.decode()
        assert "<img src=x" not in response.content.decode()
    assert Subscription.objects.get(user=stranger).digest == "daily"


def test_a_token_of_another_purpose_is_refused(stranger, anonymous: Client) -> None:
    from django.core import signing

    subscribed(stranger)
    other = signing.dumps({"u": stranger.pk}, salt="something.else")
    assert anonymous.post(f"/following/unsubscribe/{other}/").status_code == 400
    assert Subscription.objects.get(user=stranger).digest == "daily"


def test_beat_runs_the_daily_and_weekly_digests(settings) -> None:
    from bzpeer.celery import app as celery_app

    celery_app.loader.import_default_modules()
    runs = {
        entry["args"]: entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "following.dispatch_digests"
    }
    assert runs == {("daily",): "following.dispatch_digests", ("weekly",): "following.dispatch_digests"}
    for name in ("following.dispatch_digests", services.DIGEST_TASK, services.DIGEST_EMAIL_TASK):
        assert name in celery_app.tasks


def test_a_full_digest_leaves_the_rest_for_the_next_one(stranger, ada, mailoutbox, monkeypatch) -> None:
    from following import selectors

    monkeypatch.setattr(selectors, "DIGEST_MAX_WORKS", 2)
    subscribed(stranger, days_ago=10)
    works = [new_work([ada], f"Paper {i}", imported_days_ago=9 - i) for i in range(3)]
    first = services.digest_compose(stranger.pk)
    assert first is not None and first.announcements.count() == 2
    # The window did not move past the work the full digest could not hold.
    second = services.digest_compose(stranger.pk)
    assert second is not None and list(second.announcements.values_list("work_id", flat=True)) == [works[2].pk]
    assert services.digest_compose(stranger.pk) is None
    assert Announcement.objects.filter(user=stranger).count() == 3
