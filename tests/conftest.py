"""Shared fixtures: paths to the OpenAlex samples, a local OpenAlex server, the user cast."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from bzpeer.celery import app as celery_app
from openalex_fake import OpenAlexFakeServer
from tests import redis_scope
from tests.database import database_url

# Playwright runs an event loop in the test thread; the ORM calls of browser tests are
# synchronous and safe there (research/stack-notes.md §6).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SAMPLES = Path(settings.BASE_DIR).parent / "shared" / "openalex-samples"

redis_scope.isolate(settings, celery_app)


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_of_this_session() -> Iterator[None]:
    """The cache and the task queues under this session's name (tests/redis_scope.py), and
    nothing of it left in Redis at the end."""
    from django.core.cache import cache

    if not cache.make_key("x").startswith(redis_scope.SESSION_TAG):
        raise RuntimeError("the cache was set up before tests/conftest.py could give it this session's prefix")
    yield
    redis_scope.sweep(settings.REDIS_URL)


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real OpenAlex records in ../shared (other projects' data: read, never copied)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"OpenAlex samples folder {SAMPLES} is absent (CI has it beside the checkout)")
    return SAMPLES


@pytest.fixture
def openalex(settings) -> Iterator[OpenAlexFakeServer]:
    """A local OpenAlex-compatible server that pyalex is pointed at (fast retries)."""
    with OpenAlexFakeServer() as server:
        settings.OPENALEX_URL = server.url
        settings.OPENALEX_MAX_RETRIES = 3
        settings.OPENALEX_BACKOFF = 0.01
        settings.OPENALEX_TIMEOUT = 2.0
        settings.OPENALEX_PER_PAGE = 25
        yield server


# --- The cast: an owner, a stranger, a staff member (healthchecks' alice, charlie, admin) ---


def _user(django_user_model, name: str, **extra):
    user = django_user_model.objects.create_user(
        username=name, email=f"{name}@example.org", password="correct horse battery staple", **extra
    )
    return user


@pytest.fixture
def stranger(django_user_model):
    return _user(django_user_model, "stranger")


@pytest.fixture
def owner(django_user_model):
    return _user(django_user_model, "owner")


@pytest.fixture
def staff(django_user_model):
    return _user(django_user_model, "staff", is_staff=True)


# --- A real Celery worker ------------------------------------------------------------------------


@pytest.fixture
def celery_worker_queue(transactional_db, monkeypatch, settings) -> Iterator[str]:
    """Start a real Celery worker (a separate process) on a queue of its own, against the test
    database and the real Redis broker; tasks sent from the test go to that queue."""
    import subprocess
    import sys
    import uuid

    queue = f"{redis_scope.SESSION_TAG}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "OPENALEX_URL": settings.OPENALEX_URL,
        "OPENALEX_MAX_RETRIES": str(settings.OPENALEX_MAX_RETRIES),
        "OPENALEX_BACKOFF": str(settings.OPENALEX_BACKOFF),
        "OPENALEX_PER_PAGE": str(settings.OPENALEX_PER_PAGE),
        "DEBUG": "1",
    }
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bzpeer",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        print(output[-4000:])  # shown by pytest when the test fails
