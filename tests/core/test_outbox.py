"""The outbox (core/outbox.py): rows written in the caller's transaction, one pending row per
key, run at least once with retries and a lease, and what a person sees of it (the
``outbox`` command, the admin)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from celery import shared_task
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from bzpeer.celery import app as celery_app
from core import outbox
from core import tasks as core_tasks
from core.models import OutboxMessage
from tests import cast
from tests.outbox import make_due, run_outbox, waiting

pytestmark = pytest.mark.django_db

CALLS: list[tuple[Any, ...]] = []
FAILURES: list[Exception] = []


@shared_task(name="tests.outbox_probe")
def probe(*args: Any) -> None:
    """A task for these tests: records its calls; raises what FAILURES holds, first first."""
    CALLS.append(args)
    if FAILURES:
        raise FAILURES.pop(0)


@pytest.fixture(autouse=True)
def _fresh_probe() -> Iterator[None]:
    CALLS.clear()
    FAILURES.clear()
    yield
    CALLS.clear()
    FAILURES.clear()


def new(task: str, args: list[Any], **options: Any) -> int:
    """``outbox.enqueue`` of a row that is written (not covered by a pending one)."""
    message_id = outbox.enqueue(task, args, **options)
    assert message_id is not None
    return message_id


def row(message_id: int) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message_id)


def test_a_row_is_written_with_the_change_and_rolls_back_with_it() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("tests.outbox_probe", [1])
        raise RuntimeError("the change failed")
    assert waiting() == []
    with transaction.atomic():
        message_id = new("tests.outbox_probe", [2, "two"])
    assert (row(message_id).state, row(message_id).args) == ("pending", [2, "two"])


def test_arguments_that_are_not_json_are_refused_at_once() -> None:
    with pytest.raises(TypeError):
        outbox.enqueue("tests.outbox_probe", [object()])
    assert waiting() == []


def test_one_pending_row_per_key_and_a_new_one_once_it_runs() -> None:
    first = new("tests.outbox_probe", [1], key="k")
    assert outbox.enqueue("tests.outbox_probe", [1], key="k") is None  # covered by the pending one
    assert outbox.enqueue("tests.outbox_probe", [1], key="other") is not None
    assert outbox.enqueue("tests.outbox_probe", [1]) is not None  # no key: always a row
    assert outbox.run(first) is True
    assert CALLS == [(1,)] and row(first).state == "done"
    assert outbox.enqueue("tests.outbox_probe", [1], key="k") is not None


def test_a_row_runs_once_and_not_before_it_is_due() -> None:
    later = new("tests.outbox_probe", ["later"], not_before=timezone.now() + timedelta(minutes=5))
    assert outbox.run(later) is False and outbox.drain() == 0 and CALLS == []
    make_due()
    assert outbox.run(later) is True and outbox.run(later) is False  # done is done
    assert CALLS == [("later",)]


def test_a_failing_task_is_retried_with_a_growing_delay_then_failed_for_good() -> None:
    message_id = new("tests.outbox_probe", [7])
    FAILURES.extend(ValueError(f"try {n}") for n in range(outbox.MAX_ATTEMPTS))
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        assert run_outbox() == 1
        failed = row(message_id)
        assert (failed.state, failed.attempts) == ("pending", attempt)
        assert failed.last_error == f"attempt {attempt}: ValueError: try {attempt - 1}"
        assert failed.started_at is not None
        delay = (failed.not_before - failed.started_at).total_seconds()
        assert delay == pytest.approx(outbox.retry_delay(attempt), abs=1)
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 7, 9)] == [60, 120, 240, 3600, 3600]
    run_outbox()
    assert (row(message_id).state, row(message_id).attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert run_outbox() == 0  # a failed row waits for a person
    assert outbox.retry_failed() == 1 and run_outbox() == 1
    assert (row(message_id).state, row(message_id).attempts) == ("done", 1)


def test_a_failed_run_steps_aside_for_a_newer_pending_row_of_its_key(monkeypatch) -> None:
    first = new("tests.outbox_probe", ["k"], key="k")

    def fail_after_a_change(*args: Any) -> None:
        outbox.enqueue("tests.outbox_probe", ["k"], key="k")  # a change while the run reads
        raise ValueError("lock busy")

    monkeypatch.setattr(probe, "run", fail_after_a_change)
    outbox.run(first)
    assert row(first).state == "done" and "superseded" in row(first).last_error
    assert [r.state for r in OutboxMessage.objects.filter(key="k").exclude(pk=first)] == ["pending"]


def test_a_row_naming_no_task_fails_at_once() -> None:
    message_id = new("tests.no_such_task", [])
    assert outbox.run(message_id) is True
    assert (row(message_id).state, row(message_id).last_error) == (
        "failed",
        "No task named 'tests.no_such_task' is registered.",
    )


def test_a_row_whose_runner_died_is_taken_again_after_its_lease() -> None:
    message_id = new("tests.outbox_probe", ["orphan"])
    OutboxMessage.objects.filter(pk=message_id).update(state="running", started_at=timezone.now(), attempts=1)
    assert run_outbox() == 0  # its runner may still be at it
    lease = timedelta(seconds=outbox.lease_seconds() + 1)
    OutboxMessage.objects.filter(pk=message_id).update(started_at=timezone.now() - lease)
    assert run_outbox() == 1
    assert CALLS == [("orphan",)] and (row(message_id).state, row(message_id).attempts) == ("done", 2)


def test_done_rows_are_pruned_after_a_week_and_failed_rows_stay() -> None:
    old, recent, failed = (new("tests.outbox_probe", [n]) for n in range(3))
    OutboxMessage.objects.filter(pk__in=[old, recent]).update(state="done", finished_at=timezone.now())
    OutboxMessage.objects.filter(pk=old).update(finished_at=timezone.now() - timedelta(days=8))
    OutboxMessage.objects.filter(pk=failed).update(state="failed", finished_at=timezone.now() - timedelta(days=30))
    assert outbox.prune() == 1
    assert sorted(OutboxMessage.objects.values_list("pk", flat=True)) == sorted([recent, failed])


def test_the_outbox_command_lists_what_waits_and_drains_it(capsys) -> None:
    call_command("outbox")
    assert "nothing waits in the outbox" in capsys.readouterr().out
    outbox.enqueue("tests.outbox_probe", [1])
    broken = new("tests.no_such_task", [2])
    outbox.run(broken)
    call_command("outbox")
    out = capsys.readouterr().out
    assert "pending       1  tests.outbox_probe" in out and "failed        1  tests.no_such_task" in out
    assert f"#{broken} failed tests.no_such_task(2,)" in out and "No task named" in out
    call_command("outbox", "--drain")
    out = capsys.readouterr().out
    assert "ran 1 row(s)" in out and "tests.outbox_probe" not in out and CALLS == [(1,)]


def test_the_admin_shows_the_outbox_and_sends_failed_rows_back(staff) -> None:
    root = cast.account("root", is_staff=True, is_superuser=True)  # Django admin's superuser
    cast.verify(root)
    broken = new("tests.no_such_task", ["x"])
    outbox.run(broken)
    client = Client()
    client.force_login(staff)  # a moderator: claims are theirs, the outbox is not
    assert client.get("/admin/core/outboxmessage/").status_code == 403
    client.force_login(root)
    page = client.get("/admin/core/outboxmessage/?state__exact=failed")
    assert page.status_code == 200 and "tests.no_such_task" in page.content.decode()
    response = client.post(
        "/admin/core/outboxmessage/", {"action": "retry", "_selected_action": [broken]}, follow=True
    )
    assert response.status_code == 200 and "1 failed row(s) are pending again" in response.content.decode()
    assert row(broken).state == "pending"
    assert client.get(f"/admin/core/outboxmessage/{broken}/change/").status_code == 200  # a read-only view
    assert Client().get("/admin/core/outboxmessage/").status_code == 302  # strangers to log in


def test_beat_drains_every_minute_and_a_starting_worker_drains_at_once(settings) -> None:
    drain = settings.CELERY_BEAT_SCHEDULE["drain-outbox"]
    assert (drain["task"], drain["schedule"], drain["options"]["expires"]) == ("core.drain_outbox", 60.0, 55)
    assert settings.CELERY_BEAT_SCHEDULE["prune-outbox-nightly"]["task"] == "core.prune_outbox"
    sent: list[str] = []
    worker = SimpleNamespace(app=SimpleNamespace(send_task=sent.append))
    core_tasks.drain_outbox_at_worker_start(sender=worker)
    assert sent == ["core.drain_outbox"]

    def broker_down(name: str) -> None:
        raise OSError("connection refused")

    core_tasks.drain_outbox_at_worker_start(sender=SimpleNamespace(app=SimpleNamespace(send_task=broker_down)))


def test_with_eager_celery_a_row_runs_at_commit_whatever_its_delay(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    """No worker and no beat (CELERY_TASK_ALWAYS_EAGER, the browser tests): nothing would
    ever run a delayed row, so the commit runs it."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        message_id = new("tests.outbox_probe", ["now"], not_before=timezone.now() + timedelta(minutes=5))
    assert CALLS == [("now",)] and row(message_id).state == "done"
