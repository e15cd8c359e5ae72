"""Injected faults and the request log of the fake OpenAlex server."""

from __future__ import annotations

import time

import pytest
import requests

from openalex_fake import OpenAlexFakeServer
from tests.openalex_fake.records import get


def test_429_with_retry_after_twice_then_success(server: OpenAlexFakeServer) -> None:
    fault = server.faults.add(path_prefix="/works", status=429, times=2, retry_after=1)
    first, second, third = (get(server, "/works/W100") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "1"
    assert set(first.json()) == {"error", "message"}
    assert fault.hits == 2 and server.faults.pending == []
    assert get(server, "/authors/A5000000001").status_code == 200


def test_fault_only_hits_its_prefix(server: OpenAlexFakeServer) -> None:
    server.faults.add(path_prefix="/works", status=500, times=1)
    assert get(server, "/authors/A5000000001").status_code == 200
    assert get(server, "/works/W100").status_code == 500
    assert get(server, "/works/W100").status_code == 200


def test_persistent_503(server: OpenAlexFakeServer) -> None:
    server.faults.add(path_prefix="/works", status=503, times=None)
    assert [get(server, "/works?per-page=1").status_code for _ in range(4)] == [503] * 4
    server.faults.clear()
    assert get(server, "/works?per-page=1").status_code == 200


def test_faults_are_consumed_in_order(server: OpenAlexFakeServer) -> None:
    server.faults.add(status=503, times=1)
    server.faults.add(status=401, times=1, body={"error": "Invalid or missing API key", "message": "API key not found"})
    codes = [get(server, "/authors/A5000000001") for _ in range(3)]
    assert [r.status_code for r in codes] == [503, 401, 200]
    assert codes[1].json() == {"error": "Invalid or missing API key", "message": "API key not found"}


def test_delay_provokes_client_timeout(server: OpenAlexFakeServer) -> None:
    server.faults.add(path_prefix="/authors", delay=2.0, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(server.url + "/authors/A5000000001", timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert get(server, "/authors/A5000000001").status_code == 200


def test_delay_then_normal_answer(server: OpenAlexFakeServer) -> None:
    server.faults.add(delay=0.3, times=1)
    started = time.monotonic()
    assert get(server, "/authors/A5000000001").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_disconnect_fault_drops_the_connection(server: OpenAlexFakeServer) -> None:
    server.faults.add(disconnect=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server, "/authors/A5000000001")
    assert get(server, "/authors/A5000000001").status_code == 200


def test_request_log_records_query_and_headers(server: OpenAlexFakeServer) -> None:
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
