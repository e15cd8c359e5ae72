"""The co-author page of a researcher: every co-author with shared works, years and current
institution; sorts; paging; ids resolved like a profile's; a fixed number of queries; plans
that read the researcher's edges only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from graph.coauthors import COAUTHOR_SORTS, COAUTHORS_PER_PAGE, _edges_of, _other_name
from profiles.models import Researcher, ResearcherAlias
from tests import factories as f
from tests.pages.test_profile_views import text_of

pytestmark = pytest.mark.django_db


def url(who: Researcher, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/researchers/{who.openalex_id}/coauthors/" + (f"?{query}" if query else "")


def names(html: str) -> list[str]:
    """The co-authors the page lists, in order."""
    return re.findall(r'<th scope="row"><a href="[^"]+"><bdi>([^<]*)</bdi>', html)


@pytest.fixture
def ada() -> Researcher:
    """Ada with three co-authors: Zed (3 shared works, 2015–2017), bea (1, 2024), Carl (2,
    2019–2020, at Example Institute now)."""
    ada = f.researcher("Ada Example")
    zed, bea, carl = f.researcher("Zed Last"), f.researcher("bea first"), f.researcher("Carl Middle")
    for year in (2015, 2016, 2017):
        f.work([ada, zed], year=year)
    f.work([bea, ada], year=2024)
    for year in (2019, 2020):
        f.work([carl, ada], year=year)
    f.affiliate(carl, f.institution("Example Institute"), [2024], current=True)
    f.affiliate(carl, f.institution("Former Place"), [2010], current=False)
    f.edges()
    return ada


def test_everyone_sees_every_co_author_with_shared_works_years_and_institution(
    ada: Researcher, anonymous: Client, stranger: Any, owner: Any, record: Researcher
) -> None:
    pages = [anonymous.get(url(ada))]
    for person in (stranger, owner):
        signed_in = Client()
        signed_in.force_login(person)
        pages.append(signed_in.get(url(ada)))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert names(html) == ["Zed Last", "Carl Middle", "bea first"]  # most shared works first
        text = text_of(html)
        assert "Showing 1–3 of 3 co-authors, most shared works first." in text
        assert "Carl Middle 2 shared works with Carl Middle 2019–2020 Example Institute" in text
        assert "Former Place" not in text
        assert "bea first 1 shared work with bea first 2024 –" in text
    zed = Researcher.objects.get(display_name="Zed Last")
    html = pages[0].content.decode()
    assert f'href="/researchers/{ada.openalex_id}/coauthors/{zed.openalex_id}/"' in html  # the shared works
    assert f'href="/researchers/{zed.openalex_id}/"' in html  # the profile
    assert "<title>Co-authors of Ada Example · BZPEER</title>" in html


def test_it_sorts_by_shared_works_most_recent_or_name(client: Client, ada: Researcher) -> None:
    assert names(client.get(url(ada, sort="shared")).content.decode()) == ["Zed Last", "Carl Middle", "bea first"]
    assert names(client.get(url(ada, sort="recent")).content.decode()) == ["bea first", "Carl Middle", "Zed Last"]
    assert names(client.get(url(ada, sort="name")).content.decode()) == ["bea first", "Carl Middle", "Zed Last"]
    html = client.get(url(ada, sort="name")).content.decode()
    assert '<option value="name" selected>' in html and "by name (A–Z)" in html
    # A preferred name is the name the page shows and sorts by.
    Researcher.objects.filter(display_name="Zed Last").update(preferred_name="Aaron Chosen")
    assert names(client.get(url(ada, sort="name")).content.decode())[0] == "Aaron Chosen"


@pytest.mark.parametrize(
    "query",
    ["sort=%27%3B+DROP+TABLE", "sort=-shared_works", "page=x", "page=%C2%B2", "page=0", "page=99999999999999999999"],
)
def test_bad_values_are_dropped(client: Client, ada: Researcher, query: str) -> None:
    response = client.get(f"/researchers/{ada.openalex_id}/coauthors/?{query}")
    assert response.status_code == 200
    assert names(response.content.decode()) == ["Zed Last", "Carl Middle", "bea first"]


def test_it_pages_twenty_at_a_time_and_a_page_past_the_end_is_empty_and_explained(
    client: Client, django_assert_num_queries
) -> None:
    lead = f.researcher("Lead Person")
    for i in range(COAUTHORS_PER_PAGE + 3):
        other = f.researcher(f"Person {i:02d}")
        for _ in range(1 + i % 3):
            f.work([lead, other])
    f.edges()
    first = client.get(url(lead, sort="name")).content.decode()
    assert len(names(first)) == COAUTHORS_PER_PAGE and names(first)[0] == "Person 00"
    assert f'href="/researchers/{lead.openalex_id}/coauthors/?sort=name&amp;page=2" ' in first
    second = client.get(url(lead, sort="name", page=2), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in second and second.lstrip().startswith('<div id="coauthors-list"')
    assert names(second) == ["Person 20", "Person 21", "Person 22"]
    assert f'data-hx-get="/researchers/{lead.openalex_id}/coauthors/?sort=name&amp;page=1" rel="prev"' in second
    assert "Showing 21–23 of 23 co-authors, by name (A–Z)." in text_of(second)
    with django_assert_num_queries(2):  # researcher, count
        past = client.get(url(lead, sort="name", page=9)).content.decode()
    assert names(past) == []
    assert "There is no page 9: the 23 co-authors fill 2 pages. Go to the first page" in text_of(past)


def test_the_query_count_does_not_grow_with_the_co_authors(client: Client, django_assert_num_queries) -> None:
    small = f.big_profile(works=3, coauthors=2)
    big = f.big_profile(works=80, coauthors=60)
    for who in (small, big):
        for sort in COAUTHOR_SORTS:
            # researcher, count, page of edges with both researchers, current institutions
            with django_assert_num_queries(4):
                response = client.get(url(who, sort=sort))
            assert response.status_code == 200
    assert "Showing 1–20 of 60 co-authors" in text_of(client.get(url(big)).content.decode())


def test_a_researcher_without_co_authors_is_told_so(client: Client, django_assert_num_queries) -> None:
    alone = f.researcher("Alone Person")
    f.work([alone])
    with django_assert_num_queries(2):
        text = text_of(client.get(url(alone)).content.decode())
    assert "No co-authors yet: no imported work lists Alone Person with another researcher." in text


def test_ids_resolve_like_a_profile(client: Client, ada: Researcher) -> None:
    ResearcherAlias.objects.create(openalex_id="A5000000009", researcher=ada, reason="merged")
    moved = client.get("/researchers/A5000000009/coauthors/?sort=name")
    assert moved.status_code == 301 and moved["Location"] == f"/researchers/{ada.openalex_id}/coauthors/?sort=name"
    assert client.get(f"/researchers/{ada.openalex_id.lower()}/coauthors/").status_code == 200
    assert client.get("/researchers/A5999999999/coauthors/").status_code == 404
    assert client.get("/researchers/not-an-id/coauthors/").status_code == 404
    gone = f.researcher("Gone Person", record_status="deleted")
    assert client.get(f"/researchers/{gone.openalex_id}/coauthors/").status_code == 410
    assert client.post(f"/researchers/{ada.openalex_id}/coauthors/").status_code == 405


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\u202e'


def test_hostile_names_and_institutions_stay_text(client: Client) -> None:
    lead = f.researcher("Lead " + HOSTILE)
    co = f.researcher("Co " + HOSTILE)
    f.affiliate(co, f.institution(HOSTILE), [2024], current=True)
    f.work([lead, co])
    f.edges()
    html = client.get(url(lead)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_the_profile_and_its_slice_link_to_the_page(client: Client, ada: Researcher) -> None:
    coauthors = f'href="/researchers/{ada.openalex_id}/coauthors/"'
    assert coauthors in client.get(f"/researchers/{ada.openalex_id}/").content.decode()
    assert coauthors in client.get(f"/researchers/{ada.openalex_id}/graph-slice/").content.decode()


@pytest.mark.parametrize("sort", list(COAUTHOR_SORTS))
def test_each_sort_reads_the_researchers_edges_from_their_indexes(ada: Researcher, sort: str) -> None:
    """Among 30,000 edges of 30,000 others, a page's statement reaches the researcher's edges
    through the unique (a, b) index and the (b, shared) index, never by scanning the edge table
    (nor by driving from the researchers: both tables are analysed at a size where that would
    read them all)."""
    others = Researcher.objects.bulk_create(
        Researcher(openalex_id=f"A58{n:08d}", display_name=f"Other {n}", search_name=f"other {n}")
        for n in range(30_000)
    )
    ids = [other.pk for other in others]
    pairs = [(ids[g], ids[(g + 1 + g % 7) % len(ids)]) for g in range(len(ids))]
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO graph_coauthoredge (researcher_a_id, researcher_b_id, shared_works, first_year, last_year)
               SELECT least(a, b), greatest(a, b), 1 + mod(a, 5), 2000, 2000 + mod(a, 20)
               FROM unnest(%s::bigint[], %s::bigint[]) AS pair(a, b) ON CONFLICT DO NOTHING""",
            [[a for a, _ in pairs], [b for _, b in pairs]],
        )
        cursor.execute("ANALYZE graph_coauthoredge")
        cursor.execute("ANALYZE profiles_researcher")
    edges = _edges_of(ada.pk).select_related("researcher_a", "researcher_b")
    if sort == "name":
        edges = edges.annotate(other_name=_other_name(ada.pk))
    sql, params = edges.order_by(*COAUTHOR_SORTS[sort])[20:40].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on graph_coauthoredge" not in plan, plan
    assert "coauthor_edge_unique" in plan and "coauthor_edge_b" in plan, plan
    assert "Index Cond: (researcher_a_id = " in plan and "Index Cond: (researcher_b_id = " in plan, plan
