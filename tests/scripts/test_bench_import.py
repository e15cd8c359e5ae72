"""scripts/bench/bench_import.py: the timed import writes the file and leaves nothing queued.

Real PostgreSQL (the test database, written by the benchmark's own subprocess) and the real
Redis broker. Queued follow-ups would carry this database's researcher ids to whichever worker
reads the queue next, such as the demo's, which would run them against its own database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from django.conf import settings

from scripts.bench import bench_import as bi
from scripts.bench import generate_works as gw
from tests.database import database_url
from tests.redis_scope import SESSION_TAG

N_WORKS = 60
N_AUTHORS = 50


@pytest.mark.django_db(transaction=True)
def test_the_timed_import_writes_every_work_and_queues_no_followups(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "works.jsonl.gz"
    gw.generate(str(path), N_WORKS, N_AUTHORS, seed=3, jobs=1)
    queue = f"{SESSION_TAG}-bench"  # removed with the session's other keys
    monkeypatch.setenv("CELERY_TASK_DEFAULT_QUEUE", queue)  # the subprocess's default queue
    run = bi.time_import(database_url(), path, "first run")
    assert run.ok, run.note
    assert run.counts["works"] == N_WORKS and run.counts["researchers"] == N_AUTHORS
    assert run.note.startswith(f"{N_WORKS} records read; {N_WORKS} works")
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue) == 0
