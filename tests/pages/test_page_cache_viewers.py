"""Signed-in visitors share the cached profile and work pages (core/page_cache.py, viewer
parts): whoever fills the cache, each visitor gets their own header, unread count, follow
state, claim part, collaboration card and invitation control, staff controls and CSRF
token, never another's; the stored page holds nobody's. One shared cache: the real Redis."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client, RequestFactory

from bzpeer.cache import redis_client
from collaboration.models import Invitation
from core.page_cache import KEY_VERSION
from pages import page_cache
from profiles.models import Follow, Researcher
from tests import cast
from tests import factories as f
from tests.collaboration.conftest import Collab, invite, make_collab
from tests.pages.test_page_cache import profile_lookup
from works.models import Work
from works.selectors import AUTHORS_SHOWN

pytestmark = pytest.mark.django_db

VIEWERS = ("anonymous", "ada", "bo", "blocked", "no_claim", "claimant", "staff")


def client_of(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def who(html: str) -> str | None:
    """The account name the header shows, None when nobody is signed in."""
    found = re.search(r'<a class="who" href="[^"]*">(.*?)</a>', html)
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else None


def unread(html: str) -> int:
    found = re.search(r'id="unread-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def token(html: str) -> str:
    return re.search(r'data-hx-headers=\'\{"x-csrftoken": "([^"]*)"\}\'', html).group(1)


def section(html: str, element_id: str) -> str:
    return re.search(rf'<section class="card" id="{element_id}".*?</section>', html, re.S).group(0)


@pytest.fixture
def collab(record: Researcher) -> Collab:
    return make_collab(record)


@pytest.fixture
def cast_of(collab: Collab) -> dict[str, Any]:
    """The viewers of Bo's profile: Bo owns it and has an invitation waiting from Ada, who
    follows it; a user Bo blocked; a user without a record; someone with a claim waiting on
    it; staff; and nobody."""
    invite(collab)  # Ada -> Bo: pending (Bo's unread count 1, Ada's card names it)
    Follow.objects.create(user=collab.ada, researcher=collab.bo_record)
    return {
        "anonymous": None,
        "ada": collab.ada,
        "bo": collab.bo,
        "blocked": collab.blocked,
        "no_claim": collab.no_claim,
        "claimant": cast.claimant(collab.bo_record, "bo_claimant"),
        "staff": collab.staff,
    }


def check_parts(name: str, html: str, c: Collab) -> None:
    """What each viewer, and only they, sees on Bo's profile."""
    identity, card = section(html, "identity"), section(html, "direct-collaboration")
    expected_who = {"anonymous": None, "ada": "Ada Example", "bo": "Bo Colleague", "blocked": "Blocked Person"}
    assert who(html) == expected_who.get(name, "Your account"), name
    assert unread(html) == (1 if name == "bo" else 0), name
    assert ("Log out" in html) == (name != "anonymous"), name
    # Follow state: only Ada follows; the anonymous box is a link to log in; Bo's says it is his own.
    assert ("✓ Following" in html) == (name == "ada"), name
    assert (">Follow researcher</button>" in html) == (name not in ("ada", "anonymous", "bo")), name
    assert ("<strong>This is your profile</strong>" in html) == (name == "bo"), name
    # The claim part of the identity card.
    assert ("This is your record." in identity) == (name == "bo"), name
    assert ("Your claim on this record is" in identity) == (name == "claimant"), name
    assert ("Log in to dispute the claim" in identity) == (name == "anonymous"), name
    # The collaboration card and its invitation control.
    assert ("You are open to invitations." in card) == (name == "bo"), name
    assert ("An invitation between you is waiting" in card) == (name == "ada"), name
    pending = Invitation.objects.get(sender=c.ada).pk
    assert (f"/invitations/{pending}/" in card) == (name == "ada"), name
    assert ("not open to collaboration invitations" in card) == (name == "blocked"), name
    assert ("claim your own record first" in card) == (name in ("no_claim", "claimant", "staff")), name
    assert ("to invite this researcher" in card) == (name == "anonymous"), name
    # Staff-only controls.
    assert ("Re-import from OpenAlex" in html) == (name == "staff"), name
    assert (">Moderation</a>" in html) == (name == "staff"), name
    assert "viewer-part-" not in html and "csrf-marker-" not in html


@pytest.mark.parametrize("first", ["anonymous", "ada", "staff", "bo"])
def test_every_viewer_gets_their_own_parts_whoever_filled_the_cache(
    first: str, collab: Collab, cast_of: dict[str, Any], django_assert_num_queries
) -> None:
    path = f"/researchers/{collab.bo_record.openalex_id}/"
    clients = {name: client_of(user) for name, user in cast_of.items()}
    pages = {first: clients[first].get(path).content.decode()}  # renders and stores
    stored = profile_lookup(collab.bo_record).stored
    assert stored is not None
    for name in VIEWERS:
        if name == first:
            continue
        # From the cache: the stamp (signed in: the session with its user, and the stamp with the
        # viewer parts' reads in one query).
        with django_assert_num_queries(1 if name == "anonymous" else 2):
            pages[name] = clients[name].get(path).content.decode()
    for name, html in pages.items():
        check_parts(name, html, collab)
    # Each signed-in viewer has a token of their own; nobody's shows in another's page.
    tokens = {name: token(html) for name, html in pages.items()}
    assert tokens["anonymous"] == "" and all(tokens[n] for n in VIEWERS if n != "anonymous")
    for name, html in pages.items():
        for other in VIEWERS:
            if other not in (name, "anonymous"):
                assert tokens[other] not in html, (name, other)
    # The stored page is the anonymous one: no one's name, count, state or token.
    body = stored.decode()
    assert "Log out" not in body and 'class="who"' not in body and "Re-import" not in body
    assert "✓ Following" not in body and "This is your record." not in body and "unread-count" not in body
    assert all(tokens[n] not in body for n in VIEWERS if n != "anonymous")


def test_the_token_in_a_cached_page_is_the_viewers_own_and_posts(collab: Collab, cast_of: dict[str, Any]) -> None:
    """A signed-in visitor without a CSRF cookie yet gets one with the page, and the token in
    the page works for them (the follow button's htmx header), not for anyone else."""
    record = collab.bo_record
    path = f"/researchers/{record.openalex_id}/"
    client_of(collab.ada).get(path)  # Ada fills the cache
    stranger = client_of(collab.no_claim)
    html = stranger.get(path).content.decode()
    mine = token(html)
    assert mine and "csrftoken" in stranger.cookies
    follow = f"/researchers/{record.openalex_id}/follow/"
    other = client_of(collab.blocked)
    other.get(path)
    refused = other.post(follow, {"action": "follow"}, HTTP_X_CSRFTOKEN=mine)  # someone else's token
    assert refused.status_code == 403 and not Follow.objects.filter(user=collab.blocked).exists()
    response = stranger.post(follow, {"action": "follow"}, HTTP_X_CSRFTOKEN=mine, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "✓ Following" in response.content.decode()
    assert Follow.objects.filter(user=collab.no_claim, researcher=record).exists()


def test_a_follow_shows_at_once_for_the_follower_and_in_the_count_for_everyone(
    collab: Collab, cast_of: dict[str, Any]
) -> None:
    """Following moves the stamp (profiles_follow): the next page of each viewer, from a new
    stored page, shows the new count, and the follow state only to the follower."""
    record = collab.bo_record
    path = f"/researchers/{record.openalex_id}/"
    stranger, other = client_of(collab.no_claim), client_of(collab.blocked)
    assert '>1</span><span class="visually-hidden"> follower<' in stranger.get(path).content.decode()
    Follow.objects.create(user=collab.no_claim, researcher=record)
    mine, theirs = stranger.get(path).content.decode(), other.get(path).content.decode()
    assert "✓ Following" in mine and "✓ Following" not in theirs
    for html in (mine, theirs):
        assert '>2</span><span class="visually-hidden"> followers<' in html


def test_a_stub_page_gives_staff_their_import_button_and_nobody_else(
    client: Client, collab: Collab, django_assert_num_queries
) -> None:
    stub = f.stub("Stub Person")
    f.work([collab.bo_record, stub])
    path = f"/researchers/{stub.openalex_id}/"
    staff, stranger = client_of(collab.staff), client_of(collab.no_claim)
    first = staff.get(path).content.decode()
    with django_assert_num_queries(2):  # the session with its user; the stamp with the viewer's parts
        second = stranger.get(path).content.decode()
    assert "Import this researcher from OpenAlex" in first and ">Moderation</a>" in first
    assert "Import this researcher from OpenAlex" not in second and who(second) == "Your account"
    assert "Import this researcher" not in client.get(path).content.decode()


def test_a_cached_work_page_shows_each_signed_in_visitor_their_own_header(
    collab: Collab, cast_of: dict[str, Any], django_assert_num_queries
) -> None:
    work = Work.objects.get(title="A shared work")
    path = f"/works/{work.openalex_id}/"
    pages = {"ada": client_of(collab.ada).get(path).content.decode()}  # Ada fills the cache
    for name in ("bo", "anonymous", "staff"):
        client = client_of(cast_of[name])
        with django_assert_num_queries(1 if name == "anonymous" else 2):  # + the session with its user
            pages[name] = client.get(path).content.decode()
    assert who(pages["ada"]) == "Ada Example" and unread(pages["ada"]) == 0
    assert who(pages["bo"]) == "Bo Colleague" and unread(pages["bo"]) == 1
    assert who(pages["anonymous"]) is None and "Log in" in pages["anonymous"]
    assert ">Moderation</a>" in pages["staff"] and ">Moderation</a>" not in pages["bo"]
    assert token(pages["ada"]) not in pages["bo"]


def test_a_fill_that_leaves_out_a_part_is_an_error_never_the_anonymous_part(collab: Collab) -> None:
    record: Researcher = collab.bo_record
    client_of(None).get(f"/researchers/{record.openalex_id}/")
    lookup = profile_lookup(record)
    assert lookup.stored is not None and f":{KEY_VERSION}:" in (lookup.key or "")
    request = client_of(None).get("/").wsgi_request
    with pytest.raises(KeyError):
        page_cache.respond(request, lookup.stored, fill=lambda names: {})


def without_tokens(html: str) -> str:
    """The page with every CSRF token (masked anew for each request) blanked."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'"x-csrftoken": "[^"]*"', '"x-csrftoken": ""', html)


@pytest.mark.parametrize("path_of", ["profile", "stub", "work"])
def test_each_viewer_gets_from_the_cache_exactly_the_page_a_full_render_gives_them(
    path_of: str, collab: Collab, cast_of: dict[str, Any], settings
) -> None:
    """The filled parts (rendered together, pages.views; their {% url %}s remembered,
    core/templatetags/cached_url.py) are, byte for byte, what the whole page rendered for
    that viewer holds, for every viewer of the cast; only the CSRF tokens differ."""
    stub = f.researcher("Stub Person", record_status=Researcher.RecordStatus.STUB)
    work = f.work([collab.bo_record, stub], title="A work both are on")
    path = {
        "profile": f"/researchers/{collab.bo_record.openalex_id}/",
        "stub": f"/researchers/{stub.openalex_id}/",
        "work": f"/works/{work.openalex_id}/",
    }[path_of]
    clients = {name: client_of(user) for name, user in cast_of.items()}
    clients["ada"].get(path)  # fills the cache
    cached = {name: client.get(path).content.decode() for name, client in clients.items()}
    assert page_cache.lookup(RequestFactory().get(path), *lookup_args(path_of, collab, stub, work)).stored
    settings.PAGE_CACHE_SECONDS = 0  # the cache off: every page rendered whole for its viewer
    for name, client in clients.items():
        rendered = client.get(path).content.decode()
        assert "viewer-part-" not in cached[name]
        assert without_tokens(cached[name]) == without_tokens(rendered), name


def lookup_args(path_of: str, collab: Collab, stub: Researcher, work: Work) -> tuple[Any, ...]:
    if path_of == "work":
        return (page_cache.WORK, work.openalex_id, -1, AUTHORS_SHOWN)
    return (page_cache.PROFILE, (collab.bo_record if path_of == "profile" else stub).openalex_id)


@pytest.mark.parametrize("order", [1, -1])
def test_parts_rendered_together_are_what_each_renders_alone(order: int, collab: Collab) -> None:
    """page_cache.render_parts runs the context processors once for all the parts; each part
    comes out as render_to_string gives it alone, in either order."""
    from django.template.loader import render_to_string

    from collaboration import selectors as collaboration_selectors
    from pages.selectors import profile_viewer
    from pages.views import _PROFILE_PARTS

    client = client_of(collab.ada)
    request = client.get(f"/researchers/{collab.bo_record.openalex_id}/").wsgi_request
    researcher = profile_viewer(collab.ada, collab.bo_record.openalex_id).researcher
    context = {
        "researcher": researcher, "account_name": "Ada Example", "can_import": False,
        "card": collaboration_selectors.card(collab.ada, researcher), "csrf_token": "the-token",
    }
    names = list(_PROFILE_PARTS)[::order]
    together = page_cache.render_parts(request, {name: _PROFILE_PARTS[name] for name in names}, context)
    assert list(together) == names
    for name in names:
        assert together[name] == render_to_string(_PROFILE_PARTS[name], context, request), name
    assert "the-token" in together["nav"] and "Ada Example" in together["nav"]


def redis_calls(command: str) -> int:
    stats = redis_client().info("commandstats").get(f"cmdstat_{command}", {})
    return int(stats.get("calls", 0))


@pytest.mark.parametrize("kind", ["profile", "work"])
def test_a_signed_in_hit_reads_the_page_and_the_unread_count_in_one_redis_round_trip(
    kind: str, collab: Collab, cast_of: dict[str, Any]
) -> None:
    """Counted by the real Redis server (INFO commandstats): one MGET (the page, the unread
    count's stamp) and nothing else; the anonymous hit one GET."""
    work = Work.objects.get(title="A shared work")
    path = f"/works/{work.openalex_id}/" if kind == "work" else f"/researchers/{collab.bo_record.openalex_id}/"
    bo, anonymous = client_of(collab.bo), client_of(None)
    assert unread(bo.get(path).content.decode()) == 1  # fills the cache and the stamp
    for client, gets, mgets in ((bo, 0, 1), (anonymous, 1, 0)):
        redis_client().config_resetstat()
        html = client.get(path).content.decode()
        assert (redis_calls("get"), redis_calls("mget")) == (gets, mgets)
        assert unread(html) == (1 if client is bo else 0) and "viewer-part-" not in html
