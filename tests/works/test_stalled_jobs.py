"""No import job stays running after its process died: runs heartbeat their job, the reaper
(works.reap_stalled_jobs, manage.py reap_stalled_jobs) marks a silent one failed, and the
file import's parsing processes end with their parent.

Real processes: ``manage.py import_openalex`` / ``import_author`` run as subprocesses against
the test database (committed rows, hence transactional tests), are killed with SIGKILL or
reaped while alive; processes are watched through /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bzpeer.celery import app
from openalex_fake import OpenAlexFakeServer
from scripts.bench import generate_works
from tests import openalex_records as oa
from tests.database import database_url
from tests.waiting import wait_for
from works import services, tasks
from works.models import ImportJob, Work

pytestmark = pytest.mark.django_db(transaction=True)

N_WORKS = 10_000
BATCH = 50  # small batches: many heartbeats, and a run long enough to be caught mid-way


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stalled") / "works.jsonl.gz"
    generate_works.generate(str(path), N_WORKS, 1_000, seed=12, jobs=1)
    return path


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    log: Path
    parsers: list[int] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def run_command(tmp_path: Path) -> Iterator[Any]:
    """Start ``manage.py <args>`` against the test database; killed at the end if still running."""
    runs: list[Run] = []

    def start(*args: str, **env: str) -> Run:
        log = tmp_path / f"run-{len(runs)}.log"
        environment = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1", **env}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=environment, stdout=out,
                stderr=subprocess.STDOUT,
            )
        runs.append(Run(process, log))
        return runs[-1]

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()
        for pid in run.parsers:  # orphans a failing test would leave behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = text.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (dead, waiting for a parent to collect it) is gone."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def children_of(pid: int) -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and
            (stat := _stat(int(entry.name))) is not None and stat[1] == pid and stat[0] not in ("Z", "X")]


def wait_briefly(process: subprocess.Popen[bytes], seconds: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)


def start_file_import(run_command: Any, path: Path, **env: str) -> tuple[Run, ImportJob]:
    """A file import in its own process, once it has written its first batch (its parsing
    processes are then at work)."""
    run = run_command("import_openalex", "--followups=skip", f"--batch-size={BATCH}", str(path), **env)
    wait_for(lambda: ImportJob.objects.filter(works_written__gt=0).exists() or run.process.poll() is not None)
    assert run.process.poll() is None, run.output()
    run.parsers = children_of(run.process.pid)
    return run, ImportJob.objects.get()


def test_a_killed_import_leaves_no_parsing_process_and_is_marked_failed(
    big_file: Path, run_command: Any, settings: Any
) -> None:
    run, job = start_file_import(run_command, big_file)
    assert job.status == ImportJob.Status.RUNNING
    parsers = run.parsers
    assert len(parsers) == 2, parsers  # the two parsing processes of works.file_import

    run.process.send_signal(signal.SIGKILL)
    run.process.wait()
    wait_for(lambda: not any(alive(pid) for pid in parsers), timeout=10)

    # Still running as far as its row says; the reaper, with a short timeout, fails it.
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
    settings.IMPORT_HEARTBEAT_TIMEOUT = 1

    def reaped() -> bool:
        call_command("reap_stalled_jobs")
        return ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED

    wait_for(reaped, timeout=15)
    job.refresh_from_db()
    assert job.error.startswith("The worker stopped answering at ")
    assert "no heartbeat for more than 1 s" in job.error and job.error.endswith("Re-run the import.")
    assert job.finished_at is not None and job.heartbeat_at is not None and job.finished_at > job.heartbeat_at


def test_a_job_reaped_while_its_process_runs_stops_at_its_next_heartbeat(big_file: Path, run_command: Any) -> None:
    run, job = start_file_import(run_command, big_file)
    parsers = run.parsers

    # As if the run had been silent too long (timeout 0): the reaper takes its job, once it
    # catches it between two heartbeats (one that lands between its read and its write wins).
    wait_for(lambda: services.import_jobs_reap_stalled(timeout=0) == [job.pk], timeout=10)
    reaped = ImportJob.objects.get(pk=job.pk)
    written_when_reaped = Work.objects.count()

    assert run.process.wait(timeout=60) == 1  # CommandError
    assert "was marked failed or claimed again" in run.output()
    assert not any(alive(pid) for pid in parsers)
    # The job stays as the reaper left it; the run wrote at most the batch it was writing.
    job.refresh_from_db()
    assert (job.status, job.error, job.finished_at) == ("failed", reaped.error, reaped.finished_at)
    assert job.heartbeat_at == reaped.heartbeat_at and job.works_written == reaped.works_written
    assert Work.objects.count() <= written_when_reaped + BATCH < N_WORKS


def test_a_live_import_that_heartbeats_is_not_reaped(big_file: Path, run_command: Any, settings: Any) -> None:
    # Heartbeats come at least every 0.25 s (min(5 s, timeout / 4)) and with each batch of 50;
    # a timeout well under the run's length (about 2 s for these 10,000 works on a fast machine).
    timeout = 1
    settings.IMPORT_HEARTBEAT_TIMEOUT = timeout
    run, job = start_file_import(run_command, big_file, IMPORT_HEARTBEAT_TIMEOUT=str(timeout))
    checks = 0
    while run.process.poll() is None:
        assert services.import_jobs_reap_stalled() == []
        checks += 1
        wait_briefly(run.process, 0.5)
    assert run.process.returncode == 0, run.output()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.works_written == N_WORKS
    # Checked all along a run longer than the timeout.
    assert job.finished_at and job.started_at and (job.finished_at - job.started_at).total_seconds() > timeout
    assert checks > timeout * 2


def test_an_api_import_waiting_out_rate_limits_is_not_reaped(
    openalex: OpenAlexFakeServer, run_command: Any, settings: Any
) -> None:
    openalex.add_entity(oa.author("A5000000700", "Patience Example", works_count=2))
    for n in range(2):
        openalex.add_entity(oa.work(f"W70{n}", f"Slow paper {n}", [oa.authorship("A5000000700", "Patience Example")]))
    # Four answers of "429, retry after 1 s": one request waits 4 s, longer than the timeout.
    openalex.faults.add(path_prefix="/works", status=429, times=4, retry_after=1)
    timeout = 2
    settings.IMPORT_HEARTBEAT_TIMEOUT = timeout
    run = run_command(
        "import_author", "A5000000700", "--followups=now",
        OPENALEX_URL=openalex.url, OPENALEX_MAX_RETRIES="5", OPENALEX_BACKOFF="0.01",
        IMPORT_HEARTBEAT_TIMEOUT=str(timeout),
    )
    while run.process.poll() is None:
        assert services.import_jobs_reap_stalled() == []
        wait_briefly(run.process, 0.25)
    assert run.process.returncode == 0, run.output()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.works_written == 2
    assert [r.status for r in openalex.requests.matching("/works")][:5] == [429, 429, 429, 429, 200]
    assert job.finished_at and job.started_at and (job.finished_at - job.started_at).total_seconds() > timeout


def test_a_heartbeat_between_the_reapers_read_and_write_keeps_the_job() -> None:
    job = services.import_job_create(query="A5000000800")
    claimed = services.import_job_claim(job.pk)
    assert claimed is not None
    beaten = False

    def heartbeat_after_the_read(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal beaten
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT") and not beaten:
            beaten = True  # the run's heartbeat, just after the reaper read the job as silent
            services.import_job_heartbeat(claimed)
        return result

    with connection.execute_wrapper(heartbeat_after_the_read):
        assert services.import_jobs_reap_stalled(timeout=0) == []
    assert beaten and ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
    # Silent since: reaped, and the run finds out at its next heartbeat.
    assert services.import_jobs_reap_stalled(timeout=0) == [job.pk]
    with pytest.raises(services.ImportAbandoned):
        services.import_job_heartbeat(claimed, works_written=5)
    assert ImportJob.objects.get(pk=job.pk).works_written == 0
    assert not services.import_job_fail(claimed, "the run's own reason")
    assert ImportJob.objects.get(pk=job.pk).error.startswith("The worker stopped answering at ")


def test_queued_and_finished_jobs_are_never_reaped_and_the_reaper_runs_every_minute() -> None:
    queued = services.import_job_create(query="A5000000801")
    done = ImportJob.objects.create(query="A5000000802", status=ImportJob.Status.DONE)
    assert services.import_jobs_reap_stalled(timeout=0) == []
    assert {j.status for j in ImportJob.objects.filter(pk__in=[queued.pk, done.pk])} == {"queued", "done"}

    entry = settings.CELERY_BEAT_SCHEDULE["reap-stalled-import-jobs"]
    assert entry["task"] == "works.reap_stalled_jobs" and entry["task"] in app.tasks
    assert entry["schedule"] == timedelta(minutes=1)
    running = services.import_job_claim(queued.pk)
    assert running is not None
    ImportJob.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert tasks.reap_stalled_jobs() == 1
    assert ImportJob.objects.get(pk=running.pk).status == ImportJob.Status.FAILED
