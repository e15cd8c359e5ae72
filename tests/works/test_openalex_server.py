"""The local OpenAlex-compatible server, through real HTTP (no database needed)."""

from __future__ import annotations

import base64
import gzip
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from works.openalex_server import OpenAlexLoadError, OpenAlexStore, OpenAlexTestServer

OA = "https://openalex.org/"
SAMPLES = Path(settings.BASE_DIR).parent / "shared" / "openalex-samples"


def author(
    key: str, name: str, orcid: str | None = None, alternatives: tuple[str, ...] = (), cited: int = 0
) -> dict[str, Any]:
    orcid_url = f"https://orcid.org/{orcid}" if orcid else None
    ids = {"openalex": OA + key, **({"orcid": orcid_url} if orcid_url else {})}
    return {
        "id": OA + key,
        "orcid": orcid_url,
        "display_name": name,
        "display_name_alternatives": list(alternatives),
        "cited_by_count": cited,
        "ids": ids,
    }


def authorship(key: str | None, name: str, position: str = "middle") -> dict[str, Any]:
    return {
        "author_position": position,
        "author": {"id": OA + key if key else None, "display_name": name, "orcid": None},
        "institutions": [],
        "countries": [],
        "is_corresponding": False,
        "raw_author_name": name,
        "raw_affiliation_strings": [],
        "affiliations": [],
    }


def work(
    key: str, title: str, date: str, authors: list[tuple[str, str]], doi: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": OA + key,
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": title,
        "display_name": title,
        "publication_year": int(date[:4]),
        "publication_date": date,
        "type": "article",
        "abstract_inverted_index": None,
        "authorships": [authorship(k, n, "first" if i == 0 else "middle") for i, (k, n) in enumerate(authors)],
        **extra,
    }


ADA = author(
    "A5000000001",
    "José Müller-Lüdenscheidt",
    orcid="0000-0002-1825-0097",
    alternatives=("J. Muller", "Jose Mueller"),
    cited=40,
)
BEA = author("A5000000002", "Bea Quill", cited=5)
CY = author("A5000000003", "Cy Tarn", orcid="0000-0002-9079-593X")
BIG_AUTHORS = [(f"A5100000{i:03d}", f"Member {i}") for i in range(150)]
WORKS = [
    work(
        "W100",
        "Kettle dynamics",
        "2021-03-01",
        [("A5000000001", "José"), ("A5000000002", "Bea")],
        doi="10.5555/Kettle.1",
    ),
    work("W101", "Teapot acoustics", "2023-07-15", [("A5000000001", "José")]),
    work("W102", "Spout turbulence", "2022-01-10", [("A5000000001", "José"), ("A5000000003", "Cy")]),
    work("W103", "Lid vibrations", "2020-05-05", [("A5000000002", "Bea")]),
    work("W104", "Steam choir", "2019-11-11", [("A5000000001", "José"), *BIG_AUTHORS]),
]


@pytest.fixture
def server() -> Iterator[OpenAlexTestServer]:
    with OpenAlexTestServer([ADA, BEA, CY, *WORKS]) as srv:
        srv.add_merged_id("A5999999999", "A5000000001")
        yield srv


def get(server: OpenAlexTestServer, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(server.url + path, timeout=10, **kwargs)


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
def test_author_by_every_id_form(server: OpenAlexTestServer, path: str) -> None:
    response = get(server, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["id"] == OA + "A5000000001"
    assert response.json()["display_name"] == "José Müller-Lüdenscheidt"


def test_orcid_ending_in_x_is_found(server: OpenAlexTestServer) -> None:
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
def test_work_by_every_id_form(server: OpenAlexTestServer, path: str) -> None:
    response = get(server, path)
    assert response.status_code == 200
    assert response.json()["title"] == "Kettle dynamics"


def test_unknown_id_is_404_with_openalex_error_body(server: OpenAlexTestServer) -> None:
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


def test_unknown_endpoint_is_404(server: OpenAlexTestServer) -> None:
    assert get(server, "/frobnicators/X1").status_code == 404


def test_merged_id_redirects_301_to_survivor(server: OpenAlexTestServer) -> None:
    response = get(server, "/authors/A5999999999", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/authors/A5000000001")
    followed = get(server, "/authors/A5999999999")
    assert followed.status_code == 200
    assert followed.json()["id"] == OA + "A5000000001"
    assert [r.status for r in server.requests][-2:] == [301, 200]


def test_single_work_returns_all_authorships(server: OpenAlexTestServer) -> None:
    body = get(server, "/works/W104").json()
    assert len(body["authorships"]) == 151
    assert "is_authors_truncated" not in body


def test_select_returns_only_requested_keys(server: OpenAlexTestServer) -> None:
    assert get(server, "/authors/A5000000002?select=id,display_name").json() == {
        "id": OA + "A5000000002",
        "display_name": "Bea Quill",
    }


# --- lists -------------------------------------------------------------------------------


def result_ids(body: dict[str, Any]) -> list[str]:
    return [r["id"].removeprefix(OA) for r in body["results"]]


def test_works_by_author_newest_first(server: OpenAlexTestServer) -> None:
    body = get(server, "/works?filter=author.id:A5000000001").json()
    assert result_ids(body) == ["W101", "W102", "W100", "W104"]
    assert body["meta"]["count"] == 4
    assert body["group_by"] == []
    assert set(body["meta"]) == {"count", "db_response_time_ms", "page", "per_page", "groups_count"}


def test_list_filters(server: OpenAlexTestServer) -> None:
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
def test_author_search_ignores_case_and_accents(server: OpenAlexTestServer, query: str) -> None:
    body = get(server, "/authors", params={"search": query}).json()
    assert result_ids(body) == ["A5000000001"]
    assert body["results"][0]["relevance_score"] > 0


def test_search_matches_alternatives_and_work_titles(server: OpenAlexTestServer) -> None:
    assert result_ids(get(server, "/authors?search=jan%20quill").json()) == []
    assert result_ids(get(server, "/works?search=TEAPOT").json()) == ["W101"]
    assert result_ids(get(server, "/works?search=kettle+dynamics").json()) == ["W100"]


def test_unknown_filter_field_is_400_openalex_style(server: OpenAlexTestServer) -> None:
    response = get(server, "/works?filter=DOESNTEXIST:1")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid query parameters error."
    assert body["message"].startswith("DOESNTEXIST is not a valid field.")
    assert "author.id" in body["message"]


@pytest.mark.parametrize("per_page", ["0", "201", "-3", "abc"])
def test_per_page_out_of_range_is_400(server: OpenAlexTestServer, per_page: str) -> None:
    for name in ("per-page", "per_page"):
        response = get(server, f"/works?{name}={per_page}")
        assert response.status_code == 400
        assert "per-page" in response.json()["message"]


def test_per_page_bounds_are_accepted(server: OpenAlexTestServer) -> None:
    assert get(server, "/works?per_page=1").json()["meta"]["per_page"] == 1
    assert get(server, "/works?per-page=200").json()["meta"]["per_page"] == 200


def test_page_paging(server: OpenAlexTestServer) -> None:
    pages = [get(server, f"/works?per-page=2&page={n}").json() for n in (1, 2, 3, 4)]
    assert [result_ids(p) for p in pages] == [["W101", "W102"], ["W100", "W103"], ["W104"], []]
    assert [p["meta"]["page"] for p in pages] == [1, 2, 3, 4]
    assert all("next_cursor" not in p["meta"] for p in pages)
    assert {p["meta"]["count"] for p in pages} == {5}


def test_cursor_paging_walks_to_terminal_empty_page(server: OpenAlexTestServer) -> None:
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


def test_cursor_on_empty_result_ends_at_once(server: OpenAlexTestServer) -> None:
    body = get(server, "/works?filter=author.id:A5000000404&cursor=*").json()
    assert body["results"] == [] and body["meta"]["next_cursor"] is None
    assert body["meta"]["count"] == 0


def test_bad_cursor_is_400(server: OpenAlexTestServer) -> None:
    assert get(server, "/works?cursor=not-a-cursor").status_code == 400


def test_lists_truncate_authorships_at_100(server: OpenAlexTestServer) -> None:
    results = {r["id"]: r for r in get(server, "/works?filter=author.id:A5000000001").json()["results"]}
    big = results[OA + "W104"]
    assert len(big["authorships"]) == 100
    assert big["is_authors_truncated"] is True
    assert big["authorships"][0]["author"]["id"] == OA + "A5000000001"
    assert len(results[OA + "W100"]["authorships"]) == 2
    assert results[OA + "W100"].get("is_authors_truncated") is not True


def test_added_entity_replaces_earlier_one(server: OpenAlexTestServer) -> None:
    server.add_entity({**BEA, "display_name": "Beatrix Quill", "orcid": "https://orcid.org/0000-0001-5109-3700"})
    assert get(server, "/authors/A5000000002").json()["display_name"] == "Beatrix Quill"
    assert get(server, "/authors/orcid:0000-0001-5109-3700").status_code == 200


# --- faults and the request log ----------------------------------------------------------


def test_429_with_retry_after_twice_then_success(server: OpenAlexTestServer) -> None:
    fault = server.faults.add(path_prefix="/works", status=429, times=2, retry_after=1)
    first, second, third = (get(server, "/works/W100") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "1"
    assert set(first.json()) == {"error", "message"}
    assert fault.hits == 2 and server.faults.pending == []
    assert get(server, "/authors/A5000000001").status_code == 200


def test_fault_only_hits_its_prefix(server: OpenAlexTestServer) -> None:
    server.faults.add(path_prefix="/works", status=500, times=1)
    assert get(server, "/authors/A5000000001").status_code == 200
    assert get(server, "/works/W100").status_code == 500
    assert get(server, "/works/W100").status_code == 200


def test_persistent_503(server: OpenAlexTestServer) -> None:
    server.faults.add(path_prefix="/works", status=503, times=None)
    assert [get(server, "/works?per-page=1").status_code for _ in range(4)] == [503] * 4
    server.faults.clear()
    assert get(server, "/works?per-page=1").status_code == 200


def test_faults_are_consumed_in_order(server: OpenAlexTestServer) -> None:
    server.faults.add(status=503, times=1)
    server.faults.add(status=401, times=1, body={"error": "Invalid or missing API key", "message": "API key not found"})
    codes = [get(server, "/authors/A5000000001") for _ in range(3)]
    assert [r.status_code for r in codes] == [503, 401, 200]
    assert codes[1].json() == {"error": "Invalid or missing API key", "message": "API key not found"}


def test_delay_provokes_client_timeout(server: OpenAlexTestServer) -> None:
    server.faults.add(path_prefix="/authors", delay=2.0, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(server.url + "/authors/A5000000001", timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert get(server, "/authors/A5000000001").status_code == 200


def test_delay_then_normal_answer(server: OpenAlexTestServer) -> None:
    server.faults.add(delay=0.3, times=1)
    started = time.monotonic()
    assert get(server, "/authors/A5000000001").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_disconnect_fault_drops_the_connection(server: OpenAlexTestServer) -> None:
    server.faults.add(disconnect=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server, "/authors/A5000000001")
    assert get(server, "/authors/A5000000001").status_code == 200


def test_request_log_records_query_and_headers(server: OpenAlexTestServer) -> None:
    get(
        server,
        "/works?filter=author.id:A5000000001&cursor=*&per-page=100&api_key=KEY",
        headers={"Authorization": "Bearer KEY", "From": "me@example.org"},
    )
    [entry] = list(server.requests)
    assert entry.method == "GET"
    assert entry.path == "/works"
    assert entry.query == {"filter": "author.id:A5000000001", "cursor": "*", "per-page": "100", "api_key": "KEY"}
    assert entry.headers["authorization"] == "Bearer KEY"
    assert entry.headers["From"] == "me@example.org"
    assert entry.status == 200
    assert server.requests.matching("/works") == [entry]
    assert server.requests.paths == [entry.raw_path]


# --- loading -----------------------------------------------------------------------------


def test_loads_jsonl_gz_list_response_and_merged_csv(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap" / "authors" / "updated_date=2025-01-01"
    snapshot.mkdir(parents=True)
    with gzip.open(snapshot / "part_000.gz", "wt", encoding="utf-8") as handle:
        for record in (ADA, BEA):
            handle.write(json.dumps(record) + "\n")
    listing = {"meta": {"count": 2, "page": 1, "per_page": 25}, "group_by": [], "results": [WORKS[0], WORKS[1]]}
    (tmp_path / "snap" / "works-page1.json").write_text(json.dumps(listing))
    (tmp_path / "merged.csv").write_text("merge_date,id,merge_into_id\n2023-04-13,A4000000001,A5000000002\n")
    (tmp_path / "snap" / "notes.txt").write_text("not data")
    with OpenAlexTestServer([tmp_path / "snap", tmp_path / "merged.csv"]) as srv:
        assert srv.store.count("authors") == 2
        assert srv.store.count("works") == 2
        assert srv.load_report.merged_ids == 1
        assert get(srv, "/authors/A5000000002").json()["display_name"] == "Bea Quill"
        assert get(srv, "/works/W101").json()["title"] == "Teapot acoustics"
        assert get(srv, "/authors/A4000000001").json()["id"] == OA + "A5000000002"


def test_later_files_win(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(BEA))
    (tmp_path / "b.jsonl").write_text(json.dumps({**BEA, "display_name": "B. Quill"}) + "\n" + json.dumps(CY) + "\n")
    store = OpenAlexStore()
    report = store.load(tmp_path)
    assert (report.files, report.entities) == (2, 3)
    record = store.get("authors", "A5000000002")
    assert record is not None and record["display_name"] == "B. Quill"


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(BEA) + "\n" + '{"id": "https://openalex.org/A5' + "\n")
    with pytest.raises(OpenAlexLoadError, match=r"bad\.jsonl, line 2"):
        OpenAlexStore().load(bad)


def test_error_bodies_and_unknown_ids_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "err.json").write_text(json.dumps({"error": "x", "message": "y"}))
    (tmp_path / "v.json").write_text(json.dumps({"id": "https://openalex.org/V123"}))
    report = OpenAlexStore().load(tmp_path)
    assert report.entities == 0 and len(report.skipped) == 2


def test_serves_the_shared_samples() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"OpenAlex samples folder absent ({SAMPLES}); CI provides it")
    with OpenAlexTestServer([SAMPLES]) as srv:
        priem = get(srv, "/authors/orcid:0000-0001-6187-6610").json()
        # The 2025 record was loaded after the 2023 one (sorted names) and replaced it.
        assert priem["id"] == OA + "A5023888391"
        assert "last_known_institutions" in priem
        merged = get(srv, "/authors/A3125154712", allow_redirects=False)
        assert merged.status_code == 301
        assert merged.headers["Location"].endswith("/authors/A4317838346")
        planck = get(srv, "/works/W4288079944").json()
        assert planck["is_authors_truncated"] is True  # stored from a list, served as stored


# --- pyalex end to end -------------------------------------------------------------------


@pytest.fixture
def pyalex_on(server: OpenAlexTestServer, monkeypatch: pytest.MonkeyPatch) -> OpenAlexTestServer:
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


def test_pyalex_end_to_end(pyalex_on: OpenAlexTestServer) -> None:
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


def test_pyalex_retries_429_and_maps_errors(pyalex_on: OpenAlexTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
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


# --- the demo dataset --------------------------------------------------------------------

DEMO = Path(settings.BASE_DIR) / "demo" / "openalex"
JAN = "A5990000001"


def load_generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_demo_data", Path(settings.BASE_DIR) / "scripts" / "make_demo_data.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_committed_demo_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    generator = load_generator()
    generator.write(generator.build(), tmp_path)
    committed = sorted(p.relative_to(DEMO) for p in DEMO.rglob("*") if p.is_file())
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == generated
    changed = [str(rel) for rel in generated if (tmp_path / rel).read_bytes() != (DEMO / rel).read_bytes()]
    assert changed == [], "demo/openalex differs from scripts/make_demo_data.py output: regenerate"


@pytest.fixture(scope="module")
def demo_server() -> Iterator[OpenAlexTestServer]:
    with OpenAlexTestServer([DEMO]) as srv:
        yield srv


def walk_works(server: OpenAlexTestServer, author_id: str, per_page: int) -> list[list[dict[str, Any]]]:
    pages, cursor = [], "*"
    while cursor:
        body = get(
            server, "/works", params={"filter": f"author.id:{author_id}", "cursor": cursor, "per-page": per_page}
        ).json()
        pages.append(body["results"])
        cursor = body["meta"]["next_cursor"]
    return pages


def test_demo_seed_researcher_matches_the_seed_page(demo_server: OpenAlexTestServer) -> None:
    jan = get(demo_server, f"/authors/{JAN}").json()
    assert jan["display_name"] == "Jan Leike"
    assert jan["orcid"] is None and jan["affiliations"] == [] and jan["last_known_institutions"] == []
    assert len(jan["topics"]) == 4
    works = [w for page in walk_works(demo_server, JAN, 100) for w in page]
    assert [(w["publication_year"], w["type"], w["primary_location"]["source"]["display_name"]) for w in works] == [
        (2026, "preprint", "arXiv (Cornell University)")
    ] * 2 + [(2022, "preprint", "arXiv (Cornell University)")] * 2 + [
        (2020, "preprint", "arXiv (Cornell University)")
    ] * 2
    titles = {w["title"] for w in works}
    assert "Training language models to follow instructions with human feedback" in titles
    assert "Pitfalls of learning a reward function online" in titles
    instruct = next(w for w in works if w["title"].startswith("Training language models"))
    words = sorted((p, word) for word, ps in instruct["abstract_inverted_index"].items() for p in ps)
    assert " ".join(word for _, word in words).startswith("Making language models bigger does not")
    shared: dict[str, int] = {}
    for work in works:
        for a in work["authorships"]:
            if a["author"]["id"] != OA + JAN:
                shared[a["author"]["id"]] = shared.get(a["author"]["id"], 0) + 1
            else:
                assert a["institutions"] == [] and a["raw_affiliation_strings"] == []
    assert sum(1 for n in shared.values() if n >= 2) == 4


def test_demo_authors_all_resolve_and_the_prolific_one_pages(demo_server: OpenAlexTestServer) -> None:
    ids = (DEMO / "demo-authors.txt").read_text().split()
    assert ids[0] == JAN and 30 <= len(ids) <= 40
    records = [get(demo_server, f"/authors/{i}").json() for i in ids]
    assert [r["id"] for r in records] == [OA + i for i in ids]
    prolific = max(records, key=lambda r: r["works_count"])
    pages = walk_works(demo_server, prolific["id"].removeprefix(OA), 20)
    assert sum(len(p) for p in pages) == prolific["works_count"] >= 55
    assert len(pages) >= 4 and pages[-1] == []
    orcids = [r["orcid"] for r in records if r["orcid"]]
    assert any(o.endswith("X") for o in orcids)
    assert any(len(r["last_known_institutions"]) > 1 for r in records)
    assert any(len(r["affiliations"]) >= 3 for r in records)


def test_demo_lookups_by_orcid_search_and_merged_id(demo_server: OpenAlexTestServer) -> None:
    wrenna = get(demo_server, "/authors", params={"search": "wrenna halloway"}).json()["results"][0]
    orcid = wrenna["orcid"].removeprefix("https://orcid.org/")
    assert get(demo_server, f"/authors/orcid:{orcid.lower()}").json()["id"] == wrenna["id"]
    elodie = get(demo_server, "/authors?search=ELODIE%20brambleford").json()
    assert [r["display_name"] for r in elodie["results"]] == ["Élodie Brambleford"]
    merged = get(demo_server, "/authors/A4990000001", allow_redirects=False)
    assert merged.status_code == 301
    assert get(demo_server, "/authors/A4990000001").json()["works_count"] >= 55
    homepages = [get(demo_server, f"/institutions/I99900000{n:02d}").json()["homepage_url"] for n in range(1, 11)]
    assert all(h.startswith("https://") and h.endswith(".example.org") for h in homepages)
