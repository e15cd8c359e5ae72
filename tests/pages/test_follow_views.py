"""Follow and unfollow in place: the cast, CSRF, idempotency, the trust recompute it enqueues,
the limits (per account, per client address) and their 429s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from profiles import services
from profiles.models import Follow
from tests import cast
from tests import factories as f
from tests.outbox import waiting

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def follow_url(researcher) -> str:
    return f"/researchers/{researcher.openalex_id}/follow/"


def enqueued_recomputes() -> list[tuple[str, list]]:
    """(task name, args) of the trust recomputes waiting in the outbox (graph/receivers.py
    writes them in the follow's transaction)."""
    return waiting("graph.recompute_trust")


def as_if_run() -> None:
    """The waiting rows ran (a worker took them): the next change writes a row of its own."""
    OutboxMessage.objects.update(state=OutboxMessage.State.DONE)


def test_anonymous_visitors_are_sent_to_log_in_and_back(client: Client) -> None:
    lead = f.researcher()
    response = client.post(follow_url(lead), {"action": "follow"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=%2Fresearchers%2F{lead.openalex_id}%2F"
    htmx = client.post(follow_url(lead), {"action": "follow"}, **HX)
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == response["Location"]
    assert not Follow.objects.exists()


def test_anonymous_visitors_see_a_follow_link_to_log_in(client: Client) -> None:
    lead = f.researcher()
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert f'href="/accounts/login/?next=/researchers/{lead.openalex_id}/">Follow researcher</a>' in html


def test_a_stranger_follows_in_place_and_the_count_updates_out_of_band(
    client: Client, stranger, verified_user, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:
    lead = f.researcher()
    Follow.objects.create(user=verified_user, researcher=lead)
    client.force_login(stranger)
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(9):
        # session with its user (core.sessions), researcher, whether they own it (following.services), the follow
        # limits (lock, read, count: core.limits), insert, the recompute's outbox row (graph.trust_schedule),
        # followers count
        response = client.post(follow_url(lead), {"action": "follow"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="follow-box"')
    assert "✓ Following" in html and ">Unfollow</button>" in html and '<span class="follow-count">2</span>' in html
    assert 'data-hx-swap-oob="innerHTML:#quick-followers"' in html and "<strong>2</strong> followers" in html
    assert Follow.objects.filter(user=stranger, researcher=lead).count() == 1
    assert enqueued_recomputes() == [("graph.recompute_trust", [lead.pk])]
    assert [cb.func for cb in callbacks] == [outbox.publish]  # handed to the broker on commit


def test_following_twice_is_impossible_and_enqueues_nothing_the_second_time(client: Client, stranger) -> None:
    lead = f.researcher()
    client.force_login(stranger)
    client.post(follow_url(lead), {"action": "follow"}, **HX)
    as_if_run()
    response = client.post(follow_url(lead), {"action": "follow"}, **HX)
    assert response.status_code == 200 and '<span class="follow-count">1</span>' in response.content.decode()
    assert Follow.objects.filter(researcher=lead).count() == 1
    assert enqueued_recomputes() == []


def test_unfollow_removes_the_follow_and_enqueues_a_recompute(client: Client, stranger) -> None:
    lead = f.researcher()
    Follow.objects.create(user=stranger, researcher=lead)
    client.force_login(stranger)
    html = client.post(follow_url(lead), {"action": "unfollow"}, **HX).content.decode()
    assert ">Follow researcher</button>" in html and '<span class="follow-count">0</span>' in html
    assert "<strong>0</strong> followers" in html
    assert not Follow.objects.exists()
    assert enqueued_recomputes() == [("graph.recompute_trust", [lead.pk])]
    as_if_run()
    client.post(follow_url(lead), {"action": "unfollow"}, **HX)
    assert enqueued_recomputes() == []


def test_without_javascript_the_form_posts_and_comes_back_to_the_profile(client: Client, stranger) -> None:
    lead = f.researcher()
    client.force_login(stranger)
    page = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert f'method="post" action="/researchers/{lead.openalex_id}/follow/"' in page and "csrfmiddlewaretoken" in page
    response = client.post(follow_url(lead), {"action": "follow"})
    assert response.status_code == 302 and response["Location"] == f"/researchers/{lead.openalex_id}/"
    assert Follow.objects.filter(user=stranger, researcher=lead).exists()


def test_a_forged_follow_without_csrf_fails_and_changes_nothing(stranger, verified_user) -> None:
    lead = f.researcher()
    Follow.objects.create(user=verified_user, researcher=lead)
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(stranger)
    assert forged.post(follow_url(lead), {"action": "follow"}, **HX).status_code == 403
    forged.force_login(verified_user)
    assert forged.post(follow_url(lead), {"action": "unfollow"}).status_code == 403
    assert list(Follow.objects.values_list("user__username", flat=True)) == ["verified"]


def test_a_follow_with_the_csrf_token_of_the_page_works(stranger) -> None:
    lead = f.researcher()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(stranger)
    browser.get(f"/researchers/{lead.openalex_id}/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(follow_url(lead), {"action": "follow"}, HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200 and Follow.objects.filter(user=stranger).exists()


def test_get_and_bad_actions_are_refused(client: Client, stranger) -> None:
    lead = f.researcher()
    client.force_login(stranger)
    assert client.get(follow_url(lead)).status_code == 405
    assert client.post(follow_url(lead), {"action": "toggle"}).status_code == 400
    assert client.post("/researchers/A5999999999/follow/", {"action": "follow"}).status_code == 404
    gone = f.researcher(record_status="deleted")
    assert client.post(follow_url(gone), {"action": "follow"}).status_code == 410  # as the profile answers
    assert not Follow.objects.exists()


def test_follow_set_is_idempotent(stranger) -> None:
    lead = f.researcher()
    assert services.follow_set(user_id=stranger.pk, researcher=lead, following=True) is True
    assert services.follow_set(user_id=stranger.pk, researcher=lead, following=True) is False
    assert services.follow_set(user_id=stranger.pk, researcher=lead, following=False) is True
    assert services.follow_set(user_id=stranger.pk, researcher=lead, following=False) is False
    assert not Follow.objects.exists()


# --- Limits --------------------------------------------------------------------------------------


def toggle(client: Client, lead, n: int, **extra: Any):
    return client.post(follow_url(lead), {"action": "unfollow" if n % 2 else "follow"}, **extra)


def test_thirty_follow_changes_a_minute_then_429_in_the_follow_box(
    client: Client, stranger, verified_user, django_capture_on_commit_callbacks
) -> None:
    lead = f.researcher()
    client.force_login(stranger)
    for n in range(30):
        assert toggle(client, lead, n, **HX).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        refused = client.post(follow_url(lead), {"action": "follow"}, **HX)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    html = refused.content.decode()
    # The box htmx swaps in place (templates/base.html lets 429s swap), as it stands, saying when.
    assert html.lstrip().startswith('<div id="follow-box"') and "<html" not in html
    assert ">Follow researcher</button>" in html and '<span class="follow-count">0</span>' in html
    assert "You have changed follows too often (30 in a minute). Try again in " in html and 'role="alert"' in html
    assert not Follow.objects.exists() and callbacks == []
    # Another account is not held back by it.
    client.force_login(verified_user)
    assert client.post(follow_url(lead), {"action": "follow"}, **HX).status_code == 200


def test_three_hundred_follow_changes_a_day(client: Client, stranger) -> None:
    from core.models import RateLimitHit  # here, so the module's other tests run on older code too

    lead = f.researcher()
    earlier = timezone.now() - timedelta(hours=23)
    RateLimitHit.objects.bulk_create(
        RateLimitHit(key=f"follow:user:{stranger.pk}", at=earlier, expires_at=earlier + timedelta(days=1))
        for _ in range(300)
    )
    client.force_login(stranger)
    refused = client.post(follow_url(lead), {"action": "follow"})
    assert refused.status_code == 429 and 3500 <= int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "<title>Too many requests · BZPEER</title>" in page and "(300 in a day). Try again in 60 minutes" in page
    assert f'href="/researchers/{lead.openalex_id}/">Back to {lead.name}</a>' in page
    assert not Follow.objects.exists()


@pytest.mark.parametrize("proxies", [0, 1])
def test_one_address_is_bounded_across_accounts_and_a_forged_header_changes_nothing(
    proxies: int, settings, monkeypatch
) -> None:
    from core.limits import Rate

    settings.TRUSTED_PROXY_COUNT = proxies
    monkeypatch.setattr(services, "FOLLOW_RATES_PER_ADDRESS", (Rate(3, 60),))  # 120 in the product
    lead = f.researcher()
    client_address = "198.51.100.23"
    # Direct: the client is REMOTE_ADDR. One proxy: REMOTE_ADDR is the proxy, which appends the
    # client's address to whatever X-Forwarded-For the client sent.
    remote = client_address if proxies == 0 else "10.0.0.2"

    def post(account: Any, forged: str):
        browser = Client(REMOTE_ADDR=remote)
        browser.force_login(account)
        header = forged if proxies == 0 else f"{forged}, {client_address}"
        return browser.post(follow_url(lead), {"action": "follow"}, HTTP_X_FORWARDED_FOR=header, **HX)

    for n in range(3):
        assert post(cast.verified_user(f"campus{n}"), forged=f"203.0.113.{n}").status_code == 200
    assert post(cast.verified_user("campus3"), forged="203.0.113.200").status_code == 429
    assert Follow.objects.filter(researcher=lead).count() == 3


# --- One's own record ------------------------------------------------------------------------------


def profile_url(researcher) -> str:
    return f"/researchers/{researcher.openalex_id}/"


def test_the_service_refuses_the_owner_and_spends_nothing_and_a_stranger_still_follows(
    record, owner, stranger, django_assert_num_queries
) -> None:
    from core.models import RateLimitHit  # here, so the module's other tests run on older code too
    from following import services as following_services

    refused = pytest.raises(following_services.FollowRefused, match="your own profile: you cannot follow it")
    with django_assert_num_queries(1), refused:  # whether they own it; no limit is spent
        following_services.follow_set(user_id=owner.pk, researcher=record, following=True)
    assert not Follow.objects.exists() and not RateLimitHit.objects.exists() and enqueued_recomputes() == []
    assert following_services.follow_set(user_id=stranger.pk, researcher=record, following=True) is True
    assert list(Follow.objects.values_list("user_id", flat=True)) == [stranger.pk]


def test_the_owner_may_drop_a_follow_made_before_the_claim(record, owner) -> None:
    from following import services as following_services

    Follow.objects.create(user=owner, researcher=record)
    assert following_services.follow_set(user_id=owner.pk, researcher=record, following=False) is True
    assert not Follow.objects.exists()


def test_a_forged_follow_by_the_owner_is_403_and_says_why(client: Client, record, owner) -> None:
    client.force_login(owner)
    response = client.post(follow_url(record), {"action": "follow"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This is your own profile: you cannot follow it." in html and 'role="alert"' in html
    assert f'href="/researchers/{record.openalex_id}/">Back to the profile</a>' in html
    assert not Follow.objects.exists() and enqueued_recomputes() == []


def test_an_owners_follow_from_a_stale_page_gets_the_box_saying_it_is_their_profile(
    client: Client, record, owner, stranger
) -> None:
    """htmx swaps no 403 (templates/base.html): the refusal comes as the box, with 200."""
    Follow.objects.create(user=stranger, researcher=record)
    Follow.objects.create(user=owner, researcher=record)  # made before the claim was approved
    client.force_login(owner)
    response = client.post(follow_url(record), {"action": "follow"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="follow-box"')
    assert "<strong>This is your profile</strong>" in html and ">Follow researcher</button>" not in html
    assert "This is your own profile: you cannot follow it." in html and 'role="alert"' in html
    # The owner's own follow is no follower, here as in trust; they may drop it.
    assert '<span class="follow-count">1</span>' in html and "<strong>1</strong> follower<" in html
    assert 'name="action" value="unfollow"' in html and "that follow does not count" in html
    assert Follow.objects.count() == 2 and enqueued_recomputes() == []
    dropped = client.post(follow_url(record), {"action": "unfollow"}, **HX).content.decode()
    assert "<strong>This is your profile</strong>" in dropped and 'value="unfollow"' not in dropped
    assert '<span class="follow-count">1</span>' in dropped
    assert list(Follow.objects.values_list("user_id", flat=True)) == [stranger.pk]


@pytest.mark.parametrize("first", ["stranger", "owner"])
def test_the_follow_box_tells_the_owner_it_is_their_profile_and_only_them(
    first: str, record, owner, stranger
) -> None:
    """Whoever fills the page cache: the owner's box says it is their profile, a stranger's
    offers to follow, the stored page is the anonymous one."""
    clients = {"owner": Client(), "stranger": Client()}
    clients["owner"].force_login(owner)
    clients["stranger"].force_login(stranger)
    pages = {first: clients[first].get(profile_url(record)).content.decode()}
    for name in clients:
        pages.setdefault(name, clients[name].get(profile_url(record)).content.decode())
    assert "<strong>This is your profile</strong>" in pages["owner"]
    assert "You cannot follow your own record" in pages["owner"]
    assert ">Follow researcher</button>" not in pages["owner"]
    assert ">Follow researcher</button>" in pages["stranger"] and "This is your profile" not in pages["stranger"]
    anonymous = Client().get(profile_url(record)).content.decode()
    assert ">Follow researcher</a>" in anonymous and "This is your profile" not in anonymous


def test_every_viewer_sees_the_follower_count_without_the_owners_own_follow(record, owner, stranger) -> None:
    """The Quick read and the follow box count followers as trust does (claims.facts): the
    owner's follow made before the claim is no follower, for the owner, a stranger, anyone."""
    Follow.objects.create(user=owner, researcher=record)
    Follow.objects.create(user=stranger, researcher=record)
    viewers = {"anonymous": Client(), "owner": Client(), "stranger": Client()}
    viewers["owner"].force_login(owner)
    viewers["stranger"].force_login(stranger)
    for name, client in [*viewers.items(), ("anonymous again", viewers["anonymous"])]:  # again: from the cache
        html = client.get(profile_url(record)).content.decode()
        assert '<span class="follow-count">1</span>' in html, name
        assert "2 followers" not in html and '<span class="follow-count">2</span>' not in html, name
