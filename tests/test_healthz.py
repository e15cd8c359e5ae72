"""/healthz: one SELECT, for load balancers and the web benchmark's baseline."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_ok_after_one_query(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_it_answers_503_when_the_database_fails(client: Client) -> None:
    from django.db import connection

    def fail(execute, sql, params, many, context):
        raise DatabaseError("down")

    with connection.execute_wrapper(fail):
        response = client.get("/healthz")
    assert response.status_code == 503
