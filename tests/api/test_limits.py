"""The API's per-address read limit (api/limits.py): 429 with Retry-After past it, one bucket
per client address as bzpeer.http.client_ip tells it, and no limit while Redis is down."""

from __future__ import annotations

import pytest
from django.test import Client

from api.limits import api_rate_check
from tests.redis_outage import free_port, redis_at

pytestmark = pytest.mark.django_db

URL = "/api/v1/works/W1"  # a 404: the limit counts every read, found or not


MOMENT = 6_000_000 * 60 + 15.0  # 15 s into a minute


@pytest.fixture
def limited(settings, monkeypatch) -> None:
    settings.API_RATE_PER_MINUTE = 3
    settings.TRUSTED_PROXY_COUNT = 1
    # A fixed clock: no test may cross a minute's boundary halfway.
    monkeypatch.setattr("api.limits.time.time", lambda: MOMENT)


def test_an_address_over_the_limit_gets_429_with_retry_after(client: Client, limited: None) -> None:
    me = "203.0.113.7"
    assert [client.get(URL, HTTP_X_FORWARDED_FOR=me).status_code for _ in range(3)] == [404, 404, 404]
    refused = client.get(URL, HTTP_X_FORWARDED_FOR=me)
    assert refused.status_code == 429 and refused["Content-Type"] == "application/json"
    assert refused["Retry-After"] == "45"
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert "try again" in refused.json()["reason"]
    # Another address has its own bucket; a forged header left of the proxy's entry chooses none.
    assert client.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 404
    assert client.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7").status_code == 429
    # Pages of the site are not counted here.
    assert client.get("/healthz").status_code == 200


def test_the_window_ends_when_retry_after_says(limited: None, rf) -> None:
    request = rf.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.9")
    start = MOMENT
    assert [api_rate_check(request, now=start) for _ in range(3)] == [0, 0, 0]
    assert api_rate_check(request, now=start + 1) == 44
    assert api_rate_check(request, now=start + 45) == 0  # the next minute


def test_reads_are_not_limited_while_redis_is_down(client: Client, limited: None) -> None:
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):
        assert {client.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code for _ in range(6)} == {404}


def test_a_limit_of_zero_is_no_limit(client: Client, settings) -> None:
    settings.API_RATE_PER_MINUTE = 0
    assert {client.get(URL).status_code for _ in range(5)} == {404}
