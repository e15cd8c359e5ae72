"""schemathesis against the API's own OpenAPI schema, in process (its WSGI transport, so the
requests see the test database): for every operation, generated requests (hostile values
included) and the same requests on the seeded record, each answer checked: never a server
error, only documented status codes and content types, and bodies that match the response
schemas exactly (the schemas forbid fields they do not list)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import ApiSite

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection: serving the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture(autouse=True)
def _seeded(api_site: ApiSite, settings) -> Iterator[None]:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the WSGI client's host
    # As Django's test client does: the end of a request must not close the test's connection
    # (its transaction holds the seeded rows), nor its start close it as too old.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
# Derandomized and without an example database: the same examples each run, no .hypothesis/ folder.
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_every_answer_conforms_to_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
    if case.path_parameters and "openalex_id" in case.path_parameters:
        # The same query on a record that exists, so that the 200 answers are checked too.
        case.path_parameters["openalex_id"] = "W9900000026" if case.path.startswith("/api/v1/works/") else "A5000000001"
        case.call_and_validate(checks=CHECKS)
