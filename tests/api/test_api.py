"""The read-only JSON API (api/): what each endpoint answers, its cursors, its refusals, CORS,
and the privacy walk over every endpoint the schema lists."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.keyset import cursor_make
from api.views import api
from tests.api.conftest import HOSTILE_NAME, ApiSite
from works.selectors import WORK_SORTS, WorksFilter, works_matching

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def walk(client: Client, url: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list, following next_cursor to the end."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        page = get(client, url + (f"&cursor={cursor}" if cursor else ""))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


# --- Researcher ---------------------------------------------------------------------------------------


def test_the_researcher_endpoint_answers_the_profile_with_its_trust_and_links(
    client: Client, api_site: ApiSite, settings
) -> None:
    a = api_site.record.openalex_id
    body = get(client, f"/api/v1/researchers/{a}")
    assert body["id"] == a and body["name"] == HOSTILE_NAME  # hostile text stays data
    assert body["orcid"] == api_site.record.orcid and body["record_status"] == "imported"
    assert [t["id"] for t in body["topics"]] == [api_site.topic]
    assert [i["id"] for i in body["institutions"]] == ["I100"]
    assert body["verification"]["level"] >= 1 and body["verification"]["name"]
    assert body["trust"]["score"] > 0 and body["trust"]["components"]
    assert {c["name"] for c in body["trust"]["components"]} >= {"works"} or body["trust"]["components"][0]["label"]
    assert body["links"]["profile"] == f"{settings.SITE_URL}/researchers/{a}/"
    assert body["links"]["works"] == f"{settings.SITE_URL}/api/v1/researchers/{a}/works"


def test_the_researcher_answer_is_cached_in_one_query(
    client: Client, api_site: ApiSite, django_assert_num_queries
) -> None:
    url = f"/api/v1/researchers/{api_site.record.openalex_id}"
    with django_assert_num_queries(5):  # the stamp, the record, institutions, topics, trust
        first = client.get(url).content
    with django_assert_num_queries(1):  # the stamp
        assert client.get(url).content == first


def test_an_alias_moves_permanently_and_unknown_and_deleted_ids_answer_json(client: Client, api_site: ApiSite) -> None:
    a = api_site.record.openalex_id
    moved = client.get(f"/api/v1/researchers/{api_site.alias}/works?limit=5")
    assert moved.status_code == 301 and moved["Location"] == f"/api/v1/researchers/{a}/works?limit=5"
    assert client.get(f"/api/v1/researchers/{api_site.alias}")["Location"] == f"/api/v1/researchers/{a}"
    assert get(client, "/api/v1/researchers/A5123456789", 404)["reason"].startswith("No researcher")
    assert get(client, "/api/v1/researchers/not-an-id", 404)["status"] == 404
    assert get(client, f"/api/v1/researchers/{api_site.gone.openalex_id}", 410)["status"] == 410
    assert get(client, f"/api/v1/researchers/{api_site.gone.openalex_id}/works", 410)["status"] == 410
    # Any accepted id form finds the record.
    assert get(client, f"/api/v1/researchers/{a.lower()}")["id"] == a


@pytest.mark.parametrize(
    "text", ["A" + "9" * 5000, "%00", "A%00", "A%D9%A1%D9%A2", "A%C2%B2", "%E2%80%AE", "W1", f"A{10**30}", "..%2F"]
)
def test_hostile_ids_get_404_json_on_every_researcher_endpoint(client: Client, text: str) -> None:
    for tail in ("", "/works", "/coauthors", "/graph"):
        assert get(client, f"/api/v1/researchers/{text}{tail}", 404)["status"] == 404
    assert get(client, f"/api/v1/works/{text}", 404)["status"] == 404


# --- Works, cursors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(WORK_SORTS))
def test_the_cursor_walks_every_work_once_in_the_works_list_order(client: Client, api_site: ApiSite, sort: str) -> None:
    record = api_site.record
    expected = list(
        works_matching(record, WorksFilter(sort=sort)).order_by(*WORK_SORTS[sort]).values_list("openalex_id", flat=True)
    )
    items = walk(client, f"/api/v1/researchers/{record.openalex_id}/works?limit=4&sort={sort}")
    assert [w["id"] for w in items] == expected
    assert api_site.hidden.openalex_id not in expected and len(expected) == 26


def test_the_works_filters_are_the_works_list_filters(client: Client, api_site: ApiSite) -> None:
    a = api_site.record.openalex_id
    items = walk(client, f"/api/v1/researchers/{a}/works?year_from=2002&year_to=2003&limit=3")
    assert items and {w["publication_year"] for w in items} <= {2002, 2003}
    assert [w["id"] for w in get(client, f"/api/v1/researchers/{a}/works?topic={api_site.topic}")["items"]] == [
        api_site.works[0].openalex_id
    ]
    assert get(client, f"/api/v1/researchers/{a}/works?type=book")["items"] == []


def test_a_page_of_works_costs_a_fixed_number_of_queries(
    client: Client, api_site: ApiSite, django_assert_num_queries
) -> None:
    a = api_site.record.openalex_id
    cursor = get(client, f"/api/v1/researchers/{a}/works?limit=3")["next_cursor"]
    with django_assert_num_queries(4) as captured:  # the record, the page, 2 for the author lists
        client.get(f"/api/v1/researchers/{a}/works?limit=3&cursor={cursor}")
    # A page after a cursor is a range of the order, never rows skipped with OFFSET.
    assert not [q["sql"] for q in captured.captured_queries if "OFFSET" in q["sql"].upper()]
    cursor = get(client, f"/api/v1/researchers/{a}/coauthors?limit=3")["next_cursor"]
    with CaptureQueriesContext(connection) as coauthors:
        client.get(f"/api/v1/researchers/{a}/coauthors?limit=3&cursor={cursor}")
    assert not [q["sql"] for q in coauthors.captured_queries if "OFFSET" in q["sql"].upper()]


def test_a_work_lists_its_authors_in_byline_order_capped_with_a_count(client: Client, api_site: ApiSite) -> None:
    body = get(client, f"/api/v1/works/{api_site.works[-1].openalex_id}")
    assert body["authors_count"] == 31 and len(body["authors"]) == 20
    assert [a["position"] for a in body["authors"]] == list(range(20))
    assert body["authors"][0]["researcher"] == api_site.record.openalex_id
    assert get(client, "/api/v1/works/W1", 404)["status"] == 404
    assert get(client, "/api/v1/works/%00", 404)["status"] == 404


def test_coauthors_and_the_graph_carry_the_evidence_of_each_edge(client: Client, api_site: ApiSite) -> None:
    a = api_site.record.openalex_id
    people = walk(client, f"/api/v1/researchers/{a}/coauthors?limit=1")
    assert people[0]["id"] == api_site.colleague.openalex_id and people[0]["shared_works"] == 12
    assert people[0]["evidence"].startswith("12 shared works")
    assert len(people) == len({p["id"] for p in people}) == 32  # the colleagues and the 30 stubs
    by_name = walk(client, f"/api/v1/researchers/{a}/coauthors?limit=7&sort=name")
    assert sorted(p["id"] for p in by_name) == sorted(p["id"] for p in people)
    graph = get(client, f"/api/v1/researchers/{a}/graph")
    assert graph["centre"] == a
    edge = next(e for e in graph["edges"] if e["target"] == api_site.colleague.openalex_id)
    assert edge["kind"] == "coauthor" and edge["evidence"].startswith("12 shared works")
    assert {n["kind"] for n in graph["nodes"]} >= {"researcher", "institution", "topic", "work"}


CURSOR_PROBLEMS = ["garbage", "a" * 5000, "%00", "１２", str(10**30)]


def test_forged_foreign_and_malformed_cursors_are_refused_with_a_reason(client: Client, api_site: ApiSite) -> None:
    record = api_site.record
    a = record.openalex_id
    works = f"/api/v1/researchers/{a}/works"
    good = get(client, f"{works}?limit=2")["next_cursor"]
    payload = signing.loads(good, salt="bzpeer.api.cursor.works")
    forged = signing.dumps({**payload, "p": [None, None, 1]}, salt="bzpeer.api.cursor.works", key="not-our-key")
    other_endpoint = get(client, f"/api/v1/researchers/{a}/coauthors?limit=1")["next_cursor"]
    other_record = cursor_make("works", f"{api_site.colleague.pk}:date", ["2020-01-01", 2020, 1])
    for cursor in [*CURSOR_PROBLEMS, forged, other_endpoint, other_record, good[:-2]]:
        body = get(client, f"{works}?cursor={quote(cursor)}", 400)
        assert "cursor" in body["reason"]
    assert "another" in get(client, f"{works}?sort=title&cursor={good}", 400)["reason"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        f"limit={10**30}",
        "limit=%C2%B2",
        "limit=%D9%A1",
        "limit=-1",
        "limit=%00",
        "limit=",
        "limit=" + "9" * 5000,
        "year_from=%00",
        f"year_to={10**30}",
        "topic=%00",
        "topic=" + "T" * 5000,
        "type=%00",
        "sort=nope",
        "sort=%00",
        "fields=email",
        "page=2",
    ],
)
def test_bad_parameters_get_400_with_a_reason(client: Client, api_site: ApiSite, query: str) -> None:
    body = get(client, f"/api/v1/researchers/{api_site.record.openalex_id}/works?{query}", 400)
    assert body["status"] == 400 and body["reason"]


def test_unknown_parameters_are_named(client: Client, api_site: ApiSite) -> None:
    a = api_site.record.openalex_id
    reason = get(client, f"/api/v1/researchers/{a}?fields=email&x=1", 400)["reason"]
    assert "fields" in reason and "x" in reason
    assert "email" in get(client, f"/api/v1/researchers/{a}/coauthors?email=1", 400)["reason"]
    assert get(client, f"/api/v1/researchers/{a}/graph?depth=2", 400)["status"] == 400


# --- Search ----------------------------------------------------------------------------------------


def test_search_calls_the_site_search_and_resolves_identifiers_to_a_target(
    client: Client, api_site: ApiSite, settings
) -> None:
    body = get(client, "/api/v1/search?q=close%20colleague")
    assert body["researchers"]["items"][0]["id"] == api_site.colleague.openalex_id
    assert body["redirect"] is None and body["works"]["count"] == 0
    works = get(client, "/api/v1/search?q=paper&kind=works")
    assert works["researchers"] is None and works["works"]["count"] == 25
    doi = api_site.works[3]
    doi.doi = "10.5555/api.3"
    doi.save()
    target = get(client, "/api/v1/search?q=10.5555/api.3")
    assert target["redirect"] == f"{settings.SITE_URL}/api/v1/works/{doi.openalex_id}"
    assert get(client, f"/api/v1/search?q={api_site.record.openalex_id}")["redirect"].endswith(
        f"/api/v1/researchers/{api_site.record.openalex_id}"
    )
    assert get(client, "/api/v1/search?q=10.5555/nothing", 404)["status"] == 404
    for query in ["", "q=a&kind=people", "q=%00", "q=a&page=51", "q=a&cursor=x", "q=" + "a" * 5000, "level=9"]:
        assert get(client, f"/api/v1/search?{query}", 400)["reason"]


# --- CORS, methods, schema -------------------------------------------------------------------------


def test_reads_allow_any_origin_without_credentials_and_other_methods_get_405(
    client: Client, api_site: ApiSite
) -> None:
    url = f"/api/v1/researchers/{api_site.record.openalex_id}"
    response = client.get(url, HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert client.get("/api/v1/researchers/A5123456789")["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(url, HTTP_ORIGIN="https://elsewhere.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    for method in ("post", "put", "patch", "delete"):
        refused = getattr(client, method)(url)
        assert refused.status_code == 405 and refused.json()["status"] == 405, method
        assert refused["Allow"] == "GET"
    assert get(client, "/api/v1/nothing-here", 404)["reason"].startswith("No such endpoint")
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    # Pages of the site carry no CORS header.
    assert "Access-Control-Allow-Origin" not in client.get("/healthz")


def test_the_openapi_schema_lists_every_endpoint_and_the_docs_page_is_off(client: Client) -> None:
    schema = get(client, "/api/v1/openapi.json")
    assert set(schema["paths"]) == {
        "/api/v1/researchers/{openalex_id}",
        "/api/v1/researchers/{openalex_id}/works",
        "/api/v1/researchers/{openalex_id}/coauthors",
        "/api/v1/researchers/{openalex_id}/graph",
        "/api/v1/works/{openalex_id}",
        "/api/v1/search",
    }
    # Exact shapes: schemathesis' response_schema_conformance fails on any field they do not list.
    models = schema["components"]["schemas"]
    assert models and all(model.get("additionalProperties") is False for model in models.values())
    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/api/v1/").status_code == 404
    assert api.docs_url is None


# --- Privacy: every endpoint, every parameter the schema lists --------------------------------------


def every_api_url(client: Client, site: ApiSite) -> list[str]:
    """A URL for each endpoint of the schema (so that a new one cannot be missed), with the
    record's id and each parameter the endpoint takes, and the pages its cursors lead to."""
    schema = client.get("/api/v1/openapi.json").json()
    urls = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            base = path
            for value in (site.record.openalex_id, site.works[-1].openalex_id):
                if "{openalex_id}" not in path:
                    urls.append(base + "?q=example" if "search" in path else base)
                    break
                url = path.replace("{openalex_id}", value)
                if (value[0] == "W") == path.startswith("/api/v1/works/"):
                    urls.append(url)
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            if "limit" in names:
                urls.append(path.replace("{openalex_id}", site.record.openalex_id) + "?limit=100")
            if "sort" in names:
                for sort in next(p for p in operation["parameters"] if p["name"] == "sort")["schema"]["enum"]:
                    urls.append(path.replace("{openalex_id}", site.record.openalex_id) + f"?sort={sort}&limit=100")
    urls += [
        "/api/v1/search?q=ada",
        "/api/v1/search?q=colleague&kind=researchers",
        "/api/v1/search?q=paper&kind=works",
        "/api/v1/search?claimed=yes",
        "/api/v1/search?q=hid",
        f"/api/v1/researchers/{site.colleague.openalex_id}",
        f"/api/v1/works/{site.hidden.openalex_id}",
        f"/api/v1/researchers/{site.colleague.openalex_id}/graph",
    ]
    return urls


def test_no_answer_of_any_endpoint_holds_an_email_claim_evidence_a_follow_or_a_conversation(
    api_site: ApiSite,
) -> None:
    hidden_on_profile = [api_site.hidden.title]
    for role in ("anonymous", "owner"):
        client = Client()
        if role == "owner":
            from claims.models import Claim

            client.force_login(Claim.objects.filter(researcher=api_site.record, state="approved").get().user)
        urls = every_api_url(client, api_site)
        assert len({re.sub(r"\?.*", "", u) for u in urls}) >= 6
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            for secret in [*api_site.emails, *api_site.secrets]:
                if secret in hidden_on_profile and url.startswith(("/api/v1/works/", "/api/v1/search")):
                    continue  # the work itself is public (as on the site); only the profile's list hides it
                assert secret not in text, (role, url, secret)
            # Who follows whom is nobody's business (a follower count is public, as on the profile).
            assert "email" not in text.lower() and "user" not in text.lower(), url


def test_the_cached_researcher_follows_its_record_topics_and_trust(client: Client, api_site: ApiSite) -> None:
    from django.db import transaction

    from graph.trust_services import trust_recompute
    from profiles.models import Researcher
    from tests import factories as f

    url = f"/api/v1/researchers/{api_site.record.openalex_id}"
    assert get(client, url)["name"] == HOSTILE_NAME
    with transaction.atomic():  # its own (sub)transaction, as every real change has
        Researcher.objects.filter(pk=api_site.record.pk).update(preferred_name="Ada Preferred")
    assert get(client, url)["name"] == "Ada Preferred"
    with transaction.atomic():
        f.give_topic(api_site.record, f.topic("Second Topic"), rank=2, works_count=1)
    assert len(get(client, url)["topics"]) == 2
    before = get(client, url)["trust"]["computed_at"]
    with transaction.atomic():
        f.work([api_site.record], year=2026, title="A new work")
        trust_recompute(researcher_ids=[api_site.record.pk])
    assert get(client, url)["trust"]["computed_at"] != before


def test_each_endpoint_costs_the_queries_its_docstring_states(
    client: Client, api_site: ApiSite, django_assert_num_queries
) -> None:
    a = api_site.record.openalex_id
    with django_assert_num_queries(2):  # the record, the page of edges with both researchers
        client.get(f"/api/v1/researchers/{a}/coauthors?limit=5")
    with django_assert_num_queries(5):  # the record, graph_slice's 4
        client.get(f"/api/v1/researchers/{a}/graph")
    with django_assert_num_queries(3):  # the work, 2 for its author list
        client.get(f"/api/v1/works/{api_site.works[-1].openalex_id}")
    with django_assert_num_queries(0):  # refused before any read
        client.get(f"/api/v1/researchers/{a}/works?cursor=forged&limit=0")
