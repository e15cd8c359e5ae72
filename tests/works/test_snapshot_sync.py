"""The snapshot sync end to end in this process: the command plans and queues through the
outbox, the outbox runs the tasks here (outbox.drain, as a worker's drain would), the rows
hold the state. A real worker: tests/works/test_snapshot_worker.py."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from profiles.models import Researcher, ResearcherAlias
from tests.snapshots import Snapshot, author_key, authors, works
from works import file_import, selectors, snapshot_sync
from works.models import Authorship, SnapshotSync, SnapshotTask, SnapshotTouched, Work

pytestmark = pytest.mark.django_db(transaction=True)


def run_queued() -> int:
    """Run every due outbox row here (the tasks, the finishing task, the follow-ups)."""
    ran = 0
    while n := outbox.drain():
        ran += n
    return ran


def sync_command(root: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_openalex", "--snapshot", str(root), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Work.objects.count(), Authorship.objects.count(), Researcher.objects.count()


@pytest.fixture
def snapshot(tmp_path: Path) -> Snapshot:
    snap = Snapshot(tmp_path / "openalex")
    snap.part("authors", "2025-01-01", authors(range(20)))
    snap.part("works", "2025-01-01", works(range(0, 45), pool=20))
    snap.part("works", "2025-01-02", works(range(45, 60), pool=20))
    snap.write_manifests()
    return snap


def test_a_sync_reads_every_range_once_and_ends_done(snapshot: Snapshot) -> None:
    out = sync_command(snapshot.root, "--records-per-task", "10", "--followups=skip")
    sync = SnapshotSync.objects.get()
    assert f"Snapshot sync {sync.pk} planned: 9 task(s), 9 queued now ({snapshot.root.resolve()})." in out
    assert f"/imports/snapshots/{sync.pk}/" in out
    # One outbox row per task, in queue order (authors before works).
    messages = OutboxMessage.objects.filter(task=snapshot_sync.RUN_TASK).order_by("pk")
    tasks = list(SnapshotTask.objects.order_by("position"))
    assert [m.args for m in messages] == [[t.pk] for t in tasks]
    assert [t.entity for t in tasks] == ["authors"] * 2 + ["works"] * 7

    run_queued()
    sync.refresh_from_db()
    assert sync.state == "done", sync.message
    assert sync.watermarks == {"authors": "2025-01-01", "works": "2025-01-02"}
    assert sync.message == "80 records read, 80 works and authors written."
    assert counts() == (60, 180, 20)
    # The ranges cover each record once.
    for task in SnapshotTask.objects.all():
        assert (task.state, task.attempts, task.records_read) == ("done", 1, task.records_expected)
    assert sum(t.records_read for t in SnapshotTask.objects.filter(entity="works")) == 60


def test_a_repeated_task_or_a_second_sync_of_the_same_data_changes_nothing(snapshot: Snapshot) -> None:
    sync_command(snapshot.root, "--records-per-task", "20", "--followups=skip")
    run_queued()
    before = counts()
    task = SnapshotTask.objects.filter(entity="works").first()
    assert task is not None
    finished = task.finished_at

    # A redelivered message, a repeated one: the row is done, nothing is read.
    assert snapshot_sync.task_run(task.pk) == "skipped"
    task.refresh_from_db()
    assert (task.attempts, task.finished_at) == (1, finished)

    # The folder again: nothing newer than the completed sync, so a sync with nothing to read.
    out = sync_command(snapshot.root, "--followups=skip")
    assert "0 task(s), 0 queued now" in out
    run_queued()
    assert SnapshotSync.objects.order_by("-pk").first().state == "done"  # type: ignore[union-attr]

    # Forget the syncs and read everything again: the rows stay as they were.
    SnapshotSync.objects.all().delete()
    sync_command(snapshot.root, "--records-per-task", "7", "--followups=skip")
    run_queued()
    assert SnapshotSync.objects.get().state == "done"
    assert counts() == before


def test_a_second_sync_reads_only_the_new_partitions_then_the_new_merged_ids(snapshot: Snapshot) -> None:
    sync_command(snapshot.root, "--followups=skip")
    run_queued()
    first = SnapshotSync.objects.get()
    assert first.full_load and first.state == "done"

    snapshot.part("works", "2025-01-05", works(range(60, 70), pool=20))
    snapshot.part("authors", "2025-01-05", authors(range(20, 25)))
    snapshot.merged_ids("authors", "2025-01-05", [(author_key(19), author_key(18))])
    snapshot.write_manifests()
    sync_command(snapshot.root)
    second = SnapshotSync.objects.exclude(pk=first.pk).get()
    assert not second.full_load
    assert second.since == first.watermarks
    assert [(t.kind, t.path) for t in second.tasks.order_by("position")] == [
        ("part", "data/authors/updated_date=2025-01-05/part_000.gz"),
        ("part", "data/works/updated_date=2025-01-05/part_000.gz"),
        ("merged_ids", "data/merged_ids/authors/2025-01-05.csv.gz"),
    ]
    run_queued()
    second.refresh_from_db()
    assert second.state == "done", second.tasks.values_list("last_error", flat=True)
    assert Work.objects.count() == 70
    # The merge was applied after the parts: A…19 is now an alias of A…18.
    assert not Researcher.objects.filter(openalex_id=author_key(19)).exists()
    assert ResearcherAlias.objects.get(openalex_id=author_key(19)).researcher.openalex_id == author_key(18)
    # The researchers it touched were recorded and followed up once (graph.import_followups).
    touched = set(SnapshotTouched.objects.filter(sync=second).values_list("researcher_id", flat=True))
    assert touched and not SnapshotTouched.objects.filter(sync=second, followed_up=False).exists()
    followups = OutboxMessage.objects.filter(task="graph.import_followups")
    assert followups.count() == 1 and set(followups.get().args[0]) == touched


@pytest.mark.parametrize("followups", ["queue", "now"])
def test_a_first_full_load_ends_with_the_partitioned_full_refresh_of_derived_data(
    snapshot: Snapshot, followups: str
) -> None:
    """A first sync touched everyone: graph.tasks.refresh_all's partitions, not per-researcher
    follow-ups; drained here, they leave every co-author edge the single pass would. Queued
    for the workers even with follow-ups "now": never run inline in a time-limited task."""
    from graph.edges import coauthor_edges_refresh
    from graph.models import CoauthorEdge, DerivedRefreshRun

    sync_command(snapshot.root, f"--followups={followups}")
    run_queued()
    assert SnapshotSync.objects.get().full_load
    run = DerivedRefreshRun.objects.get()
    assert "snapshot sync" in run.reason and run.state == "done" and run.queued
    assert not OutboxMessage.objects.filter(task="graph.import_followups").exists()
    edges = set(CoauthorEdge.objects.values_list("researcher_a_id", "researcher_b_id", "shared_works"))
    assert edges
    coauthor_edges_refresh()  # the single pass changes nothing
    assert set(CoauthorEdge.objects.values_list("researcher_a_id", "researcher_b_id", "shared_works")) == edges


def test_bad_parts_are_reported_by_part_and_a_rerun_finishes_the_rest(snapshot: Snapshot) -> None:
    # A missing part, a corrupt gzip, a malformed line, a record count that disagrees.
    snapshot.part("works", "2025-01-03", works(range(100, 110)))
    snapshot.part("works", "2025-01-03", works(range(110, 120)))
    malformed = '{"id": "https://openalex.org/W9000000999", "ti'
    snapshot.part("works", "2025-01-03", [*works(range(120, 123)), malformed, *works(range(123, 125))])
    snapshot.part("works", "2025-01-03", works(range(130, 135)))
    snapshot.write_manifests()
    entries = snapshot.manifest_entries("works")
    entries[-1]["meta"]["record_count"] = 6  # the last part has 5
    snapshot.write_manifest("works", entries)
    base = snapshot.root / "data/works/updated_date=2025-01-03"
    missing = base / "part_000.gz"
    kept = missing.read_bytes()
    missing.unlink()
    corrupt = base / "part_001.gz"
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"\x00" * 40
    corrupt.write_bytes(bytes(data))  # same size: the manifest agrees, the content does not

    sync_command(snapshot.root, "--followups=skip")
    run_queued()
    sync = SnapshotSync.objects.get()
    assert sync.state == "failed"
    failed = {t.path.rsplit("/", 1)[1]: t.last_error for t in sync.tasks.filter(state="failed")}
    assert set(failed) == {"part_000.gz", "part_001.gz", "part_002.gz", "part_003.gz"}
    assert failed["part_000.gz"] == "missing: the manifest lists it, but there is no such file"
    assert "cannot read file" in failed["part_001.gz"] or "invalid JSON" in failed["part_001.gz"]
    assert failed["part_002.gz"].startswith("1 problem(s):\n")
    assert (
        f"{base / 'part_002.gz'}:4: invalid JSON (entity W9000000999), truncated or malformed line"
        in failed["part_002.gz"]
    )
    assert failed["part_003.gz"].endswith("the manifest says 6 records for this range, the file has 5")
    # Everything else was written, the good records of the failed parts too.
    assert Work.objects.filter(openalex_id__in=[f"W9{n:09d}" for n in (120, 121, 122, 123, 124)]).count() == 5
    assert Work.objects.filter(openalex_id__startswith="W90000000").count() >= 60

    # The summary (the page's, --wait's) names each failed part and why, by entity.
    summary = selectors.snapshot_sync_summary(sync_id=sync.pk)
    assert summary.failed_count == 4 and {f.label.rsplit("/", 1)[1] for f in summary.failed} == set(failed)
    assert [(e.entity, e.total, e.failed) for e in summary.entities] == [("authors", 1, 0), ("works", 6, 4)]

    # Fix the folder; the next run finishes the rest, reading only what had failed.
    missing.write_bytes(kept)
    snapshot.part("works", "2025-01-03", works(range(110, 120)), number=1)
    snapshot.part("works", "2025-01-03", works(range(120, 125)), number=2)
    snapshot.write_manifests()
    done_before = {t.pk: t.finished_at for t in SnapshotTask.objects.filter(state="done")}
    sync_command(snapshot.root, "--followups=skip")
    run_queued()
    sync.refresh_from_db()
    assert sync.state == "done", list(sync.tasks.values_list("last_error", flat=True))
    assert {t.pk: t.finished_at for t in SnapshotTask.objects.filter(pk__in=done_before)} == done_before
    assert Work.objects.filter(openalex_id__in=[f"W9{n:09d}" for n in range(100, 125)]).count() == 25


def test_a_transient_database_error_is_retried_with_a_delay_then_fails_the_part(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_command(snapshot.root, "--followups=skip")
    task = SnapshotTask.objects.get(path__endswith="2025-01-02/part_000.gz")
    real = file_import.write_prepared
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(file_import, "write_prepared", flaky)
    OutboxMessage.objects.update(state="done")  # as if the outbox had taken the messages
    assert snapshot_sync.task_run(task.pk) == "retry"
    task.refresh_from_db()
    assert (task.state, task.attempts) == ("queued", 1)
    assert task.last_error == "attempt 1: OperationalError: server closed the connection unexpectedly"
    retry = OutboxMessage.objects.filter(task=snapshot_sync.RUN_TASK, args=[task.pk], state="pending").order_by("-pk")[
        0
    ]
    assert retry.not_before > timezone.now() + timedelta(seconds=3)  # after a delay

    assert snapshot_sync.task_run(task.pk) == "done"  # the range again, from its start
    task.refresh_from_db()
    assert (task.state, task.attempts, task.records_read) == ("done", 2, 15)
    assert Work.objects.filter(openalex_id__in=[f"W9{n:09d}" for n in range(45, 60)]).count() == 15

    # A failure that lasts: failed after MAX_ATTEMPTS, with the reason.
    other = SnapshotTask.objects.get(path__endswith="2025-01-01/part_000.gz", entity="works")

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(file_import, "write_prepared", down)
    outcomes = [snapshot_sync.task_run(other.pk) for _ in range(snapshot_sync.MAX_ATTEMPTS)]
    assert outcomes == ["retry"] * (snapshot_sync.MAX_ATTEMPTS - 1) + ["failed"]
    other.refresh_from_db()
    assert other.state == "failed"
    assert other.last_error == (
        f"attempt {snapshot_sync.MAX_ATTEMPTS}: OperationalError: deadlock detected "
        f"(gave up after {snapshot_sync.MAX_ATTEMPTS} attempts)"
    )


def test_an_interrupted_sync_resumes_where_it_stopped(snapshot: Snapshot, settings: Any) -> None:
    sync_command(snapshot.root, "--records-per-task", "15", "--followups=skip")
    tasks = list(SnapshotTask.objects.order_by("position"))
    # The first two tasks ran; the third was claimed by a worker that then died.
    for task in tasks[:2]:
        assert snapshot_sync.task_run(task.pk) == "done"
    died = snapshot_sync.task_claim(tasks[2].pk)
    assert died is not None
    SnapshotTask.objects.filter(pk=died.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.all().delete()  # and every message was lost with the broker

    out = sync_command(snapshot.root, "--followups=skip")
    sync = SnapshotSync.objects.get()
    assert f"Snapshot sync {sync.pk} continued" in out
    assert SnapshotTask.objects.get(pk=died.pk).state == "queued"
    assert OutboxMessage.objects.filter(task=snapshot_sync.RUN_TASK).count() == len(tasks) - 2
    done_before = {t.pk: t.finished_at for t in SnapshotTask.objects.filter(pk__in=[t.pk for t in tasks[:2]])}
    run_queued()
    sync.refresh_from_db()
    assert sync.state == "done"
    assert {t.pk: t.finished_at for t in SnapshotTask.objects.filter(pk__in=done_before)} == done_before
    assert counts()[0] == 60


def ranges(path: str) -> list[tuple[int, int | None, str, int]]:
    return [
        (t.first_record, t.last_record, t.state, t.records_read)
        for t in SnapshotTask.objects.filter(path=path).order_by("first_record")
    ]


def test_a_part_missing_at_first_is_read_in_ranges_once_it_arrives(snapshot: Snapshot) -> None:
    part = snapshot.root / "data/works/updated_date=2025-01-02/part_000.gz"
    kept = part.read_bytes()
    part.unlink()
    sync_command(snapshot.root, "--records-per-task", "10", "--followups=skip")
    run_queued()
    relative = "data/works/updated_date=2025-01-02/part_000.gz"
    assert ranges(relative) == [(0, None, "failed", 0)]  # missing: one whole-file row

    part.write_bytes(kept)  # the download arrives; the plan now cuts the 15 records in two
    sync_command(snapshot.root, "--records-per-task", "10", "--followups=skip")
    run_queued()
    sync = SnapshotSync.objects.get()
    assert sync.state == "done", list(sync.tasks.values_list("last_error", flat=True))
    assert ranges(relative) == [(0, 7, "done", 8), (8, None, "done", 7)]
    assert counts()[0] == 60


def test_a_part_downloaded_again_with_another_record_count_reads_only_what_no_done_range_read(
    snapshot: Snapshot,
) -> None:
    relative = "data/works/updated_date=2025-01-01/part_000.gz"
    sync_command(snapshot.root, "--records-per-task", "10", "--followups=skip")
    assert [r[:2] for r in ranges(relative)] == [(0, 8), (9, 17), (18, 26), (27, 35), (36, None)]
    first_two = SnapshotTask.objects.filter(path=relative).order_by("first_record")[:2]
    for task in first_two:
        assert snapshot_sync.task_run(task.pk) == "done"
    done_before = {t.pk: t.finished_at for t in SnapshotTask.objects.filter(path=relative, state="done")}

    # The part is downloaded again, now with 50 records (45 before): ranges of 10 are planned.
    snapshot.part("works", "2025-01-01", works(range(0, 50), pool=20), number=0)
    snapshot.write_manifests()
    sync_command(snapshot.root, "--records-per-task", "10", "--followups=skip")
    run_queued()
    sync = SnapshotSync.objects.get()
    assert sync.state == "done", list(sync.tasks.values_list("last_error", flat=True))
    # The done ranges stay; the rest of the file is read, each record once.
    assert ranges(relative) == [
        (0, 8, "done", 9),
        (9, 17, "done", 9),
        (18, 19, "done", 2),
        (20, 29, "done", 10),
        (30, 39, "done", 10),
        (40, None, "done", 10),
    ]
    assert {t.pk: t.finished_at for t in SnapshotTask.objects.filter(pk__in=done_before)} == done_before
    assert counts()[0] == 60  # works 45-49 are in the next partition too


def test_a_rerun_while_the_sync_is_finishing_takes_no_new_parts_and_the_next_sync_reads_them(
    snapshot: Snapshot,
) -> None:
    sync_command(snapshot.root, "--followups=skip")
    sync = SnapshotSync.objects.get()
    SnapshotTask.objects.update(state="done")  # as if every part had been read
    with transaction.atomic():
        assert snapshot_sync._end_if_last(sync.pk) is True
    rows = set(SnapshotTask.objects.values_list("pk", flat=True))

    snapshot.part("works", "2025-01-04", works(range(70, 75), pool=20))
    snapshot.write_manifests()
    out = sync_command(snapshot.root, "--followups=skip")
    assert f"sync {sync.pk} is finishing; run again when it is done to read the new parts" in out
    assert set(SnapshotTask.objects.values_list("pk", flat=True)) == rows
    sync.refresh_from_db()
    assert sync.state == "finishing" and sync.watermarks["works"] == "2025-01-02"

    run_queued()
    sync.refresh_from_db()
    assert sync.state == "done", sync.message
    out = sync_command(snapshot.root, "--followups=skip")
    assert "is finishing" not in out
    run_queued()
    second = SnapshotSync.objects.exclude(pk=sync.pk).get()
    assert second.state == "done"
    assert list(second.tasks.values_list("path", flat=True)) == ["data/works/updated_date=2025-01-04/part_000.gz"]
    assert Work.objects.filter(openalex_id__in=[f"W9{n:09d}" for n in range(70, 75)]).count() == 5


def test_the_reaper_queues_a_task_whose_worker_died_and_a_live_run_keeps_its_row(snapshot: Snapshot) -> None:
    sync_command(snapshot.root, "--followups=skip")
    task = SnapshotTask.objects.filter(entity="works").first()
    assert task is not None
    claimed = snapshot_sync.task_claim(task.pk)
    assert claimed is not None
    assert snapshot_sync.task_claim(task.pk) is None  # a live run holds it
    assert snapshot_sync.snapshot_tasks_reap_stalled() == []
    SnapshotTask.objects.filter(pk=task.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert snapshot_sync.snapshot_tasks_reap_stalled() == [task.pk]
    task.refresh_from_db()
    assert task.state == "queued" and task.last_error.startswith("attempt 1: the worker stopped answering at ")
    # The run that was taken for dead finds out at its next heartbeat and stops.
    with pytest.raises(snapshot_sync.TaskAbandoned):
        snapshot_sync.TaskHeartbeat(claimed).beat(records_read=1)
    run_queued()
    task.refresh_from_db()
    assert (task.state, task.attempts) == ("done", 2)


def test_the_last_task_to_end_queues_the_finishing_task_exactly_once(snapshot: Snapshot) -> None:
    sync_command(snapshot.root, "--followups=skip")
    sync = SnapshotSync.objects.get()
    SnapshotTask.objects.update(state="done")
    with transaction.atomic():
        assert snapshot_sync._end_if_last(sync.pk) is True
    with transaction.atomic():
        assert snapshot_sync._end_if_last(sync.pk) is False  # another task ending: already finishing
    assert OutboxMessage.objects.filter(task=snapshot_sync.FINISH_TASK).count() == 1
    sync.refresh_from_db()
    assert sync.state == "finishing"


def test_the_command_refuses_bad_arguments(tmp_path: Path, snapshot: Snapshot) -> None:
    with pytest.raises(CommandError, match="no such folder"):
        sync_command(tmp_path / "nowhere")
    with pytest.raises(CommandError, match="not both"):
        call_command("import_openalex", "file.json", "--snapshot", str(snapshot.root))
    with pytest.raises(CommandError, match="--json goes with --wait"):
        sync_command(snapshot.root, "--json")
    with pytest.raises(CommandError, match="at least 1"):
        sync_command(snapshot.root, "--records-per-task", "0")
    assert not SnapshotSync.objects.exists()


def test_a_folder_that_is_no_snapshot_never_completes(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    out = sync_command(folder, "--followups=skip")
    assert "problem: " in out and "not an OpenAlex snapshot" in out
    run_queued()
    sync = SnapshotSync.objects.get()
    assert sync.state == "failed" and "1 problem(s) with the folder" in sync.message
    assert snapshot_sync.completed_watermarks() == {}
    shutil.rmtree(folder)
    connection.close()
