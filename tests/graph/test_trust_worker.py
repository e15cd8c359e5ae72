"""Trust on a real Celery worker process and the real Redis broker: the import follow-ups
(edges, then trust, as a chain) and the per-researcher task after a follow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from graph.models import CoauthorEdge, TrustSnapshot
from graph.tasks import recompute_trust
from profiles.models import Follow, Researcher
from tests import openalex_records as oa
from tests.waiting import wait_for


@pytest.mark.worker
def test_imports_then_follows_are_scored_on_the_worker(tmp_path: Path, celery_worker_queue: str, stranger) -> None:
    records = [
        oa.author("A5000000501", "Wim Worker", orcid="0000-0002-1825-0097"),
        oa.work("W501", "Queued paper", [
            oa.authorship("A5000000501", "Wim Worker", position="first"),
            oa.authorship("A5000000502", "Cora Coauthor"),
        ]),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")

    # --followups=queue: the command leaves edges and trust to the worker (a chain).
    call_command("import_openalex", str(path), "--followups=queue")

    wim = Researcher.objects.get(openalex_id="A5000000501")
    cora = Researcher.objects.get(openalex_id="A5000000502")
    wait_for(lambda: TrustSnapshot.objects.filter(researcher__in=[wim, cora], is_current=True).count() == 2)
    assert CoauthorEdge.objects.filter(researcher_a=min(wim.pk, cora.pk), researcher_b=max(wim.pk, cora.pk)).exists()
    # Trust ran after the edges: each sees the other as a co-author.
    for person in (wim, cora):
        assert TrustSnapshot.objects.get(researcher=person, is_current=True).inputs["distinct_coauthors"] == 1
    assert TrustSnapshot.objects.get(researcher=wim, is_current=True).level == 2

    Follow.objects.create(user=stranger, researcher=wim)
    recompute_trust.delay(wim.pk)
    wait_for(lambda: TrustSnapshot.objects.filter(researcher=wim).count() == 2)
    assert TrustSnapshot.objects.get(researcher=wim, is_current=True).inputs["followers"] == 1
