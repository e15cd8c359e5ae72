"""What the test suite puts in Redis stays under a name of this session's own.

The suite shares REDIS_URL with whatever else uses it: `make demo`'s web and worker read the
same project-local Redis, and a configured REDIS_URL may be someone's real one. Under the
defaults, a task a test queued would wait in the "celery" queue for the next worker there,
which would run it against its own database, where the test's ids are other people; and a
page the tests cached would sit under the keys the demo's web reads. So the session's cache
keys and task queues carry SESSION_TAG (subprocesses too, through the environment), and the
session ends by deleting every key that carries it.
"""

from __future__ import annotations

import os
import uuid

import redis
from celery import Celery
from django.conf import LazySettings

SESSION_TAG = f"bzpeer-test-{uuid.uuid4().hex[:12]}"


def isolate(settings: LazySettings, celery: Celery) -> None:
    """Point the cache prefix and Celery's default queue of this process and of the processes
    it starts at SESSION_TAG."""
    os.environ["CACHE_KEY_PREFIX"] = SESSION_TAG
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = SESSION_TAG
    settings.CACHES["default"]["KEY_PREFIX"] = SESSION_TAG
    settings.CELERY_TASK_DEFAULT_QUEUE = SESSION_TAG
    celery.conf.task_default_queue = SESSION_TAG


def sweep(redis_url: str, tag: str = SESSION_TAG) -> int:
    """Delete every key whose name contains ``tag`` (cache entries, queues, Kombu's bindings
    of those queues); the number deleted."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{tag}*", count=1000))
    return client.delete(*keys) if keys else 0
