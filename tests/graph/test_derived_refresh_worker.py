"""The partitioned full refresh on a real Celery worker process and the real Redis broker:
the outbox hands it the edge partitions, the last of them queues trust and similar, and the
run ends with the rows of the single passes."""

from __future__ import annotations

import pytest

from graph import tasks
from graph.models import DerivedRefreshRun
from tests.graph.test_derived_refresh import SMALL, derived_rows, single_pass, wipe_derived, world
from tests.waiting import wait_for


@pytest.mark.worker
def test_a_full_partitioned_run_on_the_worker_matches_the_single_passes(celery_worker_queue: str) -> None:
    world()
    expected = single_pass()
    wipe_derived()

    run_id = tasks.refresh_all(reason="test", partition_researchers=SMALL)

    wait_for(lambda: DerivedRefreshRun.objects.get(pk=run_id).state == "done", timeout=120)
    run = DerivedRefreshRun.objects.get(pk=run_id)
    assert run.partitions.count() == 12 and not run.partitions.exclude(state="done").exists()
    assert set(run.partitions.values_list("attempts", flat=True)) == {1}
    assert derived_rows() == expected
