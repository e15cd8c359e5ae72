"""Atom feeds read back through a maintained parser (feedparser): a researcher's public feed
(cached, ids resolved like the profile's) and a person's private feed (a secret token)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from django.db import transaction
from django.test import Client

from following.models import Subscription
from following.services import feed_token_reset, subscription_for
from profiles.models import Follow, Researcher, ResearcherAlias
from tests import factories as f
from works.models import HiddenWork

pytestmark = pytest.mark.django_db

ATOM = "application/atom+xml; charset=utf-8"


def feed_of(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == ATOM
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_a_researchers_feed_lists_their_works_with_ids_titles_links_authors_and_dates(
    client: Client, settings
) -> None:
    ada, bo = f.researcher("Ada Feed"), f.researcher("Bo Coauthor")
    older = f.work([ada], year=2020, title="Older paper", venue_name="Journal of Feeds")
    newer = f.work([bo, ada], year=2025, title="Newer paper", openalex_updated=datetime(2025, 6, 1, tzinfo=UTC))
    feed = feed_of(client, f"/researchers/{ada.openalex_id}/feed.atom")
    site = settings.SITE_URL
    assert feed.feed.title == "Ada Feed · BZPEER"
    assert feed.feed.id == f"{site}/researchers/{ada.openalex_id}/feed.atom"
    assert feed.feed.link == f"{site}/researchers/{ada.openalex_id}/"
    assert [e.title for e in feed.entries] == ["Newer paper", "Older paper"]
    first = feed.entries[0]
    assert first.id == first.link == f"{site}/works/{newer.openalex_id}/"
    assert [a.name for a in first.authors] == ["Bo Coauthor", "Ada Feed"]
    assert first.authors[1].href == f"{site}/researchers/{ada.openalex_id}/"
    published = newer.publication_date
    assert first.published_parsed[:3] == (published.year, published.month, published.day)
    assert first.updated_parsed[:3] == (2025, 6, 1)
    assert feed.entries[1].id == f"{site}/works/{older.openalex_id}/"
    assert "Journal of Feeds" in feed.entries[1].summary


def test_hidden_works_stay_out_of_the_feed(client: Client) -> None:
    ada = f.researcher("Ada Hidden Feed")
    hidden = f.work([ada], title="Not mine")
    f.work([ada], title="Mine")
    HiddenWork.objects.create(researcher=ada, work=hidden, reason="not_mine")
    assert [e.title for e in feed_of(client, f"/researchers/{ada.openalex_id}/feed.atom").entries] == ["Mine"]


def test_hostile_names_and_titles_stay_text_in_feeds(client: Client) -> None:
    evil = f.researcher('<b>Bold</b> & "Co" \u202eliving')
    f.work([evil], title="<script>alert(1)</script>\x0b title")
    response = client.get(f"/researchers/{evil.openalex_id}/feed.atom")
    assert b"<script>" not in response.content and b"<b>" not in response.content
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.title_detail.type == "text/plain"
    assert entry.title == "<script>alert(1)</script> title"  # text, the control character dropped
    # The right-to-left override stays inside an isolate (FSI … PDI).
    assert entry.authors[0].name == '\u2068<b>Bold</b> & "Co" \u202eliving\u2069'


def test_feed_ids_answer_like_the_profile(client: Client) -> None:
    ada = f.researcher("Ada Moved")
    ResearcherAlias.objects.create(openalex_id="A5000000077", researcher=ada, reason="merged")
    moved = client.get("/researchers/A5000000077/feed.atom")
    assert moved.status_code == 301 and moved["Location"] == f"/researchers/{ada.openalex_id}/feed.atom"
    assert client.get("/researchers/A5999999998/feed.atom").status_code == 404
    assert client.get("/researchers/not-an-id/feed.atom").status_code == 404
    gone = f.researcher("Gone Record", record_status=Researcher.RecordStatus.DELETED)
    assert client.get(f"/researchers/{gone.openalex_id}/feed.atom").status_code == 410


def test_the_profile_links_its_feed_in_its_head(client: Client) -> None:
    ada = f.researcher("Ada Linked")
    html = client.get(f"/researchers/{ada.openalex_id}/").content.decode()
    head = html[: html.index("</head>")]
    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/researchers/{ada.openalex_id}/feed.atom"' in head
    )


def test_a_researchers_feed_is_served_from_the_cache_until_it_changes(
    client: Client, django_assert_num_queries
) -> None:
    ada = f.researcher("Ada Cached")
    f.work([ada], title="First work")
    url = f"/researchers/{ada.openalex_id}/feed.atom"
    feed_of(client, url)
    for visitor in (client, Client()):
        with django_assert_num_queries(1):  # the stamp; the feed comes from Redis
            assert feed_of(visitor, url).entries[0].title == "First work"
    with transaction.atomic():
        Researcher.objects.filter(pk=ada.pk).update(display_name="Ada Renamed")  # moves the stamp
    assert feed_of(client, url).feed.title == "Ada Renamed · BZPEER"
    hidden = ada.works.get()
    HiddenWork.objects.create(researcher=ada, work=hidden, reason="other")
    assert feed_of(client, url).entries == []


def test_a_signed_in_visitor_gets_the_same_cached_feed(client: Client, stranger, django_assert_num_queries) -> None:
    ada = f.researcher("Ada Everyone")
    f.work([ada])
    url = f"/researchers/{ada.openalex_id}/feed.atom"
    feed_of(Client(), url)
    client.force_login(stranger)
    with django_assert_num_queries(2):  # the session with its account (the headers' middleware), the stamp
        response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private"


def test_the_private_feed_lists_works_of_followed_researchers(client: Client, stranger, settings) -> None:
    ada, bo, other = f.researcher("Ada Private"), f.researcher("Bo Private"), f.researcher("Other")
    f.work([ada], year=2021, title="Ada's")
    f.work([bo], year=2024, title="Bo's")
    f.work([other], title="Not followed")
    Follow.objects.create(user=stranger, researcher=ada)
    Follow.objects.create(user=stranger, researcher=bo)
    token = subscription_for(stranger.pk).feed_token
    feed = feed_of(Client(), f"/following/feed/{token}.atom")  # a feed reader: no session
    assert [e.title for e in feed.entries] == ["Bo's", "Ada's"]
    assert feed.feed.id == f"{settings.SITE_URL}/following/feed/{token}.atom"
    assert feed.feed.link == f"{settings.SITE_URL}/following/"


def test_a_wrong_or_reset_token_is_a_404_that_tells_nothing(client: Client, stranger, verified_user) -> None:
    token = subscription_for(stranger.pk).feed_token
    other = subscription_for(verified_user.pk).feed_token
    feed_token_reset(stranger.pk)
    reset = client.get(f"/following/feed/{token}.atom")
    wrong = client.get(f"/following/feed/{'x' * 43}.atom")
    assert reset.status_code == wrong.status_code == 404
    # The same page, but for the address asked for (the header's log-in link carries it back)
    # and the CSRF token (masked anew for every response).
    def page(response: Any, asked: str) -> bytes:
        return re.sub(rb'"x-csrftoken": "\w+"', b"", response.content.replace(asked.encode(), b"TOKEN"))

    assert page(reset, token) == page(wrong, "x" * 43)
    assert stranger.email.encode() not in reset.content and b"stranger" not in reset.content
    assert client.get(f"/following/feed/{'x' * 500}.atom").status_code == 404
    assert client.get(f"/following/feed/{other}.atom").status_code == 200
    assert Subscription.objects.get(user=stranger).feed_token != token


def test_a_feed_is_answered_without_redis(client: Client) -> None:
    """The cache only saves time: with Redis unreachable the feed is rendered (and stored nowhere)."""
    from tests.redis_outage import free_port, redis_at

    ada = f.researcher("Ada Offline")
    f.work([ada], title="Still served")
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):
        for _ in range(2):
            assert feed_of(client, f"/researchers/{ada.openalex_id}/feed.atom").entries[0].title == "Still served"
