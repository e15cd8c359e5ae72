"""The partitioned full refresh of derived data (graph.derived_refresh): the same edges, trust
and similar researchers as the single passes, partitions that are no-ops when repeated, runs
that resume, steps that follow each other once, trust partitions that lock only their range;
and import follow-ups in chunks of bounded size."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from graph import derived_refresh, tasks
from graph.derived_refresh import partition_run, refresh_progress, refresh_resume, refresh_run_here, refresh_start
from graph.edges import MAX_AUTHORS_FOR_EDGES, coauthor_edges_refresh
from graph.models import CoauthorEdge, DerivedRefreshPartition, DerivedRefreshRun, SimilarResearcher, TrustSnapshot
from graph.similar import similar_researchers_refresh
from graph.trust_services import LOCK_BLOCK_IDS, TrustLockTimeout, trust_recompute
from profiles.models import Researcher
from tests import factories as f
from tests.outbox import run_outbox, waiting
from works.models import Authorship, Work

B = LOCK_BLOCK_IDS
# Two researchers a partition: the people below spread over blocks 1-5 and a consortium in
# block 6, so the trust and similar ranges are [-, 2B), [2B, 4B), [4B, 6B), [6B, -); the
# edge ranges hold about as many authorships each (the solo works give the people weight).
SMALL = 2
SOLO_WORKS = 40


def world() -> dict[str, Any]:
    """People in several id blocks, works that cross partitions, a consortium paper of more
    than MAX_AUTHORS_FOR_EDGES authors, a stale edge and an authorship deleted after the edges
    were last refreshed (two stale edges a refresh must delete)."""
    ids = {"p0": B + 1, "p1": B + 2, "p2": 2 * B + 1, "p3": 3 * B + 1, "p4": 3 * B + 2}
    ids |= {"p5": 4 * B + 1, "p6": 5 * B + 1}
    people = {name: f.researcher(name, id=pk) for name, pk in ids.items()}
    p = people
    f.work([p["p0"], p["p1"]], year=2020)
    f.work([p["p0"], p["p2"], p["p3"]], year=2021)
    f.work([p["p1"], p["p2"], p["p3"]], year=2022)
    f.work([p["p1"], p["p5"], p["p6"]], year=2023)
    f.work([p["p5"], p["p2"], p["p3"]], year=2024)
    leaving = f.work([p["p3"], p["p4"]], year=2024)
    consortium = Researcher.objects.bulk_create(
        Researcher(id=6 * B + n, openalex_id=f"A57{n:08d}", display_name=f"Member {n}", record_status="stub")
        for n in range(MAX_AUTHORS_FOR_EDGES)
    )
    f.work([p["p2"], *consortium], year=2024)  # 101 authors: no edges
    solo = Work.objects.bulk_create(
        Work(openalex_id=f"W56{n:08d}", title=f"Solo {n}", publication_year=2019) for n in range(7 * SOLO_WORKS)
    )
    Authorship.objects.bulk_create(
        Authorship(work=work, researcher=people[f"p{n // SOLO_WORKS}"], position=0) for n, work in enumerate(solo)
    )
    coauthor_edges_refresh()
    Authorship.objects.filter(work=leaving, researcher=p["p4"]).delete()
    CoauthorEdge.objects.create(researcher_a=p["p2"], researcher_b=p["p6"], shared_works=7, first_year=1999)
    return people


def edge_rows() -> list[tuple[int, int, int, int | None, int | None]]:
    return sorted(
        CoauthorEdge.objects.values_list("researcher_a", "researcher_b", "shared_works", "first_year", "last_year")
    )


def derived_rows() -> tuple[list[Any], list[Any], list[Any]]:
    trust = sorted(TrustSnapshot.objects.filter(is_current=True).values_list("researcher", "digest"))
    similar = sorted(SimilarResearcher.objects.values_list("researcher", "similar", "score", "common_coauthors"))
    return edge_rows(), trust, similar


def single_pass() -> tuple[list[Any], list[Any], list[Any]]:
    coauthor_edges_refresh()
    trust_recompute()
    similar_researchers_refresh()
    return derived_rows()


def wipe_derived() -> None:
    CoauthorEdge.objects.all().delete()
    TrustSnapshot.objects.all().delete()
    SimilarResearcher.objects.all().delete()


@pytest.mark.django_db
def test_the_ranges_tile_every_id_in_whole_blocks() -> None:
    p = world()
    assert derived_refresh.plan_ranges(SMALL) == [(None, 2 * B), (2 * B, 4 * B), (4 * B, 6 * B), (6 * B, None)]
    # About 100 authorships each (the people have ~42, the consortium members 1 each).
    p2, p4 = p["p2"].pk, p["p4"].pk
    assert derived_refresh.plan_edge_ranges(4) == [(None, p2), (p2, p4), (p4, 6 * B + 1), (6 * B + 1, None)]
    assert derived_refresh.plan_edge_ranges(1) == [(None, None)]
    assert derived_refresh.plan_ranges(10**6) == [(None, None)]
    with pytest.raises(ValueError):
        derived_refresh.plan_ranges(0)


@pytest.mark.django_db
def test_a_partitioned_refresh_writes_exactly_what_the_single_passes_write() -> None:
    people = world()
    run = refresh_start(reason="test", partition_researchers=SMALL, queued=False)
    refresh_run_here(run.pk)

    run.refresh_from_db()
    assert (run.state, run.step) == ("done", 2) and run.finished_at is not None
    assert run.partitions.count() == 12 and not run.partitions.exclude(state="done").exists()
    partitioned = derived_rows()
    ids = {pk: name for name, pk in Researcher.objects.values_list("display_name", "pk")}
    pairs = {(ids[a], ids[b]) for a, b, *_ in partitioned[0]}
    assert ("p3", "p4") not in pairs and ("p2", "p6") not in pairs  # the stale edges went
    assert ("p0", "p2") in pairs and ("p1", "p6") in pairs  # across partitions
    assert not any(name.startswith("Member") for pair in pairs for name in pair)  # the consortium
    assert len(partitioned[1]) == Researcher.objects.count()
    assert partitioned[2]  # co-authors in common give similar researchers

    # The single passes find nothing to change, and the same rows come out of them from scratch.
    assert coauthor_edges_refresh() == 0 and trust_recompute().written == 0
    assert derived_rows() == partitioned
    wipe_derived()
    assert single_pass()[0] == partitioned[0]
    assert derived_rows()[2] == partitioned[2]
    assert people["p0"].pk in {r for r, _ in partitioned[1]}


@pytest.mark.django_db
def test_a_partition_run_twice_changes_nothing() -> None:
    world()
    run = refresh_start(reason="test", partition_researchers=SMALL, queued=False)
    refresh_run_here(run.pk)
    before = derived_rows()
    first = run.partitions.order_by("pk").first()
    assert first is not None and partition_run(first.pk) is False  # done: a no-op

    # Even forced to run again (its row put back), it writes nothing and moves no step.
    run.partitions.update(state="pending")
    assert all(partition_run(pk) for pk in run.partitions.values_list("pk", flat=True))
    assert derived_rows() == before
    # Edges and trust count what they changed: nothing (similar counts the rows it stored).
    assert set(run.partitions.exclude(kind="similar").values_list("rows_changed", flat=True)) == {0}
    assert waiting() == []


@pytest.mark.django_db
def test_an_interrupted_run_resumes_where_it_stopped() -> None:
    world()
    run = refresh_start(reason="test", partition_researchers=SMALL, queued=False)
    edges = list(run.partitions.filter(kind="edges").order_by("low").values_list("pk", flat=True))
    assert partition_run(edges[0]) and partition_run(edges[1])  # then the process died
    progress = refresh_progress(run.pk)
    assert (progress.done, progress.finished) == ({"edges": 2, "trust": 0, "similar": 0}, False)

    assert refresh_resume(run.pk) == 2  # only what is left of the edges
    assert [args for _, args in waiting(derived_refresh.PARTITION_TASK)] == [[edges[2]], [edges[3]]]
    run_outbox()  # the last edge partition queues trust and similar; the drain runs them too

    progress = refresh_progress(run.pk)
    assert progress.finished and progress.done == progress.total == {"edges": 4, "trust": 4, "similar": 4}
    assert DerivedRefreshPartition.objects.filter(pk__in=edges[:2], attempts=1).count() == 2  # not run again
    assert waiting() == []
    partitioned = derived_rows()
    wipe_derived()
    assert single_pass() == (partitioned[0], sorted(partitioned[1]), partitioned[2])


@pytest.mark.django_db
def test_refresh_all_queues_the_edges_first_and_one_run_at_a_time() -> None:
    world()
    run_id = tasks.refresh_all(reason="nightly", partition_researchers=SMALL)
    queued = [args[0] for _, args in waiting(derived_refresh.PARTITION_TASK)]
    assert set(DerivedRefreshPartition.objects.filter(pk__in=queued).values_list("kind", flat=True)) == {"edges"}
    assert len(queued) == 4
    # Still running: the same run, its undone partitions queued again (in case a row failed
    # for good), each of them run once all the same.
    assert tasks.refresh_all() == run_id
    assert sorted(args[0] for _, args in waiting(derived_refresh.PARTITION_TASK)) == sorted(queued * 2)

    run_outbox()
    assert DerivedRefreshRun.objects.get(pk=run_id).state == "done"
    assert set(DerivedRefreshPartition.objects.filter(run_id=run_id).values_list("attempts", flat=True)) == {1}
    assert tasks.refresh_all(partition_researchers=SMALL) != run_id  # a new night, a new run


@pytest.mark.django_db
def test_the_command_runs_reports_and_resumes(capsys) -> None:
    world()
    call_command("refresh_derived", "--all", "--inline", "--partition-researchers", str(SMALL))
    out = capsys.readouterr().out
    assert "Running the partitions here" in out and "done, step 2; partitions done: edges 4/4, trust 4/4" in out
    call_command("refresh_derived", "--status")
    assert "similar 4/4" in capsys.readouterr().out
    call_command("refresh_derived", "--all", "--partition-researchers", "1000000")
    assert "queued for the workers" in capsys.readouterr().out
    run = DerivedRefreshRun.objects.latest("pk")
    call_command("refresh_derived", "--resume", str(run.pk))
    assert f"Run {run.pk}: 1 partition(s) queued again." in capsys.readouterr().out
    run_outbox()
    call_command("refresh_derived", "--status", str(run.pk))
    assert "edges 1/1, trust 1/1, similar 1/1" in capsys.readouterr().out
    with pytest.raises(Exception, match="no run 999999"):
        call_command("refresh_derived", "--status", "999999")
    with pytest.raises(Exception, match="--inline goes with --all"):
        call_command("refresh_derived", "--resume", str(run.pk), "--inline")


@pytest.mark.django_db
def test_a_big_import_refreshes_in_chunks_of_bounded_size(monkeypatch) -> None:
    tasks.refresh_after_import(range(1, 50_001), inline=False)
    chunks = [args[0] for _, args in waiting("graph.import_followups")]
    assert len(chunks) == 10 and max(len(c) for c in chunks) == tasks.IMPORT_FOLLOWUP_CHUNK
    assert sorted(pk for chunk in chunks for pk in chunk) == list(range(1, 50_001))
    assert not DerivedRefreshRun.objects.exists()  # incremental: never a full refresh


@pytest.mark.django_db
@pytest.mark.parametrize("inline", [True, False])
def test_chunked_import_followups_give_the_rows_of_one_refresh(monkeypatch, inline: bool) -> None:
    people = world()
    expected = single_pass()
    wipe_derived()
    coauthor_edges_refresh()  # the import's stale edges come back: the follow-ups must mend them
    CoauthorEdge.objects.create(researcher_a=people["p2"], researcher_b=people["p6"], shared_works=7)
    monkeypatch.setattr(tasks, "IMPORT_FOLLOWUP_CHUNK", 2)
    tasks.refresh_after_import(Researcher.objects.values_list("pk", flat=True), inline=inline)
    if not inline:
        assert len(waiting("graph.import_followups")) == (Researcher.objects.count() + 1) // 2
        run_outbox()
    assert derived_rows() == expected


@pytest.mark.django_db(transaction=True)
def test_a_trust_partition_waits_only_for_runs_in_its_own_blocks() -> None:
    from tests.graph.test_trust_locking import Holder

    inside = f.researcher("Inside", id=2 * B + 5, imported_at=None)
    outside = f.researcher("Outside", id=4 * B + 5, imported_at=None)
    with Holder([inside.pk]):  # a per-researcher recompute in flight in block 2
        assert trust_recompute(id_range=(4 * B, 6 * B), lock_timeout=1).written == 1
        with pytest.raises(TrustLockTimeout):
            trust_recompute(id_range=(2 * B, 3 * B), lock_timeout=0.3)
    assert trust_recompute(id_range=(2 * B, 3 * B), lock_timeout=1).written == 1
    # The single pass over everyone holds everything.
    with Holder(None), pytest.raises(TrustLockTimeout):
        trust_recompute(id_range=(4 * B, 6 * B), lock_timeout=0.3)
    assert TrustSnapshot.objects.filter(researcher__in=[inside, outside], is_current=True).count() == 2
    with pytest.raises(ValueError, match="multiple"):
        trust_recompute(id_range=(B + 1, None))


@pytest.mark.django_db(transaction=True)
def test_the_last_partition_of_a_step_is_detected_once_among_concurrent_ones() -> None:
    import threading

    world()
    run = refresh_start(reason="test", partition_researchers=SMALL, queued=True)
    edges = list(run.partitions.filter(kind="edges").values_list("pk", flat=True))
    barrier = threading.Barrier(len(edges))

    def go(pk: int) -> None:
        try:
            barrier.wait(10)
            partition_run(pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(pk,)) for pk in edges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    queued = [args[0] for _, args in waiting(derived_refresh.PARTITION_TASK)]
    later = list(run.partitions.filter(step=1).values_list("pk", flat=True))
    # The four edge rows, then each trust and similar partition exactly once.
    assert sorted(queued) == sorted([*edges, *later]) and len(queued) == len(set(queued))
    assert DerivedRefreshRun.objects.get(pk=run.pk).step == 1


@pytest.mark.django_db
def test_the_admin_shows_progress_and_queues_a_run_again(staff, django_assert_max_num_queries) -> None:
    from django.test import Client

    from tests import cast

    world()
    run = refresh_start(reason="test", partition_researchers=SMALL, queued=False)
    partition_run(run.partitions.filter(kind="edges").order_by("low").values_list("pk", flat=True)[0])
    root = cast.account("root", is_staff=True, is_superuser=True)
    cast.verify(root)
    client = Client()
    client.force_login(staff)  # a moderator: not theirs
    assert client.get("/admin/graph/derivedrefreshrun/").status_code == 403
    client.force_login(root)
    with django_assert_max_num_queries(12):  # the progress column costs no query per run
        page = client.get("/admin/graph/derivedrefreshrun/")
    assert page.status_code == 200 and "1 / 12" in page.content.decode()
    detail = client.get(f"/admin/graph/derivedrefreshrun/{run.pk}/change/")
    assert detail.status_code == 200 and "Pending" in detail.content.decode() and "Done" in detail.content.decode()
    response = client.post(
        "/admin/graph/derivedrefreshrun/", {"action": "resume", "_selected_action": [run.pk]}, follow=True
    )
    assert "3 partition(s) queued again." in response.content.decode()
    assert len(waiting(derived_refresh.PARTITION_TASK)) == 3
    assert Client().get("/admin/graph/derivedrefreshrun/").status_code == 302  # strangers to log in


@pytest.mark.django_db
def test_the_nightly_start_hands_an_abandoned_inline_run_to_the_workers() -> None:
    world()
    run = refresh_start(reason="command", partition_researchers=SMALL, queued=False)
    first = run.partitions.filter(kind="edges").order_by("low").values_list("pk", flat=True)[0]
    assert partition_run(first)  # then the inline process died: nothing is queued for the rest
    assert waiting() == []

    nightly = tasks.refresh_all(reason="nightly", partition_researchers=SMALL)
    assert nightly == run.pk  # still the one run, now the workers'
    assert DerivedRefreshRun.objects.get(pk=run.pk).queued
    assert len(waiting(derived_refresh.PARTITION_TASK)) == 3
    run_outbox()  # the last edge partition queues trust and similar (the run is queued now)
    assert DerivedRefreshRun.objects.get(pk=run.pk).state == "done"
    assert tasks.refresh_all(partition_researchers=SMALL) != run.pk  # the next night runs again


@pytest.mark.django_db
def test_a_partition_that_keeps_failing_gives_up_and_the_next_night_starts_afresh(monkeypatch, caplog) -> None:
    from django.test import Client

    from graph import edges as graph_edges
    from tests import cast

    world()
    run_id = tasks.refresh_all(reason="nightly", partition_researchers=SMALL)
    run = DerivedRefreshRun.objects.get(pk=run_id)
    broken = run.partitions.filter(kind="edges").order_by("low")[1]
    died = run.partitions.filter(kind="similar").order_by("low")[2]
    died.attempts = derived_refresh.MAX_PARTITION_ATTEMPTS  # every attempt was killed mid-way
    died.save(update_fields=["attempts"])
    real = graph_edges.coauthor_edges_refresh

    def refresh(**kwargs: Any) -> int:
        if kwargs.get("id_range") == (broken.low, broken.high):
            raise RuntimeError("a row this partition cannot take")
        return real(**kwargs)

    monkeypatch.setattr(graph_edges, "coauthor_edges_refresh", refresh)
    for _ in range(derived_refresh.MAX_PARTITION_ATTEMPTS - 1):
        run_outbox()  # the outbox retries the failing task; the others are done
        broken.refresh_from_db()
        assert broken.state == "pending"
    with caplog.at_level("ERROR", logger="graph.derived_refresh"):
        run_outbox()  # the last attempt gives up; step 1 runs for everyone, and the run ends
    broken.refresh_from_db()
    died.refresh_from_db()
    assert (broken.state, broken.attempts) == ("failed", derived_refresh.MAX_PARTITION_ATTEMPTS)
    assert broken.error == "RuntimeError: a row this partition cannot take"
    assert died.state == "failed" and "gave up" in died.error
    assert any("failed after 5 attempts" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    run.refresh_from_db()
    assert run.state == "failed" and run.finished_at is not None
    assert run.partitions.filter(state="done").count() == 10
    progress = refresh_progress(run_id)
    assert progress.finished and progress.failed == {"edges": 1, "trust": 0, "similar": 1}
    assert TrustSnapshot.objects.filter(is_current=True).count() == Researcher.objects.count()

    # A redelivered message leaves a failed partition alone: not run, not counted.
    assert partition_run(broken.pk) is False and refresh_resume(run_id) == 0
    broken.refresh_from_db()
    assert broken.attempts == derived_refresh.MAX_PARTITION_ATTEMPTS
    out = status_of(run_id)
    assert "failed, step 2" in out and "Failed partitions" in out and "edges 1, similar 1" in out
    root = cast.account("root", is_staff=True, is_superuser=True)
    cast.verify(root)
    client = Client()
    client.force_login(root)
    listing = client.get("/admin/graph/derivedrefreshrun/").content.decode()
    assert "Done with failures" in listing and "10 / 12, 2 failed" in listing
    detail = client.get(f"/admin/graph/derivedrefreshrun/{run_id}/change/").content.decode()
    assert "RuntimeError: a row this partition cannot take" in detail

    monkeypatch.setattr(graph_edges, "coauthor_edges_refresh", real)
    assert waiting() == []
    next_night = tasks.refresh_all(reason="nightly", partition_researchers=SMALL)
    assert next_night != run_id
    run_outbox()
    assert DerivedRefreshRun.objects.get(pk=next_night).state == "done"


def status_of(run_id: int) -> str:
    import io

    out = io.StringIO()
    call_command("refresh_derived", "--status", str(run_id), stdout=out)
    return out.getvalue()
