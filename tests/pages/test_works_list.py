"""The works list of a profile: each work's authors (the viewed researcher in bold), venue and
citations; sorts, filters and paging from the query string; bad values dropped; a fixed number
of queries; the anonymous page cache keyed on the query string; plans that never walk the
whole works table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from pages.forms import WorksFilterForm
from profiles.models import Researcher
from tests import factories as f
from tests.pages.test_profile_views import text_of
from works.models import HiddenWork, Work
from works.selectors import LIST_AUTHORS_SHOWN, WORK_SORTS, WORKS_PER_PAGE, WorksFilter, works_matching, works_page

pytestmark = pytest.mark.django_db


# Extra arguments of a GET: a whole page, then the htmx fragment.
NO_HTMX_AND_HTMX: list[dict[str, Any]] = [{}, {"HTTP_HX_REQUEST": "true"}]


@pytest.fixture
def lead() -> Researcher:
    """Ada with six works of known years, types, citations, titles and topics."""
    ada = f.researcher("Ada Example")
    co = f.researcher("Bob Sample")
    alignment, vision = f.topic("AI Alignment"), f.topic("Computer Vision")
    f.give_topic(ada, alignment, rank=1)
    f.give_topic(ada, vision, rank=2)
    venue = f.source("Journal of Safety")
    rows = [
        # title, year, type, citations, topic
        ("Beta paper", 2019, "article", 50, alignment),
        ("alpha notes", 2020, "preprint", 5, alignment),
        ("Delta dataset", 2021, "dataset", 500, vision),
        ("Gamma study", 2022, "article", 0, vision),
        ("Epsilon review", 2023, "review", 120, alignment),
        ("Zeta letter", 2024, "article", 7, None),
    ]
    for title, year, kind, cited, topic in rows:
        work = f.work([co, ada], title=title, year=year, type=kind, cited_by_count=cited, source=venue)
        if topic:
            f.tag(work, topic)
    return ada


def titles(client: Client, who: Researcher, **params: Any) -> list[str]:
    """The titles the works list shows, in order (the htmx fragment)."""
    html = client.get(f"/researchers/{who.openalex_id}/", params, HTTP_HX_REQUEST="true").content.decode()
    return re.findall(r'<h3 class="work-title"><a href="[^"]+"><bdi>([^<]*)</bdi>', html)


def test_it_sorts_by_date_by_default_and_by_citations_or_title(client: Client, lead: Researcher) -> None:
    newest = ["Zeta letter", "Epsilon review", "Gamma study", "Delta dataset", "alpha notes", "Beta paper"]
    assert titles(client, lead) == newest
    assert titles(client, lead, sort="date") == newest
    assert titles(client, lead, sort="citations") == [
        "Delta dataset",
        "Epsilon review",
        "Beta paper",
        "Zeta letter",
        "alpha notes",
        "Gamma study",
    ]
    # A–Z whatever the case.
    assert titles(client, lead, sort="title") == [
        "alpha notes",
        "Beta paper",
        "Delta dataset",
        "Epsilon review",
        "Gamma study",
        "Zeta letter",
    ]
    html = client.get(f"/researchers/{lead.openalex_id}/", {"sort": "citations"}).content.decode()
    assert "Showing 1–6 of 6, most cited first." in text_of(html)
    assert '<option value="citations" selected>' in html


def test_it_filters_by_year_range_type_and_topic_and_their_combinations(client: Client, lead: Researcher) -> None:
    assert titles(client, lead, year_from=2021, year_to=2023) == ["Epsilon review", "Gamma study", "Delta dataset"]
    assert titles(client, lead, year_from=2023) == ["Zeta letter", "Epsilon review"]
    assert titles(client, lead, year_to=2019) == ["Beta paper"]
    assert titles(client, lead, year_from=2023, year_to=2021) == ["Epsilon review", "Gamma study", "Delta dataset"]
    assert titles(client, lead, year=2020) == ["alpha notes"]  # the single year older links carry
    assert titles(client, lead, type="article") == ["Zeta letter", "Gamma study", "Beta paper"]
    alignment = lead.topics.get(topic__display_name="AI Alignment").topic.openalex_id
    assert titles(client, lead, topic=alignment) == ["Epsilon review", "alpha notes", "Beta paper"]
    assert titles(client, lead, topic=alignment, type="article") == ["Beta paper"]
    assert titles(client, lead, topic=alignment, year_from=2020, sort="citations") == ["Epsilon review", "alpha notes"]
    url = f"/researchers/{lead.openalex_id}/"
    text = text_of(client.get(url, {"topic": alignment, "sort": "title"}).content.decode())
    assert "Showing 1–3 of 3 matching, by title (A–Z)." in text and "6 published item(s)" in text
    none_html = client.get(url, {"sort": "title", "type": "dataset", "year_from": "2024"}).content.decode()
    assert "No works match this filter. Show all works" in text_of(none_html)
    # A whole page, so that the filter form shows the filter gone too; the order stays.
    assert f'<a href="/researchers/{lead.openalex_id}/?sort=title#published-work">Show all works</a>' in none_html


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "'; DROP TABLE works_work; --"},
        {"sort": "-cited_by_count"},
        {"year_from": "²⁰²⁰", "year_to": "٢٠٢٠"},
        {"year_from": "99999999999999999999", "year_to": "-3"},
        {"year_from": "999", "year_to": "3000"},
        {"page": "x"},
        {"page": "99999999999999999999"},
        {"page": "0"},
        {"topic": "<script>alert(1)</script>"},
        {"topic": "A5000000001"},
        {"type": "x" * 200},
        {"type": "\x00"},
        {"type": "zzz"},  # a type none of the works has (an old bookmark): the form shows "All types"
        {"topic": "T1"},  # a topic none of the works is on: the form shows "All topics"
    ],
)
def test_bad_values_are_dropped_and_never_a_500(client: Client, lead: Researcher, params: dict[str, Any]) -> None:
    for htmx in NO_HTMX_AND_HTMX:
        response = client.get(f"/researchers/{lead.openalex_id}/", params, **htmx)
        text = text_of(response.content.decode())
        assert response.status_code == 200 and "<script>alert" not in response.content.decode()
        assert "Showing 1–6 of 6, newest first." in text


def test_a_type_or_topic_the_works_do_not_have_is_dropped_and_the_export_links_drop_it_too(
    client: Client, lead: Researcher
) -> None:
    """The list, the form and the export links agree: all works, all types, all topics."""
    elsewhere = f.topic("Elsewhere Topic").openalex_id  # a real topic, on none of Ada's works
    url = f"/researchers/{lead.openalex_id}/"
    for params in ({"type": "zzz", "sort": "title"}, {"topic": elsewhere, "sort": "title"}):
        html = client.get(url, params).content.decode()
        assert "Showing 1–6 of 6, by title (A–Z)." in text_of(html) and "No works match" not in html
        assert re.search(r'<option value="(zzz|T\d+)" selected', html) is None
        exports = html[html.index('class="export-links'):]
        assert f'href="{url}works.bib?sort=title"' in exports and "zzz" not in exports and elsewhere not in exports
    # A type that is there still filters, and its export link keeps it.
    html = client.get(url, {"type": "article"}).content.decode()
    assert "Showing 1–3 of 3 matching" in text_of(html) and f'href="{url}works.bib?type=article"' in html


def test_a_topic_the_form_offers_stays_chosen_even_when_no_listed_work_is_on_it(
    client: Client, lead: Researcher
) -> None:
    """The form's topics are the researcher's: choosing one of them whose works are all hidden
    keeps it chosen and says nothing matches (the form and the list still agree)."""
    vision = lead.topics.get(topic__display_name="Computer Vision").topic
    for work in lead.works.filter(work_topics__topic=vision):
        HiddenWork.objects.create(researcher=lead, work=work, reason="not_mine")
    html = client.get(f"/researchers/{lead.openalex_id}/", {"topic": vision.openalex_id}).content.decode()
    assert "No works match this filter." in text_of(html)
    assert f'<option value="{vision.openalex_id}" selected>' in html


def test_the_form_drops_what_it_cannot_read() -> None:
    assert WorksFilterForm({"sort": "nonsense", "page": "²", "year_from": "1e3", "topic": "t42"}).filters() == (
        WorksFilter(topic="T42")
    )
    assert WorksFilterForm({"year_from": "2024", "year_to": "2001", "page": "3"}).filters() == (
        WorksFilter(year_from=2001, year_to=2024, page=3)
    )


def test_it_pages_keeping_the_filters_and_a_page_past_the_end_is_empty_and_explained(client: Client) -> None:
    ada = f.researcher()
    for i in range(WORKS_PER_PAGE + 5):
        f.work([ada], year=2000 + i, title=f"Item {2000 + i}", cited_by_count=i)
    query = {"sort": "citations", "year_from": "2001", "page": "2"}
    second = client.get(f"/researchers/{ada.openalex_id}/", query, HTTP_HX_REQUEST="true").content.decode()
    assert "Showing 21–24 of 24 matching, most cited first." in text_of(second)
    assert re.findall(r"<bdi>(Item \d+)</bdi></a></h3>", second) == ["Item 2004", "Item 2003", "Item 2002", "Item 2001"]
    # The pager keeps the sort and the filter.
    assert f'data-hx-get="/researchers/{ada.openalex_id}/?sort=citations&amp;year_from=2001&amp;page=1"' in second
    past = client.get(f"/researchers/{ada.openalex_id}/", {"sort": "title", "page": "7"}).content.decode()
    assert "There is no page 7: these works fill 2 pages. Go to the first page" in text_of(past)
    assert f'href="/researchers/{ada.openalex_id}/?sort=title#published-work"' in past
    assert "Item 20" not in re.sub(r"<form.*?</form>", "", past, flags=re.S)


def test_each_work_shows_its_first_authors_with_the_researcher_in_bold_its_venue_and_citations(
    client: Client,
) -> None:
    ada = f.researcher("Ada Example")
    others = [f.researcher(f"Other Author {i}") for i in range(8)]
    f.work([*others[:2], ada, *others[2:]], title="Crowded", cited_by_count=1, source=f.source("Venue of Note"))
    f.work([ada], title="Alone", cited_by_count=0, venue_name="Workshop Without Id")
    html = client.get(f"/researchers/{ada.openalex_id}/").content.decode()
    text = text_of(html)
    assert html.count('<strong class="author-highlight">') == 2
    assert f'<strong class="author-highlight"><a href="/researchers/{ada.openalex_id}/">' in html
    shown = [n for n in range(8) if f"Other Author {n}</bdi>" in html]
    assert shown == list(range(LIST_AUTHORS_SHOWN - 1))  # the first few of the byline
    assert "and 4 more authors" in text and "Venue of Note" in text and "1 citation" in text
    assert "Workshop Without Id" in text and "0 citations" in text


def test_a_researcher_far_down_a_byline_is_named_below_the_first_authors(
    client: Client, django_assert_num_queries
) -> None:
    """Author 29 of 30 is not among the first few: the list names them apart, in bold, with
    their place, instead of hiding the person whose profile it is among "and N more"."""
    ada = f.researcher("Ada Example")
    others = [f.researcher(f"Other Author {i}") for i in range(29)]
    f.work([*others[:28], ada, others[28]], title="Big consortium paper", year=2024)
    f.work([ada, *others[:8]], title="Ada first", year=2020)
    with django_assert_num_queries(6):  # researcher, facets, works, the 2 of the author lists and Ada's place
        html = client.get(f"/researchers/{ada.openalex_id}/", HTTP_HX_REQUEST="true").content.decode()
    big = html[html.index("Big consortium paper") : html.index("Ada first")]  # newest first: the paper, then hers
    assert "Other Author 0</bdi>" in big and "Other Author 27</bdi>" not in big
    assert (
        f'… <strong class="author-highlight"><a href="/researchers/{ada.openalex_id}/"><bdi>Ada Example</bdi></a>'
        "</strong> is author 29 of 30." in big
    )
    assert f"and {30 - LIST_AUTHORS_SHOWN} more authors" in text_of(big)  # Ada among them
    assert html.count("is author ") == 1  # shown apart only where the slice leaves her out


def test_hidden_works_stay_out_of_every_sort_and_filter(client: Client, lead: Researcher) -> None:
    hidden = lead.works.get(title="Delta dataset")
    HiddenWork.objects.create(researcher=lead, work=hidden, reason="not_mine")
    for sort in WORK_SORTS:
        assert "Delta dataset" not in titles(client, lead, sort=sort)
    # Its type is then on none of the listed works: the filter is dropped, the list stays whole.
    assert titles(client, lead, type="dataset") == titles(client, lead)
    assert "Delta dataset" not in titles(client, lead)


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\u202e'


def test_hostile_titles_venues_and_names_stay_text(client: Client) -> None:
    ada = f.researcher("Ada " + HOSTILE)
    co = f.researcher("Co " + HOSTILE)
    f.work([co, ada], title=HOSTILE, source=f.source(HOSTILE), type=HOSTILE[:32])
    f.work([co, ada], title="Plain", venue_name=HOSTILE)
    for sort in WORK_SORTS:
        for htmx in NO_HTMX_AND_HTMX:
            html = client.get(f"/researchers/{ada.openalex_id}/", {"sort": sort}, **htmx).content.decode()
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_page_runs_the_same_queries_whatever_the_works_and_authors(
    client: Client, django_assert_num_queries
) -> None:
    small = f.big_profile(works=3, coauthors=2)
    big = f.big_profile(works=70, coauthors=40)
    crowd = [f.stub(f"Crowd {i}") for i in range(30)]
    f.work([big, *crowd], title="Crowded")
    on_topic = big.topics.get(rank=1).topic
    for who in (small, big):
        for work in who.works.all():
            f.tag(work, on_topic)
    topic = on_topic.openalex_id
    for who in (small, big):
        filtered = {"sort": "citations", "year_from": "2012", "type": "article", "topic": topic}
        for params in ({}, filtered):
            # researcher, facets, page of works, 2 for their authors
            with django_assert_num_queries(5):
                client.get(f"/researchers/{who.openalex_id}/", {**params, "sort": "title"}, HTTP_HX_REQUEST="true")
            with django_assert_num_queries(5):
                client.get(f"/researchers/{who.openalex_id}/", params, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(2):  # researcher, facets; a page past the end reads no work
        client.get(f"/researchers/{big.openalex_id}/", {"page": 50}, HTTP_HX_REQUEST="true")


def test_the_cached_anonymous_page_keeps_each_filter_and_order_apart(client: Client, lead: Researcher) -> None:
    """The anonymous page cache keys on the full path: the cached variant of one query string
    never answers another, and a changed list under the same query string moves the stamp."""
    url = f"/researchers/{lead.openalex_id}/"
    variants: list[dict[str, Any]] = [
        {},
        {"sort": "title"},
        {"sort": "citations"},
        {"type": "dataset"},
        {"year_from": 2023},
    ]
    first = {str(v): client.get(url, v).content.decode() for v in variants}
    again = {str(v): client.get(url, v).content.decode() for v in variants}  # from the cache
    assert first == again
    assert len(set(first.values())) == len(variants)
    assert "Showing 1–1 of 1 matching" in text_of(again[str({"type": "dataset"})])
    assert "most cited first" in again[str({"sort": "citations"})]
    # Hiding a work moves the stamp: no variant shows the stale list.
    HiddenWork.objects.create(researcher=lead, work=lead.works.get(title="Delta dataset"), reason="not_mine")
    assert "Showing 1–5 of 5, newest first." in text_of(client.get(url, {"type": "dataset"}).content.decode())
    assert "Delta dataset" not in client.get(url, {"sort": "citations"}).content.decode()


def many_works(n: int) -> None:
    """``n`` works with one unmatched author each, copied from one row in SQL (fast), then the
    tables analysed: a table the planner could choose to walk instead of the researcher's works."""
    template = f.work([], title="Filler", year=2001)
    columns = [field.column for field in Work._meta.concrete_fields if field.column not in ("id", "openalex_id")]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO works_work (openalex_id, {listed})
                SELECT 'W8' || g, {listed.replace("publication_year", "(1950 + mod(g, 75))::smallint")
                .replace("cited_by_count", "mod(g, 1000)")} FROM works_work, generate_series(1, %s) g
                WHERE works_work.id = %s""",
            [n, template.pk],
        )
        # Their authors, unmatched to any record (as 2026 records often are).
        cursor.execute(
            """INSERT INTO works_authorship (work_id, position, author_position, raw_author_name, is_corresponding,
                   raw_affiliation_strings, countries, institution_openalex_ids)
               SELECT id, 0, 'first', 'Someone', false, '{}', '{}', '{}'
               FROM works_work WHERE openalex_id LIKE 'W8%%'"""
        )
        cursor.execute("ANALYZE works_work")
        cursor.execute("ANALYZE works_authorship")
        cursor.execute("ANALYZE works_hiddenwork")


@pytest.mark.parametrize("sort", list(WORK_SORTS))
def test_no_sort_walks_the_whole_works_table(lead: Researcher, sort: str) -> None:
    """The page's works are found from the researcher's authorships (their index keyed on the
    researcher) and read by id (the covering work_sort_key, or the primary key for titles): no
    plan scans works_work or walks it in date, citation or title order looking for the
    researcher's, so the cost follows their works, not the table (30,000 other works here)."""
    many_works(30_000)
    f.work([lead], title="Imported later", year=2024)  # their works lie all along the table's ids
    ids = works_matching(lead, WorksFilter(sort=sort)).order_by(*WORK_SORTS[sort]).values("pk")[20:40]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "authorship_researcher" in plan and "Index Cond: (researcher_id = " in plan, plan
    assert "Seq Scan on works_work" not in plan and "work_newest_first" not in plan, plan
    assert re.search(r"Index (Only )?Scan using (work_sort_key|works_work_pkey) on works_work", plan), plan
    assert "Index Cond: (id = " in plan, plan


def test_works_page_reads_no_work_for_a_page_past_the_end(lead: Researcher, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        page = works_page(lead, WorksFilter(page=3))
    assert page.paging.out_of_range and page.works == [] and page.total == 6
