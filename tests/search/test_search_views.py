"""The search page (``/?q=``, pages.views.home): identifiers to their page, results by kind,
each kind paged in the URL, researcher filters, htmx fragments and the plain form, bad input
and hostile strings, and the queries each page takes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from profiles.models import Topic
from tests import factories as f

pytestmark = pytest.mark.django_db


def results_in(response) -> str:
    html = response.content.decode()
    return html.split('id="search-results"')[1].split("Recently imported profiles")[0]


@pytest.fixture
def corpus() -> None:
    """Something of every kind for "alignment"."""
    ada = f.researcher("Ada Alignment", works_count=4)
    f.topic("AI Safety and Alignment", field="Computer Science")
    f.institution("Alignment Research Center", country_code="US")
    f.work([ada], title="Scalable alignment of language models", doi="10.1234/align.1", cited_by_count=7)


def test_every_kind_is_shown_with_its_count(client: Client, corpus: None, django_assert_num_queries) -> None:
    with django_assert_num_queries(7):  # four kinds, the work's authors (2), the recent list
        response = client.get("/", {"q": "alignment"})
    html = results_in(response)
    for kind in ("Researchers", "Topics", "Institutions", "Works"):
        assert f'{kind} <span class="count">(1)</span>' in html
    assert "Ada Alignment" in html and "AI Safety and Alignment" in html and "Alignment Research Center" in html
    assert "Scalable alignment of language models" in html and "7 citations" in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("10.1234/ALIGN.1", "work"),
        ("doi:10.1234/align.1", "work"),
        ("https://doi.org/10.1234/align.1", "work"),
        ("https://openalex.org/{work}", "work"),
        ("{topic}", "topic"),
        ("https://openalex.org/{institution}", "institution"),
    ],
)
def test_an_identifier_goes_straight_to_its_page(client: Client, corpus: None, query: str, page: str) -> None:
    from profiles.models import Institution
    from works.models import Work

    ids = {
        "work": Work.objects.get().openalex_id,
        "topic": Topic.objects.get().openalex_id,
        "institution": Institution.objects.get().openalex_id,
    }
    response = client.get("/", {"q": query.format(**ids)})
    assert response.status_code == 302
    assert response["Location"] == f"/{page}s/{ids[page]}/"


def test_a_legacy_concept_id_goes_to_the_topic_page(client: Client) -> None:
    Topic.objects.create(openalex_id="C41008148", kind="concept", display_name="Computer science")
    assert client.get("/", {"q": "c41008148"})["Location"] == "/topics/C41008148/"


def test_htmx_gets_a_client_redirect_for_an_identifier(client: Client, corpus: None) -> None:
    response = client.get("/", {"q": "10.1234/align.1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/works/W")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("10.9999/not-here", "BZPEER holds no work with DOI <bdi>10.9999/not-here</bdi>."),
        ("0000-0001-5109-3700", "BZPEER holds no researcher with ORCID iD <bdi>0000-0001-5109-3700</bdi>."),
        ("W1234567", "BZPEER holds no work <bdi>W1234567</bdi>."),
        ("T10001", "BZPEER holds no topic <bdi>T10001</bdi>."),
        ("https://openalex.org/I1", "BZPEER holds no institution <bdi>I1</bdi>."),
    ],
)
def test_an_unknown_identifier_is_explained(client: Client, query: str, says: str) -> None:
    response = client.get("/", {"q": query})
    assert response.status_code == 200 and says in results_in(response)


def test_an_unknown_identifier_is_searched_as_words_too(client: Client) -> None:
    f.work([], title="Notes on W1234567 and other catalogue numbers")
    html = results_in(client.get("/", {"q": "W1234567"}))
    assert "BZPEER holds no work <bdi>W1234567</bdi>." in html and "Notes on W1234567" in html


def test_short_codes_are_words_not_identifiers(client: Client) -> None:
    """A549 (a cell line), a100 (a GPU): searched, not taken for author or topic ids."""
    f.work([], title="A549 cells under stress")
    response = client.get("/", {"q": "A549"})
    assert response.status_code == 200 and "A549 cells under stress" in results_in(response)


def test_a_nul_in_a_doi_is_no_error(client: Client) -> None:
    for query in ("10.1234/%00", "doi:10.1234/%00x", "https://doi.org/10.1234/%00"):
        assert client.get("/", {"q": query}).status_code == 200


def test_tracking_parameters_are_ignored(client: Client) -> None:
    f.researcher("Anna Smith")
    assert "Anna Smith" in results_in(client.get("/", {"q": "smith", "utm_source": "x", "fbclid": "y"}))
    assert client.get("/", {"fbclid": "y"}).status_code == 200


@pytest.mark.parametrize(
    "title", ["한국어 연구 방법", "データ 解析の 方法", "Йога и здоровье", "Περί του λόγος εργασία", "Étude des Straße"]
)
def test_titles_in_every_script_are_found_by_their_words(client: Client, title: str) -> None:
    """The query is folded like the index (bzpeer_unaccent and the parser in PostgreSQL)."""
    f.work([], title=title)
    for word in title.split():
        assert title in results_in(client.get("/", {"q": word, "kind": "works"})), word


def test_each_kind_pages_in_the_url(client: Client, django_assert_num_queries) -> None:
    for n in range(25):
        f.work([], title=f"Paged example {n:02d}", cited_by_count=100 - n)
    overview = results_in(client.get("/", {"q": "paged example"}))
    assert 'Works <span class="count">(25)</span>' in overview
    assert 'href="/?q=paged+example&amp;kind=works"' in overview and "All 25 works</a>" in overview
    with django_assert_num_queries(4):  # rows (a short last page counts itself), authors (2), the recent list
        second = results_in(client.get("/", {"q": "paged example", "kind": "works", "page": "2"}))
    assert "Paged example 20" in second and "Paged example 19" not in second and 'start="21"' in second
    assert 'href="/?q=paged+example&amp;kind=works&amp;page=1" ' in second and "Next →</span>" in second
    assert "Researchers" not in second  # one kind only


def test_filters_apply_from_the_url_and_link_from_topics(client: Client, django_assert_num_queries) -> None:
    topic = f.topic("Alignment")
    near, far = f.researcher("Near Smith", works_count=2), f.researcher("Far Smith")
    f.give_topic(near, topic, 1)
    html = results_in(client.get("/", {"q": "alignment"}))
    assert f'href="/?topic={topic.openalex_id}"' in html  # the topic's researchers
    with django_assert_num_queries(3):  # researchers (a short page), the topic's name, the recent list
        filtered = results_in(client.get("/", {"topic": topic.openalex_id}))
    assert "Near Smith" in filtered and "Far Smith" not in filtered
    assert f'in topic <a href="/topics/{topic.openalex_id}/"><bdi>Alignment</bdi></a>' in filtered
    assert "Near Smith" in results_in(client.get("/", {"q": "smith", "topic": topic.openalex_id, "claimed": ""}))
    assert far.display_name in results_in(client.get("/", {"q": "smith"}))


def test_htmx_gets_the_results_fragment_alone(client: Client, corpus: None, django_assert_num_queries) -> None:
    with django_assert_num_queries(6):  # the four kinds and the authors; no recent list
        response = client.get("/", {"q": "alignment", "country": "", "level": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"') and "<html" not in html
    assert "Recently imported" not in html and 'id="filter-ids" data-hx-swap-oob="true"' in html
    assert "Ada Alignment" in html


def test_the_form_works_without_javascript(client: Client) -> None:
    html = client.get("/").content.decode()
    form = re.search(r'<form method="get" action="/" role="search".*?</form>', html, re.S)
    assert form is not None
    for name in ('name="q"', 'name="country"', 'name="level"', 'name="claimed"', 'name="open"'):
        assert name in form.group()
    assert 'type="submit"' in form.group()


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "x" * 201}, "longer than 200"),
        ({"q": "smith", "page": "0"}, "No such page"),
        ({"q": "smith", "page": "abc"}, "No such page"),
        ({"q": "smith", "page": "1" * 25}, "No such page"),
        ({"q": "smith", "kind": "<script>"}, "Unknown kind"),
        ({"q": "smith", "level": "9"}, "Unknown verification level"),
        ({"q": "!!! ??? ***"}, "Nothing to search for"),
        ({"q": "& | ! :* ( )"}, "Nothing to search for"),
    ],
)
def test_bad_input_gets_an_explained_empty_result(
    client: Client, params: dict[str, str], says: str, django_assert_num_queries
) -> None:
    f.researcher("Anna Smith")
    with django_assert_num_queries(1):  # the recent list only: no search runs
        response = client.get("/", params)
    assert response.status_code == 200
    html = results_in(response)
    assert says in html and "Anna Smith" not in html


def test_hostile_strings_stay_text_in_queries_and_records(client: Client) -> None:
    f.researcher('Eve <img src=x onerror=alert(1)> "Quote" \u202eRTL')
    f.work([], title="<script>alert(2)</script> attack vectors")
    f.topic("Attack <b>bold</b> topic")
    html = results_in(client.get("/", {"q": "eve \u202e<b>"}))
    assert "“<bdi>eve \u202e&lt;b&gt;</bdi>”" in html and "<b>" not in html
    attack = results_in(client.get("/", {"q": "attack"}))
    assert "<script>alert(2)" not in attack and "&lt;script&gt;alert(2)&lt;/script&gt;" in attack
    assert "<b>bold</b>" not in attack and "&lt;b&gt;bold&lt;/b&gt;" in attack
    eve = results_in(client.get("/", {"q": "eve"}))
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;Quote&quot;" in eve and "<bdi>" in eve
    query = results_in(client.get("/", {"q": 'x" onmouseover="alert(3) \u202e'}))
    assert 'onmouseover="alert' not in query


def test_the_filter_line_names_the_institution_and_says_when_a_record_is_not_held(client: Client) -> None:
    place = f.institution("Institute of <b>Fictional</b> Studies")
    someone = f.researcher("Placed Person")
    f.affiliate(someone, place, [2024], current=True)
    html = results_in(client.get("/", {"institution": place.openalex_id}))
    assert "Placed Person" in html
    assert (
        f'at institution <a href="/institutions/{place.openalex_id}/"><bdi>Institute of &lt;b&gt;Fictional&lt;/b&gt;'
        " Studies</bdi></a>" in html
    )
    missing = results_in(client.get("/", {"topic": "T99999999", "institution": "I99999999"}))
    assert "in topic T99999999, which BZPEER does not hold" in missing
    assert "at institution I99999999, which BZPEER does not hold" in missing
    assert 'href="/topics/T99999999/"' not in missing and 'href="/institutions/I99999999/"' not in missing
    htmx = client.get("/", {"institution": place.openalex_id}, HTTP_HX_REQUEST="true").content.decode()
    assert htmx.lstrip().startswith('<div id="search-results"')
    assert "<bdi>Institute of &lt;b&gt;Fictional&lt;/b&gt; Studies</bdi></a>" in htmx
    nameless = f.topic("")
    html = results_in(client.get("/", {"topic": nameless.openalex_id}))
    assert f'in topic <a href="/topics/{nameless.openalex_id}/"><bdi>{nameless.openalex_id}</bdi></a>' in html


def test_a_typo_search_says_when_no_close_spelling_was_found_either(client: Client) -> None:
    """The closest-spellings note heads closest spellings only: with none, it says so instead
    of promising suggestions over an empty list."""
    f.researcher("Vincent Lariviere")
    close = client.get("/", {"q": "vincent larivire", "kind": "researchers"}).content.decode()
    assert "these are the closest spellings." in close and "Vincent Lariviere" in close
    none = client.get("/", {"q": "qqqzzz wwwkkk", "kind": "researchers"}).content.decode()
    assert "closest spellings" not in none
    assert "No researchers match, nor any close spelling of these words." in none
