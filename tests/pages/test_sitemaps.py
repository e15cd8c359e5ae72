"""sitemap.xml (an index of the sections' pages) and robots.txt (pages/sitemaps.py): absolute
URLs under SITE_URL whatever the request's host, imported records only, works some profile
lists, pages split by id ranges, a fixed number of queries."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.test import Client

from pages import sitemaps
from profiles.models import Institution, Researcher
from tests import factories as f
from works.models import HiddenWork, Work

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "https://bzpeer.example.org"


@pytest.fixture(autouse=True)
def site_url(settings) -> None:
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    sitemaps.forget_cached()  # each test's records, not another test's cached pages


def test_pages_are_kept_in_the_cache_until_forgotten(client: Client, django_assert_num_queries) -> None:
    f.researcher("Kept Once")
    first = client.get("/sitemap-researchers.xml").content
    index = client.get("/sitemap.xml").content
    f.researcher("Added Later")
    with django_assert_num_queries(0):
        assert client.get("/sitemap-researchers.xml").content == first
        assert client.get("/sitemap.xml").content == index
    sitemaps.forget_cached()
    assert b"Added" not in first and len(client.get("/sitemap-researchers.xml").content) > len(first)


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - the app's own response, not untrusted input


def locs(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = parse(response.content)
    return [loc.text or "" for loc in root.iterfind(".//s:loc", NS)]


def urlset(client: Client, url: str) -> dict[str, str | None]:
    """loc -> lastmod of one sitemap page."""
    response = client.get(url, headers={"Host": "evil.example.com"})
    assert response.status_code == 200, url
    root = parse(response.content)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {
        url.findtext("s:loc", namespaces=NS) or "": url.findtext("s:lastmod", namespaces=NS)
        for url in root.iterfind("s:url", NS)
    }


@pytest.fixture
def world() -> dict[str, object]:
    lead = f.researcher("Lead Author", imported_at=datetime(2026, 3, 1, tzinfo=UTC))
    stub = f.stub("Stub Coauthor")
    gone = f.researcher("Deleted Author", record_status="deleted")
    shared = f.work([lead, stub], title="Listed work", imported_at=datetime(2026, 4, 2, tzinfo=UTC))
    hidden = f.work([lead, stub], title="Hidden by its only imported author")
    HiddenWork.objects.create(researcher=lead, work=hidden, reason="not_mine")
    orphan = f.work([stub], title="Only a stub's")
    topic = f.topic("Deep Topic")
    place = f.institution("Example University", openalex_updated=datetime(2026, 1, 5, tzinfo=UTC))
    return {
        "lead": lead,
        "stub": stub,
        "gone": gone,
        "shared": shared,
        "hidden": hidden,
        "orphan": orphan,
        "topic": topic,
        "place": place,
    }


def test_the_index_names_every_section_under_site_url(client: Client, world, django_assert_num_queries) -> None:
    with django_assert_num_queries(4):  # the pages of each section
        response = client.get("/sitemap.xml", headers={"Host": "evil.example.com"})
    assert parse(response.content).tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert locs(response) == [
        f"{SITE}/sitemap-researchers.xml",
        f"{SITE}/sitemap-works.xml",
        f"{SITE}/sitemap-topics.xml",
        f"{SITE}/sitemap-institutions.xml",
    ]
    assert response["X-Robots-Tag"] == "noindex"


def test_each_section_lists_its_public_pages(client: Client, world, django_assert_num_queries) -> None:
    lead, stub, gone = world["lead"], world["stub"], world["gone"]
    with django_assert_num_queries(1):
        researchers = urlset(client, "/sitemap-researchers.xml")
    assert researchers == {f"{SITE}/researchers/{lead.openalex_id}/": "2026-03-01"}  # no stub, no deleted record
    assert all(f"/{r.openalex_id}/" not in "".join(researchers) for r in (stub, gone))
    with django_assert_num_queries(1):
        works = urlset(client, "/sitemap-works.xml")
    # The hidden work and the stub's work are on no profile.
    assert works == {f"{SITE}/works/{world['shared'].openalex_id}/": "2026-04-02"}
    assert urlset(client, "/sitemap-topics.xml") == {f"{SITE}/topics/{world['topic'].openalex_id}/": None}
    assert urlset(client, "/sitemap-institutions.xml") == {
        f"{SITE}/institutions/{world['place'].openalex_id}/": "2026-01-05"
    }
    # Every URL is a page that answers.
    for url in [*researchers, *works]:
        assert client.get(url.removeprefix(SITE)).status_code == 200


def test_a_work_hidden_by_one_author_stays_while_another_lists_it(client: Client, world) -> None:
    other = f.researcher("Second Lead")
    both = f.work([world["lead"], other], title="Hidden by one")
    HiddenWork.objects.create(researcher=world["lead"], work=both, reason="duplicate")
    assert f"{SITE}/works/{both.openalex_id}/" in urlset(client, "/sitemap-works.xml")


def test_sections_split_into_pages_past_the_limit(client: Client, world, monkeypatch) -> None:
    for n in range(4):
        f.researcher(f"More Lead {n}")
        f.institution(f"More Place {n}")
    monkeypatch.setattr(sitemaps.PagedSitemap, "limit", 1)
    index = locs(client.get("/sitemap.xml"))
    imported = Researcher.objects.filter(record_status="imported").order_by("pk")
    expected = [f"{SITE}/sitemap-researchers.xml" + ("" if r.pk == 1 else f"?p={r.pk}") for r in imported]
    assert [loc for loc in index if "researchers" in loc] == expected
    assert len([loc for loc in index if "institutions" in loc]) == Institution.objects.count() == 5
    assert len([loc for loc in index if "works" in loc]) == Work.objects.count()  # ranges of every work
    listed: list[str] = []
    for loc in index:
        if "researchers" in loc:
            page = urlset(client, loc.removeprefix(SITE))
            assert len(page) == 1
            listed.extend(page)
    assert listed == [f"{SITE}/researchers/{r.openalex_id}/" for r in imported]


def test_a_larger_limit_puts_many_urls_on_one_page(client: Client, world, monkeypatch) -> None:
    for n in range(5):
        f.institution(f"More Place {n}")
    top = Institution.objects.order_by("-pk").first()
    monkeypatch.setattr(sitemaps.PagedSitemap, "limit", top.pk)
    assert [loc for loc in locs(client.get("/sitemap.xml")) if "institutions" in loc] == [
        f"{SITE}/sitemap-institutions.xml"
    ]
    assert len(urlset(client, "/sitemap-institutions.xml")) == 6


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-nothing.xml",
        "/sitemap-researchers.xml?p=0",
        "/sitemap-researchers.xml?p=-1",
        "/sitemap-researchers.xml?p=abc",
        "/sitemap-researchers.xml?p=%C2%B2",
        "/sitemap-researchers.xml?p=99999999999999999999999",
        "/sitemap-researchers.xml?p=4000",
    ],
)
def test_a_page_that_is_not_there_is_a_404(client: Client, world, url: str) -> None:
    assert client.get(url).status_code == 404


def test_robots_allows_the_public_pages_and_points_to_the_sitemap(client: Client) -> None:
    response = client.get("/robots.txt", headers={"Host": "evil.example.com"})
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *" and "Allow: /" in lines
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow: ")}
    for private in ("/accounts/", "/moderation/", "/following/", "/invitations/", "/conversations/", "/admin/"):
        assert private in disallowed
    assert not any(path in disallowed for path in ("/", "/researchers/", "/works/", "/topics/", "/institutions/"))
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
