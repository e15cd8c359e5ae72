"""The snapshot sync fanned out over real Celery worker processes and the real Redis broker:
the command waits for the workers and prints its JSON summary; a worker killed with SIGKILL
mid-part leaves its row to the reaper, and another worker reads the range again with no
duplicates."""

from __future__ import annotations

import gzip
import io
import json
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bzpeer.celery import app as celery_app
from core import outbox
from core.models import OutboxMessage
from graph.models import CoauthorEdge
from scripts.bench import generate_works
from tests import redis_scope
from tests.snapshots import Snapshot, authors, works
from tests.waiting import wait_for
from tests.workers import start_worker
from works import snapshot_sync
from works.models import Authorship, SnapshotSync, SnapshotTask, Work

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.worker
def test_the_command_fans_the_sync_out_to_a_worker_and_waits_for_it(tmp_path: Path, celery_worker_queue: str) -> None:
    snap = Snapshot(tmp_path / "openalex")
    snap.part("authors", "2025-03-01", authors(range(30)))
    snap.part("works", "2025-03-01", works(range(0, 120), pool=30))
    snap.part("works", "2025-03-02", works(range(120, 150), pool=30))
    snap.write_manifests()

    out = io.StringIO()
    call_command(
        "import_openalex", "--snapshot", str(snap.root), "--records-per-task", "40", "--wait", "--json", stdout=out
    )
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    sync = SnapshotSync.objects.get()
    assert summary["sync"] == sync.pk and summary["state"] == "done"
    assert (summary["tasks"], summary["tasks_done"], summary["failed"]) == (5, 5, [])
    assert summary["records_read"] == 180 and summary["entities"]["works"]["records_read"] == 150
    assert Work.objects.count() == 150 and Authorship.objects.count() == 450
    # The follow-ups (a first full load: everyone) ran on the worker too.
    wait_for(lambda: CoauthorEdge.objects.exists())

    # A repeated task does nothing: its row is done.
    task = SnapshotTask.objects.first()
    assert task is not None
    message = outbox.enqueue(snapshot_sync.RUN_TASK, [task.pk])
    assert message is not None
    wait_for(lambda: OutboxMessage.objects.get(pk=message).state == "done")
    assert SnapshotTask.objects.get(pk=task.pk).finished_at == task.finished_at
    assert SnapshotTask.objects.get(pk=task.pk).attempts == 1


def test_wait_exits_non_zero_naming_each_failed_part(tmp_path: Path, celery_worker_queue: str) -> None:
    snap = Snapshot(tmp_path / "openalex")
    snap.part("works", "2025-03-01", works(range(0, 20)))
    missing = snap.part("works", "2025-03-01", works(range(20, 30)))
    snap.write_manifests()
    (snap.root / missing).unlink()

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 task\\(s\\) failed"):
        call_command(
            "import_openalex",
            "--snapshot",
            str(snap.root),
            "--followups=skip",
            "--wait",
            "--json",
            stdout=out,
            stderr=err,
        )
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["state"] == "failed" and summary["tasks_done"] == 1
    assert summary["failed"] == [
        {"part": missing, "entity": "works", "error": "missing: the manifest lists it, but there is no such file"}
    ]
    assert f"failed: {missing}: missing: the manifest lists it, but there is no such file" in err.getvalue()
    assert Work.objects.count() == 20


@pytest.fixture
def own_workers(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start Celery workers (separate processes, solo pool: the worker process runs the task
    itself) on a queue of this test's; each may be killed by the test."""
    queue = f"{redis_scope.SESSION_TAG}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    workers: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        worker = start_worker(queue)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        print(output[-3000:])


def test_a_worker_killed_mid_part_is_replaced_and_nothing_is_duplicated(tmp_path: Path, own_workers: Any) -> None:
    snap = Snapshot(tmp_path / "openalex")
    part = snap.root / "data/works/updated_date=2025-04-01/part_000.gz"
    part.parent.mkdir(parents=True)
    generate_works.generate(str(part), 20_000, 4_000, seed=7, jobs=1)
    snap.write_manifests()
    with gzip.open(part, "rt") as handle:
        authorships = sum(len(json.loads(line)["authorships"]) for line in handle if line.strip())

    first = own_workers()
    call_command("import_openalex", "--snapshot", str(snap.root), "--followups=skip", stdout=io.StringIO())
    task = SnapshotTask.objects.get()
    # Caught mid-part: its first batches are written, far from all of them.
    wait_for(lambda: SnapshotTask.objects.get(pk=task.pk).records_read > 0, timeout=120)
    parsers = _children(first.pid)
    assert len(parsers) == 1  # the task's one parsing process
    first.send_signal(signal.SIGKILL)
    first.wait()
    wait_for(lambda: not any(_alive(pid) for pid in parsers), timeout=10)  # its parsing process ended too
    task.refresh_from_db()
    assert task.state == "running" and 0 < task.records_read < 20_000
    written_when_killed = Work.objects.count()
    assert 0 < written_when_killed < 20_000

    # Its heartbeat goes stale; the reaper queues the row again, another worker takes it.
    own_workers()
    wait_for(lambda: snapshot_sync.snapshot_tasks_reap_stalled(timeout=2) == [task.pk], timeout=30)
    wait_for(lambda: SnapshotSync.objects.get().is_finished, timeout=180)
    task.refresh_from_db()
    assert (task.state, task.attempts, task.records_read) == ("done", 2, 20_000), task.last_error
    assert SnapshotSync.objects.get().state == "done"
    assert Work.objects.count() == 20_000 and Authorship.objects.count() == authorships


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
