"""Home page: the search box (search.selectors; its own tests are tests/search/), featured and
recently imported profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def results_in(response) -> str:
    """The search results fragment of the page."""
    html = response.content.decode()
    return html.split('id="search-results"')[1].split("Recently imported profiles")[0]


def test_name_search_ignores_case_and_accents(client: Client) -> None:
    f.researcher("Vincent Larivière", openalex_id="A5000000001")
    f.researcher("Zoë Ångström-Ibáñez", openalex_id="A5000000002")
    f.researcher("Someone Else", openalex_id="A5000000003")
    for query in ("lariviere", "LARIVIÈRE", "Vincent  Lariviere"):
        html = results_in(client.get("/", {"q": query}))
        assert "Vincent Larivière" in html and "Someone Else" not in html, query
    assert "Zoë Ångström-Ibáñez" in results_in(client.get("/", {"q": "zoe angstrom"}))
    assert "Researchers <span class=\"count\">(1)</span>" in results_in(client.get("/", {"q": "ibanez"}))


def test_a_misspelt_name_still_finds_the_closest_records(client: Client) -> None:
    f.researcher("Vincent Larivière")
    html = results_in(client.get("/", {"q": "vincent lariviera"}))
    assert "Vincent Larivière" in html and "closest spellings" in html


def test_an_orcid_in_any_usual_form_goes_to_its_record(client: Client) -> None:
    josiah = f.researcher("Josiah Carberry", orcid="0000-0002-1825-0097")
    f.researcher("Other Person", orcid="0000-0001-5109-3700")
    for query in ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "0000000218250097"):
        response = client.get("/", {"q": query})
        assert response.status_code == 302 and response["Location"] == f"/researchers/{josiah.openalex_id}/", query


def test_an_openalex_id_goes_straight_to_the_profile(client: Client) -> None:
    response = client.get("/", {"q": "https://openalex.org/a5023888391"})
    assert response.status_code == 302 and response["Location"] == "/researchers/A5023888391/"


def test_no_match_says_so_and_deleted_records_are_not_listed(client: Client) -> None:
    f.researcher("Gone Person", record_status="deleted")
    html = results_in(client.get("/", {"q": "gone person"}))
    assert "0 results for" in html and "Nothing matches" in html and "Gone Person" not in html


def test_imported_records_rank_before_co_author_stubs(client: Client) -> None:
    f.stub("Maria Example")
    f.researcher("Maria Example", works_count=3)
    html = results_in(client.get("/", {"q": "maria"}))
    assert html.index("3 works") < html.index("Co-author record")


def test_recently_imported_profiles_are_listed_newest_first(client: Client, django_assert_num_queries) -> None:
    f.researcher("Older Import", imported_at=datetime(2026, 1, 1, tzinfo=UTC))
    newer = f.researcher("Newer Import", imported_at=datetime(2026, 2, 1, tzinfo=UTC))
    f.affiliate(newer, f.institution("Example University"), [2025], current=True)
    f.stub("A Stub")
    with django_assert_num_queries(1):
        html = client.get("/").content.decode()
    recent = html.split("Recently imported profiles")[1]
    assert recent.index("Newer Import") < recent.index("Older Import")
    assert "Example University" in recent and "A Stub" not in recent
    with django_assert_num_queries(5):  # researchers, topics, institutions, works (none found), the recent list
        client.get("/", {"q": "import"})


def test_the_search_box_escapes_the_query(client: Client) -> None:
    html = client.get("/", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
