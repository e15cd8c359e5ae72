"""``make bench-load``'s pieces, run for a few seconds on the deploy tests' nginx and gunicorn
(scripts/proxy.py, the very servers the benchmark starts), so the script cannot rot; and the
nginx configuration's promise that a worker killed mid-request loses no GET."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from scripts.bench import bench_load
from scripts.bench.bench_load import Target
from tests.deploy.echo_urls import SLOW_PIDS
from tests.deploy.servers import Gunicorn, Nginx, request

# gunicorn reads the test database, which pytest-django creates only for a session with tests
# marked for it.
pytestmark = pytest.mark.django_db


def wait_for_pid(path: Path, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text().split()[0])
        time.sleep(0.02)
    raise AssertionError("the slow request never reached a worker")


def test_a_get_whose_worker_is_killed_is_answered_by_another(gunicorn: Gunicorn, nginx: Nginx) -> None:
    pids = gunicorn.tmpdir / SLOW_PIDS
    pids.unlink(missing_ok=True)
    answer: dict[str, object] = {}
    client = threading.Thread(
        target=lambda: answer.update(response=request(nginx.port, "GET", "/__test__/slow/?seconds=2", timeout=20))
    )
    client.start()
    victim = wait_for_pid(pids)
    os.kill(victim, signal.SIGKILL)
    client.join(30)
    response = answer["response"]
    assert response.status == 200, (response.status, nginx.error_log()[-2000:])  # type: ignore[attr-defined]
    assert response.body.decode() != f"served by {victim}"  # type: ignore[attr-defined]
    # nginx sent it again, to a live worker: the file names the dead one and then another.
    served = [int(pid) for pid in pids.read_text().split()]
    assert served[0] == victim and len(served) == 2 and served[1] != victim


def test_a_post_whose_worker_is_killed_is_not_sent_again(gunicorn: Gunicorn, nginx: Nginx) -> None:
    pids = gunicorn.tmpdir / SLOW_PIDS
    pids.unlink(missing_ok=True)
    answer: dict[str, object] = {}
    client = threading.Thread(
        target=lambda: answer.update(
            response=request(nginx.port, "POST", "/__test__/slow/?seconds=2", body=b"x=1", timeout=20)
        )
    )
    client.start()
    os.kill(wait_for_pid(pids), signal.SIGKILL)
    client.join(30)
    assert answer["response"].status == 502  # type: ignore[attr-defined]
    time.sleep(0.5)
    assert len(pids.read_text().split()) == 1


def test_the_load_client_counts_statuses_and_survives_a_killed_worker(gunicorn: Gunicorn, nginx: Nginx) -> None:
    targets = [Target("health", "/healthz"), Target("missing", "/researchers/A5999999999/"), Target("home", "/")]
    killed: list[str] = []
    result = asyncio.run(
        bench_load.load(
            nginx.port, targets, connections=5, duration=2.0, timeout=10.0,
            events=[(0.5, "kill", lambda: killed.append(bench_load.kill_one_worker(gunicorn)))],
        )
    )
    assert killed and result.events and result.events[0].endswith("kill")
    assert result.requests > 10
    assert result.statuses_by_kind["health"] == {200: result.statuses_by_kind["health"][200]}
    assert set(result.statuses_by_kind["missing"]) == {404}
    # Only the 404s count as errors: no socket error and no timeout, although a worker died.
    assert result.bad_statuses == result.statuses[404] > 0
    assert result.errors == result.statuses[404]
    assert not result.socket_errors and result.timeouts == 0
    assert 0 < result.percentile(0.5) <= result.percentile(0.99) <= 10
    assert 1.5 < result.seconds <= 2.0


def test_a_request_slower_than_the_timeout_is_a_timeout_not_a_socket_error(nginx: Nginx) -> None:
    result = asyncio.run(
        bench_load.load(nginx.port, [Target("slow", "/__test__/slow/?seconds=2")], connections=1, duration=1.5,
                        timeout=0.5)
    )
    assert result.timeouts >= 1 and result.requests == 0 and not result.socket_errors


def test_the_benchmark_redis_is_its_own_and_stops(tmp_path: Path) -> None:
    with bench_load.run_redis(tmp_path) as redis:
        assert redis.port != 6379 and redis.url.startswith("redis://127.0.0.1:")
        assert bench_load.localservices.redis_ping(redis.port)
        redis.stop()
        assert not bench_load.localservices.redis_ping(redis.port)


def test_the_mix_covers_every_kind_of_page() -> None:
    researchers = [(f"A50000000{n:02d}", f"Ada Example{n}", 5 + 10 * n) for n in range(8)]
    targets = bench_load.mix_from(researchers, [f"W{n}" for n in range(10)], profiles=6, works=4)
    kinds = {target.kind for target in targets}
    assert kinds == {"home", "search", "profile", "work", "graph slice", "trust", "works page 2"}
    fragments = [t for t in targets if t.kind in {"graph slice", "trust", "works page 2"}]
    assert all(("HX-Request", "true") in t.headers for t in fragments)
    assert all(t.path.startswith("/") for t in targets)
