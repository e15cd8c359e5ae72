"""The headers and markup every page keeps (issue 11, "Headers"): an enforcing
Content-Security-Policy that the HTML can live with (no inline script, event handler, style or
``javascript:`` URL), ``Cache-Control: private`` for signed-in visitors, HEAD wherever GET is,
and record text isolated for bidirectional display.

The tests walk the whole URLconf: :data:`SAMPLES` names a URL for every route of our apps and
of allauth (admin routes are filled in generically), and each route is requested by every role
of the cast. A route added later without a sample fails
:func:`test_every_route_of_ours_has_a_sample`, so every new page is held to the same policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from claims import corrections
from claims.models import Claim, ClaimAuditEvent
from collaboration import services as collaboration_services
from following import services as following_services
from graph.similar import similar_researchers_refresh
from profiles.bidi import FSI, PDI
from profiles.models import Follow, Researcher
from tests import cast
from tests import factories as f
from works.models import ImportJob, SnapshotSync, SnapshotTask, Work

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, left open: reverses everything after it to the end of the line
ISOLATE_OPENERS = "\u2066\u2067\u2068"  # LRI, RLI, FSI


# --- The site: every kind of record, each text field carrying a right-to-left override -------------


@dataclass
class Site:
    record: Researcher
    stub: Researcher
    topic: str
    institution: str
    work: Work
    claim: Claim
    job: ImportJob
    correction: int
    users: dict[str, Any]  # role -> user (None: anonymous)
    gone: Researcher | None = None  # a record OpenAlex deleted (its page answers 410)
    feed_token: str = ""  # the stranger's private feed (they follow the record)
    unsubscribe_token: str = ""  # the stranger's digest unsubscribe link
    colleague: Researcher | None = None  # shares two works with the record
    collab: dict[str, Any] = field(default_factory=dict)  # invitation, conversation, report ids; token
    sync: int = 0  # a snapshot sync with a failed part


def hostile(text: str) -> str:
    """``text`` with an unclosed RIGHT-TO-LEFT OVERRIDE in the middle."""
    head, _, tail = text.partition(" ")
    return f"{head} {RLO}{tail}"


@pytest.fixture
def site(db, settings) -> Site:
    # ORCID sign-in configured, as in production: its pages answer instead of failing.
    settings.SOCIALACCOUNT_PROVIDERS = {
        "orcid": {"BASE_DOMAIN": "orcid.org", "APPS": [{"client_id": "APP-TEST", "secret": "s3cret", "key": ""}]}
    }
    record = f.record(name=hostile("Ada Example"))
    Researcher.objects.filter(pk=record.pk).update(
        display_name_alternatives=[hostile("A. Example")], generated_bio=hostile("Works on examples.")
    )
    record.refresh_from_db()
    place = f.institution(hostile("Hostile University"))
    f.affiliate(record, place, [2024, 2025], current=True)
    topic = f.topic(
        hostile("Deep Topic"),
        field=hostile("Computer Science"),
        subfield=hostile("Machine Learning"),
        domain=hostile("Physical Sciences"),
        description=hostile("About deep things."),
    )
    f.give_topic(record, topic, rank=1, works_count=2)
    f.topic(hostile("Example Methods"))  # the search sample finds every kind of result for "example"
    stub = f.stub(hostile("Stub Person"))
    gone = f.researcher(hostile("Gone Person"), record_status=Researcher.RecordStatus.DELETED)
    colleague = f.researcher(hostile("Close Colleague"))
    f.affiliate(colleague, place, [2025], current=True)
    venue = f.source(hostile("Journal of Reversals"))
    work = f.work(
        [record, colleague, stub],
        title=hostile("A reversed title"),
        abstract=hostile("An abstract that reverses."),
        source=venue,
        doi="10.5555/bidi.1",
        landing_page_url="javascript:alert(1)",
    )
    f.tag(work, topic)
    f.work([record, colleague], title=hostile("Second shared work"), venue_name=hostile("Venue by name"))
    # A second page of works, so that the profile shows its pager (both ends of it).
    for year in range(2000, 2020):
        f.work([record], year=year)
    f.edges()
    # A researcher like the record (two shared topics), for the similar-researchers list.
    second = f.topic(hostile("Second Topic"))
    f.give_topic(record, second, rank=2, works_count=1)
    peer = f.researcher(hostile("Peer Person"))
    f.give_topic(peer, topic, rank=1, works_count=3)
    f.give_topic(peer, second, rank=2, works_count=3)
    similar_researchers_refresh()
    f.snapshot(record)

    owner = cast.owner(record)
    staff = cast.staff()
    claimant = cast.claimant(record, note=hostile("My note."), evidence_url="https://www.example.edu/people/ada")
    claim = Claim.objects.get(user=claimant)
    ClaimAuditEvent.objects.create(
        kind=ClaimAuditEvent.Kind.SUBMITTED, claim=claim, researcher=record, actor=claimant, message=hostile("A note.")
    )
    corrections.profile_update(
        owner=owner, researcher_id=record.pk, bio=hostile("My own bio."), preferred_name=hostile("Ada Preferred")
    )
    hidden = f.work([record], title=hostile("Not my work"))
    correction = corrections.work_hide(
        owner=owner, researcher_id=record.pk, work_id=hidden.pk, reason="other", note=hostile("Wrong person.")
    )
    job = ImportJob.objects.create(query=hostile("Ada Example"), status="done", researcher=record, requested_by=staff)
    sync = SnapshotSync.objects.create(root=hostile("/data/openalex"), state="failed", message=hostile("Done."))
    SnapshotTask.objects.create(
        sync=sync, entity="works", partition=date(2025, 1, 1), path=hostile("data/works/part_000.gz"),
        state="failed", last_error=hostile("1 problem(s):\npart_000.gz:4: invalid JSON"),
    )
    stranger = cast.stranger()
    Follow.objects.create(user=stranger, researcher=record)
    Follow.objects.create(user=stranger, researcher=colleague)
    Follow.objects.create(user=owner, researcher=colleague)  # the browser gate opens /following/ as the owner
    # Direct collaboration: the colleague's owner invited the record's owner, who accepted; a
    # message and a report of the conversation.
    Researcher.objects.filter(pk__in=[record.pk, colleague.pk]).update(open_to_collaborate=True)
    colleague_owner = cast.owner(colleague, "colleague_owner")
    invitation = collaboration_services.invitation_send(
        sender=colleague_owner,
        recipient_record_id=record.pk,
        subject=hostile("Work together?"),
        message=hostile("On reversed titles."),
    )
    chat = collaboration_services.invitation_accept(user=owner, invitation_id=invitation.pk)
    collaboration_services.message_send(sender=colleague_owner, conversation_id=chat.pk, body=hostile("Hello there."))
    report = collaboration_services.report_file(reporter=owner, reason="spam", conversation_id=chat.pk)
    return Site(
        record=record,
        stub=stub,
        topic=topic.openalex_id,
        institution=place.openalex_id,
        work=work,
        claim=claim,
        job=job,
        sync=sync.pk,
        correction=correction.pk,
        users={
            "anonymous": None,
            "stranger": stranger,
            "claimant": claimant,
            "owner": owner,
            "staff": staff,
        },
        gone=gone,
        feed_token=following_services.subscription_for(stranger.pk).feed_token,
        unsubscribe_token=following_services.unsubscribe_token(stranger.pk),
        colleague=colleague,
        collab={
            "invitation": invitation.pk,
            "conversation": chat.pk,
            "report": report.pk,
            "token": collaboration_services.unsubscribe_token(owner.pk),
        },
    )


# --- One sample URL per route ------------------------------------------------------------------------


def samples(site: Site) -> dict[str, list[str]]:
    """A URL (or several) for every route of our apps and of allauth, keyed by the route as
    the URLconf spells it."""
    a, s = site.record.openalex_id, site.stub.openalex_id
    claim, work = site.claim.pk, site.work.pk
    inv, chat, report = (site.collab.get(k, 1) for k in ("invitation", "conversation", "report"))
    token = site.collab.get("token", "token")
    gone = [f"/researchers/{site.gone.openalex_id}/"] if site.gone else []
    return {
        "healthz": ["/healthz"],
        # pages
        "": [
            "/", f"/?q={hostile('Ada Example')}", "/?q=nobody", "/?q=example", "/?q=work&kind=works&page=2",
            f"/?topic={site.topic}&claimed=yes&level=1", f"/?q=example&country=FR&institution={site.institution}",
            "/?q=10.5555/bidi.1", "/?q=10.5555/not-here", "/?q=example&page=abc", f"/?q={hostile('10.1/a b')}",
        ],
        "researchers/<str:openalex_id>/": [
            f"/researchers/{a}/", f"/researchers/{a}/?page=2", f"/researchers/{s}/", "/researchers/A5999999999/",
            # the works list sorted and filtered, and with values to drop
            f"/researchers/{a}/?sort=citations&year_from=2000&year_to=2030&type=article&topic={site.topic}",
            f"/researchers/{a}/?sort={hostile('title')}&year_from=%C2%B2&topic={hostile('T1')}&page=99",
            *gone,
        ],
        r"^researchers/(?P<openalex_id>https?:/{1,2}(?:www\.)?openalex\.org/[^/]+)/$": [
            f"/researchers/https://openalex.org/{a}/"
        ],
        "researchers/<str:openalex_id>/follow/": [f"/researchers/{a}/follow/"],
        "topics/<str:openalex_id>/": [f"/topics/{site.topic}/"],
        # citation exports (not HTML: the walker checks their headers)
        "researchers/<str:openalex_id>/works.bib": [
            f"/researchers/{a}/works.bib",
            f"/researchers/{a}/works.bib?type=article&year=2024&page=2",
            "/researchers/A5999999999/works.bib",
        ],
        "researchers/<str:openalex_id>/works.ris": [f"/researchers/{a}/works.ris", f"/researchers/{s}/works.ris"],
        "researchers/<str:openalex_id>/works.csl.json": [
            f"/researchers/{a}/works.csl.json?type={hostile('a b')}",
            *[f"{g}works.csl.json" for g in gone],
        ],
        "works/<str:openalex_id>/export.bib": [
            f"/works/{site.work.openalex_id}/export.bib",
            "/works/W5999999999/export.bib",
        ],
        "works/<str:openalex_id>/export.ris": [f"/works/{site.work.openalex_id}/export.ris"],
        "works/<str:openalex_id>/export.csl.json": [f"/works/{site.work.openalex_id}/export.csl.json"],
        # for crawlers
        # the JSON API (not HTML: the walker checks their headers; api/views.py)
        "api/v1/researchers/<openalex_id>": [
            f"/api/v1/researchers/{a}", "/api/v1/researchers/A5999999999", "/api/v1/researchers/x?y=1",
            *[f"/api/v1/researchers/{g.strip('/').split('/')[-1]}" for g in gone],
        ],
        "api/v1/researchers/<openalex_id>/works": [
            f"/api/v1/researchers/{a}/works?limit=2&sort=title", f"/api/v1/researchers/{a}/works?cursor=forged",
        ],
        "api/v1/researchers/<openalex_id>/coauthors": [f"/api/v1/researchers/{a}/coauthors"],
        "api/v1/researchers/<openalex_id>/graph": [f"/api/v1/researchers/{a}/graph"],
        "api/v1/works/<openalex_id>": [f"/api/v1/works/{site.work.openalex_id}", "/api/v1/works/W1"],
        "api/v1/search": [f"/api/v1/search?q={hostile('Ada Example')}", "/api/v1/search?q=10.5555/bidi.1"],
        "api/v1/openapi.json": ["/api/v1/openapi.json"],
        "api/v1/": ["/api/v1/"],  # django-ninja's root: 404 (no docs page)
        "robots.txt": ["/robots.txt"],
        "sitemap.xml": ["/sitemap.xml"],
        "sitemap-<slug:section>.xml": [
            "/sitemap-researchers.xml",
            "/sitemap-works.xml",
            "/sitemap-topics.xml",
            "/sitemap-institutions.xml",
            "/sitemap-works.xml?p=99999",
            "/sitemap-nothing.xml",
        ],
        "institutions/<str:openalex_id>/": [f"/institutions/{site.institution}/"],
        # works
        "works/<str:openalex_id>/": [f"/works/{site.work.openalex_id}/"],
        "imports/": ["/imports/"],
        "imports/<int:job_id>/": [f"/imports/{site.job.pk}/"],
        "imports/<int:job_id>/progress/": [f"/imports/{site.job.pk}/progress/"],
        "imports/snapshots/<int:sync_id>/": [f"/imports/snapshots/{site.sync}/"],
        "imports/snapshots/<int:sync_id>/progress/": [f"/imports/snapshots/{site.sync}/progress/"],
        # graph
        "researchers/<str:openalex_id>/graph-slice/": [f"/researchers/{a}/graph-slice/"],
        "researchers/<str:openalex_id>/graph/": [
            f"/researchers/{a}/graph/",
            f"/researchers/{a}/graph/?expand={a},A5999999999,%3Cb%3E&focus={a}&types=researcher&from=2020",
        ],
        "researchers/<str:openalex_id>/graph/expand/": [
            f"/researchers/{a}/graph/expand/?node={a}",
            f"/researchers/{a}/graph/expand/?node=A5999999999",
        ],
        "researchers/<str:openalex_id>/similar/": [f"/researchers/{a}/similar/", f"/researchers/{s}/similar/"],
        "researchers/<str:openalex_id>/coauthors/": [
            f"/researchers/{a}/coauthors/",
            f"/researchers/{a}/coauthors/?sort=name&page=2",  # past the end: empty, explained
            f"/researchers/{a}/coauthors/?sort={hostile('recent')}&page=%C2%B2",
            f"/researchers/{s}/coauthors/",
            "/researchers/A5999999999/coauthors/",
            *[f"{url}coauthors/" for url in gone],  # 410
        ],
        "researchers/<str:openalex_id>/coauthors/<str:other_id>/": [
            f"/researchers/{a}/coauthors/{site.colleague.openalex_id if site.colleague else s}/",
            f"/researchers/{a}/coauthors/{s}/?page=2",  # one shared work: the page past the end shows it
            f"/researchers/{a}/coauthors/{a}/",  # the same person twice: 400
            f"/researchers/{s}/coauthors/{site.gone.openalex_id if site.gone else a}/",  # 410: deleted
            f"/researchers/{a}/coauthors/A5999999999/",
        ],
        "researchers/<str:openalex_id>/trust/": [f"/researchers/{a}/trust/"],
        r"^researchers/(?P<openalex_id>https?:/{1,2}(?:www\.)?openalex\.org/[^/]+)/trust/$": [
            f"/researchers/https://openalex.org/{a}/trust/"
        ],
        # following
        "following/": ["/following/", "/following/?page=2", "/following/?page=99"],
        "following/unfollow/<str:openalex_id>/": [f"/following/unfollow/{a}/"],
        "following/feed/reset/": ["/following/feed/reset/"],
        "following/feed/<str:token>.atom": [f"/following/feed/{site.feed_token}.atom", "/following/feed/wrong.atom"],
        "following/digest/": ["/following/digest/"],
        "following/unsubscribe/<str:token>/": [
            f"/following/unsubscribe/{site.unsubscribe_token}/", "/following/unsubscribe/forged/"
        ],
        "researchers/<str:openalex_id>/feed.atom": [
            f"/researchers/{a}/feed.atom", "/researchers/A5999999999/feed.atom"
        ],
        # claims
        "claims/": ["/claims/"],
        "researchers/<str:researcher_id>/claim/": [f"/researchers/{a}/claim/"],
        "researchers/<str:researcher_id>/claim/<int:claim_id>/withdraw/": [f"/researchers/{a}/claim/{claim}/withdraw/"],
        "researchers/<str:researcher_id>/claim/<int:claim_id>/release/": [f"/researchers/{a}/claim/{claim}/release/"],
        "researchers/<str:researcher_id>/claim/<int:claim_id>/evidence/": [
            f"/researchers/{a}/claim/{claim}/evidence/"
        ],
        "researchers/<str:researcher_id>/edit/": [f"/researchers/{a}/edit/"],
        "researchers/<str:researcher_id>/edit/works/<int:work_id>/hide/": [f"/researchers/{a}/edit/works/{work}/hide/"],
        "researchers/<str:researcher_id>/edit/works/<int:work_id>/unhide/": [
            f"/researchers/{a}/edit/works/{work}/unhide/"
        ],
        "researchers/<str:researcher_id>/history/": [f"/researchers/{a}/history/"],
        "researchers/<str:researcher_id>/history/<int:correction_id>/revert/": [
            f"/researchers/{a}/history/{site.correction}/revert/"
        ],
        # collaboration
        "researchers/<str:researcher_id>/collaboration/": [
            f"/researchers/{a}/collaboration/", f"/researchers/{site.stub.openalex_id}/collaboration/"
        ],
        "researchers/<str:researcher_id>/collaboration/policy/": [f"/researchers/{a}/collaboration/policy/"],
        "researchers/<str:researcher_id>/invite/": [f"/researchers/{a}/invite/"],
        "invitations/": ["/invitations/"],
        "invitations/<int:invitation_id>/": [f"/invitations/{inv}/"],
        "invitations/<int:invitation_id>/accept/": [f"/invitations/{inv}/accept/"],
        "invitations/<int:invitation_id>/decline/": [f"/invitations/{inv}/decline/"],
        "invitations/<int:invitation_id>/block/": [f"/invitations/{inv}/block/"],
        "invitations/<int:object_id>/report/": [f"/invitations/{inv}/report/"],
        "conversations/": ["/conversations/"],
        "conversations/<int:conversation_id>/": [f"/conversations/{chat}/"],
        "conversations/<int:conversation_id>/poll/": [f"/conversations/{chat}/poll/?after=0&v=0"],
        "conversations/<int:conversation_id>/leave/": [f"/conversations/{chat}/leave/"],
        "conversations/<int:conversation_id>/block/": [f"/conversations/{chat}/block/"],
        "conversations/<int:object_id>/report/": [f"/conversations/{chat}/report/"],
        "reports/<int:report_id>/": [f"/reports/{report}/"],
        "notices/unsubscribe/<str:token>/": [f"/notices/unsubscribe/{token}/"],
        "moderation/reports/": ["/moderation/reports/", "/moderation/reports/?show=all"],
        "moderation/reports/<int:report_id>/": [f"/moderation/reports/{report}/"],
        "moderation/reports/<int:report_id>/decide/": [f"/moderation/reports/{report}/decide/"],
        "moderation/reports/log/": ["/moderation/reports/log/"],
        # moderation
        "moderation/": ["/moderation/", "/moderation/?show=all"],
        "moderation/claims/<int:claim_id>/": [f"/moderation/claims/{claim}/"],
        "moderation/claims/<int:claim_id>/decide/": [f"/moderation/claims/{claim}/decide/"],
        "moderation/claims/<int:claim_id>/revoke/": [f"/moderation/claims/{claim}/revoke/"],
        "moderation/claims/<int:claim_id>/message/": [f"/moderation/claims/{claim}/message/?decision=reject"],
        "moderation/log/": ["/moderation/log/"],
        # allauth: every page it serves, in the site's layout
        "accounts/login/": ["/accounts/login/"],
        "accounts/logout/": ["/accounts/logout/"],
        "accounts/inactive/": ["/accounts/inactive/"],
        "accounts/signup/": ["/accounts/signup/"],
        "accounts/reauthenticate/": ["/accounts/reauthenticate/"],
        "accounts/reauthenticate/code/": ["/accounts/reauthenticate/code/"],
        "accounts/reauthenticate/code/confirm/": ["/accounts/reauthenticate/code/confirm/"],
        "accounts/email/": ["/accounts/email/"],
        "accounts/confirm-email/": ["/accounts/confirm-email/"],
        "accounts/password/change/": ["/accounts/password/change/"],
        "accounts/password/set/": ["/accounts/password/set/"],
        "accounts/password/reset/": ["/accounts/password/reset/"],
        "accounts/login/code/confirm/": ["/accounts/login/code/confirm/"],
        r"accounts/^confirm-email/(?P<key>[-:\w]+)/$": ["/accounts/confirm-email/not-a-key/"],
        "accounts/password/reset/key/done/": ["/accounts/password/reset/key/done/"],
        r"accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
            "/accounts/password/reset/key/1-not-a-key/"
        ],
        "accounts/password/reset/done/": ["/accounts/password/reset/done/"],
        "accounts/3rdparty/login/cancelled/": ["/accounts/3rdparty/login/cancelled/"],
        "accounts/3rdparty/login/error/": ["/accounts/3rdparty/login/error/"],
        "accounts/3rdparty/signup/": ["/accounts/3rdparty/signup/"],
        "accounts/3rdparty/": ["/accounts/3rdparty/"],
        "accounts/social/login/cancelled/": ["/accounts/social/login/cancelled/"],
        "accounts/social/login/error/": ["/accounts/social/login/error/"],
        "accounts/social/signup/": ["/accounts/social/signup/"],
        "accounts/social/connections/": ["/accounts/social/connections/"],
        "accounts/orcid/login/": ["/accounts/orcid/login/"],
        "accounts/orcid/login/callback/": ["/accounts/orcid/login/callback/"],
    }


def routes() -> Iterator[str]:
    """Every route of the URLconf, prefixes joined, as :data:`samples` keys them."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    yield from walk(get_resolver().url_patterns, "")


ADMIN_PARAMETER = re.compile(r"<(?:path|int|str):[a-z_]+>|\^\(\?P<app_label>[^)]*\)/\$|\(\?P<url>\.\*\)\$")


def admin_sample(route: str) -> str:
    """Django admin's routes with their parameters filled in (an object that may not exist
    answers a redirect, to GET and HEAD alike)."""
    return "/" + ADMIN_PARAMETER.sub(lambda m: "auth/" if "app_label" in m.group() else "1", route)


def every_url(site: Site) -> list[tuple[str, str]]:
    """(route, URL) for every route of the URLconf."""
    known = samples(site)
    urls = []
    for route in routes():
        if route.startswith("admin/"):
            urls.append((route, admin_sample(route)))
        else:
            urls.extend((route, url) for url in known.get(route, []))
    return urls


def client_as(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- HEAD wherever GET --------------------------------------------------------------------------------


def test_every_route_of_ours_has_a_sample() -> None:
    # Unsaved rows are enough to spell the URLs.
    record = Researcher(openalex_id="A5000000001")
    nothing = Site(record, record, "T1", "I1", Work(openalex_id="W1", pk=1), Claim(pk=1), ImportJob(pk=1), 1, {})
    known = samples(nothing)
    missing = [route for route in routes() if not route.startswith("admin/") and route not in known]
    assert missing == [], f"add a sample URL for these routes to tests/test_headers.py: {missing}"
    stale = sorted(set(known) - set(routes()))
    assert stale == [], f"samples for routes that no longer exist: {stale}"


def test_head_answers_like_get_on_every_route_for_every_role(site: Site) -> None:
    """Wherever GET answers (any status but 405), HEAD answers the same status and headers
    with no body: load balancers, link checkers and caches send HEAD."""
    mismatches = []
    answered_get = 0
    for role, user in site.users.items():
        client = client_as(user)
        for route, url in every_url(site):
            if route.startswith("admin/") and role not in ("anonymous", "staff"):
                continue  # the admin answers everyone but staff alike
            get = client.get(url)
            if get.status_code == 405:
                assert client.head(url).status_code == 405, url
                continue
            answered_get += 1
            head = client.head(url)
            if (head.status_code, head.get("Content-Type"), head.get("Location")) != (
                get.status_code,
                get.get("Content-Type"),
                get.get("Location"),
            ):
                mismatches.append(f"{role} {url}: GET {get.status_code}, HEAD {head.status_code}")
            elif head.content != b"":
                mismatches.append(f"{role} {url}: HEAD has a body")
    assert mismatches == [], "\n".join(mismatches)
    assert answered_get > 200  # the walk reached the pages, not only refusals


def test_healthz_answers_head(client: Client) -> None:
    response = client.head("/healthz")
    assert response.status_code == 200 and response.content == b""
    assert "no-cache" in response["Cache-Control"]


# --- Content-Security-Policy and the markup it needs ---------------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def policy_problems(response: Any) -> list[str]:
    if "Content-Security-Policy" not in response:
        return ["no enforcing Content-Security-Policy header"]
    directives = policy(response["Content-Security-Policy"])
    script = directives.get("script-src", directives.get("default-src"))
    style = directives.get("style-src", directives.get("default-src"))
    problems = []
    if script is None:
        problems.append("no script-src or default-src")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(script):
        problems.append(f"script-src allows too much: {script}")
    if style is None or "'unsafe-inline'" in style:
        problems.append(f"style-src allows inline styles: {style}")
    if directives.get("object-src") != ["'none'"] or directives.get("base-uri") != ["'none'"]:
        problems.append("object-src and base-uri must be 'none'")
    return problems


DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
# Attributes whose text people read (a form control's value is a box of its own, an href is no text).
DISPLAYED_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "content", "label"}
# Browsers skip leading spaces and controls and drop tabs and newlines anywhere in a URL.
JAVASCRIPT_URL = re.compile(r"^[\x00-\x20]*" + r"[\t\n\r]*".join("javascript:"), re.I)


def isolated(text: str) -> bool:
    """Whether every right-to-left override in ``text`` sits inside an isolate of its own text."""
    depth = 0
    for char in text:
        if char in ISOLATE_OPENERS:
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif char == RLO and depth == 0:
            return False
    return True


class PageMarkup(HTMLParser):
    """Collects what a strict Content-Security-Policy would block or that htmx would eval, and
    record text that is not isolated for bidirectional display."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.script_problems: list[str] = []
        self.bidi_problems: list[str] = []
        self.bdi_depth = 0
        self.text_only: str | None = None  # the element whose content can hold no markup

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" not in values and values.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self.script_problems.append("inline <script>")
        if tag == "style":
            self.script_problems.append("<style> element")
        for name, value in values.items():
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")) or name in ("hx-vars", "data-hx-vars"):
                self.script_problems.append(f"inline handler {name}= on <{tag}>")
            if name == "style":
                self.script_problems.append(f"inline style on <{tag}>")
            if JAVASCRIPT_URL.match(value):
                self.script_problems.append(f"javascript: URL in {name}= on <{tag}>")
            if name in ("hx-vals", "data-hx-vals") and value.lstrip().startswith(("js:", "javascript:")):
                self.script_problems.append(f"evaluated {name} on <{tag}>")
            if name in ("hx-trigger", "data-hx-trigger") and "[" in value:
                self.script_problems.append(f"evaluated trigger filter on <{tag}>")
            if name in DISPLAYED_ATTRIBUTES and RLO in value and not isolated(value):
                self.bidi_problems.append(f"{name}= of <{tag}>: {value!r}")
        if tag == "bdi":
            self.bdi_depth += 1
        if tag in ("title", "option", "textarea", "script", "text"):
            self.text_only = tag  # an SVG <text> holds no <bdi>: its text is isolated, as a title's

    def handle_endtag(self, tag: str) -> None:
        if tag == "bdi":
            self.bdi_depth -= 1
        if tag == self.text_only:
            self.text_only = None

    def handle_data(self, data: str) -> None:
        if RLO not in data or self.text_only in ("script", "textarea"):
            return  # JSON-LD is data; a form control's value is its own paragraph
        if self.text_only in ("title", "option", "text"):
            if not isolated(data):
                self.bidi_problems.append(f"<{self.text_only}> text: {data.strip()!r}")
        elif self.bdi_depth == 0:
            self.bidi_problems.append(f"text outside <bdi>: {data.strip()[:80]!r}")


def rendered_pages(site: Site) -> Iterator[tuple[str, str, Any]]:
    """(role, URL, response) for every HTML page a role is shown, admin pages included."""
    for role, user in site.users.items():
        client = client_as(user)
        for route, url in every_url(site):
            if route.startswith("admin/") and role != "staff":
                continue
            response = client.get(url)
            is_html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code in (200, 400, 403, 404, 410) and is_html:
                yield role, url, response
            if "hx-request" in response.get("Vary", "").lower():  # the fragment htmx swaps in
                htmx = client.get(url, headers={"HX-Request": "true"})
                if htmx.status_code == 200:
                    yield role, f"{url} (htmx)", htmx


def collect(site: Site, check: Callable[[Any, PageMarkup], list[str]]) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    pages: set[str] = set()
    for role, url, response in rendered_pages(site):
        markup = PageMarkup()
        markup.feed(response.content.decode())
        markup.close()
        problems.extend(f"{role} {url}: {problem}" for problem in check(response, markup))
        pages.add(url.split("?")[0])
    return problems, pages


def test_every_page_enforces_the_policy_and_holds_no_inline_script(site: Site) -> None:
    problems, pages = collect(site, lambda response, markup: policy_problems(response) + markup.script_problems)
    assert problems == [], "\n".join(problems)
    a = site.record.openalex_id
    # The walk reached every kind of page (signed in and not), not only log-in redirects.
    for page in (
        "/",
        f"/researchers/{a}/",
        f"/researchers/{site.stub.openalex_id}/",
        f"/topics/{site.topic}/",
        f"/institutions/{site.institution}/",
        f"/works/{site.work.openalex_id}/",
        f"/researchers/{a}/trust/",
        f"/researchers/{a}/graph/",
        f"/researchers/{a}/graph-slice/",
        f"/researchers/{a}/coauthors/{site.colleague.openalex_id if site.colleague else ''}/",
        f"/researchers/{a}/coauthors/",
        f"/researchers/{a}/coauthors/ (htmx)",
        f"/researchers/{a}/similar/",
        f"/researchers/{a}/similar/ (htmx)",
        f"/researchers/{a}/trust/ (htmx)",
        f"/researchers/{a}/claim/",
        f"/researchers/{a}/edit/",
        f"/researchers/{a}/history/",
        "/claims/",
        "/following/",
        "/following/ (htmx)",
        f"/following/unsubscribe/{site.unsubscribe_token}/",
        "/moderation/",
        f"/moderation/claims/{site.claim.pk}/",
        "/moderation/log/",
        f"/moderation/reports/{site.collab['report']}/",
        "/moderation/reports/log/",
        "/imports/",
        f"/imports/{site.job.pk}/",
        f"/imports/snapshots/{site.sync}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/admin/",
    ):
        assert page in pages


def test_static_files_carry_the_policy_too(client: Client, settings) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # tests have no collected static files
    # An SVG opened on its own is a document that could run script.
    response = client.get("/static/img/favicon.svg")
    assert response.status_code == 200 and policy_problems(response) == []


def test_the_policy_lets_htmx_run_without_eval_or_injected_styles(client: Client, site: Site) -> None:
    html = client.get(f"/researchers/{site.record.openalex_id}/").content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
    assert config is not None
    assert '"allowEval": false' in config.group(1) and '"includeIndicatorStyles": false' in config.group(1)
    assert '<script type="application/ld+json">' in html  # data, which the policy need not allow


# --- Bidirectional isolation --------------------------------------------------------------------------


def test_record_text_is_isolated_for_bidirectional_display_on_every_page(site: Site) -> None:
    problems, pages = collect(site, lambda response, markup: markup.bidi_problems)
    assert problems == [], "\n".join(problems)
    assert f"/researchers/{site.record.openalex_id}/" in pages and f"/works/{site.work.openalex_id}/" in pages


def test_the_search_sample_shows_every_kind_of_result(client: Client, site: Site) -> None:
    """The results page the walk (headers, Nu, axe) checks holds a group of each kind."""
    html = client.get("/?q=example").content.decode()
    for kind in ("researchers", "topics", "institutions", "works"):
        assert f'id="results-{kind}"' in html and f'id="results-{kind}-title"' in html
    assert 'class="count">(0)' not in html


def test_the_bidi_filters_wrap_values_and_leave_latin_text_alone() -> None:
    from django.template import engines

    template = engines["django"].from_string("<h1>{{ name|bdi }}</h1><title>{{ name|isolate }} · X</title>")
    latin = template.render({"name": "Ada <Example>"})
    assert latin == "<h1><bdi>Ada &lt;Example&gt;</bdi></h1><title>Ada &lt;Example&gt; · X</title>"
    rendered = template.render({"name": f"Ada {RLO}Example{PDI}{PDI}"})
    # The value's stray closers are dropped, so that they cannot end the isolate around it.
    assert f"<bdi>Ada {RLO}Example</bdi>" in rendered and f"<title>{FSI}Ada {RLO}Example{PDI} · X</title>" in rendered
    assert template.render({"name": ""}) == "<h1></h1><title> · X</title>"


def test_generated_bios_and_meta_descriptions_isolate_the_names_inside_them() -> None:
    from profiles.bio import generate_bio
    from profiles.display import meta_description

    bio = generate_bio(
        topics=[hostile("Deep Topic"), "Optics"], institution=hostile("Hostile University"),
        first_year=None, last_year=2024, works_count=3,
    )
    assert isolated(bio) and bio.startswith(f"Works mainly on {FSI}Deep {RLO}Topic{PDI}; also Optics.")
    latin = generate_bio(
        topics=["Optics"], institution="Example University", first_year=None, last_year=2024, works_count=3
    )
    assert FSI not in latin and PDI not in latin
    described = meta_description(hostile("Ada Example"), "", works=2, institution=hostile("Hostile University"))
    assert isolated(described)
    # Cut inside the name: the isolate it opened is closed again.
    cut = meta_description(hostile("Ada " + "Example " * 40), "", works=2)
    assert cut.endswith(f"…{PDI}") and cut.count(FSI) == cut.count(PDI) == 1


# --- Cache-Control ---------------------------------------------------------------------------------------


def test_every_response_to_a_signed_in_visitor_is_private(site: Site) -> None:
    shared = []
    for role, user in site.users.items():
        if user is None:
            continue
        client = client_as(user)
        for _, url in every_url(site):
            if url.startswith("/admin/") and role != "staff":
                continue
            response = client.get(url)
            if "private" not in response.get("Cache-Control", ""):
                shared.append(f"{role} {url}: {response.status_code} {response.get('Cache-Control')!r}")
    assert shared == [], "\n".join(shared)


def test_anonymous_profiles_keep_the_page_cache_headers(client: Client, site: Site) -> None:
    url = f"/researchers/{site.record.openalex_id}/"
    first, cached = client.get(url), client.get(url)
    for response in (first, cached):
        assert response.status_code == 200
        assert "Cache-Control" not in response
        assert "Cookie" in response["Vary"]


def test_a_signed_in_profile_is_private_and_keeps_its_own_cache_control(site: Site) -> None:
    client = client_as(site.users["stranger"])
    assert client.get(f"/researchers/{site.record.openalex_id}/")["Cache-Control"] == "private"
    # A view that says how to cache itself keeps it (never_cache is private already).
    healthz = client.get("/healthz")["Cache-Control"]
    assert "no-store" in healthz and "private" in healthz
