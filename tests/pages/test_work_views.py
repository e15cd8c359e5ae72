"""The public work page: authors a slice at a time whatever their number ("and N more"),
bounded titles, and the anonymous page from the cache (pages.page_cache)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from profiles.models import Researcher, Topic
from tests import factories as f
from works.models import DISPLAY_TITLE_MAX, Authorship, Source, Work, WorkTopic
from works.selectors import AUTHORS_SHOWN, LIST_AUTHORS_SHOWN

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def author_names(html: str) -> list[str]:
    """The names in the author list(s) of ``html``, in document order."""
    items = re.findall(r"<li>(.*?)</li>", html, flags=re.DOTALL)
    return [unescape(re.sub(r"<[^>]+>|\(corresponding\)", "", item)).strip() for item in items]


def more_link(html: str) -> str | None:
    """The plain href of "and N more" (None when there is no more)."""
    found = re.search(r'<a href="([^"]+)" data-hx-get="[^"]+"[^>]*>and \d+ more', html)
    return unescape(found.group(1)) if found else None


def huge_work(authors: int, *, title: str = "A huge work") -> Work:
    """A work with ``authors`` researchers in byline order (bulk-created: thousands are quick)."""
    people = Researcher.objects.bulk_create(
        Researcher(
            openalex_id=f"A97{i:08d}", display_name=f"Author {i}", search_name=f"author {i}", record_status="stub"
        )
        for i in range(authors)
    )
    work = f.work([], title=title, source=f.source("Journal of Huge Records"))
    Authorship.objects.bulk_create(
        Authorship(work=work, position=i, researcher=r, raw_author_name=r.display_name) for i, r in enumerate(people)
    )
    return work


def test_a_work_page_shows_authors_in_order_venue_doi_abstract_and_topics(
    client: Client, django_assert_num_queries
) -> None:
    first, second = f.researcher("First Author"), f.stub("Second Author")
    work = f.work(
        [first, second],
        year=2023,
        title="A study of examples",
        abstract="We study examples.",
        doi="10.5555/example.1",
        source=f.source("Journal of Tests"),
        landing_page_url="javascript:alert(1)",
    )
    Authorship.objects.create(work=work, position=2, raw_author_name="Unlinked Third")
    f.tag(work, f.topic("Example Topic"))
    # Stamp (pages.page_cache), work + venue, author counts, the authors shown, topics.
    with django_assert_num_queries(5):
        response = client.get(f"/works/{work.openalex_id}/")
    html = response.content.decode()
    assert response.status_code == 200 and "<h1><bdi>A study of examples</bdi></h1>" in html
    authors = html.split('<h2 id="authors-title">Authors</h2>')[1]
    assert authors.index("First Author") < authors.index("Second Author") < authors.index("Unlinked Third")
    assert f'href="/researchers/{first.openalex_id}/"><bdi>First Author</bdi></a>' in authors
    assert "more author" not in authors  # three authors: all shown
    assert "Journal of Tests" in html and "2023" in html
    assert 'href="https://doi.org/10.5555/example.1"' in html and "We study examples." in html
    assert "Example Topic" in html and "javascript:" not in html
    assert f'<link rel="canonical" href="{settings.SITE_URL}/works/{work.openalex_id}/">' in html


def test_a_work_is_found_by_its_url_and_unknown_ones_are_404(client: Client) -> None:
    work = f.work([f.researcher()])
    assert client.get(f"/works/{work.openalex_id.lower()}/").status_code == 200
    assert client.get("/works/W1/").status_code == 404
    assert client.get("/works/W1/", headers=HTMX).status_code == 404
    assert client.get("/works/A5023888391/").status_code == 404


def test_a_work_page_escapes_imported_text(client: Client) -> None:
    work = f.work([f.researcher("<script>x</script>")], title="<img src=x onerror=alert(1)>", abstract="<b>bold</b>")
    html = client.get(f"/works/{work.openalex_id}/").content.decode()
    assert "<img src=x" not in html and "<script>x" not in html and "<b>bold" not in html


# --- Huge records --------------------------------------------------------------------------------


def test_a_5000_author_work_with_a_huge_title_is_a_small_page_in_a_fixed_number_of_queries(
    client: Client, stranger, django_assert_num_queries
) -> None:
    work = huge_work(5_000, title="Long title " * 20_000)  # 220,000 characters
    with django_assert_num_queries(5):  # the same five as for three authors
        response = client.get(f"/works/{work.openalex_id}/")
    html = response.content.decode()
    assert response.status_code == 200 and len(response.content) < 200_000
    assert author_names(html) == [f"Author {i}" for i in range(AUTHORS_SHOWN)]
    assert f"and {5_000 - AUTHORS_SHOWN} more authors</a>" in html
    heading = re.search(r"<h1><bdi>(.*?)</bdi></h1>", html, flags=re.DOTALL).group(1)
    assert len(heading) <= DISPLAY_TITLE_MAX and heading.endswith("…")
    client.force_login(stranger)  # signed in: the stored page with their own header (was 7, a full render)
    with django_assert_num_queries(2):  # the session with its user; the stamp with the header's owned record
        assert len(client.get(f"/works/{work.openalex_id}/").content) < 200_000


def test_and_n_more_pages_through_every_author_with_htmx(client: Client, django_assert_num_queries) -> None:
    work = huge_work(2 * AUTHORS_SHOWN + 5)
    Authorship.objects.filter(work=work, position=7).delete()  # byline positions need not be dense
    html = client.get(f"/works/{work.openalex_id}/").content.decode()
    seen = author_names(html)
    assert f"and {2 * AUTHORS_SHOWN + 4 - AUTHORS_SHOWN} more authors" in html
    fragments = 0
    while (link := more_link(html)) is not None:
        fragments += 1
        with django_assert_num_queries(3):  # work, author counts, the next authors
            response = client.get(link.split("#")[0], headers=HTMX)
        html = response.content.decode()
        assert "<html" not in html and f'id="authors-more-{work.openalex_id}" data-hx-swap-oob="true"' in html
        seen += author_names(html)
    assert fragments == 2
    assert seen == [f"Author {i}" for i in range(2 * AUTHORS_SHOWN + 5) if i != 7]


def test_without_javascript_and_n_more_opens_the_page_at_the_next_authors(client: Client) -> None:
    work = huge_work(AUTHORS_SHOWN + 5)
    link = more_link(client.get(f"/works/{work.openalex_id}/").content.decode())
    assert link == f"/works/{work.openalex_id}/?authors_after={AUTHORS_SHOWN - 1}#authors-{work.openalex_id}"
    html = client.get(link.split("#")[0]).content.decode()
    assert "<html" in html and f"Authors {AUTHORS_SHOWN + 1}–{AUTHORS_SHOWN + 5} of {AUTHORS_SHOWN + 5}." in html
    assert author_names(html) == [f"Author {i}" for i in range(AUTHORS_SHOWN, AUTHORS_SHOWN + 5)]
    assert f'<ol class="authors" id="authors-{work.openalex_id}" start="{AUTHORS_SHOWN + 1}">' in html
    assert more_link(html) is None and "Back to the first authors" in html
    # A hand-edited value shows the first authors, as the works filter does.
    assert author_names(client.get(f"/works/{work.openalex_id}/?authors_after=x").content.decode())[0] == "Author 0"


@pytest.mark.parametrize(
    "path",
    [
        "/researchers/{lead}/",
        "/researchers/{lead}/graph-slice/",
        "/researchers/{lead}/graph/",
        "/topics/{topic}/",
        "/institutions/{place}/",
    ],
)
def test_no_other_page_grows_with_the_authors_of_a_work(client: Client, settings, path: str) -> None:
    """The profile's works list, the graph slice and explorer, topic and institution pages
    list works and people, never all the authors of a work: 5,000 co-authors on it weigh
    what none do."""
    settings.PAGE_CACHE_SECONDS = 0  # every request renders
    lead = f.researcher("Lead Person")
    topic, place = f.topic("Big Science"), f.institution("Big Institute")
    f.give_topic(lead, topic, rank=1)
    f.affiliate(lead, place, [2024], current=True)
    work = f.work([lead], title="The work")
    f.tag(work, topic)
    f.edges()
    url = path.format(lead=lead.openalex_id, topic=topic.openalex_id, place=place.openalex_id)
    before = len(client.get(url).content)
    with transaction.atomic():
        others = Researcher.objects.bulk_create(
            Researcher(openalex_id=f"A96{i:08d}", display_name=f"Co-author number {i}", record_status="stub")
            for i in range(1, 5_000)
        )
        Authorship.objects.bulk_create(
            Authorship(work=work, position=i, researcher=r, raw_author_name=r.display_name)
            for i, r in enumerate(others, start=1)
        )
    f.edges()
    after = client.get(url).content
    if path == "/researchers/{lead}/":
        # The works list shows the first authors of each work and "and N more".
        assert len(after) - before < 2500 and after.count(b"Co-author number") == LIST_AUTHORS_SHOWN - 1
        assert b"and 4995 more authors" in after
    else:
        assert len(after) - before < 500 and b"Co-author number" not in after


# --- The anonymous page from the cache -----------------------------------------------------------


def test_a_second_anonymous_visit_is_one_query_and_the_same_page(client: Client, django_assert_num_queries) -> None:
    work = huge_work(5_000)
    first = client.get(f"/works/{work.openalex_id}/").content
    with django_assert_num_queries(1):
        second = client.get(f"/works/{work.openalex_id}/")
    assert second.content == first and "Cookie" in second["Vary"] and "HX-Request" in second["Vary"]
    assert b"csrf-marker-" not in second.content


def _rename_work(work: Work) -> str:
    Work.objects.filter(pk=work.pk).update(title="A corrected title")
    return "A corrected title"


def _rename_author(work: Work) -> str:
    Researcher.objects.filter(authorships__work=work, authorships__position=0).update(preferred_name="Preferred Name")
    return "Preferred Name"


def _merge_author(work: Work) -> str:
    # An OpenAlex merge moves the authorship to the surviving record (claims.services).
    survivor = f.researcher("Surviving Record")
    Authorship.objects.filter(work=work, position=1).update(researcher=survivor)
    return "Surviving Record"


def _add_author(work: Work) -> str:
    Authorship.objects.create(work=work, position=99, raw_author_name="Late Author")
    return "and 11 more authors"


def _rename_venue(work: Work) -> str:
    Source.objects.filter(works=work).update(display_name="Renamed Journal")
    return "Renamed Journal"


def _tag(work: Work) -> str:
    WorkTopic.objects.create(work=work, topic=f.topic("Fresh Topic"), score=0.5)
    return "Fresh Topic"


def _rename_topic(work: Work) -> str:
    Topic.objects.filter(display_name="First Topic").update(display_name="Renamed Topic")
    return "Renamed Topic"


WORK_CHANGES = {
    "work row": _rename_work,
    "author renamed": _rename_author,
    "authorship moved by a merge": _merge_author,
    "author added": _add_author,
    "venue renamed": _rename_venue,
    "topic added": _tag,
    "topic renamed": _rename_topic,
}


@pytest.mark.parametrize("name", list(WORK_CHANGES))
def test_every_change_to_what_the_work_page_shows_is_seen_at_once(client: Client, name: str) -> None:
    work = huge_work(AUTHORS_SHOWN + 10)
    f.tag(work, f.topic("First Topic"))
    before = client.get(f"/works/{work.openalex_id}/").content.decode()
    assert client.get(f"/works/{work.openalex_id}/").content.decode() == before  # from the cache
    with transaction.atomic():  # its own (sub)transaction, as every real change has
        expected = WORK_CHANGES[name](work)
    after = client.get(f"/works/{work.openalex_id}/").content.decode()
    assert expected not in before and expected in after


def test_a_change_to_an_author_further_down_moves_only_the_page_that_shows_it(client: Client) -> None:
    work = huge_work(AUTHORS_SHOWN + 10)
    later = f"/works/{work.openalex_id}/?authors_after={AUTHORS_SHOWN - 1}"
    first_page, later_page = client.get(f"/works/{work.openalex_id}/").content, client.get(later).content
    with transaction.atomic():
        Researcher.objects.filter(display_name=f"Author {AUTHORS_SHOWN + 3}").update(preferred_name="Renamed Later")
    assert client.get(f"/works/{work.openalex_id}/").content == first_page
    assert b"Renamed Later" not in later_page and b"Renamed Later" in client.get(later).content
