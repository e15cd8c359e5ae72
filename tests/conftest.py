"""Shared fixtures: a local OpenAlex server, the shared record and the cast of users
(tests/cast.py), a real Celery worker. Tests that read OpenAlex records of every schema era take
them from tests/openalex_corpora.py (our own fixtures, plus the real samples when present)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from bzpeer.celery import app as celery_app
from openalex_fake import OpenAlexFakeServer
from profiles.models import Researcher
from tests import cast, factories, redis_scope

# Playwright runs an event loop in the test thread; the ORM calls of browser tests are
# synchronous and safe there (research/stack-notes.md §6).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

redis_scope.isolate(settings, celery_app)


# --- A fresh clone tests everything: `make test` (and so CI) fails on a skipped test ----------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-skips",
        action="store_true",
        help="fail the run when any test or module is skipped (make test passes it)",
    )


_SKIPPED: list[str] = []


def _note_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    # An xfail is reported as skipped too; it is an expected failure, not a test left out.
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note_skip(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and session.config.getoption("--no-skips") and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _SKIPPED and config.getoption("--no-skips"):
        terminalreporter.write_line(
            f"--no-skips: {len(_SKIPPED)} skipped, so the run fails (reasons in the short test summary): "
            + ", ".join(_SKIPPED[:5])
            + (" …" if len(_SKIPPED) > 5 else ""),
            red=True,
        )


@pytest.fixture(scope="session", autouse=True)
def _api_reads_unlimited() -> None:
    """Every test client comes from 127.0.0.1: the API's per-address read limit would refuse
    the walks over every route. tests/api/test_limits.py turns it on where it is tested."""
    settings.API_RATE_PER_MINUTE = 0


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_of_this_session() -> Iterator[None]:
    """The cache and the task queues under this session's name (tests/redis_scope.py), and
    nothing of it left in Redis at the end."""
    from django.core.cache import cache

    if not cache.make_key("x").startswith(redis_scope.SESSION_TAG):
        raise RuntimeError("the cache was set up before tests/conftest.py could give it this session's prefix")
    yield
    redis_scope.sweep(settings.REDIS_URL)


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


# --- The record and the cast (tests/cast.py builds them; healthchecks' hc/test.py is the model) ---


@pytest.fixture
def record(db) -> Researcher:
    """Ada Example (A5000000001), ORCID factories.ORCID, Example University (example.edu), two works."""
    return factories.record()


@pytest.fixture
def anonymous() -> Client:
    """Not signed in: reads public pages; claim, follow, edit and moderation pages send them to log in."""
    return Client()  # pytest-django's ``client`` is the same until a test signs it in


@pytest.fixture
def verified_user(db) -> Any:
    """A verified primary email, nothing else: follows and may claim; sees no one else's claim."""
    return cast.verified_user()


@pytest.fixture
def claimant(record: Researcher) -> Any:
    """An open (pending) claim on ``record``: sees its status, withdraws, adds evidence; cannot edit."""
    return cast.claimant(record)


@pytest.fixture
def owner(record: Researcher) -> Any:
    """Owns ``record`` (approved by ORCID): edits it, hides works, reverts, releases; cannot moderate."""
    return cast.owner(record)


@pytest.fixture
def stranger(db) -> Any:
    """Verified, no relation to ``record``: views, follows, may dispute; never sees claims or edits."""
    return cast.stranger()


@pytest.fixture
def staff(db) -> Any:
    """A moderator (is_staff): queue, decisions, revocations, reverts, imports; never edits records."""
    return cast.staff()


# --- A real Celery worker ------------------------------------------------------------------------


@pytest.fixture
def celery_worker_queue(transactional_db, monkeypatch, settings) -> Iterator[str]:
    """Start a real Celery worker (a separate process) on a queue of its own, against the test
    database and the real Redis broker; tasks sent from the test go to that queue."""
    import subprocess
    import uuid

    from tests.workers import start_worker

    queue = f"{redis_scope.SESSION_TAG}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    worker = start_worker(
        queue,
        OPENALEX_URL=settings.OPENALEX_URL,
        OPENALEX_MAX_RETRIES=str(settings.OPENALEX_MAX_RETRIES),
        OPENALEX_BACKOFF=str(settings.OPENALEX_BACKOFF),
        OPENALEX_PER_PAGE=str(settings.OPENALEX_PER_PAGE),
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
