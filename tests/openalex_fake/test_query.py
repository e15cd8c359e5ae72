"""List responses of the fake OpenAlex server: filters, search, sorting, paging."""

from __future__ import annotations

import base64

import pytest

from openalex_fake import OpenAlexFakeServer
from tests.openalex_fake.records import OA, get, result_ids


def test_works_by_author_newest_first(server: OpenAlexFakeServer) -> None:
    body = get(server, "/works?filter=author.id:A5000000001").json()
    assert result_ids(body) == ["W101", "W102", "W100", "W104"]
    assert body["meta"]["count"] == 4
    assert body["group_by"] == []
    assert set(body["meta"]) == {"count", "db_response_time_ms", "page", "per_page", "groups_count"}


def test_list_filters(server: OpenAlexFakeServer) -> None:
    cases = {
        "/works?filter=author.id:A5000000002|A5000000003": ["W102", "W100", "W103"],
        "/works?filter=author.id:A5000000002%7CA5000000003": ["W102", "W100", "W103"],
        "/works?filter=authorships.author.id:https%3A%2F%2Fopenalex.org%2FA5000000002": ["W100", "W103"],
        "/works?filter=author.id:A5000000001,author.id:A5000000002": ["W100"],
        "/works?filter=author.id:A5000000001+A5000000003": ["W102"],
        "/works?filter=author.id:A5000000001,publication-year:2021": ["W100"],
        "/works?filter=openalex:W101|W103": ["W101", "W103"],
        "/works?filter=openalex_id:https%3A%2F%2Fopenalex.org%2FW102": ["W102"],
        "/works?filter=ids.openalex:W100": ["W100"],
        "/works?filter=doi:https%3A%2F%2Fdoi.org%2F10.5555%2FKETTLE.1": ["W100"],
        "/works?filter=doi:10.5555/kettle.1": ["W100"],
        "/works?filter=author.id:A5000000001,author.id:!A5000000002": ["W101", "W102", "W104"],
        "/authors?filter=orcid:https%3A%2F%2Forcid.org%2F0000-0002-1825-0097": ["A5000000001"],
        "/authors?filter=orcid:0000-0002-9079-593X": ["A5000000003"],
        "/authors?filter=openalex:A5000000002": ["A5000000002"],
        "/authors?filter=display_name.search:muller": ["A5000000001"],
        "/authors?filter=display_name.search:bea+quill": ["A5000000002"],
        "/authors?filter=openalex%3AA5000000002": ["A5000000002"],  # whole filter URL-encoded
    }
    for path, expected in cases.items():
        response = get(server, path)
        assert response.status_code == 200, (path, response.text)
        assert result_ids(response.json()) == expected, path


@pytest.mark.parametrize("query", ["jose muller", "JOSÉ MÜLLER", "müller-lüdenscheidt", "Mueller", "j muller"])
def test_author_search_ignores_case_and_accents(server: OpenAlexFakeServer, query: str) -> None:
    body = get(server, "/authors", params={"search": query}).json()
    assert result_ids(body) == ["A5000000001"]
    assert body["results"][0]["relevance_score"] > 0


def test_search_matches_alternatives_and_work_titles(server: OpenAlexFakeServer) -> None:
    assert result_ids(get(server, "/authors?search=jan%20quill").json()) == []
    assert result_ids(get(server, "/works?search=TEAPOT").json()) == ["W101"]
    assert result_ids(get(server, "/works?search=kettle+dynamics").json()) == ["W100"]


def test_unknown_filter_field_is_400_openalex_style(server: OpenAlexFakeServer) -> None:
    response = get(server, "/works?filter=DOESNTEXIST:1")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid query parameters error."
    assert body["message"].startswith("DOESNTEXIST is not a valid field.")
    assert "author.id" in body["message"]


@pytest.mark.parametrize("per_page", ["0", "201", "-3", "abc"])
def test_per_page_out_of_range_is_400(server: OpenAlexFakeServer, per_page: str) -> None:
    for name in ("per-page", "per_page"):
        response = get(server, f"/works?{name}={per_page}")
        assert response.status_code == 400
        assert "per-page" in response.json()["message"]


def test_per_page_bounds_are_accepted(server: OpenAlexFakeServer) -> None:
    assert get(server, "/works?per_page=1").json()["meta"]["per_page"] == 1
    assert get(server, "/works?per-page=200").json()["meta"]["per_page"] == 200


def test_page_paging(server: OpenAlexFakeServer) -> None:
    pages = [get(server, f"/works?per-page=2&page={n}").json() for n in (1, 2, 3, 4)]
    assert [result_ids(p) for p in pages] == [["W101", "W102"], ["W100", "W103"], ["W104"], []]
    assert [p["meta"]["page"] for p in pages] == [1, 2, 3, 4]
    assert all("next_cursor" not in p["meta"] for p in pages)
    assert {p["meta"]["count"] for p in pages} == {5}


def test_cursor_paging_walks_to_terminal_empty_page(server: OpenAlexFakeServer) -> None:
    cursor: str | None = "*"
    seen: list[str] = []
    bodies = []
    while cursor is not None:
        body = get(server, "/works", params={"filter": "author.id:A5000000001", "cursor": cursor, "per-page": 2}).json()
        bodies.append(body)
        assert body["meta"]["page"] is None
        assert body["meta"]["per_page"] == 2
        seen.extend(result_ids(body))
        cursor = body["meta"]["next_cursor"]
    assert seen == ["W101", "W102", "W100", "W104"]
    assert [len(b["results"]) for b in bodies] == [2, 2, 0]
    # The last page with results still carries a cursor; the extra request ends the walk.
    assert bodies[1]["meta"]["next_cursor"] is not None
    assert bodies[2]["meta"]["next_cursor"] is None
    base64.b64decode(bodies[0]["meta"]["next_cursor"], validate=True)  # opaque base64


def test_cursor_on_empty_result_ends_at_once(server: OpenAlexFakeServer) -> None:
    body = get(server, "/works?filter=author.id:A5000000404&cursor=*").json()
    assert body["results"] == [] and body["meta"]["next_cursor"] is None
    assert body["meta"]["count"] == 0


def test_bad_cursor_is_400(server: OpenAlexFakeServer) -> None:
    assert get(server, "/works?cursor=not-a-cursor").status_code == 400


def test_lists_truncate_authorships_at_100(server: OpenAlexFakeServer) -> None:
    results = {r["id"]: r for r in get(server, "/works?filter=author.id:A5000000001").json()["results"]}
    big = results[OA + "W104"]
    assert len(big["authorships"]) == 100
    assert big["is_authors_truncated"] is True
    assert big["authorships"][0]["author"]["id"] == OA + "A5000000001"
    assert len(results[OA + "W100"]["authorships"]) == 2
    assert results[OA + "W100"].get("is_authors_truncated") is not True
