"""The shared-works page of two researchers: the evidence every co-author edge links to."""

from __future__ import annotations

import pytest
from django.test import Client

from graph.edges import MAX_AUTHORS_FOR_EDGES
from profiles.models import ResearcherAlias
from tests import factories as f
from works.models import HiddenWork
from works.selectors import WORKS_PER_PAGE

pytestmark = pytest.mark.django_db


def pair(shared: int = 3) -> tuple:
    ada = f.researcher("Ada Example")
    bob = f.researcher("Bob Sample")
    crew = f.researcher("Crew Member")
    for year in range(2021, 2021 + shared):
        f.work([crew, ada, bob], year=year, title=f"Together {year}")
    f.work([ada], title="Ada alone")
    f.work([bob, crew], title="Bob without Ada")
    f.edges()
    return ada, bob


def test_it_lists_the_shared_works_newest_first_with_both_names_highlighted(
    client: Client, django_assert_num_queries
) -> None:
    ada, bob = pair()
    # a, b, the count, the edge, the works, 2 for their author lists
    with django_assert_num_queries(7):
        response = client.get(f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Works of Ada Example and Bob Sample · BZPEER</title>" in html
    assert "3 shared works, 2021–2023: the connection drawn" in html  # the edge's evidence
    assert html.index("Together 2023") < html.index("Together 2022") < html.index("Together 2021")
    assert "Ada alone" not in html and "Bob without Ada" not in html
    assert html.count('<strong class="author-highlight"><a href="/researchers/') == 2 * 3
    assert f'<strong class="author-highlight"><a href="/researchers/{ada.openalex_id}/">' in html
    assert "Crew Member</bdi></a></li>" in html  # the other authors, not highlighted


def test_the_query_count_does_not_grow_with_the_works_and_it_pages(client: Client, django_assert_num_queries) -> None:
    ada, bob = pair(shared=WORKS_PER_PAGE + 5)
    with django_assert_num_queries(7):
        html = client.get(f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/?page=2").content.decode()
    assert f"Showing {WORKS_PER_PAGE + 1}–{WORKS_PER_PAGE + 5} of {WORKS_PER_PAGE + 5}" in html
    assert 'href="?page=1" rel="prev"' in html and "Together 2021" in html
    # A hand-edited page number shows the first page or the last.
    assert (
        "Showing 1–"
        in client.get(f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/?page=x").content.decode()
    )


def test_strangers_see_it_like_everyone_and_either_order_works(client: Client, stranger) -> None:
    ada, bob = pair()
    client.force_login(stranger)
    response = client.get(f"/researchers/{bob.openalex_id}/coauthors/{ada.openalex_id}/")
    assert response.status_code == 200 and "3 shared works, 2021–2023" in response.content.decode()


def test_works_either_one_hid_are_not_shared_works(client: Client) -> None:
    ada, bob = pair()
    hidden = f.work([ada, bob], title="Not really Bob's")
    HiddenWork.objects.create(researcher=bob, work=hidden, reason="not_mine")
    html = client.get(f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/").content.decode()
    assert "Not really Bob" not in html and "Showing 1–3 of 3" in html


def test_consortium_papers_are_listed_but_said_not_to_count(client: Client) -> None:
    ada, bob = pair(shared=1)
    crowd = [f.researcher(f"Member {i}") for i in range(MAX_AUTHORS_FOR_EDGES)]
    f.work([ada, bob, *crowd], title="Big consortium paper")
    f.edges()
    html = client.get(f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/").content.decode()
    assert "Big consortium paper" in html and "1 shared work, 2021" in html
    assert "1 of the 2 works below does not count towards the connection" in html


def test_a_pair_without_shared_works_is_an_explained_404(client: Client) -> None:
    ada = f.researcher("Ada Example")
    other = f.researcher("Never Met")
    response = client.get(f"/researchers/{ada.openalex_id}/coauthors/{other.openalex_id}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No work lists both of them" in html and f'href="/researchers/{other.openalex_id}/"' in html


def test_it_refuses_the_same_person_twice(client: Client) -> None:
    ada = f.researcher("Ada Example")
    response = client.get(f"/researchers/{ada.openalex_id}/coauthors/{ada.openalex_id.lower()}/")
    assert response.status_code == 400 and "One person twice" in response.content.decode()


def test_merged_ids_move_permanently_keeping_the_other(client: Client) -> None:
    ada, bob = pair()
    ResearcherAlias.objects.create(openalex_id="A5000000009", researcher=ada, reason="merged")
    ResearcherAlias.objects.create(openalex_id="A5000000010", researcher=bob, reason="merged")
    first = client.get("/researchers/A5000000009/coauthors/A5000000010/?page=1")
    assert first.status_code == 301
    assert first["Location"] == f"/researchers/{ada.openalex_id}/coauthors/A5000000010/?page=1"
    second = client.get(first["Location"])
    assert second.status_code == 301
    assert second["Location"] == f"/researchers/{ada.openalex_id}/coauthors/{bob.openalex_id}/?page=1"
    assert client.get(second["Location"]).status_code == 200


def test_unknown_and_deleted_researchers_answer_like_their_profiles(client: Client) -> None:
    ada, _ = pair()
    gone = f.researcher("Gone Person", record_status="deleted")
    assert client.get(f"/researchers/{ada.openalex_id}/coauthors/A5999999999/").status_code == 404
    assert client.get(f"/researchers/{ada.openalex_id}/coauthors/not-an-id/").status_code == 404
    assert client.get(f"/researchers/{gone.openalex_id}/coauthors/{ada.openalex_id}/").status_code == 410
    assert client.post(f"/researchers/{ada.openalex_id}/coauthors/{gone.openalex_id}/").status_code == 405
