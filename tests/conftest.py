"""Shared fixtures: paths to the OpenAlex samples, a local OpenAlex server, the user cast."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from works.openalex_server import OpenAlexTestServer

# Playwright runs an event loop in the test thread; the ORM calls of browser tests are
# synchronous and safe there (research/stack-notes.md §6).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SAMPLES = Path(settings.BASE_DIR).parent / "shared" / "openalex-samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real OpenAlex records in ../shared (other projects' data: read, never copied)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"OpenAlex samples folder {SAMPLES} is absent (CI has it beside the checkout)")
    return SAMPLES


@pytest.fixture
def openalex(settings) -> Iterator[OpenAlexTestServer]:
    """A local OpenAlex-compatible server that pyalex is pointed at (fast retries)."""
    with OpenAlexTestServer() as server:
        settings.OPENALEX_URL = server.url
        settings.OPENALEX_MAX_RETRIES = 3
        settings.OPENALEX_BACKOFF = 0.01
        settings.OPENALEX_TIMEOUT = 2.0
        settings.OPENALEX_PER_PAGE = 25
        yield server
