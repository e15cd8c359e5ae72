"""Home page: name and ORCID search, recently imported profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def names_in(response) -> str:
    """The page above the recently imported list (the search results)."""
    return response.content.decode().split("Recently imported profiles")[0]


def test_name_search_ignores_case_and_accents(client: Client) -> None:
    f.researcher("Vincent Larivière", openalex_id="A5000000001")
    f.researcher("Zoë Ångström-Ibáñez", openalex_id="A5000000002")
    f.researcher("Someone Else", openalex_id="A5000000003")
    for query in ("lariviere", "LARIVIÈRE", "Vincent  Lariviere"):
        html = names_in(client.get("/", {"q": query}))
        assert "Vincent Larivière" in html and "Someone Else" not in html, query
    assert "Zoë Ångström-Ibáñez" in names_in(client.get("/", {"q": "zoe angstrom"}))
    assert "1 result for" in names_in(client.get("/", {"q": "ibanez"}))


def test_a_misspelt_name_still_finds_the_closest_records(client: Client) -> None:
    f.researcher("Vincent Larivière")
    assert "Vincent Larivière" in names_in(client.get("/", {"q": "vincent lariviera"}))


def test_orcid_search_in_any_usual_form(client: Client) -> None:
    f.researcher("Josiah Carberry", orcid="0000-0002-1825-0097")
    f.researcher("Other Person", orcid="0000-0001-5109-3700")
    for query in ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "0000000218250097"):
        html = names_in(client.get("/", {"q": query}))
        assert "Josiah Carberry" in html and "Other Person" not in html, query


def test_an_openalex_id_goes_straight_to_the_profile(client: Client) -> None:
    response = client.get("/", {"q": "https://openalex.org/a5023888391"})
    assert response.status_code == 302 and response["Location"] == "/researchers/A5023888391/"


def test_no_match_says_so_and_deleted_records_are_not_listed(client: Client) -> None:
    f.researcher("Gone Person", record_status="deleted")
    html = names_in(client.get("/", {"q": "gone person"}))
    assert "0 results for" in html and "No researcher matches" in html


def test_imported_records_rank_before_co_author_stubs(client: Client) -> None:
    f.stub("Maria Example")
    f.researcher("Maria Example", works_count=3)
    html = names_in(client.get("/", {"q": "maria"}))
    results = html.split("results for")[1]
    assert results.index("3 works") < results.index("Co-author record")


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
    with django_assert_num_queries(2):  # the search and the recent list
        client.get("/", {"q": "import"})


def test_the_search_box_escapes_the_query(client: Client) -> None:
    html = names_in(client.get("/", {"q": '"><script>alert(1)</script>'}))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
