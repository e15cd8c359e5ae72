"""The suite's cache keys and task messages stay under this session's name, and the sweep at
the end removes exactly those (tests/redis_scope.py). Real Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from graph.tasks import recompute_trust_many
from tests.redis_scope import SESSION_TAG, sweep


@pytest.fixture
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def task_ids(client: redis.Redis, queue: str) -> list[str]:
    return [json.loads(message)["headers"]["id"] for message in client.lrange(queue, 0, -1)]


def test_a_task_a_test_queues_goes_to_the_session_queue_not_the_shared_one(client) -> None:
    sent = recompute_trust_many.delay([1])
    assert sent.id in task_ids(client, SESSION_TAG)
    assert sent.id not in task_ids(client, "celery")


def test_cache_entries_carry_the_session_name(client) -> None:
    cache.set("redis-scope-probe", 1)
    assert client.exists(f"{SESSION_TAG}:1:redis-scope-probe")
    assert not client.exists("bzpeer:1:redis-scope-probe")


def test_processes_the_tests_start_use_the_session_name_too() -> None:
    code = "from django.core.cache import cache; from bzpeer.celery import app; " \
           "print(cache.make_key('x'), app.conf.task_default_queue)"
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == [f"{SESSION_TAG}:1:x", SESSION_TAG]


def test_the_sweep_deletes_the_keys_that_carry_the_tag_and_no_other(client) -> None:
    tag = f"bzpeer-test-sweep-{uuid.uuid4().hex[:8]}"
    other = f"bzpeer:1:not-{tag[::-1]}"
    client.set(f"{tag}:1:page", "cached")
    client.rpush(tag, "message")
    client.sadd(f"_kombu.binding.{tag}", "binding")
    client.set(other, "someone else's")
    try:
        assert sweep(settings.REDIS_URL, tag) == 3
        assert not client.exists(f"{tag}:1:page", tag, f"_kombu.binding.{tag}")
        assert client.get(other) == b"someone else's"
    finally:
        client.delete(other)
