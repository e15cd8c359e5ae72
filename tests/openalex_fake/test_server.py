"""The fake OpenAlex server's single-entity routes through real HTTP, and pyalex end to end
(no database needed)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from openalex_fake import OpenAlexFakeServer
from tests.openalex_fake.records import OA, get

# --- single entities ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/authors/A5000000001",
        "/authors/a5000000001",
        "/authors/https://openalex.org/A5000000001",
        "/authors/https%3A%2F%2Fopenalex.org%2FA5000000001",
        "/authors/openalex:A5000000001",
        "/authors/openalex%3AA5000000001",
        "/authors/orcid:0000-0002-1825-0097",
        "/authors/orcid%3A0000-0002-1825-0097",
        "/authors/https://orcid.org/0000-0002-1825-0097",
        "/authors/https%3A%2F%2Forcid.org%2F0000-0002-1825-0097",
    ],
)
def test_author_by_every_id_form(server: OpenAlexFakeServer, path: str) -> None:
    response = get(server, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["id"] == OA + "A5000000001"
    assert response.json()["display_name"] == "José Müller-Lüdenscheidt"


def test_orcid_ending_in_x_is_found(server: OpenAlexFakeServer) -> None:
    assert get(server, "/authors/orcid:0000-0002-9079-593x").json()["display_name"] == "Cy Tarn"


@pytest.mark.parametrize(
    "path",
    [
        "/works/W100",
        "/works/https%3A%2F%2Fopenalex.org%2FW100",
        "/works/doi:10.5555/kettle.1",
        "/works/doi%3A10.5555%2FKETTLE.1",
        "/works/https://doi.org/10.5555/Kettle.1",
        "/works/https%3A%2F%2Fdoi.org%2F10.5555%2Fkettle.1",
    ],
)
def test_work_by_every_id_form(server: OpenAlexFakeServer, path: str) -> None:
    response = get(server, path)
    assert response.status_code == 200
    assert response.json()["title"] == "Kettle dynamics"


def test_unknown_id_is_404_with_openalex_error_body(server: OpenAlexFakeServer) -> None:
    for path in (
        "/authors/A5000000404",
        "/authors/W100",
        "/works/doi:10.1/none",
        "/authors/orcid:0000-0000-0000-0000",
        "/authors/not-an-id",
    ):
        response = get(server, path)
        assert response.status_code == 404, path
        body = response.json()
        assert set(body) == {"error", "message"}
        assert body["error"] and body["message"]


def test_unknown_endpoint_is_404(server: OpenAlexFakeServer) -> None:
    assert get(server, "/frobnicators/X1").status_code == 404


def test_merged_id_redirects_301_to_survivor(server: OpenAlexFakeServer) -> None:
    response = get(server, "/authors/A5999999999", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/authors/A5000000001")
    followed = get(server, "/authors/A5999999999")
    assert followed.status_code == 200
    assert followed.json()["id"] == OA + "A5000000001"
    assert [r.status for r in server.requests][-2:] == [301, 200]


def test_single_work_returns_all_authorships(server: OpenAlexFakeServer) -> None:
    body = get(server, "/works/W104").json()
    assert len(body["authorships"]) == 151
    assert "is_authors_truncated" not in body


def test_select_returns_only_requested_keys(server: OpenAlexFakeServer) -> None:
    assert get(server, "/authors/A5000000002?select=id,display_name").json() == {
        "id": OA + "A5000000002",
        "display_name": "Bea Quill",
    }


# --- pyalex end to end -------------------------------------------------------------------


@pytest.fixture
def pyalex_on(server: OpenAlexFakeServer, monkeypatch: pytest.MonkeyPatch) -> OpenAlexFakeServer:
    """Point pyalex at the server by rewriting https://api.openalex.org in the transport."""
    from pyalex import api
    from requests.adapters import HTTPAdapter

    class RewriteAdapter(HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            request.url = (request.url or "").replace("https://api.openalex.org", server.url, 1)
            return super().send(request, **kwargs)

    original = api._get_requests_session

    def session_factory() -> requests.Session:
        session = original()
        session.params = {"api_key": "KEY123"}
        retries = session.get_adapter("https://").max_retries
        session.mount("https://api.openalex.org", RewriteAdapter(max_retries=retries))
        return session

    monkeypatch.setattr(api, "_get_requests_session", session_factory)
    monkeypatch.setitem(api.config, "email", "me@example.org")
    monkeypatch.setitem(api.config, "api_key", "KEY123")
    return server


def test_pyalex_end_to_end(pyalex_on: OpenAlexFakeServer) -> None:
    from pyalex import Authors, Works

    by_id = Authors()["A5000000001"]
    assert by_id["display_name"] == "José Müller-Lüdenscheidt"
    assert Authors()["https://openalex.org/A5000000001"]["id"] == OA + "A5000000001"
    assert Authors()["orcid:0000-0002-1825-0097"]["id"] == OA + "A5000000001"
    assert Works()["https://doi.org/10.5555/kettle.1"]["abstract"] is None

    pages = list(Works().filter(author={"id": "A5000000001"}).paginate(per_page=2, n_max=None))
    assert [[w["id"].removeprefix(OA) for w in page] for page in pages] == [
        ["W101", "W102"],
        ["W100", "W104"],
        [],  # pyalex yields the terminal empty page too
    ]
    cursors = [r.query["cursor"] for r in pyalex_on.requests.matching("/works") if "cursor" in r.query]
    assert cursors[0] == "*" and len(cursors) == 3  # two pages + the empty terminal page

    found = Authors().search("jose muller").get()
    assert [a["id"] for a in found] == [OA + "A5000000001"]
    assert found.meta["count"] == 1

    for entry in pyalex_on.requests:
        assert entry.query["api_key"] == "KEY123"
        assert entry.headers["Authorization"] == "Bearer KEY123"
        assert entry.headers["From"] == "me@example.org"


def test_pyalex_retries_429_and_maps_errors(pyalex_on: OpenAlexFakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyalex import Authors, Works, api

    monkeypatch.setitem(api.config, "max_retries", 3)
    monkeypatch.setitem(api.config, "retry_backoff_factor", 0.01)
    pyalex_on.faults.add(path_prefix="/authors", status=429, times=2, retry_after=0)
    assert Authors()["A5000000002"]["display_name"] == "Bea Quill"
    assert [r.status for r in pyalex_on.requests] == [429, 429, 200]

    with pytest.raises(api.QueryError, match="not a valid field"):
        Works().filter(nonsense_field="x").get()
    with pytest.raises(requests.HTTPError):
        Authors()["A5000000404"]
