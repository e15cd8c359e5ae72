"""Two recomputes of one researcher never interleave: real PostgreSQL advisory locks, each
thread on its own database connection (transactional tests: the threads see commits)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from graph import trust_services
from graph.models import TrustSnapshot
from graph.trust_services import TrustLockTimeout, trust_lock, trust_recompute
from profiles.models import Researcher
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def researcher() -> Researcher:
    return f.researcher("Lena Lock", openalex_id="A5000000401", imported_at=None)


class Holder:
    """A thread that holds trust locks in an open transaction until released."""

    def __init__(self, ids: list[int] | None) -> None:
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ids,), daemon=True)

    def _run(self, ids: list[int] | None) -> None:
        try:
            with transaction.atomic():
                trust_lock(ids)
                self.locked.set()
                self.release.wait(30)
        finally:
            connection.close()

    def __enter__(self) -> Holder:
        self.thread.start()
        assert self.locked.wait(10), "the holder never got the lock"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = target()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    yield
    connection.close()


@pytest.mark.parametrize(
    ("holder_scope", "runner_scope"),
    [("one", "one"), ("all", "one"), ("one", "all")],
    ids=["same-researcher", "full-run-holds", "researcher-run-holds"],
)
def test_a_second_run_waits_until_the_first_commits(
    researcher: Researcher, holder_scope: str, runner_scope: str
) -> None:
    def scope(kind: str) -> list[int] | None:
        return [researcher.pk] if kind == "one" else None

    with Holder(scope(holder_scope)) as holder:
        runner, outcome = in_thread(lambda: trust_recompute(researcher_ids=scope(runner_scope)))
        runner.join(1.0)
        assert runner.is_alive(), "the second run did not wait for the lock"
        assert not TrustSnapshot.objects.exists()
        holder.release.set()
        runner.join(10)
    assert not runner.is_alive() and "error" not in outcome, outcome.get("error")
    assert outcome["result"].written == 1
    assert TrustSnapshot.objects.get(researcher=researcher).is_current


def test_a_run_that_waits_too_long_gives_up_and_writes_nothing(researcher: Researcher) -> None:
    with Holder([researcher.pk]):
        started = time.monotonic()
        with pytest.raises(TrustLockTimeout):
            trust_recompute(researcher_ids=[researcher.pk], lock_timeout=0.3)
        assert time.monotonic() - started < 5
    assert not TrustSnapshot.objects.exists()
    # Once the lock is free the same call succeeds.
    assert trust_recompute(researcher_ids=[researcher.pk], lock_timeout=0.3).written == 1


def test_other_researchers_are_not_held_up(researcher: Researcher) -> None:
    other = f.researcher("Otto Other", openalex_id="A5000000402", imported_at=None)
    with Holder([researcher.pk]):
        assert trust_recompute(researcher_ids=[other.pk], lock_timeout=2).written == 1


def test_two_concurrent_runs_for_one_researcher_store_one_snapshot(
    researcher: Researcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both start together; reading the inputs is slowed down so that, without the lock, both
    would read "no snapshot yet" and both write one (the unique current marker would make one
    fail). With the lock the second reads what the first committed and writes nothing."""
    real_gather = trust_services.trust_inputs_gather

    def slow_gather(*args: Any, **kwargs: Any) -> Any:
        gathered = real_gather(*args, **kwargs)
        time.sleep(0.5)
        return gathered

    monkeypatch.setattr(trust_services, "trust_inputs_gather", slow_gather)
    barrier = threading.Barrier(2)

    def run() -> Any:
        barrier.wait(5)
        return trust_recompute(researcher_ids=[researcher.pk])

    started = time.monotonic()
    runs = [in_thread(run) for _ in range(2)]
    for thread, _ in runs:
        thread.join(20)
    elapsed = time.monotonic() - started

    errors = [outcome["error"] for _, outcome in runs if "error" in outcome]
    assert not errors, errors
    assert sorted(outcome["result"].written for _, outcome in runs) == [0, 1]
    assert TrustSnapshot.objects.filter(researcher=researcher).count() == 1
    assert elapsed >= 1.0  # one after the other: two slowed reads in sequence
