"""The following page: new works of followed researchers (newest first, paged, each with the
researchers it came from and its author list), the followed list with unfollow in place, the
private feed address and the digest choice; the cast, limits and hostile input."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from following import selectors
from following.models import Subscription
from profiles.models import Follow, Researcher
from tests import factories as f
from works.models import HiddenWork, Work
from works.selectors import WORKS_PER_PAGE

pytestmark = pytest.mark.django_db

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def follow(user: Any, *researchers: Researcher) -> None:
    Follow.objects.bulk_create(Follow(user=user, researcher=r) for r in researchers)


def page(client: Client, query: str = "", **extra: Any) -> str:
    response = client.get(f"/following/{query}", **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in_and_back(anonymous: Client) -> None:
    response = anonymous.get("/following/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/following/%3Fpage%3D2"


def test_a_follower_sees_new_works_newest_first_with_where_they_came_from(
    client: Client, stranger, django_assert_num_queries
) -> None:
    ada, bo, other = f.researcher("Ada Follow"), f.researcher("Bo Follow"), f.researcher("Not Followed")
    old = f.work([ada], year=2019, title="Old paper")
    shared = f.work([other, bo, ada], year=2025, title="Shared paper")
    f.work([other], year=2026, title="Someone else's paper")
    follow(stranger, ada, bo)
    client.force_login(stranger)
    page(client)  # the settings row is made on the first visit
    with django_assert_num_queries(9):
        # the session with its user, the count with the page's ids, its works, author lists (2), where each
        # came from, the settings, the followed list, the header's owned record
        html = page(client)
    assert html.index("Shared paper") < html.index("Old paper")
    assert "Someone else" not in html
    assert "Showing 1–2 of 2 works, newest first." in html
    after_shared = html[html.index("Shared paper") :]
    found = re.search(r'<p class="small came-from">(.*?)</p>', after_shared, re.S)
    assert found is not None
    came_from = found.group(1)
    assert "Bo Follow" in came_from and "Ada Follow" in came_from and "Not Followed" not in came_from
    assert f'id="authors-{shared.openalex_id}"' in html and f'id="authors-{old.openalex_id}"' in html
    assert "Researchers you follow (2)" in html
    assert f'formaction="/following/unfollow/{ada.openalex_id}/"' in html


def test_the_query_count_does_not_grow_with_researchers_or_works(
    client: Client, stranger, django_assert_num_queries
) -> None:
    people = [f.researcher(f"Person {n}") for n in range(12)]
    for n, person in enumerate(people):
        for year in (2020, 2021, 2022):
            f.work([person, people[(n + 1) % len(people)]], year=year)
    follow(stranger, *people)
    client.force_login(stranger)
    page(client)
    with django_assert_num_queries(9):
        html = page(client)
    assert f"Showing 1–{WORKS_PER_PAGE} of 36 works" in html and "Researchers you follow (12)" in html
    with django_assert_num_queries(9):
        assert "Showing 21–36 of 36 works" in page(client, "?page=2")


def test_both_ways_of_finding_a_page_give_the_same_works_in_the_same_order(stranger) -> None:
    """The page is found by walking the works newest first (many followed works) or by each
    followed work's sort key (few): both give following_works' order on every page, with
    hidden works left out, a work of two followed researchers once, undated works last and
    equal dates ordered by id."""
    ada, bo, other = f.researcher("Ada Both"), f.researcher("Bo Both"), f.researcher("Other Both")
    for n in range(2 * WORKS_PER_PAGE + 5):
        f.work([ada] if n % 3 else [ada, bo], year=1990 + n % 7, title=f"Ada {n}")
        f.work([other], year=1990 + n % 7, title=f"Not followed {n}")
    f.work([bo], year=2001, title="Undated", publication_date=None)
    f.work([bo], year=2001, title="Same day 1", publication_date=date(2001, 5, 5))
    f.work([bo], year=2001, title="Same day 2", publication_date=date(2001, 5, 5))
    hidden = f.work([bo], year=2026, title="Hidden")
    HiddenWork.objects.create(researcher=bo, work=hidden, reason="not_mine")
    follow(stranger, ada, bo)
    expected = list(selectors.following_works(stranger.pk).values_list("pk", flat=True))
    assert len(expected) == 2 * WORKS_PER_PAGE + 8 and hidden.pk not in expected
    for offset in range(0, len(expected) + WORKS_PER_PAGE, WORKS_PER_PAGE):
        walked = selectors._page_ids(stranger.pk, offset, walk_cost_ratio=float("inf"))
        looked_up = selectors._page_ids(stranger.pk, offset, walk_cost_ratio=0)
        assert walked == looked_up == (len(expected), expected[offset : offset + WORKS_PER_PAGE])


def test_the_way_is_chosen_from_the_followed_works_and_the_table(stranger) -> None:
    """Many followed works among few rows: the index is walked; few among many: each work's
    sort key is looked up and the walk is never executed (EXPLAIN ANALYZE of the statement)."""
    ada = f.researcher("Ada Way")
    for n in range(30):
        f.work([ada], year=2000 + n % 20)
    follow(stranger, ada)

    def walked(**kwargs: Any) -> bool:
        """Whether the walk ran: its read of the works executed and the look-up's never did
        (or the other way round)."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE works_work")
            sql, params = selectors.page_ids_sql(stranger.pk, 0, **kwargs)
            cursor.execute("EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        walk = [line for line in plan if "works_work w (" in line]  # the walk's read of works
        look_up = [line for line in plan if "works_work x (" in line]  # the look-up's
        assert len(walk) == len(look_up) == 1, plan
        assert ("never executed" in walk[0]) != ("never executed" in look_up[0]), plan
        # the walk's test of each work against the followed ids is a hash, built once
        assert any("(hashed SubPlan" in line for line in plan), plan
        return "never executed" not in walk[0]

    assert walked()  # 20 * 30 rows < 16 * 30²
    assert not walked(walk_max=29)  # more followed works than the hash is trusted with
    Work.objects.bulk_create(
        Work(openalex_id=f"W77{n:08d}", title=f"Unfollowed {n}", publication_year=2020) for n in range(1_000)
    )
    assert not walked()  # 20 * 1,030 rows > 16 * 30²
    assert selectors._page_ids(stranger.pk, 0)[0] == 30


def test_hidden_works_of_a_followed_record_are_left_out(client: Client, stranger) -> None:
    ada = f.researcher("Ada Hidden")
    hidden = f.work([ada], title="Hidden by the owner")
    f.work([ada], title="Still listed")
    HiddenWork.objects.create(researcher=ada, work=hidden, reason="not_mine")
    follow(stranger, ada)
    client.force_login(stranger)
    html = page(client)
    assert "Still listed" in html and "Hidden by the owner" not in html


def test_htmx_paging_gets_only_the_fragment(client: Client, stranger) -> None:
    ada = f.researcher("Ada Pages")
    for n in range(WORKS_PER_PAGE + 1):
        f.work([ada], year=2000 + n, title=f"Paged {n}")
    follow(stranger, ada)
    client.force_login(stranger)
    html = page(client, "?page=2", **HX)
    assert html.lstrip().startswith('<div id="following-works"') and "<html" not in html
    assert "Paged 0" in html and "Showing 21–21 of 21 works" in html
    assert '<a href="/following/?page=1" data-hx-get="/following/?page=1" rel="prev">' in html


@pytest.mark.parametrize("query", ["?page=99", "?page=0", "?page=-5"])
def test_a_page_out_of_range_is_empty_and_explained(client: Client, stranger, query: str) -> None:
    ada = f.researcher("Ada Range")
    f.work([ada])
    follow(stranger, ada)
    client.force_login(stranger)
    html = page(client, query)
    assert "the works of the researchers you follow fill 1 page" in html
    assert 'href="/following/"' in html and "Go to the first page" in html


def test_a_page_that_is_no_number_shows_the_first(client: Client, stranger) -> None:
    ada = f.researcher("Ada Number")
    f.work([ada], title="First page work")
    follow(stranger, ada)
    client.force_login(stranger)
    assert "First page work" in page(client, "?page=%3Cscript%3E")


def test_someone_following_no_one_is_told_how_to_start(client: Client, stranger) -> None:
    client.force_login(stranger)
    html = page(client)
    assert "No works yet. Follow researchers" in html and "You follow no one yet." in html


def test_hostile_names_and_titles_stay_text(client: Client, stranger) -> None:
    evil = f.researcher('<script>alert("x")</script> \u202eEvil')
    f.work([evil], title="<img src=x onerror=alert(1)> \u202etitle")
    follow(stranger, evil)
    client.force_login(stranger)
    html = page(client)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<bdi>&lt;img src=x onerror=alert(1)&gt; \u202etitle</bdi>" in html


def test_unfollow_in_place_uses_the_follow_service(client: Client, stranger, verified_user) -> None:
    ada = f.researcher("Ada Unfollow")
    follow(stranger, ada)
    follow(verified_user, ada)
    client.force_login(stranger)
    response = client.post(f"/following/unfollow/{ada.openalex_id}/", **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<li class="followed-row">')
    assert "No longer followed" in html
    assert not Follow.objects.filter(user=stranger).exists()
    assert Follow.objects.filter(user=verified_user, researcher=ada).exists()  # only one's own
    plain = client.post(f"/following/unfollow/{ada.openalex_id}/")
    assert plain.status_code == 302 and plain["Location"] == "/following/"


def test_unfollow_refuses_anonymous_visitors_unknown_ids_and_missing_csrf(stranger) -> None:
    ada = f.researcher("Ada Guarded")
    follow(stranger, ada)
    anonymous = Client()
    response = anonymous.post(f"/following/unfollow/{ada.openalex_id}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(stranger)
    assert strict.post(f"/following/unfollow/{ada.openalex_id}/").status_code == 403
    signed = Client()
    signed.force_login(stranger)
    assert signed.post("/following/unfollow/A5999999999/").status_code == 404
    assert signed.post("/following/unfollow/not-an-id/").status_code == 404
    assert Follow.objects.filter(user=stranger, researcher=ada).exists()


def test_unfollow_over_the_follow_limit_is_429_and_changes_nothing(client: Client, stranger, monkeypatch) -> None:
    from core.limits import Rate
    from profiles import services

    monkeypatch.setattr(services, "FOLLOW_RATES_PER_ACCOUNT", (Rate(1, 60),))
    ada, bo = f.researcher("Ada Limit"), f.researcher("Bo Limit")
    follow(stranger, ada, bo)
    client.force_login(stranger)
    assert client.post(f"/following/unfollow/{ada.openalex_id}/").status_code == 302
    response = client.post(f"/following/unfollow/{bo.openalex_id}/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Follow.objects.filter(user=stranger, researcher=bo).exists()


def test_the_feed_token_is_shown_and_reset(client: Client, stranger, settings) -> None:
    client.force_login(stranger)
    html = page(client)
    token = Subscription.objects.get(user=stranger).feed_token
    assert f'value="{settings.SITE_URL}/following/feed/{token}.atom"' in html
    response = client.post("/following/feed/reset/")
    assert response.status_code == 302
    new = Subscription.objects.get(user=stranger).feed_token
    assert new != token and len(new) >= 40
    assert client.get(f"/following/feed/{token}.atom").status_code == 404
    assert client.get(f"/following/feed/{new}.atom").status_code == 200


def test_the_digest_is_off_until_chosen_and_checks_its_input(client: Client, stranger) -> None:
    client.force_login(stranger)
    page(client)
    subscription = Subscription.objects.get(user=stranger)
    assert subscription.digest == "off" and subscription.digest_since is None
    assert client.post("/following/digest/", {"digest": "hourly"}).status_code == 400
    assert client.post("/following/digest/", {"digest": "weekly"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.digest == "weekly" and subscription.digest_since is not None
    checked = re.findall(r'<input type="radio" name="digest" value="(\w+)"[^>]* checked>', page(client))
    assert checked == ["weekly"]


def test_settings_refuse_anonymous_visitors_and_missing_csrf(stranger) -> None:
    anonymous = Client()
    for url in ("/following/feed/reset/", "/following/digest/"):
        response = anonymous.post(url, {"digest": "daily"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(stranger)
    assert strict.post("/following/digest/", {"digest": "daily"}).status_code == 403
    assert not Subscription.objects.filter(digest="daily").exists()


def test_settings_changes_are_limited(client: Client, stranger, monkeypatch) -> None:
    from core.limits import Rate
    from following import services

    monkeypatch.setattr(services, "SETTINGS_RATES_PER_ACCOUNT", (Rate(1, 3600),))
    client.force_login(stranger)
    assert client.post("/following/digest/", {"digest": "daily"}).status_code == 302
    response = client.post("/following/digest/", {"digest": "weekly"})
    assert response.status_code == 429 and "Retry-After" in response
    assert Subscription.objects.get(user=stranger).digest == "daily"


def test_the_header_links_signed_in_people_to_their_following_page(client: Client, stranger) -> None:
    assert 'href="/following/"' not in client.get("/").content.decode()
    client.force_login(stranger)
    assert '<a href="/following/">Following</a>' in client.get("/").content.decode()


def test_a_long_following_list_shows_the_first_researchers_then_all_on_request(
    client: Client, stranger, django_assert_num_queries
) -> None:
    from following.selectors import FOLLOWED_SHOWN

    people = [f.researcher(f"Person {n:03d}") for n in range(FOLLOWED_SHOWN + 5)]
    follow(stranger, *people)
    client.force_login(stranger)
    page(client)
    with django_assert_num_queries(5):  # no works: the count, and no page of ids to look for
        html = page(client)
    assert html.count('class="followed-row"') == FOLLOWED_SHOWN
    assert f"Researchers you follow ({FOLLOWED_SHOWN + 5})" in html
    assert f'href="/following/?followed=all#followed-title">Show all {FOLLOWED_SHOWN + 5} researchers' in html
    assert "Person 000" in html and f"Person {FOLLOWED_SHOWN:03d}" not in html
    with django_assert_num_queries(5):
        everyone = page(client, "?followed=all")
    assert everyone.count('class="followed-row"') == FOLLOWED_SHOWN + 5 and "Show all" not in everyone
