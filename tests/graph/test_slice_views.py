"""The research-graph slice fragment and the explorer page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def network():
    lead = f.researcher("Centre Person")
    close = f.researcher("Close Colleague")
    closer = f.researcher("Closest Colleague")
    once = f.researcher("One Paper Colleague")
    lab = f.institution("Example Lab")
    f.affiliate(lead, lab, [2024], current=True)
    f.affiliate(closer, lab, [2024], current=True)
    f.affiliate(close, f.institution("Other Institute"), [2023], current=True)
    for year in (2021, 2022, 2024):
        f.work([lead, closer], year=year, title=f"With closest {year}")
    for year in (2019, 2020):
        f.work([lead, close], year=year, title=f"With close {year}")
    f.work([lead, once, closer, close], year=2018, title="Everyone together")
    f.give_topic(lead, f.topic("Graph Topic"), rank=1, works_count=6)
    f.edges()
    return lead


def test_the_slice_explains_each_close_collaborator(client: Client, django_assert_num_queries) -> None:
    lead = network()
    with django_assert_num_queries(5):  # researcher, edges, institutions, topics, works
        response = client.get(f"/researchers/{lead.openalex_id}/graph-slice/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.startswith('<div id="graph-slice"')
    assert "Closest Colleague" in html and "4 shared works, 2018–2024" in html
    assert "Close Colleague" in html and "3 shared works, 2018–2020" in html
    assert "One Paper Colleague</bdi></a></th>" not in html  # one shared work: not close
    assert html.index("Closest Colleague") < html.index("Close Colleague</bdi></a>")
    assert "Example Lab" in html and "Other Institute" in html and "Graph Topic" in html
    works = html.split("Most connected recent works")[1]
    # The oldest, but with two close collaborators on it: first.
    assert works.index("Everyone together") < works.index("With closest 2024") < works.index("With closest 2022")


def test_the_slice_falls_back_to_top_co_authors(client: Client) -> None:
    lead = f.researcher()
    people = [f.researcher(f"Person {i}") for i in range(3)]
    f.work([lead, *people])
    f.edges()
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    assert "these are the co-authors with the most shared works" in html
    assert html.count("1 shared work, 2024") == 3


def test_the_slice_query_count_does_not_grow_with_the_network(client: Client, django_assert_num_queries) -> None:
    big = f.big_profile(works=60, coauthors=40)
    with django_assert_num_queries(5):
        html = client.get(f"/researchers/{big.openalex_id}/graph-slice/").content.decode()
    assert "(12 of 40)" in html


def test_an_empty_slice_says_so(client: Client) -> None:
    lead = f.researcher("Lonely Person")
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    assert "Nothing around <bdi>Lonely Person</bdi> yet" in html


def test_the_explorer_is_a_full_page_with_the_same_data(client: Client, django_assert_num_queries) -> None:
    lead = network()
    with django_assert_num_queries(5):
        response = client.get(f"/researchers/{lead.openalex_id}/graph/")
    html = response.content.decode()
    assert "<html" in html and "<title>Research graph of Centre Person · BZPEER</title>" in html
    assert "4 shared works, 2018–2024" in html and f'href="/researchers/{lead.openalex_id}/"' in html


def test_unknown_and_deleted_researchers_have_no_slice(client: Client) -> None:
    assert client.get("/researchers/A5999999999/graph-slice/").status_code == 404
    gone = f.researcher(record_status="deleted")
    assert client.get(f"/researchers/{gone.openalex_id}/graph/").status_code == 410  # as the profile answers
