"""A real Celery worker for tests: a separate process on a queue of the test's own, against the
test database and the real Redis broker (tests/conftest.py ``celery_worker_queue``, the snapshot
sync's killed-worker tests)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from tests.database import database_url


def start_worker(queue: str, **env: str) -> subprocess.Popen[str]:
    """Start a worker taking tasks from ``queue`` only, with the solo pool (the worker process
    runs each task itself, so killing it kills the task) and none of the cluster chatter a
    lone worker does not need; ``env`` adds to its environment. Its output is piped: read it
    with ``communicate`` once it is stopped."""
    return subprocess.Popen(
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
        env={**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_DEFAULT_QUEUE": queue, "DEBUG": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
