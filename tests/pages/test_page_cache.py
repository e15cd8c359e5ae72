"""Anonymous profile pages from the cache: a hit costs one query, and every change to what
the page shows is seen at once (pages.page_cache)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.test import Client, RequestFactory

from claims.models import ProfileCorrection
from graph.models import TrustSnapshot
from pages import page_cache
from profiles.models import Follow, Researcher
from tests import cast
from tests import factories as f
from tests.pages.test_profile_views import text_of
from works.models import HiddenWork, Work

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Researcher:
    person = f.researcher("Cached Person", generated_bio="Works mainly on Caching.")
    partner = f.researcher("Partner Person")
    for year in (2023, 2024):
        f.work([person, partner], year=year, title=f"Cached work {year}")
    f.give_topic(person, f.topic("Topic A"), rank=1)
    f.edges()
    f.snapshot(person)
    return person


def page(client: Client, researcher: Researcher, query: str = "") -> str:
    return client.get(f"/researchers/{researcher.openalex_id}/{query}").content.decode()


def profile_lookup(researcher: Researcher) -> page_cache.Lookup:
    found = page_cache.lookup(
        RequestFactory().get(f"/researchers/{researcher.openalex_id}/"), page_cache.PROFILE, researcher.openalex_id
    )
    assert found is not None
    return found


def test_a_second_anonymous_visit_is_one_query_and_the_same_page(
    client: Client, lead: Researcher, django_assert_num_queries
) -> None:
    first = page(client, lead)
    with django_assert_num_queries(1):
        response = client.get(f"/researchers/{lead.openalex_id}/")
    second = response.content.decode()
    assert first == second and "csrf-marker-" not in second
    assert response["Vary"].count("HX-Request") == 1 and "Cookie" in response["Vary"]
    # Nothing on an anonymous profile posts: a first-time visitor gets no token, no cookie.
    assert 'data-hx-headers=\'{"x-csrftoken": ""}\'' in second and "csrftoken" not in response.cookies


def test_a_visitor_with_a_csrf_cookie_gets_a_working_token_in_a_cached_page(lead: Researcher, stranger) -> None:
    Client().get(f"/researchers/{lead.openalex_id}/")  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/accounts/login/")  # the log-in form hands out the cookie
    html = page(visitor, lead)
    token = re.search(r'"x-csrftoken": "([^"]+)"', html).group(1)
    assert token
    visitor.force_login(stranger)
    response = visitor.post(f"/researchers/{lead.openalex_id}/follow/", {"action": "follow"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302 and Follow.objects.filter(user=stranger).exists()


@pytest.mark.parametrize("kind", ["profile", "co-author stub", "work"])
def test_a_forged_host_never_reaches_the_next_visitor(lead: Researcher, settings, kind: str) -> None:
    """Whatever Host a visitor sends (here one ALLOWED_HOSTS accepts), the cached page names
    SITE_URL's host only, in its canonical link and its JSON-LD."""
    settings.SITE_URL = "https://bzpeer.example.org"
    paths = {
        "profile": f"/researchers/{lead.openalex_id}/",
        "co-author stub": f"/researchers/{f.stub('Stub Person').openalex_id}/",
        "work": f"/works/{Work.objects.get(title='Cached work 2024').openalex_id}/",
    }
    path = paths[kind]
    forged = Client().get(path, HTTP_HOST="localhost:8080").content.decode()
    normal = Client().get(path).content.decode()
    for html in (forged, normal):
        assert f'<link rel="canonical" href="https://bzpeer.example.org{path}">' in html
        assert "localhost" not in html and "testserver" not in html
        assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # absolute links: SITE_URL's
    if kind != "work":
        jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', normal, re.S).group(1))
        assert jsonld["url"] == f"https://bzpeer.example.org{path}"


PLACEHOLDER_BIO = "My token is @@csrf-token-of-the-visitor@@ and csrf-marker-0123456789abcdef0123456789abcdef."


def test_a_bio_containing_the_csrf_placeholder_shows_literally_and_no_token_leaks(lead: Researcher) -> None:
    """The token goes only where the template put it: an owner cannot make the cached page
    show each visitor their own CSRF token (or erase text) by writing the marker."""
    Researcher.objects.filter(pk=lead.pk).update(owner_bio=PLACEHOLDER_BIO)
    first = page(Client(), lead)  # renders and stores
    visitor = Client()
    visitor.get("/accounts/login/")  # now holds a CSRF cookie
    second = page(visitor, lead)  # from the cache, with the visitor's token put in
    for html in (first, second):
        bio = re.search(r'<p class="bio"><bdi>(.*?)</bdi></p>', html, re.S).group(1)
        assert unescape(bio) == PLACEHOLDER_BIO
    token = re.search(r'data-hx-headers=\'\{"x-csrftoken": "([^"]*)"\}\'', second).group(1)
    assert len(token) == 64 and second.count(token) == 1  # on <body data-hx-headers> only


CHANGES: dict[str, Callable[[Researcher], str]] = {}


def change(name: str):
    def register(fn: Callable[[Researcher], str]) -> Callable[[Researcher], str]:
        CHANGES[name] = fn
        return fn

    return register


@change("owner bio")
def _bio(r: Researcher) -> str:
    Researcher.objects.filter(pk=r.pk).update(owner_bio="A bio the owner wrote.")
    return "A bio the owner wrote."


@change("follow")
def _follow(r: Researcher) -> str:
    Follow.objects.create(user=cast.verified_user("fan"), researcher=r)
    return "1 follower"


@change("trust snapshot")
def _trust(r: Researcher) -> str:
    TrustSnapshot.objects.filter(researcher=r).update(is_current=False)
    f.snapshot(r, score=47.0, tier="established")
    return "Trust 47 · Established"


def after_import(*researchers: Researcher) -> None:
    """What every import does for the researchers it touched: edges, then trust."""
    from graph.tasks import refresh_after_import

    refresh_after_import([r.pk for r in researchers], inline=True)


@change("new work (import, then its trust recompute)")
def _work(r: Researcher) -> str:
    f.work([r], year=2025, title="A brand new work")
    after_import(r)
    return "A brand new work"


@change("hidden work")
def _hidden(r: Researcher) -> str:
    HiddenWork.objects.create(researcher=r, work=Work.objects.get(title="Cached work 2023"), reason="not_mine")
    return "1 published item(s)"


@change("claim approved")
def _claim(r: Researcher) -> str:
    cast.owner(r, "me")
    return "Claimed"


@change("owner correction")
def _correction(r: Researcher) -> str:
    # The correction row alone (its history shows on the page) must move the stamp.
    ProfileCorrection.objects.create(researcher=r, kind="bio", old_value="", new_value="x")
    return ""


@change("affiliation")
def _affiliation(r: Researcher) -> str:
    f.affiliate(r, f.institution("Fresh Institute"), [2025], current=True)
    return "Fresh Institute"


@change("topic")
def _topic(r: Researcher) -> str:
    f.give_topic(r, f.topic("Fresh Topic"), rank=2)
    return "Fresh Topic"


@change("new co-authors (import, then edges and trust)")
def _edges(r: Researcher) -> str:
    partner = Researcher.objects.get(display_name="Partner Person")
    third = f.researcher("Third Person")
    f.work([r, partner, third], year=2025)
    f.work([r, third], year=2025)
    after_import(r, partner, third)
    return "2 close collaborators"


@pytest.mark.parametrize("name", list(CHANGES))
def test_every_change_to_what_the_page_shows_is_seen_at_once(client: Client, lead: Researcher, name: str) -> None:
    before = page(client, lead)
    key = profile_lookup(lead).key
    with transaction.atomic():  # its own (sub)transaction, as every real change has
        expected = CHANGES[name](lead)
    after_key = profile_lookup(lead).key
    assert after_key != key, f"{name} does not move the page stamp"
    after = page(client, lead)
    if expected:
        assert expected not in text_of(before) and expected in text_of(after)


def test_what_the_stamp_does_not_see_expires_with_the_cache(client: Client, lead: Researcher) -> None:
    """A work title corrected in OpenAlex moves no trust input and no counted row: the cached
    page keeps the old title until the entry expires (PAGE_CACHE_SECONDS)."""
    page(client, lead)
    found = profile_lookup(lead)
    assert found is not None and found.key is not None and found.stored is not None
    assert 0 < page_cache._redis().ttl(found.key) <= page_cache.CACHE_SECONDS
    with transaction.atomic():
        Work.objects.filter(title="Cached work 2024").update(title="Renamed work")
    assert "Renamed work" not in page(client, lead)


def test_signed_in_visitors_get_the_cached_page_with_their_own_parts(
    client: Client, lead: Researcher, stranger, django_assert_num_queries
) -> None:
    """Was 11 queries (a full render) before signed-in visitors shared the cached page."""
    anonymous = page(client, lead)  # anonymous: cached
    client.force_login(stranger)
    for _ in range(2):
        # the session with its user, and the stamp with everything about (stranger, lead)
        with django_assert_num_queries(2):
            html = page(client, lead)
        assert ">Follow researcher</button>" in html and "Log in" not in html and "viewer-part-" not in html
    assert "Log in" in anonymous and "viewer-part-" not in anonymous


def test_each_url_is_its_own_page(client: Client, lead: Researcher) -> None:
    assert "Showing 1–1 of 1 matching" in page(client, lead, "?year=2023")
    assert "Showing 1–2 of 2" in page(client, lead)


def test_pending_messages_are_shown_not_cached(client: Client, lead: Researcher) -> None:
    page(client, lead)
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, "You have been logged out.")
    response = client.get("/")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    html = page(client, lead)
    assert "You have been logged out." in html


def test_the_cache_can_be_turned_off(client: Client, lead: Researcher, settings, django_assert_num_queries) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    page(client, lead)
    with django_assert_num_queries(8):  # the profile's 7 (works with their authors) and the stamp
        page(client, lead)


def test_the_code_digest_covers_every_app_the_page_reads(tmp_path, settings) -> None:
    """A release that changes graph, works or claims code must not serve pages the previous
    release rendered: the digest reads every app folder of ours, not just pages/."""
    from tests.test_layers import our_apps

    assert set(our_apps()) | {"templates", "bzpeer"} <= set(page_cache.PAGE_CODE_FOLDERS)
    for folder in page_cache.PAGE_CODE_FOLDERS:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "module.py").write_text("X = 1\n")
    settings.BASE_DIR = tmp_path
    page_cache._code_version.cache_clear()
    try:
        before = page_cache._code_version()
        (tmp_path / "graph" / "module.py").write_text("X = 2\n")
        page_cache._code_version.cache_clear()
        assert page_cache._code_version() != before
    finally:
        page_cache._code_version.cache_clear()
