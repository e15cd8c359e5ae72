"""schemathesis against the API's own OpenAPI schema and a live test server (pytest-django's
``live_server``: a real HTTP server on loopback, reading the test database, whose rows are
committed for it): for every operation, generated requests (hostile values included) and the
same requests on the seeded record, each answer checked: never a server error, only
documented status codes and content types, and bodies that match the response schemas
exactly (the schemas forbid fields they do not list). The schema is the one
``/api/v1/openapi.json`` serves (tested to be the same document)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.views import api
from tests.api.conftest import ApiSite

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection (building the schema reads no database); the test below checks that the
# server serves this very document.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads committed rows


@pytest.fixture(autouse=True)
def _seeded(api_site: ApiSite) -> None:
    """The record and its neighbours, committed for the live server's connections."""


def test_the_checked_schema_is_the_one_served(client: Client) -> None:
    served: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    assert served == schema.raw_schema


@schema.parametrize()
# Derandomized and without an example database: the same examples each run, no .hypothesis/ folder.
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_every_answer_conforms_to_the_schema(case: schemathesis.Case, live_server: Any) -> None:
    case.call_and_validate(base_url=live_server.url, checks=CHECKS)
    if case.path_parameters and "openalex_id" in case.path_parameters:
        # The same query on a record that exists, so that the 200 answers are checked too.
        case.path_parameters["openalex_id"] = "W9900000026" if case.path.startswith("/api/v1/works/") else "A5000000001"
        case.call_and_validate(base_url=live_server.url, checks=CHECKS)


def test_the_live_server_answers_the_seeded_record(live_server: Any) -> None:
    """The generated requests reach records that exist (so their 200 answers are checked)."""
    answer = requests.get(f"{live_server.url}/api/v1/researchers/A5000000001", timeout=10)
    assert answer.status_code == 200 and answer.json()["id"] == "A5000000001"
